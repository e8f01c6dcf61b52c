import Foundation
import RecsysCore

/// The events ordered by (user, time, kind, raw item, transaction), exact
/// duplicates removed. Item ids stay raw until every file is read (dense item
/// ids need the property files too).
struct OrderedEvents: Sendable {
    var visitors: IdMap
    var log: InteractionLog
    var itemRaw: [Int]
    var duplicates: Int
    var report: FileReport

    /// One event while ordering: its sort key and where its other columns are.
    /// 16 bytes, so sorting a user's events stays within their own cache lines.
    struct Entry {
        var time: Int64
        var row: UInt32
        var kind: UInt8
    }

    init(_ events: RawEvents) {
        report = events.report
        visitors = IdMap(collecting: events.visitor)
        let n = events.count
        let userCount = visitors.count
        let (entries, start) = Self.orderByUserThenTime(events, visitors: visitors)
        var kept = 0
        var userStart = [Int32](repeating: 0, count: userCount + 1)
        var time = [Int64](repeating: 0, count: n)
        var user = [Int32](repeating: 0, count: n)
        var kind = [UInt8](repeating: 0, count: n)
        var itemRaw = [Int](repeating: 0, count: n)
        events.item.withUnsafeBufferPointer { item in
            events.transaction.withUnsafeBufferPointer { transaction in
                time.withUnsafeMutableBufferPointer { time in
                    user.withUnsafeMutableBufferPointer { user in
                        kind.withUnsafeMutableBufferPointer { kind in
                            itemRaw.withUnsafeMutableBufferPointer { itemRaw in
                                for u in 0..<userCount {
                                    let lo = Int(start[u])
                                    let hi = Int(start[u + 1])
                                    for k in lo..<hi {
                                        let e = entries[k]
                                        let i = item[Int(e.row)]
                                        // Sorted, so an exact duplicate follows its twin.
                                        if k > lo {
                                            let p = entries[k - 1]
                                            if p.time == e.time && p.kind == e.kind && item[Int(p.row)] == i
                                                && transaction[Int(p.row)] == transaction[Int(e.row)]
                                            {
                                                continue
                                            }
                                        }
                                        time[kept] = e.time
                                        user[kept] = Int32(u)
                                        kind[kept] = e.kind
                                        itemRaw[kept] = i
                                        kept += 1
                                    }
                                    userStart[u + 1] = Int32(kept)
                                }
                            }
                        }
                    }
                }
            }
        }
        if kept < n {
            time.removeLast(n - kept)
            user.removeLast(n - kept)
            kind.removeLast(n - kept)
            itemRaw.removeLast(n - kept)
        }
        log = InteractionLog(time: time, user: user, item: [], kind: kind, userStart: userStart)
        self.itemRaw = itemRaw
        duplicates = n - kept
    }
}

extension OrderedEvents {
    /// A counting sort by dense user (the counts double as the user ranges),
    /// then each user's few entries sorted by (time, kind, item, transaction);
    /// item and transaction are read only to break a tie.
    static func orderByUserThenTime(_ events: RawEvents, visitors: IdMap) -> (entries: [Entry], start: [Int32]) {
        let n = events.count
        let userCount = visitors.count
        let userOfEvent = [Int32](unsafeUninitializedCapacity: n) { out, filled in
            events.visitor.withUnsafeBufferPointer { visitor in
                for i in 0..<n { out[i] = visitors.dense(visitor[i])! }
            }
            filled = n
        }
        var start = [Int32](repeating: 0, count: userCount + 1)
        start.withUnsafeMutableBufferPointer { start in
            for u in userOfEvent { start[Int(u) + 1] += 1 }
            for u in 0..<userCount { start[u + 1] += start[u] }
        }
        var next = start
        let entries = [Entry](unsafeUninitializedCapacity: n) { out, filled in
            events.time.withUnsafeBufferPointer { time in
                events.kind.withUnsafeBufferPointer { kind in
                    next.withUnsafeMutableBufferPointer { next in
                        for i in 0..<n {
                            let u = Int(userOfEvent[i])
                            out[Int(next[u])] = Entry(time: time[i], row: UInt32(i), kind: kind[i])
                            next[u] += 1
                        }
                    }
                }
            }
            filled = n
            events.item.withUnsafeBufferPointer { item in
                events.transaction.withUnsafeBufferPointer { transaction in
                    @inline(__always) func before(_ a: Entry, _ b: Entry) -> Bool {
                        if a.time != b.time { return a.time < b.time }
                        if a.kind != b.kind { return a.kind < b.kind }
                        let ia = item[Int(a.row)]
                        let ib = item[Int(b.row)]
                        if ia != ib { return ia < ib }
                        return transaction[Int(a.row)] < transaction[Int(b.row)]
                    }
                    for u in 0..<userCount {
                        let lo = Int(start[u])
                        let hi = Int(start[u + 1])
                        sortRun(UnsafeMutableBufferPointer(rebasing: out[lo..<hi]), by: before)
                    }
                }
            }
        }
        return (entries, start)
    }
}
