import Dataset
import EventStore
import EventStorePostgres
import Foundation
import Logging
import Pipeline
import Synchronization

/// The live-events side of the server: the durable store (the embedded log by default, PostgreSQL when
/// replicas share events) and what is in memory from it: the overlay of visitors' events the pipeline reads,
/// and the live item updates (`POST /api/v1/items`). Records are acknowledged only once the store has them
/// durably; memory is filled from the store at startup, from each acknowledged batch, and by a follower
/// that brings in what other replicas append (see `StoreStream`).
public final class LiveEvents: Sendable {
    let overlay: LiveOverlay
    let items: LiveItems
    /// The live facts of items that differ from one model's, in its dense ids, rebuilt when the model or the
    /// item updates change (not per request).
    private let cachedOverrides = Mutex<(pipeline: ObjectIdentifier, version: Int, overrides: ItemOverrides)?>(nil)
    let metrics: ServeMetrics
    private let events: StoreStream
    private let itemUpdates: StoreStream

    /// The events store (tests reach it).
    var store: any EventStore { events.store }

    /// Whether both streams are replayed (readiness waits for it).
    var isReplayed: Bool { events.isReplayed && itemUpdates.isReplayed }

    /// - Parameter itemStore: where item updates live; by default a store of the same kind next to the
    ///   events (`memory` when `store` is in memory).
    public init(
        store: any EventStore, itemStore: (any EventStore)? = nil, limits: LiveOverlay.Limits, metrics: ServeMetrics,
        logger: Logger
    ) {
        let overlay = LiveOverlay(limits: limits)
        let items = LiveItems()
        self.overlay = overlay
        self.items = items
        self.metrics = metrics
        events = StoreStream(
            name: "live events", store: store, logger: logger,
            apply: { records in
                overlay.apply(records)
                items.count(records)
            },
            applied: {
                let f = overlay.figures
                metrics.recordOverlay(events: f.events, visitors: f.visitors, evictions: f.evictions)
            },
            lag: { lag in metrics.recordStore(up: lag != nil, lag: lag) })
        itemUpdates = StoreStream(
            name: "live item updates", store: itemStore ?? InMemoryEventStore(), logger: logger,
            apply: { records in items.apply(records.map(StoredItem.init(record:))) },
            applied: { metrics.recordLiveItems(items.itemCount) })
    }

    /// Opens the configured store: `memory`, a `postgres://` URL (events and item updates in two tables), or
    /// the embedded log in a folder (item updates in its `items/` subfolder).
    public static func open(_ configuration: ServeConfiguration, metrics: ServeMetrics, logger: Logger) throws
        -> LiveEvents
    {
        let location = configuration.resolvedEventsStore
        let store: any EventStore
        let itemStore: any EventStore
        if location == "memory" {
            store = InMemoryEventStore()
            itemStore = InMemoryEventStore()
        } else if PostgresStoreURL.isPostgres(location) {
            let url = try PostgresStoreURL(location)
            logger.info("live events in PostgreSQL", metadata: ["store": "\(url)"])
            store = PostgresEventStore(url: url, logger: logger)
            itemStore = PostgresEventStore(url: url, table: .items, logger: logger)
        } else {
            let log = logger
            store = try EmbeddedEventLog(directory: location) { line in log.warning("\(line)") }
            do {
                itemStore = try EmbeddedEventLog(directory: EmbeddedItemLog.folder(in: location)) { line in
                    log.warning("\(line)")
                }
            } catch {
                store.close()
                throw error
            }
        }
        return LiveEvents(
            store: store, itemStore: itemStore, limits: configuration.liveLimits, metrics: metrics, logger: logger)
    }

    /// Stops the followers and releases the stores (the embedded log's writer lock, the database
    /// connections): a second server in this process, or a restart in a test, may then open them.
    public func close() {
        events.close()
        itemUpdates.close()
    }

    /// Waits for the startup replay of the events; returns how many it applied.
    func replayed() async -> Int {
        _ = await itemUpdates.replayed()
        return await events.replayed()
    }

    /// Stores the batch durably, then makes it visible to requests. With a key already stored, nothing is
    /// stored again (`replayed`).
    @discardableResult
    func append(_ batch: [StoredEvent], key: BatchKey? = nil) async throws -> AppendResult {
        let (result, took) = try await events.append(batch, key: key)
        if result.replayed {
            metrics.recordReplayedBatch()
        } else {
            metrics.recordEvents(accepted: batch.count, rejected: 0, appendDuration: took)
        }
        let f = overlay.figures
        metrics.recordOverlay(events: f.events, visitors: f.visitors, evictions: f.evictions)
        return result
    }

    /// Stores the item updates durably, then makes them visible to requests.
    @discardableResult
    func append(items batch: [StoredItem], key: BatchKey? = nil) async throws -> AppendResult {
        let (result, _) = try await itemUpdates.append(batch.map(\.record), key: key)
        if result.replayed { metrics.recordReplayedBatch() }
        metrics.recordLiveItems(items.itemCount)
        return result
    }

    /// The live categories and availability of items `pipeline`'s model knows otherwise (`.none` until the
    /// shop sends an item update: no lock, no work).
    func overrides(for pipeline: TwoStagePipeline) -> ItemOverrides {
        if items.isEmpty { return .none }
        let id = ObjectIdentifier(pipeline)
        let version = items.factsVersion
        if let cached = cachedOverrides.withLock({ $0 }), cached.pipeline == id, cached.version == version {
            return cached.overrides
        }
        let (taken, facts) = items.allFacts()
        let fresh = pipeline.overrides(facts: facts)
        cachedOverrides.withLock { $0 = (id, taken, fresh) }
        return fresh
    }

    /// The time of a request that names none (no `at`): the wall clock, unless the newest live event is
    /// more than `replayLagMs` behind it, as when an old log is replayed through the API; then that event's
    /// time, so the replayed visitors' sessions are current instead of years old (the session boost, discover's
    /// new-session rule and the hour features read it). The answer's `request_time` shows which was taken.
    func requestTime(wall: Int64 = Int64(Date().timeIntervalSince1970 * 1000)) -> Int64 {
        Self.requestTime(wall: wall, newestEvent: overlay.newestEvent)
    }

    static let replayLagMs: Int64 = 86_400_000

    static func requestTime(wall: Int64, newestEvent: Int64?) -> Int64 {
        guard let newestEvent, wall - newestEvent > replayLagMs else { return wall }
        return newestEvent
    }

    /// The overlay for a request against `pipeline`: events the model
    /// already covers are dropped first (after a reload), so none counts twice.
    func overlay(for pipeline: TwoStagePipeline) -> LiveOverlay {
        let reference = pipeline.artifacts.metadata.referenceTime
        if overlay.modelledUntil != reference { overlay.modelCovers(until: reference) }
        return overlay
    }
}
