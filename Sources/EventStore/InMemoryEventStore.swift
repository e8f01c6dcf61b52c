import Dataset

/// The event store without files: for tests and `--events-store memory`. Same semantics as the embedded log
/// (validation, positions, paging, follow) minus durability; everything is lost with the process.
public final class InMemoryEventStore: EventStore {
    private let events = Locked<(records: [StoredEvent], keys: KeyMemory)>(([], KeyMemory()))
    private let followers = Followers()

    /// An empty store; positions start at 1.
    public init() {}

    /// Appends under a lock, O(batch); all or nothing because validation runs first. Keys are remembered as
    /// by the embedded log (24 h, at most the newest 1,000,000).
    public func append(_ batch: [StoredEvent], key: BatchKey?) async throws -> AppendResult {
        try validateBatch(batch)
        let now = wallClockMs()
        let result = try events.withLock { e -> AppendResult in
            if batch.isEmpty { return AppendResult(position: StorePosition(e.records.count), replayed: false) }
            if let key, let known = e.keys.find(key, now: now) { return try known.replay(of: batch, key: key) }
            e.records.append(contentsOf: batch)
            let last = StorePosition(e.records.count)
            if let key {
                e.keys.insert(
                    key,
                    KeyedBatch(last: last, count: batch.count, digest: BatchKey.digest(of: batch), storedAt: now),
                    now: now)
            }
            return AppendResult(position: last, replayed: false)
        }
        if !batch.isEmpty && !result.replayed { followers.notify() }
        return result
    }

    /// Copies up to `limit` records after `position`; O(returned).
    public func read(after position: StorePosition, limit: Int) async throws -> (
        events: [StoredEvent], last: StorePosition
    ) {
        events.withLock { s in
            let e = s.records
            let start = Int(max(0, min(position, StorePosition(e.count))))
            let end = start + min(max(0, limit), e.count - start)
            if start == end { return ([], position) }
            return (Array(e[start..<end]), StorePosition(end))
        }
    }

    /// The number of records stored.
    public func head() async throws -> StorePosition {
        events.withLock { StorePosition($0.records.count) }
    }

    /// Follows from `position` in pages of up to 4,096 records, woken by each append.
    public func follow(
        after position: StorePosition, _ body: @Sendable ([StoredEvent], StorePosition) async -> Void
    ) async throws {
        try await followers.follow(after: position, read: { try await self.read(after: $0, limit: 4096) }, body)
    }

    /// Ends every follower; the events stay readable.
    public func close() { followers.finishAll() }
}
