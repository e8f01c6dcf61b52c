import Testing

@testable import RecsysCore

struct IntMapTests {
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
