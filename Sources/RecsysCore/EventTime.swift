import Foundation

/// Calendar arithmetic on unix-millisecond timestamps (UTC), in one place:
/// the generator, the statistics, the features and the evaluation's test
/// window all read time the same way.
public enum EventTime {
    public static let msPerHour: Int64 = 3_600_000
    public static let msPerDay: Int64 = 86_400_000
    public static let msPerWeek: Int64 = 7 * msPerDay

    /// Day of the week, Monday = 0 … Sunday = 6 (1970-01-01 was a Thursday).
    @inlinable
    public static func weekday(_ ms: Int64) -> Int { Int((ms / msPerDay + 3) % 7) }

    /// Hour of the day, 0…23.
    @inlinable
    public static func hour(_ ms: Int64) -> Int { Int((ms / msPerHour) % 24) }

    /// The UTC calendar date of `ms` as "YYYY-MM-DD".
    public static func date(_ ms: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        return formatter.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
    }

    /// `days` (fractional) as milliseconds.
    @inlinable
    public static func milliseconds(days: Double) -> Int64 { Int64(days * Double(msPerDay)) }

    /// The first instant of the test window: the last `days` of a log whose
    /// newest event is at `maxTime` (the window includes that event).
    @inlinable
    public static func testCutoff(maxTime: Int64, days: Double) -> Int64 {
        maxTime + 1 - milliseconds(days: days)
    }
}
