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

    func filtered(_ keep: (Int) -> Bool) -> InteractionLog {
        var out = InteractionLog(time: [], user: [], item: [], kind: [], userStart: [0])
        out.userStart.reserveCapacity(userStart.count)
        for u in 0..<userCount {
            for e in events(of: u) where keep(e) {
                out.time.append(time[e])
                out.user.append(user[e])
                out.item.append(item[e])
                out.kind.append(kind[e])
            }
            out.userStart.append(Int32(out.time.count))
        }
        return out
    }

    public var minTime: Int64 { time.min() ?? 0 }
    public var maxTime: Int64 { time.max() ?? 0 }
}
