import Dataset
import EventStore
import Logging
import PostgresNIO
import Synchronization

/// The event store shared by several replicas: one PostgreSQL table with gapless ids 1, 2, 3… in commit order,
/// so a position means the same on every replica and a reader that saw id N has seen every id below it.
///
/// Writers take the table's EXCLUSIVE lock for the few statements of an append (readers are not blocked), which
/// is what makes ids commit in order; a batch is one INSERT inside one transaction and returns after COMMIT.
/// Followers wake on this process's own appends at once and poll every 250 ms for other replicas' rows.
/// A database that is down or unreachable gives `.unavailable` within `leaseTimeout`, and a leased connection
/// that stops answering gives it within `queryTimeout` (the connection is closed): never a hang.
public final class PostgresEventStore: EventStore {
    public let url: PostgresStoreURL
    /// Which stream of records: the events, or the item updates (`StoredItem.record`).
    public let table: PostgresRecordTable
    private let client: PostgresClient
    private let logger: Logger
    private let leaseTimeout: Duration
    private let queryTimeout: Duration
    private let followers = Followers()
    private let running: Task<Void, Never>
    private let poller: Task<Void, Never>
    private let migrated = Atomic<Bool>(false)
    private let closed = Atomic<Bool>(false)
    private let keyedAppends = Atomic<Int>(0)

    /// The bound on the migrations' transaction (it waits for another replica's migrations under the
    /// advisory lock, and may build an index on a big table one day), instead of `queryTimeout`.
    static let migrationTimeout: Duration = .seconds(120)

    /// How often followers look for rows other replicas appended.
    public static let pollInterval: Duration = .milliseconds(250)

    /// Connects lazily: the schema is created (or checked) on the first call, so a server starts, and answers
    /// reads from its model, while the database is still down.
    public init(
        url: PostgresStoreURL, table: PostgresRecordTable = .events, leaseTimeout: Duration = .seconds(3),
        queryTimeout: Duration = .seconds(10), logger: Logger
    ) {
        self.url = url
        self.table = table
        self.logger = logger
        self.leaseTimeout = leaseTimeout
        self.queryTimeout = queryTimeout
        // The client logs every failed connection attempt at info; during an outage that is one line per retry.
        var background = logger
        background.logLevel = max(logger.logLevel, .warning)
        let client = PostgresClient(configuration: url.clientConfiguration, backgroundLogger: background)
        self.client = client
        running = Task { await client.run() }
        let followers = followers
        poller = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: Self.pollInterval)
                followers.notify()
            }
        }
    }

    deinit {
        running.cancel()
        poller.cancel()
    }

    /// A keyed batch looks its key up and stores it in the same transaction, under the same lock, so a retry
    /// on any replica finds it; keys older than `BatchKey.retentionMs` no longer count and are deleted now and then.
    public func append(_ batch: [StoredEvent], key: BatchKey?) async throws -> AppendResult {
        try validateBatch(batch)
        if batch.isEmpty { return AppendResult(position: try await head(), replayed: false) }
        try await ensureSchema()
        let timestamps = batch.map(\.timestamp)
        let visitors = batch.map { Int64($0.visitor) }
        let kinds = batch.map { Int16($0.kind.rawValue) }
        let items = batch.map { Int64($0.item) }
        let transactions = batch.map { Int64($0.transaction) }
        let count = Int64(batch.count)
        let logger = logger
        let table = table
        let digest = key == nil ? 0 : Int64(bitPattern: BatchKey.digest(of: batch))
        let retentionSeconds = Double(BatchKey.retentionMs) / 1000
        // Expired keys of this stream are deleted by one keyed append in 64, at most 1,000 at a time, so an
        // append never waits on a day's worth of deletes (and never touches the other stream's rows).
        let prune = key != nil && keyedAppends.wrappingAdd(1, ordering: .relaxed).oldValue % 64 == 0
        let result = try await withConnection("append") { connection in
            try await connection.withTransaction(logger: logger) { connection -> AppendResult in
                try await connection.query(
                    "LOCK TABLE \(unescaped: table.name) IN EXCLUSIVE MODE", logger: logger)
                var base: Int64 = 0
                if let key {
                    // A keyed batch costs no extra round trip: the head and the key come in one query.
                    let rows = try await connection.query(
                        """
                        SELECT (SELECT coalesce(max(id), 0) FROM \(unescaped: table.name))::bigint, k.last_id, k.count,
                               k.digest, (extract(epoch FROM k.stored_at) * 1000)::bigint
                        FROM (SELECT 1) AS one
                        LEFT JOIN recsys_batch_keys AS k
                          ON k.stream = \(table.name) AND k.key = \(key.value)
                         AND k.stored_at > now() - make_interval(secs => \(retentionSeconds))
                        """,
                        logger: logger)
                    for try await (head, last, stored, storedDigest, storedAt) in rows.decode(
                        (Int64, Int64?, Int32?, Int64?, Int64?).self)
                    {
                        base = head
                        if let last, let stored, let storedDigest, let storedAt {
                            let known = KeyedBatch(
                                last: last, count: Int(stored), digest: UInt64(bitPattern: storedDigest),
                                storedAt: storedAt)
                            return try known.replay(of: batch, key: key)
                        }
                    }
                    if prune {
                        try await connection.query(
                            """
                            DELETE FROM recsys_batch_keys
                            WHERE ctid IN (
                                SELECT ctid FROM recsys_batch_keys
                                WHERE stream = \(table.name)
                                  AND stored_at < now() - make_interval(secs => \(retentionSeconds))
                                LIMIT 1000)
                            """,
                            logger: logger)
                    }
                } else {
                    base = try await Self.maxID(connection, table: table, logger: logger)
                }
                // The records and, for a keyed batch, its key in one statement (without a key the second INSERT
                // selects no row; the records' INSERT runs all the same, as every data-modifying WITH does).
                try await connection.query(
                    """
                    WITH stored AS (
                        INSERT INTO \(unescaped: table.name) (\(unescaped: table.insertColumns))
                        SELECT \(base) + t.ord, t.ts, t.visitor, \(unescaped: table.kindValue) t.item, nullif(t.tx, -1)
                        FROM unnest(\(timestamps)::bigint[], \(visitors)::bigint[], \(kinds)::smallint[],
                                    \(items)::bigint[], \(transactions)::bigint[])
                             WITH ORDINALITY AS t(ts, visitor, kind, item, tx, ord)
                    )
                    INSERT INTO recsys_batch_keys (stream, key, last_id, count, digest)
                    SELECT \(table.name), given.key, \(base + count), \(Int32(batch.count)), \(digest)
                    FROM (SELECT \(key?.value)::text AS key) AS given
                    WHERE given.key IS NOT NULL
                    ON CONFLICT (stream, key) DO UPDATE
                    SET last_id = excluded.last_id, count = excluded.count, digest = excluded.digest,
                        stored_at = now()
                    """,
                    logger: logger)
                return AppendResult(position: base + count, replayed: false)
            }
        }
        if !result.replayed { followers.notify() }
        return result
    }

    public func read(after position: StorePosition, limit: Int) async throws -> (
        events: [StoredEvent], last: StorePosition
    ) {
        if limit <= 0 { return ([], position) }
        try await ensureSchema()
        let logger = logger
        let limit64 = Int64(limit)
        let table = table
        let rows = try await withConnection("read") { connection in
            let rows = try await connection.query(
                """
                SELECT \(unescaped: table.selectColumns)
                FROM \(unescaped: table.name) WHERE id > \(position) ORDER BY id LIMIT \(limit64)
                """,
                logger: logger)
            var events: [StoredEvent] = []
            var last = position
            for try await (id, timestamp, visitor, kind, item, transaction) in rows.decode(
                (Int64, Int64, Int64, Int16, Int64, Int64).self)
            {
                guard let eventKind = EventKind(rawValue: UInt8(clamping: kind)), kind >= 0 else {
                    throw EventStoreError.corrupt("row \(id) has event kind \(kind)")
                }
                events.append(
                    StoredEvent(
                        timestamp: timestamp, visitor: Int(visitor), kind: eventKind, item: Int(item),
                        transaction: Int(transaction)))
                last = id
            }
            return (events, last)
        }
        return rows
    }

    public func head() async throws -> StorePosition {
        try await ensureSchema()
        let logger = logger
        let table = table
        return try await withConnection("head") { connection in
            try await Self.maxID(connection, table: table, logger: logger)
        }
    }

    public func follow(
        after position: StorePosition, _ body: @Sendable ([StoredEvent], StorePosition) async -> Void
    ) async throws {
        try await followers.follow(after: position, read: { try await self.read(after: $0, limit: 4096) }, body)
    }

    public func close() {
        closed.store(true, ordering: .releasing)
        followers.finishAll()
        poller.cancel()
        running.cancel()
    }

    private static func maxID(_ connection: PostgresConnection, table: PostgresRecordTable, logger: Logger)
        async throws -> Int64
    {
        let rows = try await connection.query(
            "SELECT coalesce(max(id), 0)::bigint FROM \(unescaped: table.name)", logger: logger)
        for try await (id) in rows.decode(Int64.self) { return id }
        return 0
    }

    /// Runs the migrations once per process (they are idempotent and serialized by an advisory lock, so
    /// replicas starting together are safe).
    private func ensureSchema() async throws {
        if migrated.load(ordering: .acquiring) { return }
        let logger = logger
        let applied = try await withConnection("schema", queryTimeout: Self.migrationTimeout) { connection in
            try await PostgresSchema.migrate(connection, logger: logger)
        }
        if !applied.isEmpty {
            logger.info(
                "event store schema migrated",
                metadata: ["store": "\(url)", "versions": "\(applied.map(String.init).joined(separator: ","))"])
        }
        migrated.store(true, ordering: .releasing)
    }

    /// Leases a connection for `body`, turning "no connection within `leaseTimeout`", "no answer within
    /// `queryTimeout`" and every database error into `.unavailable` (or `.corrupt`, passed through).
    ///
    /// Why the second bound: postgres-nio drops a query written to a connection the server closed a moment
    /// before (the immediate shutdown of phase 3 in `scripts/replicas_postgres.sh`), and its caller then waits
    /// forever. At `queryTimeout` the connection is closed, which makes a query the server is still running
    /// (a lock wait, say) fail and its transaction roll back, and the lease is returned. A COMMIT the server
    /// had already taken stays committed: the caller's retry with the same key is answered from the key.
    /// `queryTimeout` overrides the store's bound for one operation (the migrations, which a future version
    /// may make long on a big table).
    private func withConnection<R: Sendable>(
        _ operation: String, queryTimeout: Duration? = nil,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> R
    ) async throws -> R {
        if closed.load(ordering: .acquiring) { throw EventStoreError.unavailable("the event store was closed") }
        let leased = Flag()
        let client = client
        let timeout = leaseTimeout
        let queryTimeout = queryTimeout ?? self.queryTimeout
        let url = url
        let logger = logger
        // The lease runs in its own task: a pool that is still retrying its connection may take a while to
        // notice the cancellation, and the caller must get its 503 at the timeout, not after that.
        let work = Task {
            try await client.withConnection { connection in
                leased.value.store(true, ordering: .releasing)
                return try await Self.bounded(connection, by: queryTimeout, logger: logger) {
                    try await body(connection)
                } timedOut: {
                    EventStoreError.unavailable("\(operation) on \(url): no answer within \(queryTimeout)")
                }
            }
        }
        do {
            return try await Self.first(of: work, orAfter: timeout) {
                if leased.value.load(ordering: .acquiring) { return nil }
                work.cancel()
                return EventStoreError.unavailable("no connection to \(url) within \(timeout)")
            }
        } catch let error as EventStoreError {
            throw error
        } catch let error as PostgresTransactionError {
            if let inner = error.closureError as? EventStoreError { throw inner }
            if let inner = (error.closureError ?? error.beginError ?? error.commitError) as? PSQLError {
                throw EventStoreError.unavailable("\(operation) on \(url): \(Self.describe(inner))")
            }
            throw EventStoreError.unavailable("\(operation) on \(url): transaction failed")
        } catch let error as PSQLError {
            throw EventStoreError.unavailable("\(operation) on \(url): \(Self.describe(error))")
        } catch {
            throw EventStoreError.unavailable("\(operation) on \(url): \(error)")
        }
    }

    /// Runs `body` on a leased connection for at most `limit`. Past it the connection is closed and
    /// `timedOut()` is thrown at once, even when the close cannot wake `body` (a dropped query's promise is
    /// never completed): that task is left behind, and the lease goes back to the pool, which drops the
    /// closed connection. Cancelling the caller cancels `body`.
    private static func bounded<R: Sendable>(
        _ connection: PostgresConnection, by limit: Duration, logger: Logger,
        _ body: @escaping @Sendable () async throws -> R, timedOut: @escaping @Sendable () -> EventStoreError
    ) async throws -> R {
        let expired = Flag()
        let query = Task {
            do {
                return try await body()
            } catch {
                // A statement the close woke fails with "connection closed": the caller is told why instead.
                throw expired.value.load(ordering: .acquiring) ? timedOut() : error
            }
        }
        return try await first(of: query, orAfter: limit) {
            expired.value.store(true, ordering: .releasing)
            let error = timedOut()
            logger.warning(
                "closing a PostgreSQL connection that did not answer in time",
                metadata: ["error": "\(error)", "connection": "\(connection.id)"])
            // Closed before the lease goes back, so the pool never hands this connection out again.
            try? await connection.close()
            return error
        }
    }

    /// `work`'s result, or, once `limit` has passed and `expire` returns an error, that error at once (the
    /// work is left to end on its own: `expire` decides whether to cancel it). Cancelling the caller cancels
    /// `work`. Both bounds of `withConnection` (the lease, the statements) are this race.
    private static func first<R: Sendable>(
        of work: Task<R, Error>, orAfter limit: Duration,
        expire: @escaping @Sendable () async -> EventStoreError?
    ) async throws -> R {
        let answer = OneAnswer<R>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                answer.install(continuation)
                let timer = Task {
                    try await Task.sleep(for: limit)
                    if let error = await expire() { answer.resume(with: .failure(error)) }
                }
                Task {
                    answer.resume(with: await work.result)
                    timer.cancel()
                }
            }
        } onCancel: {
            work.cancel()
        }
    }

    /// PSQLError's own description hides the server's message (it may hold data); the code and the server's
    /// message are what an operator needs and carry no row values for our statements.
    static func describe(_ error: PSQLError) -> String {
        var text = "\(error.code)"
        if let message = error.serverInfo?[.message] { text += ": \(message)" }
        if let state = error.serverInfo?[.sqlState] { text += " (SQLSTATE \(state))" }
        return text
    }
}

/// A table of records with gapless ids: the events, or the item updates, which ride in the same record shape
/// (`StoredItem.record`) under column names of their own.
public struct PostgresRecordTable: Sendable {
    public let name: String
    let insertColumns: String
    /// What the INSERT puts in the kind column, with its trailing comma (nothing when there is none).
    let kindValue: String
    let selectColumns: String

    public static let events = PostgresRecordTable(
        name: "recsys_events", insertColumns: "id, timestamp_ms, visitor_id, event, item_id, transaction_id",
        kindValue: "t.kind,",
        selectColumns: "id, timestamp_ms, visitor_id, event, item_id, coalesce(transaction_id, -1)::bigint")
    public static let items = PostgresRecordTable(
        name: "recsys_items", insertColumns: "id, timestamp_ms, category_id, item_id, available", kindValue: "",
        selectColumns: "id, timestamp_ms, category_id, 0::smallint, item_id, available::bigint")
}

/// The first of two racing results (the work's, a timeout's) resumes the caller; the other is dropped.
private final class OneAnswer<R: Sendable>: Sendable {
    private let state = Mutex<(continuation: CheckedContinuation<R, Error>?, early: Result<R, Error>?)>((nil, nil))

    func install(_ continuation: CheckedContinuation<R, Error>) {
        let early = state.withLock { s -> Result<R, Error>? in
            if let early = s.early { return early }
            s.continuation = continuation
            return nil
        }
        if let early { continuation.resume(with: early) }
    }

    func resume(with result: Result<R, Error>) {
        let continuation = state.withLock { s -> CheckedContinuation<R, Error>? in
            if s.early != nil { return nil }
            s.early = result
            let c = s.continuation
            s.continuation = nil
            return c
        }
        continuation?.resume(with: result)
    }
}

/// Set once (a connection was leased, a statement ran out of time); shared between a task and its timeout.
private final class Flag: Sendable {
    let value = Atomic<Bool>(false)
}
