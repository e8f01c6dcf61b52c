/// A per-item time series of one value (category or availability) from the
/// weekly property snapshots, in CSR form sorted by time.
///
/// `value(of:at:)` answers "as of time t": the last snapshot at or before t,
/// or the earliest one when t precedes every snapshot. O(log k) per lookup.
public struct ItemTimeline: Sendable {
    public var start: [Int32]
    public var time: [Int64]
    public var value: [Int32]

    public init(start: [Int32], time: [Int64], value: [Int32]) {
        self.start = start
        self.time = time
        self.value = value
    }

    public var itemCount: Int { start.count - 1 }

    /// The value of `item` as of `at`, or nil when the item has no snapshot.
    public func value(of item: Int, at: Int64) -> Int32? {
        var lo = Int(start[item])
        let hi = Int(start[item + 1])
        guard lo < hi else { return nil }
        if time[lo] > at { return value[lo] }
        var h = hi
        // Last index with time <= at.
        while h - lo > 1 {
            let mid = (lo + h) >> 1
            if time[mid] <= at { lo = mid } else { h = mid }
        }
        return value[lo]
    }

    /// The latest known value.
    public func latest(of item: Int) -> Int32? {
        let hi = Int(start[item + 1])
        return hi > Int(start[item]) ? value[hi - 1] : nil
    }

    /// Number of distinct consecutive values minus one: how often it changed.
    public func changes(of item: Int) -> Int {
        var n = 0
        let r = Int(start[item])..<Int(start[item + 1])
        for i in r.dropFirst() where value[i] != value[i - 1] { n += 1 }
        return n
    }

    /// Builds the timeline from unsorted rows; exact duplicate rows
    /// (same item, time and value) are removed and counted.
    static func build(item: [Int32], time: [Int64], value: [Int32], itemCount: Int) -> (ItemTimeline, duplicates: Int) {
        var start = [Int32](repeating: 0, count: itemCount + 1)
        for i in item { start[Int(i) + 1] += 1 }
        for i in 0..<itemCount { start[i + 1] += start[i] }
        var next = start
        var perm = [Int](repeating: 0, count: item.count)
        for (row, i) in item.enumerated() {
            perm[Int(next[Int(i)])] = row
            next[Int(i)] += 1
        }
        var outStart = [Int32](repeating: 0, count: itemCount + 1)
        var outTime: [Int64] = []
        var outValue: [Int32] = []
        outTime.reserveCapacity(item.count)
        outValue.reserveCapacity(item.count)
        var duplicates = 0
        perm.withUnsafeMutableBufferPointer { p in
            for it in 0..<itemCount {
                let lo = Int(start[it])
                let hi = Int(start[it + 1])
                if hi - lo > 1 {
                    p[lo..<hi].sort { time[$0] != time[$1] ? time[$0] < time[$1] : value[$0] < value[$1] }
                }
                var prev = -1
                for k in lo..<hi {
                    let r = p[k]
                    if prev >= 0 && time[prev] == time[r] && value[prev] == value[r] {
                        duplicates += 1
                        continue
                    }
                    outTime.append(time[r])
                    outValue.append(value[r])
                    prev = r
                }
                outStart[it + 1] = Int32(outTime.count)
            }
        }
        return (ItemTimeline(start: outStart, time: outTime, value: outValue), duplicates)
    }
}
