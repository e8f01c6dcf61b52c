import Dataset
import RecsysCore

/// Session co-visitation: for each item, the items co-visited with it —
/// touched (any kind) by the same visitor within `window` of it — in a
/// training log, ranked by the number of visitors who did so (each visitor
/// counts a pair once), ties by the smaller item id; the best `keep` per item.
///
/// Cost: building buckets every visitor's distinct pairs by their first item (O(P) for P pairs) and sorts
/// each item's row; a lookup is one CSR slice.
public struct CoVisitation: Sendable {
    public let start: [Int32]
    public let neighbour: [Int32]
    public let count: [Int32]

    /// From stored arrays (a model file); `checkCSR` has checked them.
    public init(start: [Int32], neighbour: [Int32], count: [Int32]) {
        (self.start, self.neighbour, self.count) = (start, neighbour, count)
    }

    /// - Parameter rows: when set, only the items marked true get their row (the others an empty one), as
    ///   for `ItemNeighbours.build(rows:)`.
    public init(
        log: InteractionLog, itemCount: Int, window: Int64 = EventTime.msPerHour, keep: Int = 200,
        rows: [Bool]? = nil
    ) {
        func wanted(_ item: UInt64) -> Bool {
            guard let rows else { return true }
            return item < UInt64(rows.count) && rows[Int(item)]
        }
        // Fixed-size chunks instead of one array grown by doubling: at 10 × scale the pairs are hundreds of
        // megabytes, and each doubling copied them and faulted in fresh pages.
        let chunkSize = 1 << 20
        var pairs: [[UInt64]] = []
        var local: [UInt64] = []
        for u in 0..<log.userCount {
            let r = log.events(of: u)
            guard r.count > 1 else { continue }
            local.removeAll(keepingCapacity: true)
            for i in r {
                var j = i - 1
                while j >= r.lowerBound && log.time[i] - log.time[j] <= window {
                    let (a, b) = (UInt64(UInt32(log.item[i])), UInt64(UInt32(log.item[j])))
                    if a != b {
                        if wanted(a) { local.append(a << 32 | b) }
                        if wanted(b) { local.append(b << 32 | a) }
                    }
                    j -= 1
                }
            }
            local.sort()
            var last = UInt64.max
            for key in local where key != last {
                if pairs.isEmpty || pairs[pairs.count - 1].count == chunkSize {
                    pairs.append([])
                    pairs[pairs.count - 1].reserveCapacity(chunkSize)
                }
                pairs[pairs.count - 1].append(key)
                last = key
            }
        }
        // Rows by bucketing on the first item (linear, where sorting every pair was the build's biggest
        // cost at scale), then each row's co-visited items sorted and counted: a run of one item is the
        // number of visitors who co-visited the pair.
        var start = [Int32](repeating: 0, count: itemCount + 1)
        for chunk in pairs { for key in chunk where Int(key >> 32) < itemCount { start[Int(key >> 32) + 1] += 1 } }
        for a in 0..<itemCount { start[a + 1] += start[a] }
        var fill = start
        var others = [Int32](repeating: 0, count: Int(start[itemCount]))
        for chunk in pairs {
            for key in chunk where Int(key >> 32) < itemCount {
                let a = Int(key >> 32)
                others[Int(fill[a])] = Int32(truncatingIfNeeded: key & 0xFFFF_FFFF)
                fill[a] += 1
            }
        }
        pairs = []
        // Each row keeps at most `keep` of its entries (fewer when they repeat): reserved, so the columns never grow.
        var kept = 0
        for a in 0..<itemCount { kept += min(keep, Int(start[a + 1] - start[a])) }
        var neighbour: [Int32] = []
        var count: [Int32] = []
        neighbour.reserveCapacity(kept)
        count.reserveCapacity(kept)
        var row: [(item: Int32, count: Int32)] = []
        for a in 0..<itemCount {
            let lo = Int(start[a])
            let hi = Int(start[a + 1])
            start[a] = Int32(neighbour.count)
            guard lo < hi else { continue }
            others[lo..<hi].sort()
            row.removeAll(keepingCapacity: true)
            var k = lo
            while k < hi {
                var n = 1
                while k + n < hi && others[k + n] == others[k] { n += 1 }
                row.append((others[k], Int32(n)))
                k += n
            }
            row.sort { $0.count != $1.count ? $0.count > $1.count : $0.item < $1.item }
            for e in row.prefix(keep) {
                neighbour.append(e.item)
                count.append(e.count)
            }
        }
        start[itemCount] = Int32(neighbour.count)
        self.start = start
        self.neighbour = neighbour
        self.count = count
    }

    /// `item`'s co-visited items, most co-visited first.
    public func neighbours(of item: Int32) -> ArraySlice<Int32> {
        guard item >= 0 && Int(item) + 1 < start.count else { return [] }
        return neighbour[Int(start[Int(item)])..<Int(start[Int(item) + 1])]
    }

    /// How many visitors co-visited `a` and `b` (0 when `b` is not among `a`'s kept neighbours).
    public func count(_ a: Int32, _ b: Int32) -> Int {
        guard a >= 0 && Int(a) + 1 < start.count else { return 0 }
        let r = Int(start[Int(a)])..<Int(start[Int(a) + 1])
        return r.first { neighbour[$0] == b }.map { Int(count[$0]) } ?? 0
    }
}
