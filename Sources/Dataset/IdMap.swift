import RecsysCore

/// Dense ids `0..<count` for raw ids, ordered by raw id so the mapping is
/// deterministic. Lookup is a direct table for raw ids below 2^25 (4 bytes
/// per slot), a hash map above.
public struct IdMap: Sendable {
    /// dense → raw, ascending.
    public let raw: [Int]
    private let table: [Int32]
    private let overflow: [Int: Int32]

    static let tableLimit = 1 << 25

    public init(sortedUniqueRaw: [Int]) {
        raw = sortedUniqueRaw
        let tableIds = sortedUniqueRaw.prefix { $0 < Self.tableLimit }
        var table = [Int32](repeating: -1, count: (tableIds.last ?? -1) + 1)
        for (dense, id) in tableIds.enumerated() { table[id] = Int32(dense) }
        var overflow: [Int: Int32] = [:]
        for dense in tableIds.count..<sortedUniqueRaw.count { overflow[sortedUniqueRaw[dense]] = Int32(dense) }
        self.table = table
        self.overflow = overflow
    }

    /// Builds the map from raw ids in any order, with repeats.
    public init<S: Sequence>(collecting ids: S) where S.Element == Int {
        var set = RawIdSet()
        for id in ids { set.insert(id) }
        self.init(sortedUniqueRaw: set.sorted())
    }

    public var count: Int { raw.count }

    public func dense(_ rawId: Int) -> Int32? {
        denseLookup(rawId)
    }

    func denseLookup(_ rawId: Int) -> Int32? {
        if rawId >= 0 && rawId < table.count {
            let d = table[rawId]
            return d >= 0 ? d : nil
        }
        return overflow[rawId]
    }
}
