import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Progress on stderr, so stdout stays clean for tables and JSON. On a
/// terminal a long step redraws one bar in place (fraction, rate, ETA); in a
/// log (CI, a pipe, a file) it stays one plain line per stage or milestone.
enum Progress {
    /// Whether stderr is a terminal (checked once).
    static let stderrIsTerminal = isatty(2) != 0

    static func line(_ text: String) {
        write("[recsys] \(text)\n")
    }

    static func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// One bar, without the leading carriage return: a pure function of its inputs.
    /// `fraction` nil (the total is unknown) shows the rate alone; `eta` nil shows no ETA.
    ///
    ///     ingest [##########--------------]  42% 118.3 MB/s ETA 0:07
    static func bar(
        label: String, fraction: Double?, rate: Double, unit: String, eta: Double?, width: Int = 24
    ) -> String {
        var out = label
        if let fraction, fraction.isFinite {
            let f = min(max(fraction, 0), 1)
            let filled = Int((f * Double(width)).rounded(.down))
            out += " [" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "]"
            out += String(format: " %3d%%", Int((f * 100).rounded(.down)))
        }
        out += " " + rateText(rate) + " " + unit + "/s"
        if let eta, eta.isFinite, eta >= 0 { out += " ETA " + duration(eta) }
        return out
    }

    /// A rate with three significant digits (at most one decimal).
    static func rateText(_ rate: Double) -> String {
        guard rate.isFinite, rate > 0 else { return "0" }
        if rate >= 100 { return String(format: "%.0f", rate) }
        return String(format: "%.1f", rate)
    }

    /// `m:ss`, or `h:mm:ss` from an hour.
    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded(.up))
        if s >= 3600 { return String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) }
        return String(format: "%d:%02d", s / 60, s % 60)
    }

    /// Reports the files' reading to `meter` (MB read of the files' size, MB/s
    /// on a terminal), and in a log a line each time a file's bytes read, over
    /// all its concurrent parts, pass a multiple of 64 MB: one line per mark, in
    /// order, however often and from however many parts the reader reports.
    static func fileReader(_ meter: ProgressMeter) -> @Sendable (String, Int) -> Void {
        let streams = ReadStreams()
        return { name, bytes in
            let step = 64 << 20
            let read = streams.total(after: name, at: bytes)
            let plain: String? =
                read.file / step != read.fileBefore / step ? "\(name): \(read.file / step * 64) MB read" : nil
            meter.update(to: Double(read.all), plain: plain)
        }
    }
}

/// Totals the bytes read over files read in concurrent parts: each report is
/// a position in a file; it extends the part whose last position is just
/// before it (a new part's first megabyte is not counted).
final class ReadStreams: @unchecked Sendable {
    private let lock = NSLock()
    private var positions: [String: [Int]] = [:]
    private var fileSums: [String: Int] = [:]
    private var sum = 0

    /// The bytes read over all files, and over `name`'s parts after and before this report.
    func total(after name: String, at position: Int) -> (all: Int, file: Int, fileBefore: Int) {
        lock.withLock {
            var parts = positions[name, default: []]
            var added = 0
            if let i = parts.indices.filter({ parts[$0] <= position && position - parts[$0] <= 4 << 20 })
                .max(by: { parts[$0] < parts[$1] })
            {
                added = position - parts[i]
                parts[i] = position
            } else {
                // The first part of a file starts at 0; a later part somewhere inside it.
                if parts.isEmpty { added = position }
                parts.append(position)
            }
            positions[name] = parts
            sum += added
            let before = fileSums[name, default: 0]
            fileSums[name] = before + added
            return (sum, before + added, before)
        }
    }
}

/// A progress bar for one long step. On a terminal it redraws at most ten
/// times a second with the rate and, when the total is known, the ETA; in a
/// log it writes only the plain lines the caller passes. Thread-safe.
final class ProgressMeter: @unchecked Sendable {
    let label: String
    let total: Double?
    let unit: String
    /// Units per displayed unit (2^20 for bytes shown as MB).
    let scale: Double
    let terminal: Bool
    private let now: @Sendable () -> Double
    private let sink: @Sendable (String) -> Void
    private let lock = NSLock()
    private let started: Double
    private var lastDraw = -Double.infinity
    private var done = 0.0

    init(
        label: String, total: Double?, unit: String, scale: Double = 1, terminal: Bool = Progress.stderrIsTerminal,
        now: @escaping @Sendable () -> Double = { Date().timeIntervalSinceReferenceDate },
        sink: @escaping @Sendable (String) -> Void = Progress.write
    ) {
        self.label = label
        self.total = total.flatMap { $0 > 0 ? $0 : nil }
        self.unit = unit
        self.scale = scale
        self.terminal = terminal
        self.now = now
        self.sink = sink
        started = now()
    }

    /// `done` units so far. In a log, `plain` (when not nil) is written as one line.
    func update(to done: Double, plain: @autoclosure () -> String? = nil) {
        guard terminal else {
            if let text = plain() { sink("[recsys] \(text)\n") }
            return
        }
        lock.withLock {
            self.done = max(self.done, done)
            let t = now()
            guard t - lastDraw >= 0.1 else { return }
            lastDraw = t
            sink("\r\u{1B}[K[recsys] " + render(at: t))
        }
    }

    /// Ends the bar's line on a terminal (one final redraw), or writes `plain` in a log.
    func finish(plain: String? = nil) {
        guard terminal else {
            if let plain { sink("[recsys] \(plain)\n") }
            return
        }
        lock.withLock {
            if let total { done = max(done, total) }
            sink("\r\u{1B}[K[recsys] " + render(at: now()) + (plain.map { " — " + $0 } ?? "") + "\n")
        }
    }

    private func render(at t: Double) -> String {
        let elapsed = max(t - started, 1e-9)
        let rate = done / elapsed
        let fraction = total.map { done / $0 }
        let eta = total.flatMap { rate > 0 ? max($0 - done, 0) / rate : nil }
        return Progress.bar(label: label, fraction: fraction, rate: rate / scale, unit: unit, eta: eta)
    }
}
