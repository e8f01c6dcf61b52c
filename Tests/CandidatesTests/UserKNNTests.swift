import Dataset
import Foundation
import RecsysCore
import Testing

@testable import Candidates

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
