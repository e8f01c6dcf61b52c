import Dataset
import EventStore
import EventStorePostgres
import Foundation
import Logging

/// Reads every event of the server's live-events store: an embedded log folder (read-only: a server may be
/// appending to it at the same time) or a `postgres://` URL.
enum StoreEvents {
    static func readAll(folder location: String) throws -> [StoredEvent] {
        if PostgresStoreURL.isPostgres(location) { return try readAll(postgres: location, table: .events) }
        return try readAll(embedded: location)
    }

    /// The item updates (`POST /api/v1/items`) kept next to the events; none when the store has none.
    static func readItems(location: String) throws -> [StoredItem] {
        let records: [StoredEvent]
        if PostgresStoreURL.isPostgres(location) {
            records = try readAll(postgres: location, table: .items)
        } else {
            let folder = EmbeddedItemLog.folder(in: location)
            guard FileManager.default.fileExists(atPath: folder) else { return [] }
            records = try readAll(embedded: folder)
        }
        return records.map(StoredItem.init(record:))
    }

    private static func readAll(embedded location: String) throws -> [StoredEvent] {
        let log: EmbeddedEventLog
        do {
            log = try EmbeddedEventLog(directory: location, readOnly: true) { Progress.line($0) }
        } catch {
            throw CommandFailure("cannot open the event store \(location): \(error)")
        }
        defer { log.close() }
        do {
            return try log.readAllBlocking()
        } catch {
            throw CommandFailure("cannot read the event store \(location): \(error)")
        }
    }

    /// Pages through the table; the commands are synchronous, so this waits for the async reads.
    private static func readAll(postgres location: String, table: PostgresRecordTable) throws -> [StoredEvent] {
        let url: PostgresStoreURL
        do { url = try PostgresStoreURL(location) } catch { throw CommandFailure("--events-store: \(error)") }
        let store = PostgresEventStore(url: url, table: table, logger: Logger(label: "recsys-train"))
        defer { store.close() }
        let result = Locked<Result<[StoredEvent], Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task {
            do {
                var all: [StoredEvent] = []
                var position: StorePosition = 0
                while true {
                    let (page, last) = try await store.read(after: position, limit: 100_000)
                    if page.isEmpty { break }
                    all += page
                    position = last
                }
                result.withLock { $0 = .success(all) }
            } catch {
                result.withLock { $0 = .failure(error) }
            }
            done.signal()
        }
        done.wait()
        switch result.withLock({ $0 })! {
        case .success(let records): return records
        case .failure(let error): throw CommandFailure("cannot read the event store \(url) (\(table.name)): \(error)")
        }
    }
}

/// A value behind a lock, for handing a result out of a task.
private final class Locked<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()
    init(_ value: Value) { self.value = value }
    func withLock<R>(_ body: (inout Value) -> R) -> R {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}
