import Testing

@testable import Dataset

/// `before` and `between` copy runs of kept events; they must keep exactly what an event-by-event filter keeps,
/// also for a user whose events are not in time order (kept events then come in several runs).
struct InteractionLogTests {
    /// Three users: time-ordered, out of order (kept events split in runs), and one with no events.
    static let log = InteractionLog(
        time: [1, 5, 9, 12, 20, 3, 30, 4, 31, 2],
        user: [0, 0, 0, 0, 0, 1, 1, 1, 1, 1],
        item: [10, 11, 12, 13, 14, 20, 21, 22, 23, 24],
        kind: [0, 1, 0, 2, 0, 0, 1, 0, 2, 0],
        userStart: [0, 5, 10, 10])

    /// The plain filter the run copy replaced.
    static func reference(_ log: InteractionLog, _ keep: (Int64) -> Bool) -> InteractionLog {
        var out = InteractionLog(time: [], user: [], item: [], kind: [], userStart: [0])
        for u in 0..<log.userCount {
            for e in log.events(of: u) where keep(log.time[e]) {
                out.time.append(log.time[e])
                out.user.append(log.user[e])
                out.item.append(log.item[e])
                out.kind.append(log.kind[e])
            }
            out.userStart.append(Int32(out.time.count))
        }
        return out
    }

    static func same(_ a: InteractionLog, _ b: InteractionLog) -> Bool {
        a.time == b.time && a.user == b.user && a.item == b.item && a.kind == b.kind && a.userStart == b.userStart
    }

    @Test(arguments: [0, 2, 4, 5, 10, 13, 31, 32, 100])
    func beforeKeepsWhatAFilterKeeps(cutoff: Int64) {
        let log = Self.log
        #expect(Self.same(log.before(cutoff), Self.reference(log) { $0 < cutoff }))
    }

    @Test func betweenKeepsWhatAFilterKeeps() {
        let log = Self.log
        for start: Int64 in [0, 3, 4, 9] {
            for end: Int64 in [4, 5, 13, 31, 40] {
                let got = log.between(start, end)
                #expect(Self.same(got, Self.reference(log) { $0 >= start && $0 < end }), "\(start)..<\(end)")
            }
        }
        // User 1's events at 3, 4 and 2 are kept in three runs (30 and 31 sit between them); user 0 keeps none.
        let split = log.between(2, 5)
        #expect(split.item == [20, 22, 24])
        #expect(split.time == [3, 4, 2])
        #expect(split.userStart == [0, 0, 3, 3])
    }
}
