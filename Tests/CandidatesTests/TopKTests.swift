import Testing

@testable import Candidates

/// The quickselect path for factor pools must pick exactly what the
/// reference heap picks, in the same order, ties by smaller id included.
struct TopKTests {
    @Test func arraySelectionEqualsTheHeap() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let count = Int.random(in: 0...300, using: &rng)
            // Few distinct values, so ties at the cut are common.
            let distinct = Int.random(in: 1...20, using: &rng)
            let scores: [Float] = (0..<count).map { _ in Float(Int.random(in: 0..<distinct, using: &rng)) / 4 }
            let ids: [Int32] = (0..<count).map { Int32($0) }.shuffled(using: &rng)
            let limit = Int.random(in: 0...320, using: &rng)
            let reference = TopK.select(count: count, limit: limit, score: { scores[$0] }, id: { ids[$0] })
            #expect(TopK.select(scores: scores, ids: ids, limit: limit) == reference, "\(scores) \(ids) \(limit)")
        }
    }
}
