import Dataset
import Foundation
import RecsysCore
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

    @Test func onlyTheAskedRowsAreBuiltAndTheyAreTheFullRows() {
        var config = RecsysConfig()
        config.cfShrink = 0
        let full = ItemNeighbours.build(log: handMadeLog(), itemCount: 4, config: config)
        let some = ItemNeighbours.build(
            log: handMadeLog(), itemCount: 4, config: config, rows: [false, true, false, true])
        for i in [1, 3] {
            #expect(
                some.neighbours(of: i).map { some.neighbour[$0] } == full.neighbours(of: i).map { full.neighbour[$0] })
            #expect(
                some.neighbours(of: i).map { some.similarity[$0] } == full.neighbours(of: i).map { full.similarity[$0] }
            )
        }
        #expect(full.neighbours(of: 0).count > 0 && full.neighbours(of: 2).count > 0)
        #expect(some.neighbours(of: 0).isEmpty && some.neighbours(of: 2).isEmpty)
    }

    /// Baskets small and large (past the scan limit, with repeats that reorder them and the item cap) match
    /// a plain reference: distinct items ordered by their last event, the most recent kept, log1p of the
    /// summed kind weights.
    @Test func basketsMatchAPlainReference() {
        var config = RecsysConfig()
        config.cfMaxBasketItems = 30
        var rng = SystemRandomNumberGenerator()
        var rows: [(user: Int32, time: Int64, item: Int32, kind: UInt8)] = []
        var userStart: [Int32] = [0]
        for (u, size) in [3, 12, 45, 80, 1, 33].enumerated() {
            for k in 0..<size {
                rows.append(
                    (
                        Int32(u), Int64(k) * 1000, Int32.random(in: 0..<(Int32(size) * 2 / 3 + 1), using: &rng),
                        UInt8.random(in: 0...2, using: &rng)
                    ))
            }
            userStart.append(Int32(rows.count))
        }
        let log = InteractionLog(
            time: rows.map(\.time), user: rows.map(\.user), item: rows.map(\.item), kind: rows.map(\.kind),
            userStart: userStart)
        let baskets = Baskets(log: log, config: config)
        var expected: [[(Int32, Float)]] = []
        for u in 0..<log.userCount {
            var order: [Int32] = []
            var weights: [Int32: Double] = [:]
            for e in log.events(of: u) {
                let it = log.item[e]
                if let k = order.firstIndex(of: it) { order.remove(at: k) }
                order.append(it)
                weights[it, default: 0] += config.kindWeight[Int(log.kind[e])]
            }
            if order.count > 1 { expected.append(order.suffix(30).map { ($0, Float(log1p(weights[$0]!))) }) }
        }
        #expect(baskets.count == expected.count)
        for (b, want) in expected.enumerated() where b < baskets.count {
            let got = (Int(baskets.start[b])..<Int(baskets.start[b + 1])).map { (baskets.item[$0], baskets.value[$0]) }
            #expect(got.map(\.0) == want.map(\.0), "basket \(b)")
            #expect(got.map(\.1) == want.map(\.1), "basket \(b)")
        }
        #expect(expected.contains { $0.count == 30 })
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
