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

    @Test func collectingSortsAndDropsRepeats() {
        let map = IdMap(collecting: [40, 7, 40, 3])
        #expect(map.raw == [3, 7, 40])
        #expect(map.dense(40) == 2)
    }
}
