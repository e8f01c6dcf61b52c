import Dataset
import EventStore
import Foundation
import Logging
import Pipeline
import Synchronization

/// The live-events side of the server: the durable store (the embedded log
/// by default) and the in-memory overlay the pipeline reads. Events are
/// acknowledged only once the store has them on disk; the overlay is filled
/// from the store at startup and from each acknowledged batch after.
public final class LiveEvents: Sendable {
    let store: any EventStore
    let overlay: LiveOverlay
    let metrics: ServeMetrics
    /// The startup replay; appends wait for it, so no batch is applied twice.
    private let replay: Task<Int, Error>
    private let replayDone = Flag()

    /// A flag shared with the replay task (an `Atomic` cannot be captured).
    final class Flag: Sendable {
        let value = Atomic<Bool>(false)
    }

    /// Whether the store's events are all in the overlay (readiness waits for it).
    var isReplayed: Bool { replayDone.value.load(ordering: .acquiring) }

    public init(store: any EventStore, limits: LiveOverlay.Limits, metrics: ServeMetrics, logger: Logger) {
        self.store = store
        let overlay = LiveOverlay(limits: limits)
        self.overlay = overlay
        self.metrics = metrics
        let done = replayDone
        replay = Task {
            var position: StorePosition = 0
            var total = 0
            let started = ContinuousClock.now
            while true {
                let (events, last) = try await store.read(after: position, limit: 65_536)
                if events.isEmpty { break }
                overlay.apply(events)
                total += events.count
                position = last
            }
            let f = overlay.figures
            metrics.recordOverlay(events: f.events, visitors: f.visitors, evictions: f.evictions)
            logger.info(
                "live events replayed",
                metadata: [
                    "events": .stringConvertible(total), "kept": .stringConvertible(f.events),
                    "seconds": .string("\(ContinuousClock.now - started)"),
                ])
            done.value.store(true, ordering: .releasing)
            return total
        }
    }

    /// Opens the configured store: `memory`, or the embedded log in a folder.
    public static func open(_ configuration: ServeConfiguration, metrics: ServeMetrics, logger: Logger) throws
        -> LiveEvents
    {
        let location = configuration.resolvedEventsStore
        let store: any EventStore
        if location == "memory" {
            store = InMemoryEventStore()
        } else {
            let log = logger
            store = try EmbeddedEventLog(directory: location) { line in log.warning("\(line)") }
        }
        return LiveEvents(store: store, limits: configuration.liveLimits, metrics: metrics, logger: logger)
    }

    /// Releases the store (the embedded log's writer lock): a second server
    /// in this process, or a restart in a test, may then open it.
    public func close() { (store as? EmbeddedEventLog)?.close() }

    /// Whether the startup replay is done (readiness waits for it).
    func replayed() async throws -> Int { try await replay.value }

    /// Stores the batch durably, then makes it visible to requests.
    func append(_ events: [StoredEvent]) async throws {
        _ = try await replay.value
        let started = ContinuousClock.now
        _ = try await store.append(events)
        metrics.recordEvents(accepted: events.count, rejected: 0, appendDuration: ContinuousClock.now - started)
        overlay.apply(events)
        let f = overlay.figures
        metrics.recordOverlay(events: f.events, visitors: f.visitors, evictions: f.evictions)
    }

    /// The overlay for a request against `pipeline`: events the model
    /// already covers are dropped first (after a reload), so none counts twice.
    func overlay(for pipeline: TwoStagePipeline) -> LiveOverlay {
        let reference = pipeline.artifacts.metadata.referenceTime
        if overlay.modelledUntil != reference { overlay.modelCovers(until: reference) }
        return overlay
    }
}
