import Dataset
import RecsysCore
import Testing

@testable import Candidates

struct CoVisitationTests {
    /// Random visitors against a brute-force count: each visitor counts a pair of items touched within the
    /// window once, rows are ordered by count then item, and only the best `keep` stay.
    @Test func matchesABruteForceCount() {
        var rng = SystemRandomNumberGenerator()
        let itemCount = 30
        let window: Int64 = 100
        var time: [Int64] = []
        var user: [Int32] = []
        var item: [Int32] = []
        var userStart: [Int32] = [0]
        for u in 0..<200 {
            var t: Int64 = 0
            for _ in 0..<Int.random(in: 0...12, using: &rng) {
                t += Int64.random(in: 0...80, using: &rng)
                time.append(t)
                user.append(Int32(u))
                item.append(Int32.random(in: 0..<Int32(itemCount + 3), using: &rng))  // some past itemCount
            }
            userStart.append(Int32(time.count))
        }
        let log = InteractionLog(
            time: time, user: user, item: item, kind: [UInt8](repeating: 0, count: time.count), userStart: userStart)
        let keep = 4
        let c = CoVisitation(log: log, itemCount: itemCount, window: window, keep: keep)

        var visitors: [Int: [Int: Int]] = [:]
        for u in 0..<log.userCount {
            var pairs = Set<[Int32]>()
            let r = log.events(of: u)
            for i in r {
                for j in r where j < i && time[i] - time[j] <= window && item[i] != item[j] {
                    pairs.insert([item[i], item[j]])
                    pairs.insert([item[j], item[i]])
                }
            }
            for p in pairs { visitors[Int(p[0]), default: [:]][Int(p[1]), default: 0] += 1 }
        }
        var rows = 0
        for a in 0..<itemCount {
            let expected = (visitors[a] ?? [:]).sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
                .prefix(keep)
            #expect(c.neighbours(of: Int32(a)).map(Int.init) == expected.map(\.key), "row \(a)")
            for (b, n) in expected { #expect(c.count(Int32(a), Int32(b)) == Int32(n)) }
            if !expected.isEmpty { rows += 1 }
        }
        #expect(rows > itemCount / 2)
        #expect(c.neighbours(of: Int32(itemCount)).isEmpty)
    }
}
