import Foundation
import Prometheus
import Synchronization

/// The standard `process_*` figures Prometheus clients export, read from
/// `/proc/self` at scrape time (Linux; elsewhere they stay 0). A refresh
/// reads two small files and lists `/proc/self/fd`.
final class ProcessMetrics: Sendable {
    private let residentMemory: Gauge
    private let virtualMemory: Gauge
    private let openFDs: Gauge
    private let maxFDs: Gauge
    private let cpuSeconds: Counter
    private let startTime: Gauge
    /// CPU seconds already added to the counter (it only increments).
    private let cpuCounted = Mutex<Double>(0)

    init(
        residentMemory: Gauge, virtualMemory: Gauge, openFDs: Gauge, maxFDs: Gauge, cpuSeconds: Counter,
        startTime: Gauge
    ) {
        self.residentMemory = residentMemory
        self.virtualMemory = virtualMemory
        self.openFDs = openFDs
        self.maxFDs = maxFDs
        self.cpuSeconds = cpuSeconds
        self.startTime = startTime
        if let stat = Self.stat(), let boot = Self.bootTime() {
            startTime.set(to: boot + stat.startTicks / Self.ticksPerSecond)
        }
    }

    func refresh() {
        if let stat = Self.stat() {
            residentMemory.set(to: stat.rssPages * Double(sysconf(Int32(_SC_PAGESIZE))))
            virtualMemory.set(to: stat.virtualBytes)
            let total = stat.cpuTicks / Self.ticksPerSecond
            cpuCounted.withLock { counted in
                if total > counted {
                    cpuSeconds.increment(by: total - counted)
                    counted = total
                }
            }
        }
        if let fds = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") {
            openFDs.set(to: Double(fds.count))
        }
        if let limit = Self.maxOpenFiles() { maxFDs.set(to: limit) }
    }

    static let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))

    struct Stat {
        var cpuTicks: Double
        var startTicks: Double
        var virtualBytes: Double
        var rssPages: Double
    }

    /// `/proc/self/stat`: utime and stime (fields 14, 15), starttime (22),
    /// vsize (23), rss (24). The command name (field 2) may hold spaces, so
    /// fields are counted after its closing parenthesis.
    static func stat() -> Stat? {
        guard let text = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return nil }
        // After ")": field 3 (state) is index 0.
        let fields = text[text.index(after: close)...].split(separator: " ")
        func field(_ n: Int) -> Double? { fields.count > n - 3 ? Double(fields[n - 3]) : nil }
        guard let utime = field(14), let stime = field(15), let start = field(22), let vsize = field(23),
            let rss = field(24)
        else { return nil }
        return Stat(cpuTicks: utime + stime, startTicks: start, virtualBytes: vsize, rssPages: rss)
    }

    /// The soft limit on open files (`Max open files` in `/proc/self/limits`).
    static func maxOpenFiles() -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/self/limits", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("Max open files") {
            return line.dropFirst("Max open files".count).split(separator: " ").first.flatMap { Double($0) }
        }
        return nil
    }

    /// Boot time, unix seconds (`btime` in `/proc/stat`).
    static func bootTime() -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("btime ") {
            return Double(line.dropFirst(6).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }
}
