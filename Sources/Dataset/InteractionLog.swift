import RecsysCore

/// The event log as columns, ordered by user then time (CSR by user).
///
/// `userStart[u]..<userStart[u+1]` are user `u`'s events, oldest first.
/// 17 bytes per event plus 4 per user.
public struct InteractionLog: Sendable {
    public var time: [Int64]
    public var user: [Int32]
    public var item: [Int32]
    public var kind: [UInt8]
    public var userStart: [Int32]

    public var count: Int { time.count }
    public var userCount: Int { userStart.count - 1 }

    public init(time: [Int64], user: [Int32], item: [Int32], kind: [UInt8], userStart: [Int32]) {
        self.time = time
        self.user = user
        self.item = item
        self.kind = kind
        self.userStart = userStart
    }

    public func events(of user: Int) -> Range<Int> {
        Int(userStart[user])..<Int(userStart[user + 1])
    }

    /// Only the events strictly before `cutoff` (the same user ids).
    public func before(_ cutoff: Int64) -> InteractionLog {
        filtered { time[$0] < cutoff }
    }

    /// Only the events at or after `start` and strictly before `end`.
    public func between(_ start: Int64, _ end: Int64) -> InteractionLog {
        filtered { time[$0] >= start && time[$0] < end }
    }

    /// The kept events in runs of consecutive positions, copied run by run into exactly reserved columns:
    /// a user's events are time-ordered, so a time window keeps one run per user. (Appending event by event
    /// grew the columns by doubling: at 10 × RetailRocket, three such copies per training were about a tenth
    /// of its page faults.)
    func filtered(_ keep: (Int) -> Bool) -> InteractionLog {
        // Two passes, so the columns are reserved exactly and no list of runs is kept.
        var ends = [Int32](repeating: 0, count: userCount + 1)
        var total = 0
        for u in 0..<userCount {
            for e in events(of: u) where keep(e) { total += 1 }
            ends[u + 1] = Int32(total)
        }
        var out = InteractionLog(time: [], user: [], item: [], kind: [], userStart: ends)
        out.time.reserveCapacity(total)
        out.user.reserveCapacity(total)
        out.item.reserveCapacity(total)
        out.kind.reserveCapacity(total)
        for u in 0..<userCount {
            var e = Int(userStart[u])
            let end = Int(userStart[u + 1])
            while e < end {
                guard keep(e) else {
                    e += 1
                    continue
                }
                let start = e
                while e < end && keep(e) { e += 1 }
                out.time.append(contentsOf: time[start..<e])
                out.user.append(contentsOf: user[start..<e])
                out.item.append(contentsOf: item[start..<e])
                out.kind.append(contentsOf: kind[start..<e])
            }
        }
        return out
    }

    public var minTime: Int64 { time.min() ?? 0 }
    public var maxTime: Int64 { time.max() ?? 0 }
}
