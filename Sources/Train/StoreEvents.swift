import Dataset
import EventStore
import Foundation

/// Reads every event of an embedded event log (the server's live events),
/// read-only: a server may be appending to it at the same time.
enum StoreEvents {
    static func readAll(folder: String) throws -> [StoredEvent] {
        let log: EmbeddedEventLog
        do {
            log = try EmbeddedEventLog(directory: folder, readOnly: true) { Progress.line($0) }
        } catch {
            throw CommandFailure("cannot open the event store \(folder): \(error)")
        }
        defer { log.close() }
        do {
            return try log.readAllBlocking()
        } catch {
            throw CommandFailure("cannot read the event store \(folder): \(error)")
        }
    }
}
