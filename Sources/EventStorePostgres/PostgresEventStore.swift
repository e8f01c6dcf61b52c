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
/// A database that is down or unreachable gives `.unavailable` within `leaseTimeout`, never a hang.
public final class PostgresEventStore: EventStore {
    public let url: PostgresStoreURL
    /// Which stream of records: the events, or the item updates (`StoredItem.record`).
    public let table: PostgresRecordTable
    private let client: PostgresClient
    private let logger: Logger
    private let leaseTimeout: Duration
    private let followers = Followers()
    private let running: Task<Void, Never>
    private let poller: Task<Void, Never>
    private let migrated = Atomic<Bool>(false)
    private let closed = Atomic<Bool>(false)
    private let keyedAppends = Atomic<Int>(0)

    /// How often followers look for rows other replicas appended.
    public static let pollInterval: Duration = .milliseconds(250)

    /// Connects lazily: the schema is created (or checked) on the first call, so a server starts, and answers
    /// reads from its model, while the database is still down.
    public init(
        url: PostgresStoreURL, table: PostgresRecordTable = .events, leaseTimeout: Duration = .seconds(3),
        logger: Logger
    ) {
        self.url = url
        self.table = table
        self.logger = logger
        self.leaseTimeout = leaseTimeout
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
                guard let key else {
                    let base = try await Self.maxID(connection, table: table, logger: logger)
                    try await connection.query(
                        """
                        INSERT INTO \(unescaped: table.name) (\(unescaped: table.insertColumns))
                        SELECT \(base) + t.ord, t.ts, t.visitor, \(unescaped: table.kindValue) t.item, nullif(t.tx, -1)
                        FROM unnest(\(timestamps)::bigint[], \(visitors)::bigint[], \(kinds)::smallint[],
                                    \(items)::bigint[], \(transactions)::bigint[])
                             WITH ORDINALITY AS t(ts, visitor, kind, item, tx, ord)
                        """,
                        logger: logger)
                    return AppendResult(position: base + count, replayed: false)
                }
                // A keyed batch costs no extra round trip: the head and the key come in one query, the records
                // and the key go in one statement.
                var base: Int64 = 0
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
                            last: last, count: Int(stored), digest: UInt64(bitPattern: storedDigest), storedAt: storedAt
                        )
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
                    VALUES (\(table.name), \(key.value), \(base + count), \(Int32(batch.count)), \(digest))
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
        let applied = try await withConnection("schema") { connection in
            try await PostgresSchema.migrate(connection, logger: logger)
        }
        if !applied.isEmpty {
            logger.info(
                "event store schema migrated",
                metadata: ["store": "\(url)", "versions": "\(applied.map(String.init).joined(separator: ","))"])
        }
        migrated.store(true, ordering: .releasing)
    }

    /// Leases a connection for `body`, turning "no connection within `leaseTimeout`" and every database error
    /// into `.unavailable` (or `.corrupt`, passed through). Only the wait for a connection is timed: a query that
    /// started runs to its end, so a COMMIT is never abandoned half-way by this side.
    private func withConnection<R: Sendable>(
        _ operation: String, _ body: @escaping @Sendable (PostgresConnection) async throws -> R
    ) async throws -> R {
        if closed.load(ordering: .acquiring) { throw EventStoreError.unavailable("the event store was closed") }
        let leased = LeaseFlag()
        let client = client
        let timeout = leaseTimeout
        let url = url
        // The lease runs in its own task: a pool that is still retrying its connection may take a while to
        // notice the cancellation, and the caller must get its 503 at the timeout, not after that.
        let work = Task {
            try await client.withConnection { connection in
                leased.value.store(true, ordering: .releasing)
                return try await body(connection)
            }
        }
        let answer = OneAnswer<R>()
        do {
            return try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { continuation in
                    answer.install(continuation)
                    let timer = Task {
                        try await Task.sleep(for: timeout)
                        if !leased.value.load(ordering: .acquiring) {
                            work.cancel()
                            answer.resume(
                                with: .failure(
                                    EventStoreError.unavailable("no connection to \(url) within \(timeout)")))
                        }
                    }
                    Task {
                        answer.resume(with: await work.result)
                        timer.cancel()
                    }
                }
            } onCancel: {
                work.cancel()
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

/// The first of two racing results (the lease's, the timeout's) resumes the caller; the other is dropped.
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

/// Set once a connection was leased; shared between the lease task and the timeout.
private final class LeaseFlag: Sendable {
    let value = Atomic<Bool>(false)
}
