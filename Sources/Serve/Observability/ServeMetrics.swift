import CoreMetrics
import Foundation
import Metrics
import Synchronization

import class Prometheus.PrometheusCollectorRegistry
import struct Prometheus.PrometheusMetricsFactory

/// The server's metrics through swift-metrics, exported by swift-prometheus.
/// The registry belongs to the application (no global bootstrap), so tests
/// can build many applications in one process.
public final class ServeMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    private let counters = Mutex<[String: CoreMetrics.Counter]>([:])
    private let timers = Mutex<[String: Metrics.Timer]>([:])
    private let candidates: CoreMetrics.Recorder
    private let fallbacks: CoreMetrics.Counter
    private let modelLoadSeconds: CoreMetrics.Gauge
    private let modelLoadedAt: CoreMetrics.Gauge
    private let modelInfo = Mutex<CoreMetrics.Gauge?>(nil)
    private let eventsAccepted: CoreMetrics.Counter
    private let eventsRejected: CoreMetrics.Counter
    private let eventAppend: Metrics.Timer
    private let overlayEvents: CoreMetrics.Gauge
    private let overlayVisitors: CoreMetrics.Gauge
    private let overlayEvictions: CoreMetrics.Gauge
    private let storeUp: CoreMetrics.Gauge
    private let storeLag: CoreMetrics.Gauge
    private let liveItems: CoreMetrics.Gauge

    public init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2),
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
            .milliseconds(250), .seconds(1),
        ]
        factory.defaultValueHistogramBuckets = [0, 10, 50, 100, 200, 300, 400, 500, 750, 1000]
        self.factory = factory
        candidates = Recorder(label: "recsys_candidates_per_request", dimensions: [], aggregate: true, factory: factory)
        fallbacks = CoreMetrics.Counter(label: "recsys_fallbacks_total", dimensions: [], factory: factory)
        modelLoadSeconds = CoreMetrics.Gauge(label: "recsys_model_load_seconds", dimensions: [], factory: factory)
        modelLoadedAt = CoreMetrics.Gauge(
            label: "recsys_model_loaded_timestamp_seconds", dimensions: [], factory: factory)
        eventsAccepted = CoreMetrics.Counter(label: "recsys_events_accepted_total", dimensions: [], factory: factory)
        eventsRejected = CoreMetrics.Counter(label: "recsys_events_rejected_total", dimensions: [], factory: factory)
        // Durable append: write + fsync of the group commit the batch joined.
        eventAppend = Metrics.Timer(label: "recsys_event_append_seconds", dimensions: [], factory: factory)
        overlayEvents = CoreMetrics.Gauge(label: "recsys_live_overlay_events", dimensions: [], factory: factory)
        overlayVisitors = CoreMetrics.Gauge(label: "recsys_live_overlay_visitors", dimensions: [], factory: factory)
        overlayEvictions = CoreMetrics.Gauge(label: "recsys_live_overlay_evictions", dimensions: [], factory: factory)
        storeUp = CoreMetrics.Gauge(label: "recsys_event_store_up", dimensions: [], factory: factory)
        // Records in the store (from any replica) not yet in this replica's overlay, sampled every second.
        storeLag = CoreMetrics.Gauge(label: "recsys_event_store_lag_records", dimensions: [], factory: factory)
        liveItems = CoreMetrics.Gauge(label: "recsys_live_items", dimensions: [], factory: factory)
    }

    func recordEvents(accepted: Int, rejected: Int, appendDuration: Duration?) {
        if accepted > 0 { eventsAccepted.increment(by: accepted) }
        if rejected > 0 { eventsRejected.increment(by: rejected) }
        if let d = appendDuration {
            eventAppend.recordNanoseconds(
                Int64(d.components.seconds) * 1_000_000_000 + d.components.attoseconds / 1_000_000_000)
        }
    }

    func recordOverlay(events: Int, visitors: Int, evictions: Int) {
        overlayEvents.record(events)
        overlayVisitors.record(visitors)
        overlayEvictions.record(evictions)
    }

    func recordLiveItems(_ count: Int) { liveItems.record(count) }

    func recordStore(up: Bool, lag: Int?) {
        storeUp.record(up ? 1 : 0)
        if let lag { storeLag.record(lag) }
    }

    func recordRequest(route: String, status: Int, duration: Duration) {
        let key = "\(route) \(status)"
        let counter = counters.withLock { map in
            if let c = map[key] { return c }
            let c = CoreMetrics.Counter(
                label: "recsys_http_requests_total", dimensions: [("route", route), ("status", String(status))],
                factory: factory)
            map[key] = c
            return c
        }
        counter.increment()
        let timer = timers.withLock { map in
            if let t = map[route] { return t }
            let t = Metrics.Timer(
                label: "recsys_http_request_duration_seconds", dimensions: [("route", route)], factory: factory)
            map[route] = t
            return t
        }
        timer.recordNanoseconds(
            Int64(duration.components.seconds) * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }

    func recordRecommendation(candidates count: Int, fallback: Bool) {
        candidates.record(count)
        if fallback { fallbacks.increment() }
    }

    func recordModel(version: String, loadSeconds: Double, loadedAt: Date) {
        modelLoadSeconds.record(loadSeconds)
        modelLoadedAt.record(loadedAt.timeIntervalSince1970)
        modelInfo.withLock { gauge in
            gauge?.record(0)
            let g = CoreMetrics.Gauge(label: "recsys_model_info", dimensions: [("version", version)], factory: factory)
            g.record(1)
            gauge = g
        }
    }

    public func text() -> String { registry.emitToString() }
}
