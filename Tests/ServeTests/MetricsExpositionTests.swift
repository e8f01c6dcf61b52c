import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Synchronization
import TestSupport
import Testing

@testable import Serve

/// `/metrics` as a Prometheus client reads it, and the route label of 405s
/// (project issue 20); each test failed before its fix.
struct MetricsExpositionTests {
    /// A family per metric name: its `# HELP`, its `# TYPE` and its samples.
    struct Family {
        var help: String?
        var type: String?
        var samples: [(labels: String, value: Double)] = []
    }

    /// Parses the text exposition; histogram samples go to their family (`_bucket`, `_sum`, `_count`).
    static func parse(_ text: String) throws -> [String: Family] {
        var families: [String: Family] = [:]
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# HELP ") || line.hasPrefix("# TYPE ") {
                let rest = line.dropFirst(7)
                let name = String(rest.prefix { $0 != " " })
                let value = String(rest.dropFirst(name.count + 1))
                if line.hasPrefix("# HELP ") { families[name, default: Family()].help = value }
                if line.hasPrefix("# TYPE ") { families[name, default: Family()].type = value }
                continue
            }
            let nameEnd = line.firstIndex { $0 == "{" || $0 == " " } ?? line.endIndex
            var name = String(line[..<nameEnd])
            let labels = line[nameEnd...].hasPrefix("{") ? String(line[nameEnd...].prefix { $0 != "}" }) + "}" : ""
            let value = try #require(Double(line.split(separator: " ").last ?? ""), "\(line)")
            for suffix in ["_bucket", "_sum", "_count"] where families[name] == nil && name.hasSuffix(suffix) {
                name = String(name.dropLast(suffix.count))
            }
            families[name, default: Family()].samples.append((labels, value))
        }
        return families
    }

    /// Our metrics had `# TYPE` lines only; no process metrics at all.
    @Test func everyFamilyHasHelpAndProcessFiguresAreThere() async throws {
        let c = try ServeConfiguration.forTests()
        try await buildApplication(c).test(.router) { client in
            try await client.execute(uri: "/recommend/1", method: .get) { _ in }
            try await client.execute(uri: "/metrics", method: .get) { response in
                let families = try Self.parse(String(buffer: response.body))
                for (name, family) in families {
                    #expect(family.help?.isEmpty == false, "\(name) has no # HELP line")
                    #expect(family.type != nil, "\(name) has no # TYPE line")
                    #expect(!family.samples.isEmpty, "\(name) has no samples")
                }
                for name in ServeMetrics.help.keys { #expect(families[name] != nil, "\(name) is missing") }
                func value(_ name: String) -> Double? { families[name]?.samples.first?.value }
                #expect(families["process_cpu_seconds_total"]?.type == "counter")
                #expect(families["process_open_fds"]?.type == "gauge")
                #expect((value("process_resident_memory_bytes") ?? 0) > 1_000_000)
                #expect((value("process_open_fds") ?? 0) >= 3)
                #expect((value("process_max_fds") ?? 0) >= (value("process_open_fds") ?? .infinity))
                #expect((value("process_cpu_seconds_total") ?? 0) > 0)
                let start = try #require(value("process_start_time_seconds"))
                let now = Date().timeIntervalSince1970
                #expect(start <= now + 1 && start > now - 86_400, "start time \(start), now \(now)")
            }
        }
    }

    /// The process CPU counter only grows between scrapes.
    @Test func cpuSecondsOnlyGrow() throws {
        let metrics = ServeMetrics()
        let first = try #require(try Self.parse(metrics.text())["process_cpu_seconds_total"]?.samples.first?.value)
        var x = 0.0
        for i in 0..<3_000_000 { x += Double(i).squareRoot() }
        #expect(x > 0)
        let second = try #require(try Self.parse(metrics.text())["process_cpu_seconds_total"]?.samples.first?.value)
        #expect(second >= first)
    }

    /// 405 answers were counted and logged under the route "NotFound".
    @Test func a405IsLabelledWithItsRoute() async throws {
        var c = try ServeConfiguration.forTests()
        c.logLevel = .info
        let lines = LogCapture()
        let logger = Logger(label: "test") { _ in lines }
        try await buildApplication(c, logger: logger).test(.router) { client in
            try await client.execute(uri: "/health", method: .post) { #expect($0.status == .methodNotAllowed) }
            try await client.execute(uri: "/recommend/7", method: .delete) {
                #expect($0.status == .methodNotAllowed)
            }
            try await client.execute(uri: "/no/such/route", method: .get) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/metrics", method: .get) { response in
                let text = String(buffer: response.body)
                #expect(text.contains("recsys_http_requests_total{route=\"/health\",status=\"405\"} 1"))
                #expect(text.contains("recsys_http_requests_total{route=\"/recommend/{user_id}\",status=\"405\"} 1"))
                #expect(text.contains("recsys_http_requests_total{route=\"NotFound\",status=\"404\"} 1"))
            }
        }
        let routes = lines.requests.map { "\($0["status"] ?? "") \($0["route"] ?? "")" }
        #expect(routes.contains("405 /health"), "\(routes)")
        #expect(routes.contains("405 /recommend/{user_id}"), "\(routes)")
    }
}

/// Keeps the metadata of every "request" log line.
final class LogCapture: LogHandler, Sendable {
    private let stored = Mutex<[[String: String]]>([])
    var requests: [[String: String]] { stored.withLock { $0 } }

    var metadata: Logger.Metadata {
        get { [:] }
        set {}
    }
    var logLevel: Logger.Level {
        get { .trace }
        set {}
    }
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { nil }
        set {}
    }

    func log(
        level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String,
        function: String, line: UInt
    ) {
        guard message.description == "request" else { return }
        let fields = (metadata ?? [:]).mapValues { "\($0)" }
        stored.withLock { $0.append(fields) }
    }
}
