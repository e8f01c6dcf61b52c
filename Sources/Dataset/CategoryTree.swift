import RecsysCore

/// The category hierarchy over dense category ids.
///
/// Categories named only in item properties (absent from the tree file) are
/// roots of their own. Depth of a root is 0.
public struct CategoryTree: Sendable {
    public let ids: IdMap
    /// Parent dense id, -1 for roots.
    public let parent: [Int32]
    public let depth: [Int32]
    /// Categories present in `category_tree.csv`.
    public let inTreeFile: Int

    public var count: Int { parent.count }

    /// Builds the tree; a parent cycle is reported as an error.
    public init(pairs: [(category: Int, parent: Int?)], extraCategories: [Int], file: String = "category_tree.csv")
        throws
    {
        var all = RawIdSet()
        for p in pairs {
            all.insert(p.category)
            if let parent = p.parent { all.insert(parent) }
        }
        for c in extraCategories { all.insert(c) }
        ids = IdMap(sortedUniqueRaw: all.sorted())
        var parent = [Int32](repeating: -1, count: ids.count)
        for p in pairs {
            guard let c = ids.dense(p.category) else { continue }
            if let raw = p.parent, let d = ids.dense(raw) { parent[Int(c)] = d }
        }
        var depth = [Int32](repeating: -1, count: ids.count)
        for c in 0..<ids.count where depth[c] < 0 {
            var chain: [Int] = []
            var x = c
            while x >= 0 && depth[x] < 0 {
                if chain.count > ids.count {
                    throw DatasetError.invalid(
                        "\(file): the parent links of category \(ids.raw[c]) form a cycle")
                }
                chain.append(x)
                x = Int(parent[x])
            }
            var d: Int32 = x >= 0 ? depth[x] : -1
            for y in chain.reversed() {
                d += 1
                depth[y] = d
            }
        }
        self.parent = parent
        self.depth = depth
        inTreeFile = pairs.count
    }

    /// The category itself, then its ancestors up to the root.
    public func pathToRoot(_ category: Int) -> [Int] {
        var out: [Int] = []
        var x = category
        while x >= 0 && out.count <= count {
            out.append(x)
            x = Int(parent[x])
        }
        return out
    }
}
