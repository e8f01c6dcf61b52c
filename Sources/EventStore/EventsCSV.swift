import Dataset
import Foundation
import RecsysCore

/// Exports stored events as RetailRocket `events.csv`, so the offline trainer can read the live log.
public enum EventsCSV {
    public static let header = "timestamp,visitorid,event,itemid,transactionid"

    /// Writes `events` to `path` atomically (`AtomicFile`: temp file, fsync, rename), so readers see either the
    /// old file or the whole new one, never half. O(events), about 40 bytes of output per event.
    public static func write(_ events: [StoredEvent], to path: String) throws {
        var text = header + "\n"
        text.reserveCapacity(64 + events.count * 44)
        for e in events {
            text += "\(e.timestamp),\(e.visitor),\(e.kind.csvName),\(e.item),"
            if e.transaction >= 0 { text += String(e.transaction) }
            text += "\n"
        }
        do {
            // The caller names an existing folder (the export command creates it).
            try AtomicFile.write(text: text, to: path, createFolder: false)
        } catch {
            throw EventStoreError.unavailable("\(error)")
        }
    }
}
