import Dataset
import Foundation
import PostgresNIO
import TestSupport
import Testing

@testable import EventStore
@testable import EventStorePostgres

/// What only the PostgreSQL store has: URLs, several writers on one table, an unreachable server, schema
/// versions. The protocol suite (StoreProtocolTests) covers the rest.
struct PostgresStoreTests {
    @Test func urlParsesEveryPart() throws {
        let url = try PostgresStoreURL("postgres://shop%40eu:s3cr%2Ft@db.internal:6543/recsys?sslmode=require")
        #expect(url.username == "shop@eu")
        #expect(url.password == "s3cr/t")
        #expect(url.host == "db.internal")
        #expect(url.port == 6543)
        #expect(url.database == "recsys")
        #expect(url.sslMode == .require)
        #expect(!url.description.contains("s3cr"))
        let defaults = try PostgresStoreURL("postgresql://recsys@localhost/events")
        #expect(defaults.port == 5432)
        #expect(defaults.password == nil)
        #expect(defaults.sslMode == .prefer)
    }

    @Test(arguments: [
        ("postgres://localhost/db", "no user name"),
        ("postgres://user@/db", "no host"),
        ("postgres://user@localhost", "no database"),
        ("postgres://user@localhost/db?sslmode=verify-full", "sslmode=verify-full"),
        ("/var/lib/events", "not a postgres:// URL"),
    ])
    func badURLsAreNamed(text: String, expected: String) {
        #expect {
            try PostgresStoreURL(text)
        } throws: { error in
            "\(error)".contains(expected) && !"\(error)".contains("secret")
        }
    }

    @Test(.timeLimit(.minutes(5))) func unreachableServerIsUnavailable() async throws {
        let port = try closedPort()
        let url = try PostgresStoreURL("postgres://recsys:secret@127.0.0.1:\(port)/events?sslmode=disable")
        let store = PostgresEventStore(url: url, leaseTimeout: .milliseconds(500), logger: testLogger)
        defer { store.close() }
        await #expect {
            try await store.append(events(0..<3))
        } throws: { error in
            guard case EventStoreError.unavailable(let reason) = error else { return false }
            return reason.contains("127.0.0.1:\(port)") && !reason.contains("secret")
        }
        await #expect(throws: EventStoreError.self) { try await store.read(after: 0, limit: 10) }
        // No wall-clock bound: a loaded parallel test run starves timers for a minute and more; the time limit
        // on the test catches the hang this is about (the pool alone retries forever).
    }

    /// The failover case keys exist for: replica A stored the batch and died before answering; the load
    /// balancer sends the retry to replica B, which must find the key in the database.
    @Test(.enabled(if: PostgresTestServer.url != nil))
    func aRetryOnAnotherReplicaFindsTheKey() async throws {
        let url = try await PostgresTestServer.freshDatabase()
        let a = PostgresEventStore(url: url, logger: testLogger)
        let b = PostgresEventStore(url: url, logger: testLogger)
        let itemsB = PostgresEventStore(url: url, table: .items, logger: testLogger)
        defer {
            a.close()
            b.close()
            itemsB.close()
        }
        let key = try BatchKey("retry-1")
        #expect(try await a.append(events(0..<6), key: key) == AppendResult(position: 6, replayed: false))
        #expect(try await b.append(events(0..<6), key: key) == AppendResult(position: 6, replayed: true))
        #expect(try await readAll(b) == events(0..<6))
        // Keys are per stream: the same key on the item updates is a batch of its own.
        let update = StoredItem(timestamp: 1, item: 9, category: 3, available: true)
        #expect(try await itemsB.append([update.record], key: key) == AppendResult(position: 1, replayed: false))
    }

    /// A key older than the retention no longer answers: the batch is stored again and the key's row is
    /// taken over; expired rows are deleted by a later keyed append.
    @Test(.enabled(if: PostgresTestServer.url != nil))
    func anExpiredKeyIsStoredAgainAndPruned() async throws {
        let url = try await PostgresTestServer.freshDatabase()
        let store = PostgresEventStore(url: url, logger: testLogger)
        defer { store.close() }
        let key = try BatchKey("yesterday")
        _ = try await store.append(events(0..<2), key: key)
        _ = try await store.append(events(2..<3), key: try BatchKey("stale"))
        let client = PostgresClient(configuration: url.clientConfiguration)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            try await client.query("UPDATE recsys_batch_keys SET stored_at = now() - interval '25 hours'")
            group.cancelAll()
        }
        // Other records under the expired key: no conflict, a new batch.
        #expect(try await store.append(events(5..<9), key: key) == AppendResult(position: 7, replayed: false))
        #expect(try await store.append(events(5..<9), key: key) == AppendResult(position: 7, replayed: true))
        // Keyed appends go on until the 64-append prune: the stale row goes, the live ones stay.
        for n in 0..<64 { _ = try await store.append(events(100 + n..<101 + n), key: try BatchKey("k\(n)")) }
        let keys = PostgresClient(configuration: url.clientConfiguration)
        let left = try await withThrowingTaskGroup(of: [String]?.self) { group in
            group.addTask {
                await keys.run()
                return nil
            }
            var names: [String] = []
            let rows = try await keys.query("SELECT key FROM recsys_batch_keys ORDER BY key")
            for try await name in rows.decode(String.self) { names.append(name) }
            group.cancelAll()
            return names
        }
        #expect(!left.contains("stale"))
        #expect(left.contains("yesterday"))
        #expect(left.count == 65)
    }

    /// A leased connection whose statement does not come back (here: LOCK TABLE waiting behind another
    /// session's lock) is closed at `queryTimeout`: the caller gets `.unavailable`, nothing of the batch is
    /// stored (the closed session's transaction rolls back), and the store works once the lock is gone.
    @Test(.enabled(if: PostgresTestServer.url != nil), .timeLimit(.minutes(2)))
    func aStatementThatDoesNotAnswerIsBounded() async throws {
        let url = try await PostgresTestServer.freshDatabase()
        let store = PostgresEventStore(url: url, queryTimeout: .milliseconds(800), logger: testLogger)
        defer { store.close() }
        #expect(try await store.append(events(0..<2)) == 2)
        let blocker = PostgresClient(configuration: url.clientConfiguration)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await blocker.run() }
            try await blocker.withConnection { connection in
                try await connection.query("BEGIN", logger: testLogger)
                try await connection.query("LOCK TABLE recsys_events IN EXCLUSIVE MODE", logger: testLogger)
                let started = ContinuousClock.now
                await #expect {
                    try await store.append(events(2..<5), key: try BatchKey("blocked"))
                } throws: { error in
                    guard case EventStoreError.unavailable(let reason) = error else { return false }
                    return reason.contains("no answer within")
                }
                // Not a wall-clock bar (timers starve on a loaded machine): the lock is never released while
                // the append waits, so only the bound can have ended it.
                #expect(ContinuousClock.now - started >= .milliseconds(800))
                try await connection.query("ROLLBACK", logger: testLogger)
            }
            group.cancelAll()
        }
        #expect(try await store.append(events(5..<7)) == 4)
        #expect(try await readAll(store) == events(0..<2) + events(5..<7))
        // The key of the abandoned batch was rolled back with it: the retry stores the batch.
        #expect(
            try await store.append(events(2..<5), key: try BatchKey("blocked"))
                == AppendResult(position: 7, replayed: false))
    }

    @Test(.enabled(if: PostgresTestServer.url != nil))
    func twoReplicasShareGaplessPositions() async throws {
        let url = try await PostgresTestServer.freshDatabase()
        let a = PostgresEventStore(url: url, logger: testLogger)
        let b = PostgresEventStore(url: url, logger: testLogger)
        defer {
            a.close()
            b.close()
        }
        // Eight writers on two replicas at once: every batch gets a contiguous, gapless run of positions.
        let ends = try await withThrowingTaskGroup(of: (Int, StorePosition).self) { group in
            for writer in 0..<8 {
                group.addTask {
                    let store = writer % 2 == 0 ? a : b
                    let start = writer * 100
                    let end = try await store.append(events(start..<start + 25 + writer))
                    return (writer, end)
                }
            }
            var ends: [(Int, StorePosition)] = []
            for try await end in group { ends.append(end) }
            return ends
        }
        let total = (0..<8).map { 25 + $0 }.reduce(0, +)
        #expect(try await a.head() == StorePosition(total))
        #expect(try await b.head() == StorePosition(total))
        let all = try await readAll(b)
        #expect(all.count == total)
        for (writer, end) in ends {
            let size = 25 + writer
            let batch = Array(all[Int(end) - size..<Int(end)])
            #expect(batch == events(writer * 100..<writer * 100 + size))
        }
    }

    @Test(.enabled(if: PostgresTestServer.url != nil))
    func aFollowerOnAnotherReplicaSeesAppends() async throws {
        let url = try await PostgresTestServer.freshDatabase()
        let writer = PostgresEventStore(url: url, logger: testLogger)
        let reader = PostgresEventStore(url: url, logger: testLogger)
        defer {
            writer.close()
            reader.close()
        }
        _ = try await reader.head()  // schema in place before following
        let seen = Locked<[StoredEvent]>([])
        let follower = Task {
            try await reader.follow(after: 0) { batch, _ in seen.withLock { $0 += batch } }
        }
        // The 1 s bound is checked by scripts/replicas_postgres.sh on release builds; a loaded parallel test
        // run cannot time it.
        _ = try await writer.append(events(0..<4))
        #expect(try await eventually(seconds: 30) { seen.withLock { $0.count } == 4 })
        follower.cancel()
        try await follower.value
        #expect(seen.withLock { $0 } == events(0..<4))
    }

    @Test(.enabled(if: PostgresTestServer.url != nil))
    func aNewerSchemaIsRefused() async throws {
        let url = try await PostgresTestServer.freshDatabase()
        let first = PostgresEventStore(url: url, logger: testLogger)
        _ = try await first.append(events(0..<2))
        first.close()
        let client = PostgresClient(configuration: url.clientConfiguration)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            try await client.query(
                "INSERT INTO recsys_schema_migrations (version, description) VALUES (99, 'from the future')")
            group.cancelAll()
        }
        let second = PostgresEventStore(url: url, logger: testLogger)
        defer { second.close() }
        await #expect {
            try await second.head()
        } throws: { error in
            guard case EventStoreError.corrupt(let reason) = error else { return false }
            return reason.contains("version 99")
        }
    }
}

/// Item updates ride in the same record shape; on PostgreSQL in a table of their own.
struct ItemRecordTests {
    @Test func anItemUpdateSurvivesItsRecord() {
        for update in [
            StoredItem(timestamp: 1_442_534_400_000, item: 355_908, category: 1338, available: true),
            StoredItem(timestamp: 5, item: 0, category: 0, available: false),
        ] {
            #expect(StoredItem(record: update.record) == update)
        }
    }

    @Test(.enabled(if: PostgresTestServer.url != nil))
    func itemUpdatesHaveTheirOwnTableAndPositions() async throws {
        let url = try await PostgresTestServer.freshDatabase()
        let eventStore = PostgresEventStore(url: url, logger: testLogger)
        let itemStore = PostgresEventStore(url: url, table: .items, logger: testLogger)
        defer {
            eventStore.close()
            itemStore.close()
        }
        _ = try await eventStore.append(events(0..<3))
        let updates = [
            StoredItem(timestamp: 10, item: 7, category: 42, available: true),
            StoredItem(timestamp: 11, item: 8, category: 43, available: false),
        ]
        #expect(try await itemStore.append(updates.map(\.record)) == 2)
        #expect(try await eventStore.head() == 3)
        let read = try await readAll(itemStore).map(StoredItem.init(record:))
        #expect(read == updates)
        #expect(try await readAll(eventStore) == events(0..<3))
    }
}

/// A loopback port nothing listens on (bound, then released).
func closedPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    try withUnsafeMutablePointer(to: &address) { pointer in
        try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
            guard bind(fd, raw, length) == 0, getsockname(fd, raw, &length) == 0 else {
                throw EventStoreError.unavailable("no free port")
            }
        }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}
