import EventStore
import Logging
import PostgresNIO

/// The store's tables, created and versioned on first use: `recsys_schema_migrations` records each applied
/// version, so a newer server upgrades an older database in place and an older server refuses a newer one.
enum PostgresSchema {
    struct Migration {
        let version: Int32
        let description: String
        let statements: [PostgresQuery]
    }

    /// Append-only: never edit a released migration, add the next version.
    static let migrations: [Migration] = [
        Migration(
            version: 1,
            description: "events table with gapless ids",
            statements: [
                // Reads go by id only (everything after a position), which the primary key serves; a
                // per-visitor index would slow every insert for queries the server never makes.
                """
                CREATE TABLE recsys_events (
                    id bigint PRIMARY KEY,
                    timestamp_ms bigint NOT NULL,
                    visitor_id bigint NOT NULL CHECK (visitor_id >= 0),
                    event smallint NOT NULL CHECK (event BETWEEN 0 AND 2),
                    item_id bigint NOT NULL CHECK (item_id >= 0),
                    transaction_id bigint CHECK (transaction_id >= 0),
                    stored_at timestamptz NOT NULL DEFAULT now()
                )
                """
            ]),
        Migration(
            version: 2,
            description: "item updates (category, availability) with gapless ids",
            statements: [
                """
                CREATE TABLE recsys_items (
                    id bigint PRIMARY KEY,
                    timestamp_ms bigint NOT NULL,
                    item_id bigint NOT NULL CHECK (item_id >= 0),
                    category_id bigint NOT NULL CHECK (category_id >= 0),
                    available smallint NOT NULL CHECK (available IN (0, 1)),
                    stored_at timestamptz NOT NULL DEFAULT now()
                )
                """
            ]),
        Migration(
            version: 3,
            description: "idempotency keys of stored batches",
            statements: [
                // One row per keyed batch, written in the batch's transaction; `stream` is the records' table.
                """
                CREATE TABLE recsys_batch_keys (
                    stream text NOT NULL,
                    key text NOT NULL,
                    last_id bigint NOT NULL,
                    count integer NOT NULL,
                    digest bigint NOT NULL,
                    stored_at timestamptz NOT NULL DEFAULT now(),
                    PRIMARY KEY (stream, key)
                )
                """,
                "CREATE INDEX recsys_batch_keys_stored_at ON recsys_batch_keys (stored_at)",
            ]),
    ]

    /// An arbitrary constant naming this schema's advisory lock.
    static let lockKey: Int64 = 0x7265_6373_7973  // "recsys"

    /// Applies the missing migrations in one transaction; returns the versions applied (empty when current).
    static func migrate(_ connection: PostgresConnection, logger: Logger) async throws -> [Int32] {
        try await connection.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(lockKey))", logger: logger)
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS recsys_schema_migrations (
                    version integer PRIMARY KEY,
                    description text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """,
                logger: logger)
            var current: Int32 = 0
            let rows = try await connection.query(
                "SELECT coalesce(max(version), 0)::integer FROM recsys_schema_migrations", logger: logger)
            for try await (version) in rows.decode(Int32.self) { current = version }
            let newest = migrations.last?.version ?? 0
            if current > newest {
                throw EventStoreError.corrupt(
                    "the database's event schema is version \(current), newer than this server's \(newest): upgrade the server"
                )
            }
            var applied: [Int32] = []
            for migration in migrations where migration.version > current {
                for statement in migration.statements { try await connection.query(statement, logger: logger) }
                try await connection.query(
                    "INSERT INTO recsys_schema_migrations (version, description) VALUES (\(migration.version), \(migration.description))",
                    logger: logger)
                applied.append(migration.version)
            }
            return applied
        }
    }
}
