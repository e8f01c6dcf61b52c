import Foundation
import Prometheus
import Synchronization

/// The server's metrics, registered on a swift-prometheus registry with
/// their help text (a `# HELP` and a `# TYPE` line per family), plus the
/// standard `process_*` figures read from `/proc/self` at each scrape (a few
/// small file reads, about 50 µs). The registry belongs to the application
/// (no global bootstrap), so tests can build many applications in one process.
public final class ServeMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let counters = Mutex<[String: Counter]>([:])
    private let timers = Mutex<[String: DurationHistogram]>([:])
    private let candidates: ValueHistogram
    private let fallbacks: Counter
    private let modelLoadSeconds: Gauge
    private let modelLoadedAt: Gauge
    private let modelInfo = Mutex<Gauge?>(nil)
    private let eventsAccepted: Counter
    private let eventsRejected: Counter
    private let batchesReplayed: Counter
    private let eventAppend: DurationHistogram
    private let overlayEvents: Gauge
    private let overlayVisitors: Gauge
    private let overlayEvictions: Gauge
    private let storeUp: Gauge
    private let storeLag: Gauge
    private let liveItems: Gauge
    private let process: ProcessMetrics

    /// Request latency buckets: 100 µs to 1 s.
    static let durationBuckets: [Duration] = [
        .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2),
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .seconds(1),
    ]

    /// Every family this type registers, with its help text: one list, read by the tests.
    static let help: [String: String] = [
        "recsys_http_requests_total": "HTTP requests answered, by route pattern and status code.",
        "recsys_http_request_duration_seconds": "Time from request head to response, by route pattern.",
        "recsys_candidates_per_request": "Candidates scored by the ranker per recommendation.",
        "recsys_fallbacks_total": "Recommendations answered with popular items (visitor without history).",
        "recsys_model_load_seconds": "Seconds the last model load took.",
        "recsys_model_loaded_timestamp_seconds": "Unix time the serving model was loaded.",
        "recsys_model_info": "1 for the serving model's version, 0 for versions served before.",
        "recsys_events_accepted_total": "Live events stored.",
        "recsys_events_rejected_total":
            "Live event batches refused (invalid batch, or an idempotency key reused for other events).",
        "recsys_batches_replayed_total": "Write batches whose idempotency key was already stored (not stored again).",
        "recsys_event_append_seconds": "Durable append of an event batch (write and fsync of its group commit).",
        "recsys_live_overlay_events": "Live events held in memory.",
        "recsys_live_overlay_visitors": "Visitors with live events in memory.",
        "recsys_live_overlay_evictions": "Live events evicted from memory by the limits.",
        "recsys_event_store_up": "1 when the event store answers, else 0.",
        "recsys_event_store_lag_records": "Records in the event store not yet in this replica's overlay.",
        "recsys_live_items": "Items with a live update (POST /api/v1/items) in memory.",
        "process_resident_memory_bytes": "Resident memory size in bytes.",
        "process_virtual_memory_bytes": "Virtual memory size in bytes.",
        "process_open_fds": "Number of open file descriptors.",
        "process_max_fds": "Maximum number of open file descriptors.",
        "process_cpu_seconds_total": "Total user and system CPU time spent in seconds.",
        "process_start_time_seconds": "Start time of the process since unix epoch in seconds.",
    ]

    static func descriptor(_ name: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help[name] ?? "")
    }

    public init() {
        let registry = PrometheusCollectorRegistry()
        self.registry = registry
        func counter(_ name: String) -> Counter { registry.makeCounter(descriptor: Self.descriptor(name)) }
        func gauge(_ name: String) -> Gauge { registry.makeGauge(descriptor: Self.descriptor(name)) }
        candidates = registry.makeValueHistogram(
            descriptor: Self.descriptor("recsys_candidates_per_request"),
            buckets: [0, 10, 50, 100, 200, 300, 400, 500, 750, 1000])
        fallbacks = counter("recsys_fallbacks_total")
        modelLoadSeconds = gauge("recsys_model_load_seconds")
        modelLoadedAt = gauge("recsys_model_loaded_timestamp_seconds")
        eventsAccepted = counter("recsys_events_accepted_total")
        eventsRejected = counter("recsys_events_rejected_total")
        batchesReplayed = counter("recsys_batches_replayed_total")
        eventAppend = registry.makeDurationHistogram(
            descriptor: Self.descriptor("recsys_event_append_seconds"), buckets: Self.durationBuckets)
        overlayEvents = gauge("recsys_live_overlay_events")
        overlayVisitors = gauge("recsys_live_overlay_visitors")
        overlayEvictions = gauge("recsys_live_overlay_evictions")
        storeUp = gauge("recsys_event_store_up")
        // Records in the store (from any replica) not yet in this replica's overlay, sampled every second.
        storeLag = gauge("recsys_event_store_lag_records")
        liveItems = gauge("recsys_live_items")
        process = ProcessMetrics(
            residentMemory: gauge("process_resident_memory_bytes"),
            virtualMemory: gauge("process_virtual_memory_bytes"), openFDs: gauge("process_open_fds"),
            maxFDs: gauge("process_max_fds"), cpuSeconds: counter("process_cpu_seconds_total"),
            startTime: gauge("process_start_time_seconds"))
    }

    func recordEvents(accepted: Int, rejected: Int, appendDuration: Duration?) {
        if accepted > 0 { eventsAccepted.increment(by: Int64(accepted)) }
        if rejected > 0 { eventsRejected.increment(by: Int64(rejected)) }
        if let d = appendDuration { eventAppend.record(d) }
    }

    func recordReplayedBatch() { batchesReplayed.increment() }

    func recordOverlay(events: Int, visitors: Int, evictions: Int) {
        overlayEvents.set(to: Double(events))
        overlayVisitors.set(to: Double(visitors))
        overlayEvictions.set(to: Double(evictions))
    }

    func recordLiveItems(_ count: Int) { liveItems.set(to: Double(count)) }

    func recordStore(up: Bool, lag: Int?) {
        storeUp.set(to: up ? 1 : 0)
        if let lag { storeLag.set(to: Double(lag)) }
    }

    func recordRequest(route: String, status: Int, duration: Duration) {
        let key = "\(route) \(status)"
        let counter = counters.withLock { map in
            if let c = map[key] { return c }
            let c = registry.makeCounter(
                descriptor: Self.descriptor("recsys_http_requests_total"),
                labels: [("route", route), ("status", String(status))])
            map[key] = c
            return c
        }
        counter.increment()
        let timer = timers.withLock { map in
            if let t = map[route] { return t }
            let t = registry.makeDurationHistogram(
                descriptor: Self.descriptor("recsys_http_request_duration_seconds"), labels: [("route", route)],
                buckets: Self.durationBuckets)
            map[route] = t
            return t
        }
        timer.record(duration)
    }

    func recordRecommendation(candidates count: Int, fallback: Bool) {
        candidates.record(Double(count))
        if fallback { fallbacks.increment() }
    }

    func recordModel(version: String, loadSeconds: Double, loadedAt: Date) {
        modelLoadSeconds.set(to: loadSeconds)
        modelLoadedAt.set(to: loadedAt.timeIntervalSince1970)
        modelInfo.withLock { gauge in
            gauge?.set(to: 0)
            let g = registry.makeGauge(descriptor: Self.descriptor("recsys_model_info"), labels: [("version", version)])
            g.set(to: 1)
            gauge = g
        }
    }

    /// The Prometheus exposition, process figures refreshed first.
    public func text() -> String {
        process.refresh()
        return registry.emitToString()
    }
}
