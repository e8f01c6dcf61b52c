import Testing

@testable import RecsysCore

/// The selection must pick exactly what a full sort picks, in the same
/// order, ties by smaller id included, with every kind of key.
struct TopKTests {
    /// The ids of the `limit` best (score, id) pairs through keys of type `Key`.
    func topIDs<Key: RankKey>(
        _ scores: [Key.Score], _ ids: [Int32], _ limit: Int, _: Key.Type, ordered: Bool = true
    ) -> [Int32] {
        TopK.largest(zip(scores, ids).map { Key($0, $1) }, limit: limit, ordered: ordered).map(\.id)
    }

    func reference(_ scores: [Float], _ ids: [Int32], _ limit: Int) -> [Int32] {
        (0..<scores.count).sorted {
            scores[$0] != scores[$1] ? scores[$0] > scores[$1] : ids[$0] < ids[$1]
        }.prefix(limit).map { ids[$0] }
    }

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
            let expected = reference(scores, ids, limit)
            let context = "\(scores) \(ids) \(limit)"
            #expect(topIDs(scores, ids, limit, FloatRankKey.self) == expected, "\(context)")
            #expect(topIDs(scores.map(Double.init), ids, limit, DoubleRankKey.self) == expected, "\(context)")
            #expect(topIDs(scores.map { Int($0 * 4) }, ids, limit, PairRankKey<Int>.self) == expected, "\(context)")
            // Unordered: the same set.
            #expect(Set(topIDs(scores, ids, limit, FloatRankKey.self, ordered: false)) == Set(expected), "\(context)")
        }
    }

    /// The integer keys order entries exactly as (score, then smaller id) and read both back.
    @Test func rankKeysFollowScoreThenID() {
        let scores: [Float] = [-.infinity, -2.5, -1e-30, -0.0, 0, 1e-30, 3, .greatestFiniteMagnitude]
        let ids: [Int32] = [.min, -7, 0, 5, .max]
        for a in scores {
            for b in scores {
                for i in ids {
                    for j in ids {
                        let better = a != b ? a > b : i < j
                        let equal = a == b && i == j
                        let ka = FloatRankKey(a, i)
                        let kb = FloatRankKey(b, j)
                        #expect(equal ? ka == kb : (ka > kb) == better, "\(a) \(i) vs \(b) \(j)")
                        let wa = DoubleRankKey(Double(a), i)
                        let wb = DoubleRankKey(Double(b), j)
                        #expect(equal ? wa == wb : (wa > wb) == better, "double \(a) \(i) vs \(b) \(j)")
                    }
                }
                for i in ids {
                    #expect(FloatRankKey(a, i).score == a && FloatRankKey(a, i).id == i)
                    #expect(DoubleRankKey(Double(a), i).score == Double(a) && DoubleRankKey(Double(a), i).id == i)
                }
            }
        }
        // Doubles that are one float apart or closer keep their order.
        #expect(DoubleRankKey(1.0.nextUp, 9) > DoubleRankKey(1.0, 0))
    }

    /// Long inputs go through the sampled shortlist first: same answer as a
    /// full sort whether the cut lets enough through or not (ties at the
    /// cut, few distinct values, sorted and reversed runs).
    @Test func longInputsEqualAFullSort() {
        var rng = SystemRandomNumberGenerator()
        var shortlisted = 0
        for round in 0..<300 {
            let count = Int.random(in: 256...4_000, using: &rng)
            let distinct = [2, 50, 1_000_000][round % 3]
            var scores: [Float] = (0..<count).map { _ in Float(Int.random(in: 0..<distinct, using: &rng)) }
            if round % 10 == 1 { scores.sort() }
            if round % 10 == 2 { scores.sort(by: >) }
            let ids: [Int32] = (0..<count).map { Int32($0) }.shuffled(using: &rng)
            let limit = Int.random(in: 1...(count / 8), using: &rng)
            let keys = zip(scores, ids).map { FloatRankKey($0, $1) }
            if TopK.shortlist(keys, limit: limit) != nil { shortlisted += 1 }
            let expected = reference(scores, ids, limit)
            let context = "count \(count) limit \(limit)"
            #expect(topIDs(scores, ids, limit, FloatRankKey.self) == expected, "\(context)")
            #expect(topIDs(scores.map(Double.init), ids, limit, DoubleRankKey.self) == expected, "\(context)")
            #expect(topIDs(scores.map(Int.init), ids, limit, PairRankKey<Int>.self) == expected, "\(context)")
            #expect(Set(topIDs(scores, ids, limit, FloatRankKey.self, ordered: false)) == Set(expected), "\(context)")
        }
        // The fast path must actually be exercised.
        #expect(shortlisted > 100)
    }

    /// The branch-free quickselect leaves the k + 1 largest values first,
    /// the k-th of them at k (duplicates, sorted and reversed input too).
    @Test func kthLargestPartitions() {
        var rng = SystemRandomNumberGenerator()
        for round in 0..<1_000 {
            let count = Int.random(in: 1...200, using: &rng)
            var values = (0..<count).map { _ in Int.random(in: 0..<[3, 1_000][round % 2], using: &rng) }
            if round % 5 == 1 { values.sort() }
            if round % 5 == 2 { values.sort(by: >) }
            let k = Int.random(in: 0..<count, using: &rng)
            let sorted = values.sorted(by: >)
            var selected = values
            #expect(TopK.kthLargest(&selected, k) == sorted[k])
            #expect(selected[...k].sorted(by: >) == Array(sorted[...k]), "\(values) k \(k)")
            #expect(selected.sorted() == values.sorted())
        }
    }

    /// `IntMap.top` (the map the CF scorers fill) agrees with a full sort for each value type.
    @Test func mapTopEqualsAFullSort() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let count = Int.random(in: 0...2_000, using: &rng)
            let ids = (0..<Int32(count)).shuffled(using: &rng)
            let scores: [Float] = ids.map { _ in Float(Int.random(in: -30...30, using: &rng)) / 8 }
            var floats = IntMap<Float>()
            var doubles = IntMap<Double>()
            var ints = IntMap<Int>()
            for (s, id) in zip(scores, ids) {
                floats[id] = s
                doubles[id] = Double(s)
                ints[id] = Int(s * 8)
            }
            let limit = Int.random(in: 0...200, using: &rng)
            let expected = reference(scores, ids, limit)
            #expect(floats.top(limit).map(\.key) == expected)
            #expect(floats.top(limit).map(\.value) == expected.map { floats[$0]! })
            #expect(doubles.top(limit).map(\.key) == expected)
            #expect(doubles.top(limit).map(\.value) == expected.map { doubles[$0]! })
            #expect(ints.top(limit).map(\.key) == expected)
            #expect(Set(doubles.top(limit, ordered: false).map(\.key)) == Set(expected))
        }
    }

    /// The branch-free comparison the partition counts with agrees with `>`
    /// for every key type (equal scores, equal ids, signs and extremes).
    @Test func greaterAgreesWithComparison() {
        var rng = SystemRandomNumberGenerator()
        let special: [Float] = [
            0, -0, 1, -1, .greatestFiniteMagnitude, -.greatestFiniteMagnitude, .leastNonzeroMagnitude,
        ]
        let ids: [Int32] = [0, 1, 2, .max, 1_407_579]
        func check<Key: RankKey>(_ a: Key, _ b: Key) {
            #expect(Key.greater(a, than: b) == (a > b ? 1 : 0), "\(a) \(b)")
        }
        for _ in 0..<20_000 {
            let sa =
                Bool.random(using: &rng) ? special.randomElement(using: &rng)! : Float.random(in: -3...3, using: &rng)
            let sb = Bool.random(using: &rng) ? sa : special.randomElement(using: &rng)!
            let ia = ids.randomElement(using: &rng)!
            let ib = Bool.random(using: &rng) ? ia : ids.randomElement(using: &rng)!
            check(FloatRankKey(sa, ia), FloatRankKey(sb, ib))
            check(DoubleRankKey(Double(sa), ia), DoubleRankKey(Double(sb), ib))
            check(PairRankKey<Float>(sa, ia), PairRankKey<Float>(sb, ib))
        }
    }
}
