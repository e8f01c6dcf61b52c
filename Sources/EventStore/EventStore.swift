import Dataset

/// Monotonic position: the sequence number of the last record (0 = before the first). Records get sequence
/// numbers 1, 2, 3… in append order, across segments and restarts.
public typealias StorePosition = Int64

/// The store protocol: the embedded log and the PostgreSQL store (target EventStorePostgres) conform.
public protocol EventStore: AnyObject, Sendable {
    /// Appends the whole batch durably (fsync'd) before returning; returns the position of its last record.
    /// All or nothing: on error nothing of the batch is visible to readers, and records acknowledged earlier are
    /// intact. An empty batch writes nothing and returns the current head.
    ///
    /// With a `key` the store remembers, durably and atomically with the batch, that the key was stored (for
    /// `BatchKey.retentionMs`): the same key and records again write nothing and return the first position with
    /// `replayed`; the same key with other records throws `.conflict`. Concurrent appends of one key store it once.
    func append(_ batch: [StoredEvent], key: BatchKey?) async throws -> AppendResult

    /// Up to `limit` records after `position`, in order, with the position of the last one returned
    /// (== position when none).
    func read(after position: StorePosition, limit: Int) async throws -> (events: [StoredEvent], last: StorePosition)

    /// The position of the newest durable record.
    func head() async throws -> StorePosition

    /// Calls `body` with every batch of records after `position` as they become durable, until the task is
    /// cancelled (then it returns normally). Appends wake followers directly; there is no polling.
    func follow(after position: StorePosition, _ body: @Sendable ([StoredEvent], StorePosition) async -> Void)
        async throws

    /// Releases what the store holds (the embedded log's writer lock, the database connections); followers
    /// return. Calls after `close` fail.
    func close()
}

extension EventStore {
    /// Appends without an idempotency key; returns the position of the batch's last record.
    public func append(_ batch: [StoredEvent]) async throws -> StorePosition {
        try await append(batch, key: nil).position
    }
}
