/// Indices of the `limit` best entries, best first, ties by smaller id.
enum TopK {
    /// A quickselect finds the `limit`-th best score, one pass keeps what
    /// beats it (ties by id), and only those are sorted. Long inputs (a
    /// factor model's 1,000-item pool) are first cut down to about twice
    /// `limit` entries without branching on the data, since a quickselect's
    /// partition loop over random scores mispredicts about every other step.
    static func select<Score: Comparable>(scores: [Score], ids: [Int32], limit: Int) -> [Int] {
        // Float scores (factor pools, user-kNN maps reached generically) take
        // the integer-key selection below; the types are equal, so the cast is free.
        if Score.self == Float.self {
            return select(scores: unsafeBitCast(scores, to: [Float].self), ids: ids, limit: limit)
        }
        let count = min(scores.count, ids.count)
        guard limit > 0, count > 0 else { return [] }
        func better(_ a: Int, _ b: Int) -> Bool {
            scores[a] != scores[b] ? scores[a] > scores[b] : ids[a] < ids[b]
        }
        guard limit < count else { return (0..<count).sorted(by: better) }
        if let shortlist = shortlist(scores: scores, count: count, limit: limit) {
            return select(scores: scores, among: shortlist, limit: limit, better: better)
        }
        return select(scores: scores, among: 0..<count, limit: limit, better: better)
    }

    /// The same answer for float scores, faster: each entry becomes one
    /// integer key ordered as `better` orders entries (score, then smaller
    /// id), so the selection and the final sort compare plain integers
    /// instead of calling a two-level comparison.
    static func select(scores: [Float], ids: [Int32], limit: Int) -> [Int] {
        let count = min(scores.count, ids.count)
        guard limit > 0, count > 0 else { return [] }
        let among = (limit < count ? shortlist(scores: scores, count: count, limit: limit) : nil) ?? Array(0..<count)
        let keys = among.map { rankKey(scores[$0], ids[$0]) }
        var kept: [(key: UInt64, index: Int)] = []
        kept.reserveCapacity(min(limit, among.count))
        if among.count > limit {
            var scratch = keys
            let cut = kthLargest(&scratch, limit - 1)
            for (j, key) in keys.enumerated() where key >= cut { kept.append((key, among[j])) }
        } else {
            for (j, key) in keys.enumerated() { kept.append((key, among[j])) }
        }
        kept.sort { $0.key > $1.key }
        // Equal keys (a repeated id with an equal score) could let more than `limit` through.
        return kept.prefix(limit).map(\.index)
    }

    /// Higher for a better entry: the score's bits made order-preserving as
    /// an unsigned integer, then the id inverted so a smaller id ranks first.
    @inline(__always)
    static func rankKey(_ score: Float, _ id: Int32) -> UInt64 {
        // -0 and +0 compare equal as floats, so they must get one key.
        let bits = (score == 0 ? 0 : score).bitPattern
        let ordered = bits & 0x8000_0000 != 0 ? ~bits : bits | 0x8000_0000
        let orderedID = UInt32(bitPattern: id) ^ 0x8000_0000
        return UInt64(ordered) << 32 | UInt64(UInt32.max - orderedID)
    }

    /// The exact selection over the entries at `indices`.
    private static func select<Score: Comparable, Indices: Collection<Int>>(
        scores: [Score], among indices: Indices, limit: Int, better: (Int, Int) -> Bool
    ) -> [Int] {
        var values = indices.map { scores[$0] }
        let threshold = kthLargest(&values, limit - 1)
        // Sorted, the ties at the threshold come last by id, so the first `limit` are the answer.
        let atLeast = indices.filter { scores[$0] >= threshold }
        return Array(atLeast.sorted(by: better).prefix(limit))
    }

    /// The indices of every entry at or above a cut estimated from a strided
    /// sample, when at least `limit` entries pass it; nil for short inputs or
    /// a cut too high. Exact: when `limit` entries pass, the `limit`-th best
    /// score is at or above the cut, so every entry of the answer (ties
    /// included) is in the list.
    static func shortlist<Score: Comparable>(scores: [Score], count: Int, limit: Int) -> [Int]? {
        let sampleSize = 128
        guard count >= 512, limit * 8 <= count else { return nil }
        let step = count / sampleSize
        var sample = (0..<sampleSize).map { scores[$0 * step] }
        // The sample rank where about 2 × limit of the whole input would pass.
        let rank = min(sampleSize - 1, (2 * limit * sampleSize + count - 1) / count + 1)
        let cut = kthLargest(&sample, rank)
        var passing = [Int](repeating: 0, count: count)
        var m = 0
        passing.withUnsafeMutableBufferPointer { out in
            scores.withUnsafeBufferPointer { s in
                for c in 0..<count {
                    out[m] = c
                    m &+= s[c] >= cut ? 1 : 0
                }
            }
        }
        guard m >= limit else { return nil }
        passing.removeLast(count - m)
        return passing
    }

    /// The value with `k` values ranked before it, best first (Hoare-style
    /// selection; reorders `values`).
    static func kthLargest<Score: Comparable>(_ values: inout [Score], _ k: Int) -> Score {
        var lo = 0
        var hi = values.count - 1
        values.withUnsafeMutableBufferPointer { v in
            while lo < hi {
                let pivot = v[(lo + hi) >> 1]
                var i = lo
                var j = hi
                while i <= j {
                    while v[i] > pivot { i += 1 }
                    while v[j] < pivot { j -= 1 }
                    if i <= j {
                        v.swapAt(i, j)
                        i += 1
                        j -= 1
                    }
                }
                if k <= j { hi = j } else if k >= i { lo = i } else { break }
            }
        }
        return values[k]
    }
}
