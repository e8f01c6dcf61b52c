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

    /// Long inputs go through the sampled shortlist first: same answer as a
    /// full sort whether the cut lets enough through or not (ties at the
    /// cut, few distinct values, sorted and reversed runs).
    @Test func longInputsEqualAFullSort() {
        var rng = SystemRandomNumberGenerator()
        var shortlisted = 0
        for round in 0..<300 {
            let count = Int.random(in: 512...4_000, using: &rng)
            let distinct = [2, 50, 1_000_000][round % 3]
            var scores: [Float] = (0..<count).map { _ in Float(Int.random(in: 0..<distinct, using: &rng)) }
            if round % 10 == 1 { scores.sort() }
            if round % 10 == 2 { scores.sort(by: >) }
            let ids: [Int32] = (0..<count).map { Int32($0) }.shuffled(using: &rng)
            let limit = Int.random(in: 1...(count / 8), using: &rng)
            if TopK.shortlist(scores: scores, count: count, limit: limit) != nil { shortlisted += 1 }
            let reference = (0..<count).sorted {
                scores[$0] != scores[$1] ? scores[$0] > scores[$1] : ids[$0] < ids[$1]
            }.prefix(limit)
            #expect(
                TopK.select(scores: scores, ids: ids, limit: limit) == Array(reference), "count \(count) limit \(limit)"
            )
        }
        // The fast path must actually be exercised.
        #expect(shortlisted > 100)
    }
}
