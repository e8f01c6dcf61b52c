import Dataset

/// The event store without files: for tests and `--events-store memory`. Same semantics as the embedded log
/// (validation, positions, paging, follow) minus durability; everything is lost with the process.
public final class InMemoryEventStore: EventStore {
    private let events = Locked<[StoredEvent]>([])
    private let followers = Followers()

    /// An empty store; positions start at 1.
    public init() {}

    /// Appends under a lock, O(batch); all or nothing because validation runs first.
    public func append(_ batch: [StoredEvent]) async throws -> StorePosition {
        try validateBatch(batch)
        let last = events.withLock { e in
            e.append(contentsOf: batch)
            return StorePosition(e.count)
        }
        if !batch.isEmpty { followers.notify() }
        return last
    }

    /// Copies up to `limit` records after `position`; O(returned).
    public func read(after position: StorePosition, limit: Int) async throws -> (
        events: [StoredEvent], last: StorePosition
    ) {
        events.withLock { e in
            let start = Int(max(0, min(position, StorePosition(e.count))))
            let end = start + min(max(0, limit), e.count - start)
            if start == end { return ([], position) }
            return (Array(e[start..<end]), StorePosition(end))
        }
    }

    /// The number of records stored.
    public func head() async throws -> StorePosition {
        events.withLock { StorePosition($0.count) }
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
