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
            // Negative scores and both zeros (equal as floats, different bits); negative ids too.
            let scores: [Float] = (0..<count).map { _ in
                let v = Float(Int.random(in: 0..<distinct, using: &rng) - distinct / 2) / 4
                return v == 0 && Bool.random(using: &rng) ? -0.0 : v
            }
            let ids: [Int32] = (0..<count).map { Int32($0) - Int32(count / 3) }.shuffled(using: &rng)
            let limit = Int.random(in: 0...320, using: &rng)
            let reference = (0..<count).sorted {
                scores[$0] != scores[$1] ? scores[$0] > scores[$1] : ids[$0] < ids[$1]
            }.prefix(limit)
            #expect(
                TopK.select(scores: scores, ids: ids, limit: limit) == Array(reference), "\(scores) \(ids) \(limit)")
            // The generic path (any Comparable score) gives the same answer.
            #expect(
                TopK.select(scores: scores.map(Double.init), ids: ids, limit: limit) == Array(reference),
                "\(scores) \(ids) \(limit)")
        }
    }

    /// The integer key orders entries exactly as (score, then smaller id).
    @Test func rankKeysFollowScoreThenID() {
        let scores: [Float] = [-.infinity, -2.5, -1e-30, -0.0, 0, 1e-30, 3, .greatestFiniteMagnitude]
        let ids: [Int32] = [.min, -7, 0, 5, .max]
        for a in scores {
            for b in scores {
                for i in ids {
                    for j in ids {
                        let better = a != b ? a > b : i < j
                        let equal = a == b && i == j
                        let ka = TopK.rankKey(a, i)
                        let kb = TopK.rankKey(b, j)
                        #expect(equal ? ka == kb : (ka > kb) == better, "\(a) \(i) vs \(b) \(j)")
                    }
                }
            }
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
            #expect(
                TopK.select(scores: scores.map(Double.init), ids: ids, limit: limit) == Array(reference),
                "count \(count) limit \(limit)")
        }
        // The fast path must actually be exercised.
        #expect(shortlisted > 100)
    }
}
