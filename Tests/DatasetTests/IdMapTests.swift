import Testing

@testable import Dataset

/// Raw → dense ids through the direct table, the binary search above it,
/// and the search alone (`tableLimit: 0`): the same answers.
struct IdMapTests {
    static let raw = [0, 3, 7, 1_000, 33_554_431, 33_554_432, 40_000_000, 9_000_000_000]

    @Test(arguments: [IdMap.tableLimit, 0, 8])
    func everyIdFindsItsIndexAndNoOtherIdDoes(tableLimit: Int) {
        let map = IdMap(sortedUniqueRaw: Self.raw, tableLimit: tableLimit)
        for (dense, id) in Self.raw.enumerated() { #expect(map.dense(id) == Int32(dense), "\(id)") }
        for id in [-1, 1, 2, 8, 999, 1_001, 33_554_433, 39_999_999, 9_000_000_001, Int.max, Int.min] {
            #expect(map.dense(id) == nil, "\(id)")
        }
        #expect(IdMap(sortedUniqueRaw: [], tableLimit: tableLimit).dense(0) == nil)
    }

    /// Many blocks of the search: every id and every gap between ids, against the array itself.
    @Test(arguments: [0, 5_000])
    func aSearchOverManyBlocksFindsExactlyTheIds(tableLimit: Int) {
        var rng = SystemRandomNumberGenerator()
        // Negative ids are never in the table: with a table, start at 0 so both parts hold ids.
        var next = Int.random(in: (tableLimit == 0 ? -1_000 : 0)...1_000, using: &rng)
        var raw: [Int] = []
        for _ in 0..<10_000 {
            raw.append(next)
            next += Int.random(in: 1...3, using: &rng)
        }
        let map = IdMap(sortedUniqueRaw: raw, tableLimit: tableLimit)
        let position = Dictionary(uniqueKeysWithValues: raw.enumerated().map { ($1, Int32($0)) })
        for id in (raw[0] - 2)...(raw[raw.count - 1] + 2) {
            #expect(map.dense(id) == position[id], "\(id)")
        }
    }

    @Test func collectingSortsAndDropsRepeats() {
        let map = IdMap(collecting: [40, 7, 40, 3])
        #expect(map.raw == [3, 7, 40])
        #expect(map.dense(40) == 2)
    }
}
