import RecsysCore

/// A per-item time series of one value (category or availability) from the
/// weekly property snapshots, in CSR form sorted by time.
///
/// `value(of:at:)` answers "as of time t": the last snapshot at or before t,
/// or the earliest one when t precedes every snapshot. O(log k) per lookup.
public struct ItemTimeline: Sendable {
    public var start: [Int32]
    public var time: [Int64]
    public var value: [Int32]

    /// Per item, its value when every snapshot has the same one (most items never change category), else
    /// `varies`, or `missing` when it has none: a lookup of such an item reads one array instead of three.
    /// Building the visitors' histories asks for every event's category in visitor order (items in random
    /// order); at 10 x scale the three scattered reads took 20 x their 1 x time.
    private let steady: [Int32]
    private static let varies = Int32.min
    private static let missing = Int32.min + 1

    public init(start: [Int32], time: [Int64], value: [Int32]) {
        self.start = start
        self.time = time
        self.value = value
        steady = (0..<max(start.count - 1, 0)).map { item in
            let r = Int(start[item])..<Int(start[item + 1])
            guard let first = r.first else { return Self.missing }
            let v = value[first]
            return v != Self.varies && v != Self.missing && value[r].allSatisfy({ $0 == v }) ? v : Self.varies
        }
    }

    public var itemCount: Int { start.count - 1 }

    /// The value of `item` as of `at`, or nil when the item has no snapshot.
    public func value(of item: Int, at: Int64) -> Int32? {
        switch steady[item] {
        case Self.missing: return nil
        case Self.varies: break
        case let v: return v
        }
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

    /// One snapshot row while ordering: 16 contiguous bytes, so sorting an
    /// item's rows touches its own few cache lines, not three scattered columns.
    private struct Row {
        var time: Int64
        var item: Int32
        var value: Int32

        @inline(__always) static func before(_ a: Row, _ b: Row) -> Bool {
            a.time != b.time ? a.time < b.time : a.value < b.value
        }
    }

    /// Builds the timeline from unsorted rows; exact duplicate rows
    /// (same item, time and value) are removed and counted.
    static func build(item: [Int32], time: [Int64], value: [Int32], itemCount: Int) -> (ItemTimeline, duplicates: Int) {
        let n = item.count
        var start = [Int32](repeating: 0, count: itemCount + 1)
        for i in item { start[Int(i) + 1] += 1 }
        for i in 0..<itemCount { start[i + 1] += start[i] }
        var next = start
        // Counting sort by item: one scattered 16-byte write per row.
        var rows = [Row](unsafeUninitializedCapacity: n) { out, filled in
            next.withUnsafeMutableBufferPointer { next in
                for r in 0..<n {
                    let i = Int(item[r])
                    out[Int(next[i])] = Row(time: time[r], item: item[r], value: value[r])
                    next[i] += 1
                }
            }
            filled = n
        }
        var outStart = [Int32](repeating: 0, count: itemCount + 1)
        var outTime = [Int64]()
        var outValue = [Int32]()
        outTime.reserveCapacity(n)
        outValue.reserveCapacity(n)
        var duplicates = 0
        rows.withUnsafeMutableBufferPointer { p in
            for it in 0..<itemCount {
                let lo = Int(start[it])
                let hi = Int(start[it + 1])
                sortRun(UnsafeMutableBufferPointer(rebasing: p[lo..<hi]), by: Row.before)
                for k in lo..<hi {
                    if k > lo && p[k].time == p[k - 1].time && p[k].value == p[k - 1].value {
                        duplicates += 1
                        continue
                    }
                    outTime.append(p[k].time)
                    outValue.append(p[k].value)
                }
                outStart[it + 1] = Int32(outTime.count)
            }
        }
        return (ItemTimeline(start: outStart, time: outTime, value: outValue), duplicates)
    }
}
