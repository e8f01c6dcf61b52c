import Testing

@testable import Candidates

/// The quickselect must pick exactly what a full sort picks, in the same
/// order, ties by smaller id included.
struct TopKTests {
    @Test func selectionEqualsAFullSort() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let count = Int.random(in: 0...300, using: &rng)
            // Few distinct values, so ties at the cut are common.
            let distinct = Int.random(in: 1...20, using: &rng)
            let scores: [Float] = (0..<count).map { _ in Float(Int.random(in: 0..<distinct, using: &rng)) / 4 }
            let ids: [Int32] = (0..<count).map { Int32($0) }.shuffled(using: &rng)
            let limit = Int.random(in: 0...320, using: &rng)
            let reference = (0..<count).sorted {
                scores[$0] != scores[$1] ? scores[$0] > scores[$1] : ids[$0] < ids[$1]
            }.prefix(limit)
            #expect(
                TopK.select(scores: scores, ids: ids, limit: limit) == Array(reference), "\(scores) \(ids) \(limit)")
        }
    }
}
