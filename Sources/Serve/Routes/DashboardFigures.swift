import Foundation
import Synchronization

/// The server's own Prometheus exposition (`ServeMetrics.text()`), read back
/// into the few totals the dashboard shows. Parsing the text keeps one
/// source of truth: the dashboard shows what `/metrics` exports.
struct MetricsSnapshot: Sendable {
    /// A cumulative histogram: upper bound → count of observations at or below it.
    struct Histogram: Sendable, Equatable {
        var buckets: [Double: Double] = [:]
        var sum = 0.0
        var count = 0.0

        static func - (a: Histogram, b: Histogram) -> Histogram {
            var out = Histogram(sum: a.sum - b.sum, count: a.count - b.count)
            for (le, n) in a.buckets { out.buckets[le] = n - (b.buckets[le] ?? 0) }
            return out
        }

        static func + (a: Histogram, b: Histogram) -> Histogram {
            var out = Histogram(sum: a.sum + b.sum, count: a.count + b.count)
            out.buckets = a.buckets.merging(b.buckets, uniquingKeysWith: +)
            return out
        }

        /// The q-quantile, interpolated inside its bucket like Prometheus'
        /// `histogram_quantile`; nil without observations.
        func quantile(_ q: Double) -> Double? {
            guard count > 0 else { return nil }
            let bounds = buckets.keys.sorted()
            let rank = q * count
            var (lower, below) = (0.0, 0.0)
            for le in bounds {
                let n = buckets[le] ?? 0
                if n >= rank {
                    if le.isInfinite { return lower }
                    return n > below ? lower + (le - lower) * (rank - below) / (n - below) : le
                }
                (lower, below) = (le, n)
            }
            return lower
        }

        var mean: Double? { count > 0 ? sum / count : nil }
    }

    struct Route: Sendable {
        var requests = 0.0
        var serverErrors = 0.0
        var latency = Histogram()
    }

    var at: Date
    var routes: [String: Route] = [:]
    var fallbacks = 0.0
    var candidates = Histogram()
    var eventsAccepted = 0.0
    var eventsRejected = 0.0
    var overlayEvents = 0.0
    var overlayVisitors = 0.0
    var storeUp: Double?
    var storeLagRecords: Double?
    var liveItems = 0.0

    init(at: Date) { self.at = at }

    init(text: String, at: Date) {
        self.at = at
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let sample = Self.sample(line) else { continue }
            let (name, labels, value) = sample
            switch name {
            case "recsys_http_requests_total":
                let route = labels["route"] ?? "unmatched"
                routes[route, default: Route()].requests += value
                if labels["status"]?.hasPrefix("5") == true { routes[route, default: Route()].serverErrors += value }
            case "recsys_http_request_duration_seconds_bucket":
                if let route = labels["route"], let le = labels["le"].flatMap(Self.bound) {
                    routes[route, default: Route()].latency.buckets[le] = value
                }
            case "recsys_http_request_duration_seconds_sum":
                if let route = labels["route"] { routes[route, default: Route()].latency.sum = value }
            case "recsys_http_request_duration_seconds_count":
                if let route = labels["route"] { routes[route, default: Route()].latency.count = value }
            case "recsys_candidates_per_request_bucket":
                if let le = labels["le"].flatMap(Self.bound) { candidates.buckets[le] = value }
            case "recsys_candidates_per_request_sum": candidates.sum = value
            case "recsys_candidates_per_request_count": candidates.count = value
            case "recsys_fallbacks_total": fallbacks = value
            case "recsys_events_accepted_total": eventsAccepted = value
            case "recsys_events_rejected_total": eventsRejected = value
            case "recsys_live_overlay_events": overlayEvents = value
            case "recsys_live_overlay_visitors": overlayVisitors = value
            case "recsys_event_store_up": storeUp = value
            case "recsys_event_store_lag_records": storeLagRecords = value
            case "recsys_live_items": liveItems = value
            default: break
            }
        }
    }

    static func bound(_ text: String) -> Double? { text == "+Inf" ? .infinity : Double(text) }

    /// `name{a="x",b="y"} value` → its parts; nil for lines of another shape.
    static func sample(_ line: Substring) -> (String, [String: String], Double)? {
        guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
            return nil
        }
        let series = line[..<space]
        guard let open = series.firstIndex(of: "{") else { return (String(series), [:], value) }
        guard series.last == "}" else { return nil }
        var labels: [String: String] = [:]
        var rest = series[series.index(after: open)..<series.index(before: series.endIndex)]
        while !rest.isEmpty {
            guard let eq = rest.firstIndex(of: "="), rest[rest.index(after: eq)...].first == "\"" else { return nil }
            let key = String(rest[..<eq])
            var value = ""
            var i = rest.index(eq, offsetBy: 2)
            var closed = false
            while i < rest.endIndex {
                let c = rest[i]
                if c == "\\", rest.index(after: i) < rest.endIndex {
                    i = rest.index(after: i)
                    value.append(rest[i] == "n" ? "\n" : rest[i])
                } else if c == "\"" {
                    closed = true
                    break
                } else {
                    value.append(c)
                }
                i = rest.index(after: i)
            }
            guard closed else { return nil }
            labels[key] = value
            rest = rest[rest.index(after: i)...]
            if rest.first == "," { rest = rest.dropFirst() }
        }
        return (String(series[..<open]), labels, value)
    }
}

/// Live figures over a sliding window: every dashboard poll adds a
/// snapshot, and figures compare the newest with one about a minute old (or
/// with the start of the server when younger). About 60 snapshots at most.
final class DashboardSampler: Sendable {
    static let window: TimeInterval = 60
    /// Routes left out of the traffic figures: the dashboard's own polls,
    /// probes and scrapes (the per-route table still lists them).
    static let housekeeping: Set<String> = ["/dashboard", "/dashboard/data.json", "/health", "/ready", "/metrics"]

    private let snapshots: Mutex<[MetricsSnapshot]>

    init(started: Date = Date()) { snapshots = Mutex([MetricsSnapshot(at: started)]) }

    struct RouteFigures: Encodable, Equatable {
        var route: String
        var requests: Double
        var requestsPerSecond: Double
        var p50Ms: Double?
        var p99Ms: Double?
        var serverErrors: Double
    }

    struct Figures: Encodable, Equatable {
        var windowSeconds: Double
        var requests: Double
        var requestsPerSecond: Double
        var p50Ms: Double?
        var p99Ms: Double?
        var serverErrors: Double
        var recommendations: Double
        var fallbacks: Double
        var fallbackShare: Double?
        var candidatesPerRequest: Double?
        var liveEventsAccepted: Double
        var liveEventsPerSecond: Double
        var liveEventsRejected: Double
        var overlayEvents: Double
        var overlayVisitors: Double
        /// 1 when the event store answered its last check, 0 when not, nil before the first.
        var storeUp: Double?
        /// Records in the store not yet in this replica's memory.
        var storeLagRecords: Double?
        var liveItems: Double
        var totalRequests: Double
        var totalFallbacks: Double
        var totalLiveEvents: Double
        var routes: [RouteFigures]
    }

    func figures(text: String, now: Date = Date()) -> Figures {
        let current = MetricsSnapshot(text: text, at: now)
        let base = snapshots.withLock { list in
            // At most one snapshot a second, however many pages poll.
            if list.last.map({ now.timeIntervalSince($0.at) >= 1 }) ?? true { list.append(current) }
            // Keep the newest snapshot at least a window old as the base.
            while list.count > 2, now.timeIntervalSince(list[1].at) >= Self.window { list.removeFirst() }
            return list[0]
        }
        return Self.figures(from: base, to: current)
    }

    static func figures(from base: MetricsSnapshot, to current: MetricsSnapshot) -> Figures {
        let seconds = max(current.at.timeIntervalSince(base.at), 0.001)
        var routes: [RouteFigures] = []
        var traffic = MetricsSnapshot.Route()
        var totalRequests = 0.0
        for (name, now) in current.routes.sorted(by: { $0.key < $1.key }) {
            let then = base.routes[name] ?? MetricsSnapshot.Route()
            let latency = now.latency - then.latency
            let requests = now.requests - then.requests
            let errors = now.serverErrors - then.serverErrors
            routes.append(
                RouteFigures(
                    route: name, requests: requests, requestsPerSecond: requests / seconds,
                    p50Ms: latency.quantile(0.5).map { $0 * 1000 }, p99Ms: latency.quantile(0.99).map { $0 * 1000 },
                    serverErrors: errors))
            guard !housekeeping.contains(name) else { continue }
            totalRequests += now.requests
            traffic.requests += requests
            traffic.serverErrors += errors
            traffic.latency = traffic.latency + latency
        }
        let candidates = current.candidates - base.candidates
        let fallbacks = current.fallbacks - base.fallbacks
        let events = current.eventsAccepted - base.eventsAccepted
        return Figures(
            windowSeconds: seconds, requests: traffic.requests, requestsPerSecond: traffic.requests / seconds,
            p50Ms: traffic.latency.quantile(0.5).map { $0 * 1000 },
            p99Ms: traffic.latency.quantile(0.99).map { $0 * 1000 }, serverErrors: traffic.serverErrors,
            recommendations: candidates.count, fallbacks: fallbacks,
            fallbackShare: candidates.count > 0 ? fallbacks / candidates.count : nil,
            candidatesPerRequest: candidates.mean, liveEventsAccepted: events, liveEventsPerSecond: events / seconds,
            liveEventsRejected: current.eventsRejected - base.eventsRejected, overlayEvents: current.overlayEvents,
            overlayVisitors: current.overlayVisitors, storeUp: current.storeUp,
            storeLagRecords: current.storeLagRecords, liveItems: current.liveItems, totalRequests: totalRequests,
            totalFallbacks: current.fallbacks,
            totalLiveEvents: current.eventsAccepted, routes: routes)
    }
}
