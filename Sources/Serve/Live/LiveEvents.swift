import Dataset
import EventStore
import EventStorePostgres
import Foundation
import Logging
import Pipeline
import Synchronization

/// The live-events side of the server: the durable store (the embedded log by default, PostgreSQL when
/// replicas share events) and the in-memory overlay the pipeline reads. Events are acknowledged only once the
/// store has them durably; the overlay is filled from the store at startup, from each acknowledged batch, and
/// by a follower that brings in what other replicas append (polled every 250 ms for PostgreSQL).
public final class LiveEvents: Sendable {
    let store: any EventStore
    let overlay: LiveOverlay
    let metrics: ServeMetrics
    private let feed: OverlayFeed
    /// The startup replay; retried every second while the store is unreachable.
    private let replay: Task<Int, Never>
    private let replayDone = Flag()
    /// Follows the store after the replay and samples the store lag.
    private let follower: Task<Void, Never>

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
        let feed = OverlayFeed(overlay: overlay)
        self.feed = feed
        let done = replayDone
        replay = Task {
            let started = ContinuousClock.now
            var attempt = 0
            while !Task.isCancelled {
                do {
                    let head = try await store.head()
                    try await feed.catchUp(from: store, to: head)
                    break
                } catch {
                    attempt += 1
                    if attempt == 1 || attempt % 30 == 0 {
                        logger.error(
                            "live events replay failed; retrying every second (not ready until it succeeds)",
                            metadata: ["error": "\(error)", "attempts": .stringConvertible(attempt)])
                    }
                    metrics.recordStore(up: false, lag: nil)
                    try? await Task.sleep(for: .seconds(1))
                }
            }
            let total = Int(await feed.applied)
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
        let replay = replay
        follower = Task {
            _ = await replay.value
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await Self.follow(store: store, feed: feed, metrics: metrics, logger: logger) }
                group.addTask { await Self.sampleLag(store: store, feed: feed, metrics: metrics) }
            }
        }
    }

    /// Brings in records appended by anyone (other replicas included) until cancelled; a store error is
    /// logged and the follow restarts a second later from the last applied position, so nothing is skipped.
    private static func follow(store: any EventStore, feed: OverlayFeed, metrics: ServeMetrics, logger: Logger)
        async
    {
        var failures = 0
        while !Task.isCancelled {
            do {
                try await store.follow(after: await feed.applied) { events, last in
                    if await !feed.apply(events, last: last) {
                        try? await feed.catchUp(from: store, to: last)
                    }
                    let f = feed.overlay.figures
                    metrics.recordOverlay(events: f.events, visitors: f.visitors, evictions: f.evictions)
                }
                failures = 0
            } catch {
                failures += 1
                if failures == 1 || failures % 60 == 0 {
                    logger.warning(
                        "following the event store failed; retrying every second",
                        metadata: ["error": "\(error)", "failures": .stringConvertible(failures)])
                }
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }

    /// Once a second: how far the overlay is behind the store (records), and whether the store answers.
    private static func sampleLag(store: any EventStore, feed: OverlayFeed, metrics: ServeMetrics) async {
        while !Task.isCancelled {
            if let head = try? await store.head() {
                metrics.recordStore(up: true, lag: Int(max(0, head - (await feed.applied))))
            } else {
                metrics.recordStore(up: false, lag: nil)
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }

    /// Opens the configured store: `memory`, a `postgres://` URL, or the embedded log in a folder.
    public static func open(_ configuration: ServeConfiguration, metrics: ServeMetrics, logger: Logger) throws
        -> LiveEvents
    {
        let location = configuration.resolvedEventsStore
        let store: any EventStore
        if location == "memory" {
            store = InMemoryEventStore()
        } else if PostgresStoreURL.isPostgres(location) {
            let url = try PostgresStoreURL(location)
            logger.info("live events in PostgreSQL", metadata: ["store": "\(url)"])
            store = PostgresEventStore(url: url, logger: logger)
        } else {
            let log = logger
            store = try EmbeddedEventLog(directory: location) { line in log.warning("\(line)") }
        }
        return LiveEvents(store: store, limits: configuration.liveLimits, metrics: metrics, logger: logger)
    }

    /// Stops the follower and releases the store (the embedded log's writer lock, the database connections):
    /// a second server in this process, or a restart in a test, may then open it.
    public func close() {
        replay.cancel()
        follower.cancel()
        store.close()
    }

    /// Waits for the startup replay; returns how many records it applied.
    func replayed() async -> Int { await replay.value }

    /// Stores the batch durably, then makes it visible to requests. While the startup replay has not finished
    /// (the store unreachable at startup) a write answers 503 after a few seconds instead of waiting forever.
    func append(_ events: [StoredEvent]) async throws {
        for _ in 0..<100 where !isReplayed { try await Task.sleep(for: .milliseconds(30)) }
        guard isReplayed else {
            throw EventStoreError.unavailable("the live events are still being replayed from the store")
        }
        let started = ContinuousClock.now
        let last = try await store.append(events)
        metrics.recordEvents(accepted: events.count, rejected: 0, appendDuration: ContinuousClock.now - started)
        if await !feed.apply(events, last: last) {
            // Another replica's records sit before ours: bring them in first (the follower would, a moment later).
            try? await feed.catchUp(from: store, to: last)
        }
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
