import RecsysCore

/// The times a write batch (events, item updates) is checked against. An element's timestamp may be at most
/// an hour ahead of `now` (clock skew between shop and server) and not before `earliest`; an element without
/// one is stamped `now`, except in a batch with an Idempotency-Key, whose retries must carry the same times.
struct BatchClock: Sendable {
    var now: Int64
    /// Whether the batch has an Idempotency-Key.
    var keyed = false
    var earliest: Int64 = 0

    /// How far in the future a timestamp may be.
    static let futureSlackMs: Int64 = 3_600_000
    /// 2000-01-01T00:00:00Z.
    static let year2000: Int64 = 946_684_800_000

    /// The floor for a server whose model's data ends at `modelEnd`: 2000-01-01 when the model holds real
    /// dates, so a time sent in seconds (1442534400 read as ms is 1970-01-17) is refused instead of stored as
    /// a click too old to shape any answer; none for a world whose clock starts near zero (data ending before
    /// 2001), nor before a model is loaded.
    static func earliest(modelEnd: Int64?) -> Int64 {
        guard let modelEnd, modelEnd - EventTime.milliseconds(days: 366) >= year2000 else { return 0 }
        return year2000
    }

    /// Whether `timestamp` passes both bounds.
    func admits(_ timestamp: Int64) -> Bool {
        timestamp >= earliest && timestamp <= now + Self.futureSlackMs
    }

    /// Why a non-negative `timestamp` fails a bound, for the element `label` (e.g. `events[3]`); nil when it
    /// passes.
    func problem(_ timestamp: Int64, label: String) -> String? {
        if timestamp < earliest {
            var why =
                "\(label).timestamp \(timestamp) is \(EventTime.date(timestamp)), before \(EventTime.date(earliest))"
            if timestamp <= Int64.max / 1000, admits(timestamp * 1000) {
                why += ": timestamps are unix milliseconds (if \(timestamp) is seconds, send \(timestamp * 1000))"
            } else {
                why += ": timestamps are unix milliseconds"
            }
            return why
        }
        if timestamp > now + Self.futureSlackMs {
            return "\(label).timestamp \(timestamp) is more than an hour in the future (now \(now))"
        }
        return nil
    }
}
