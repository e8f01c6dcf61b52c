import EventStorePostgres
import Foundation
import PostgresNIO

/// The server named by `RECSYS_TEST_POSTGRES_URL`, where each test gets a database of its own.
public enum PostgresTestServer {
    public static let url: PostgresStoreURL? = ProcessInfo.processInfo.environment["RECSYS_TEST_POSTGRES_URL"].flatMap {
        try? PostgresStoreURL($0)
    }

    /// Creates `recsys_test_<random>` and returns its URL.
    public static func freshDatabase() async throws -> PostgresStoreURL {
        guard let admin = url else { throw PostgresTestServerMissing() }
        let name = "recsys_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let client = PostgresClient(configuration: admin.clientConfiguration)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            try await client.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"))
            group.cancelAll()
        }
        return admin.with(database: name)
    }
}

/// `RECSYS_TEST_POSTGRES_URL` is not set: the PostgreSQL cases are skipped (their `.enabled(if:)` says so).
public struct PostgresTestServerMissing: Error {}
