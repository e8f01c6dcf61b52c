/// Indices of the `limit` best entries, best first, ties by smaller id.
enum TopK {
    /// A quickselect finds the `limit`-th best score, one pass keeps what
    /// beats it (ties by id), and only those are sorted.
    static func select<Score: Comparable>(scores: [Score], ids: [Int32], limit: Int) -> [Int] {
        let count = min(scores.count, ids.count)
        guard limit > 0, count > 0 else { return [] }
        func better(_ a: Int, _ b: Int) -> Bool {
            scores[a] != scores[b] ? scores[a] > scores[b] : ids[a] < ids[b]
        }
        guard limit < count else { return (0..<count).sorted(by: better) }
        var values = Array(scores.prefix(count))
        // Hoare-style selection of the value with `limit - 1` better ones before it.
        var lo = 0
        var hi = count - 1
        let k = limit - 1
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
        let threshold = values[k]
        // Everything above the threshold, then the best-id ties at it.
        var kept: [Int] = []
        kept.reserveCapacity(limit)
        var ties: [Int] = []
        for c in 0..<count {
            if scores[c] > threshold { kept.append(c) } else if scores[c] == threshold { ties.append(c) }
        }
        ties.sort { ids[$0] < ids[$1] }
        kept += ties.prefix(limit - kept.count)
        return kept.sorted(by: better)
    }
}
