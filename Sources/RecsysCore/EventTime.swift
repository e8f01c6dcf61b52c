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

    /// The UTC calendar date of `ms` as "YYYY-MM-DD" (proleptic Gregorian; days from civil, H. Hinnant).
    public static func date(_ ms: Int64) -> String {
        let z = (ms >= 0 ? ms / msPerDay : (ms - msPerDay + 1) / msPerDay) + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(year)-\(two(month))-\(two(day))"
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
