import Dataset

/// Popular items of the user's most recent category (as of that event),
/// climbing to the parent category while the list is too short, skipping
/// items known to be unavailable.
///
/// Storage: CSR category → items sorted by decayed popularity (each
/// category's list covers its whole subtree), `categoryListLength` per category.
public struct CategoryPopularity: CandidateGenerator {
    public let name = "category"
    public let provenance = Provenance.category
    public var start: [Int32]
    public var items: [Int32]
    public var scores: [Float]
    public var parent: [Int32]
    public var minItems: Int

    public init(start: [Int32], items: [Int32], scores: [Float], parent: [Int32], minItems: Int) {
        self.start = start
        self.items = items
        self.scores = scores
        self.parent = parent
        self.minItems = minItems
    }

    /// Lists from items' current categories and decayed popularity.
    public init(stats: ItemStats, tree: CategoryTree, config: RecsysConfig) {
        let c = tree.count
        var members = [[Int32]](repeating: [], count: c)
        for i in 0..<stats.count where stats.popularity[i] > 0 && stats.category[i] >= 0 && stats.available[i] != 0 {
            var x = Int(stats.category[i])
            var steps = 0
            while x >= 0 && steps <= c {
                members[x].append(Int32(i))
                x = Int(tree.parent[x])
                steps += 1
            }
        }
        start = [0]
        items = []
        scores = []
        for k in 0..<c {
            let sorted = members[k].sorted {
                stats.popularity[Int($0)] != stats.popularity[Int($1)]
                    ? stats.popularity[Int($0)] > stats.popularity[Int($1)] : $0 < $1
            }.prefix(config.categoryListLength)
            let top = sorted.first.map { stats.popularity[Int($0)] } ?? 1
            for i in sorted {
                items.append(i)
                scores.append(stats.popularity[Int(i)] / top)
            }
            start.append(Int32(items.count))
        }
        parent = tree.parent
        minItems = config.categoryMinItems
    }

    public func list(of category: Int) -> Range<Int> { Int(start[category])..<Int(start[category + 1]) }

    public func generate(for user: UserState, at time: Int64, limit: Int, into set: inout CandidateSet) {
        var c = Int(user.recentCategory)
        guard c >= 0 && c < parent.count else { return }
        var added = 0
        var steps = 0
        // Climb while the lists seen so far are shorter than `minItems`.
        while c >= 0 && steps < 8 {
            for e in list(of: c) where added < limit {
                let item = items[e]
                if set.contains(item) && set.categoryScore[set.add(item, from: [])] > 0 { continue }
                let s = set.add(item, from: .category)
                set.categoryScore[s] = max(set.categoryScore[s], scores[e] / Float(1 + steps))
                added += 1
            }
            if added >= minItems || added >= limit { break }
            c = Int(parent[c])
            steps += 1
        }
    }
}
