import EventStore
import Foundation
import PostgresNIO

/// `postgres://user:password@host:port/database?sslmode=disable|prefer|require`, parsed into the client's
/// configuration. Percent-encoded user names and passwords are decoded; the port defaults to 5432.
public struct PostgresStoreURL: Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    public var sslMode: SSLMode

    /// How the connection negotiates TLS (libpq's `sslmode`, the three values that matter here).
    public enum SSLMode: String, Sendable {
        case disable, prefer, require
    }

    /// Whether `location` names a PostgreSQL store rather than a folder.
    public static func isPostgres(_ location: String) -> Bool {
        location.hasPrefix("postgres://") || location.hasPrefix("postgresql://")
    }

    /// Parses the URL or throws `.invalid` naming the part that is wrong (never echoing the password).
    public init(_ text: String) throws {
        guard Self.isPostgres(text), let components = URLComponents(string: text) else {
            throw EventStoreError.invalid("not a postgres:// URL (expected postgres://user:password@host:5432/db)")
        }
        guard let host = components.host, !host.isEmpty else {
            throw EventStoreError.invalid("the postgres URL has no host (expected postgres://user@host/db)")
        }
        guard let user = components.user, !user.isEmpty else {
            throw EventStoreError.invalid("the postgres URL has no user name (expected postgres://user@host/db)")
        }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty else {
            throw EventStoreError.invalid("the postgres URL has no database (expected postgres://user@host/db)")
        }
        self.host = host
        self.port = components.port ?? 5432
        self.username = user.removingPercentEncoding ?? user
        self.password = components.password.map { $0.removingPercentEncoding ?? $0 }
        self.database = database.removingPercentEncoding ?? database
        let mode = components.queryItems?.first(where: { $0.name == "sslmode" })?.value ?? "prefer"
        guard let sslMode = SSLMode(rawValue: mode) else {
            throw EventStoreError.invalid("sslmode=\(mode) is not one of disable, prefer, require")
        }
        self.sslMode = sslMode
    }

    /// The URL without its password, for logs and errors.
    public var description: String { "postgres://\(username)@\(host):\(port)/\(database)" }

    /// This URL pointing at another database on the same server (tests create one per case).
    public func with(database: String) -> PostgresStoreURL {
        var copy = self
        copy.database = database
        return copy
    }

    /// The postgres-nio client configuration: 3 s connect timeout, at most 8 connections.
    public var clientConfiguration: PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS
        switch sslMode {
        case .disable: tls = .disable
        case .prefer: tls = .prefer(.makeClientConfiguration())
        case .require: tls = .require(.makeClientConfiguration())
        }
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: tls)
        configuration.options.connectTimeout = .seconds(3)
        configuration.options.maximumConnections = 8
        return configuration
    }
}
