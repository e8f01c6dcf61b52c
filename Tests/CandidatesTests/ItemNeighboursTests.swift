import Dataset
import Foundation
import Testing

@testable import Candidates

/// A hand-made log: three users (one basket each), four items.
func handMadeLog() -> InteractionLog {
    // user 0: items 0,1,2 ; user 1: items 0,1 ; user 2: items 1,3 (3 carted)
    let rows: [(Int32, Int64, Int32, UInt8)] = [
        (0, 1000, 0, 0), (0, 2000, 1, 0), (0, 3000, 2, 0),
        (1, 1000, 0, 0), (1, 1500, 1, 0),
        (2, 1000, 1, 0), (2, 2000, 3, 1),
    ]
    return InteractionLog(
        time: rows.map(\.1), user: rows.map(\.0), item: rows.map(\.2), kind: rows.map(\.3), userStart: [0, 3, 5, 7])
}

struct ItemNeighboursTests {
    @Test func cosineEqualsBruteForce() {
        var config = RecsysConfig()
        config.cfShrink = 0
        let log = handMadeLog()
        let nb = ItemNeighbours.build(log: log, itemCount: 4, config: config, threads: 2)
        // Brute force over the dense basket × item matrix.
        let baskets = Baskets(log: log, config: config)
        var m = [[Float]](repeating: [Float](repeating: 0, count: 4), count: baskets.count)
        for b in 0..<baskets.count {
            for e in Int(baskets.start[b])..<Int(baskets.start[b + 1]) { m[b][Int(baskets.item[e])] = baskets.value[e] }
        }
        func cosine(_ i: Int, _ j: Int) -> Float {
            var dot: Float = 0
            var ni: Float = 0
            var nj: Float = 0
            for row in m {
                dot += row[i] * row[j]
                ni += row[i] * row[i]
                nj += row[j] * row[j]
            }
            return dot / (ni.squareRoot() * nj.squareRoot())
        }
        for i in 0..<4 {
            var expected: [(Int32, Float)] = []
            for j in 0..<4 where j != i && cosine(i, j) > 0 { expected.append((Int32(j), cosine(i, j))) }
            expected.sort { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
            let got = nb.neighbours(of: i).map { (nb.neighbour[$0], nb.similarity[$0]) }
            #expect(got.map(\.0) == expected.map(\.0), "neighbours of \(i)")
            for (g, e) in zip(got, expected) { #expect(abs(g.1 - e.1) < 1e-6) }
        }
        // Add-to-cart weighs more than a view: item 3's basket value is log1p(4).
        #expect(baskets.value.last == Float(log1p(4.0)))
    }

    @Test func topMIsKept() {
        var config = RecsysConfig()
        config.cfNeighbours = 1
        let nb = ItemNeighbours.build(log: handMadeLog(), itemCount: 4, config: config)
        for i in 0..<4 { #expect(nb.neighbours(of: i).count <= 1) }
        #expect(nb.neighbours(of: 99).isEmpty)
    }

    @Test func basketsSplitAtLongGaps() {
        var config = RecsysConfig()
        config.cfBasketGapHours = 1
        let hour: Int64 = 3_600_000
        let log = InteractionLog(
            time: [0, 10, 5 * hour, 5 * hour + 10], user: [0, 0, 0, 0], item: [0, 1, 2, 3], kind: [0, 0, 0, 0],
            userStart: [0, 4])
        let baskets = Baskets(log: log, config: config)
        #expect(baskets.count == 2)
        #expect(Array(baskets.item) == [0, 1, 2, 3])
    }
}

struct GeneratorTests {
    @Test func historyIsMostRecentFirstAndSumsRepeats() {
        let config = RecsysConfig()
        let user = UserState(items: [7, 8, 7], times: [0, 10, 20], kinds: [0, 0, 1], categories: [1, 1, 1])
        let scores = RecentHistory(config: config).scores(for: user, at: 20, limit: 10)
        #expect(scores.map(\.item) == [7, 8])
        let expected = config.kindWeight[1] * config.decay(ageMs: 0) + config.kindWeight[0] * config.decay(ageMs: 20)
        #expect(abs(scores[0].score - expected) < 1e-12)
        #expect(RecentHistory(config: config).scores(for: user, at: 20, limit: 1).count == 1)
    }

    @Test func categoryPopularityClimbsToTheParent() {
        // Category 1 (child of 0) has one item; its parent lists three.
        let cp = CategoryPopularity(
            start: [0, 3, 4], items: [10, 11, 12, 10], scores: [1, 0.5, 0.25, 1], parent: [-1, 0], minItems: 3)
        let user = UserState(items: [10], times: [0], kinds: [0], categories: [1])
        var set = CandidateSet()
        cp.generate(for: user, at: 0, limit: 10, into: &set)
        #expect(set.items == [10, 11, 12])
        #expect(set.provenance.allSatisfy { $0 == .category })
        // The user's own category scores higher than the parent's items.
        #expect(set.categoryScore[0] == 1)
        #expect(set.categoryScore[1] == 0.25)
    }

    @Test func categoryAffinityPutsTheMostRecentFirst() {
        let config = RecsysConfig()
        let user = UserState(
            items: [1, 2, 3, 4], times: [0, 1, 2, 3], kinds: [1, 1, 1, 0], categories: [5, 5, 5, 9])
        let affinity = user.categoryAffinity(at: 3, config: config)
        #expect(affinity.map(\.category) == [9, 5])
        #expect(abs(affinity.map(\.share).reduce(0, +) - 1) < 1e-12)
    }

    @Test func intMapBehavesLikeADictionary() {
        var m = IntMap<Int>(capacity: 2)
        var added = IntMap<Int>(capacity: 2)
        var d: [Int32: Int] = [:]
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<5000 {
            // Keys that differ only in their high bits too, which a hash of the low bits would pile up.
            let k = Int32.random(in: 0..<700, using: &rng) << (Bool.random(using: &rng) ? 20 : 0)
            let delta = Int.random(in: 1...3, using: &rng)
            m[k] = (m[k] ?? 0) + delta
            added.add(k, delta)
            d[k, default: 0] += delta
        }
        #expect(m.count == d.count && added.count == d.count)
        for (k, v) in d { #expect(m[k] == v && added[k] == v) }
        #expect(m[9999] == nil && added[9999] == nil)
        #expect(Set(added.entries.map(\.key)) == Set(d.keys))
    }
}

struct UserKNNTests {
    @Test func neighboursEqualBruteForceCosine() {
        var config = RecsysConfig()
        config.userKNNNeighbours = 10
        let states: [UserState] = [
            UserState(items: [0, 1, 2], times: [0, 1, 2], kinds: [0, 0, 1], categories: [0, 0, 0]),
            UserState(items: [0, 1], times: [0, 1], kinds: [0, 0], categories: [0, 0]),
            UserState(items: [1, 3, 3], times: [0, 1, 2], kinds: [0, 0, 2], categories: [0, 0, 0]),
            UserState(items: [4], times: [0], kinds: [0], categories: [0]),
        ]
        var start: [Int32] = [0]
        var item: [Int32] = []
        var time: [Int64] = []
        var kind: [UInt8] = []
        for s in states {
            item += s.items
            time += s.times
            kind += s.kinds
            start.append(Int32(item.count))
        }
        let histories = UserHistories(
            start: start, item: item, time: time, kind: kind, category: [Int32](repeating: 0, count: item.count))
        let knn = UserKNN(histories: histories, itemCount: 5, config: config)
        // Brute force over dense vectors.
        func dense(_ s: UserState) -> [Double] {
            var v = [Double](repeating: 0, count: 5)
            for k in 0..<s.count { v[Int(s.items[k])] += config.kindWeight[Int(s.kinds[k])] }
            return v.map { log1p($0) }
        }
        func cosine(_ a: [Double], _ b: [Double]) -> Double {
            let dot = zip(a, b).reduce(0) { $0 + $1.0 * $1.1 }
            let na = a.reduce(0) { $0 + $1 * $1 }.squareRoot()
            let nb = b.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return dot / (na * nb)
        }
        for u in 0..<states.count {
            var expected: [(Int32, Double)] = []
            for v in 0..<states.count where v != u {
                let c = cosine(dense(states[u]), dense(states[v]))
                if c > 0 { expected.append((Int32(v), c)) }
            }
            expected.sort { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
            let got = knn.similarUsers(to: states[u], excluding: u)
            #expect(got.map(\.user) == expected.map(\.0), "user \(u)")
            for (g, e) in zip(got, expected) { #expect(abs(Double(g.similarity) - e.1) < 1e-5) }
        }
        // User 1 looks like user 0, who also has item 2.
        #expect(knn.recommend(for: histories.state(of: 1), n: 3).contains(2))
        // The user's own vector never counts as a neighbour.
        #expect(!knn.similarUsers(to: states[1], excluding: 1).contains { $0.user == 1 })
    }
}
