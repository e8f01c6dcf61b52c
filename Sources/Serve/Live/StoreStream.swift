import Dataset
import EventStore
import Logging
import Synchronization

/// One stream of store records kept applied in memory: replayed at startup (retried every second while the
/// store is unreachable), each acknowledged batch applied at once, and a follower that brings in what other
/// replicas append (polled every 250 ms for PostgreSQL). Live events are one stream, item updates another.
final class StoreStream: Sendable {
    let name: String
    let store: any EventStore
    private let feed: OverlayFeed
    private let replay: Task<Int, Never>
    private let follower: Task<Void, Never>
    private let replayDone = Flag()

    /// A flag shared with the replay task (an `Atomic` cannot be captured).
    final class Flag: Sendable {
        let value = Atomic<Bool>(false)
    }

    /// Whether the store's records are all applied (readiness waits for it).
    var isReplayed: Bool { replayDone.value.load(ordering: .acquiring) }

    /// - Parameters:
    ///   - apply: puts records in memory; called in position order, each record once.
    ///   - applied: after each apply (metrics).
    ///   - lag: once a second with the records in the store not yet applied (nil: the store did not answer).
    init(
        name: String, store: any EventStore, logger: Logger, apply: @escaping @Sendable ([StoredEvent]) -> Void,
        applied: @escaping @Sendable () -> Void = {}, lag: @escaping @Sendable (Int?) -> Void = { _ in }
    ) {
        self.name = name
        self.store = store
        let feed = OverlayFeed(apply)
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
                            "\(name) replay failed; retrying every second (not ready until it succeeds)",
                            metadata: ["error": "\(error)", "attempts": .stringConvertible(attempt)])
                    }
                    lag(nil)
                    try? await Task.sleep(for: .seconds(1))
                }
            }
            applied()
            let total = Int(await feed.applied)
            logger.info(
                "\(name) replayed",
                metadata: [
                    "records": .stringConvertible(total), "seconds": .string("\(ContinuousClock.now - started)"),
                ])
            done.value.store(true, ordering: .releasing)
            return total
        }
        let replay = replay
        follower = Task {
            _ = await replay.value
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    await Self.follow(name: name, store: store, feed: feed, logger: logger, applied: applied)
                }
                group.addTask { await Self.sampleLag(store: store, feed: feed, lag: lag) }
            }
        }
    }

    /// Brings in records appended by anyone until cancelled; a store error is logged and the follow restarts
    /// a second later from the last applied position, so nothing is skipped.
    private static func follow(
        name: String, store: any EventStore, feed: OverlayFeed, logger: Logger, applied: @escaping @Sendable () -> Void
    ) async {
        var failures = 0
        while !Task.isCancelled {
            do {
                try await store.follow(after: await feed.applied) { records, last in
                    if await !feed.apply(records, last: last) {
                        try? await feed.catchUp(from: store, to: last)
                    }
                    applied()
                }
                failures = 0
            } catch {
                failures += 1
                if failures == 1 || failures % 60 == 0 {
                    logger.warning(
                        "following the \(name) store failed; retrying every second",
                        metadata: ["error": "\(error)", "failures": .stringConvertible(failures)])
                }
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }

    private static func sampleLag(store: any EventStore, feed: OverlayFeed, lag: @escaping @Sendable (Int?) -> Void)
        async
    {
        while !Task.isCancelled {
            if let head = try? await store.head() {
                lag(Int(max(0, head - (await feed.applied))))
            } else {
                lag(nil)
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }

    /// Waits for the startup replay; returns how many records it applied.
    func replayed() async -> Int { await replay.value }

    /// Stores the batch durably, then applies it. While the startup replay has not finished (the store
    /// unreachable at startup) a write answers `.unavailable` after a few seconds instead of waiting forever.
    /// Returns the store's outcome and the time it took. A replayed batch (its key was stored before) is not
    /// applied again; the feed is only brought up to its position, for a batch another replica stored.
    func append(_ records: [StoredEvent], key: BatchKey? = nil) async throws -> (result: AppendResult, took: Duration) {
        for _ in 0..<100 where !isReplayed { try await Task.sleep(for: .milliseconds(30)) }
        guard isReplayed else {
            throw EventStoreError.unavailable("the \(name) are still being replayed from the store")
        }
        let started = ContinuousClock.now
        let result = try await store.append(records, key: key)
        let took = ContinuousClock.now - started
        let last = result.position
        if result.replayed {
            if await feed.applied < last { try? await feed.catchUp(from: store, to: last) }
        } else if await !feed.apply(records, last: last) {
            // Another replica's records sit before ours: bring them in first (the follower would, a moment later).
            try? await feed.catchUp(from: store, to: last)
        }
        return (result, took)
    }

    func close() {
        replay.cancel()
        follower.cancel()
        store.close()
    }
}
