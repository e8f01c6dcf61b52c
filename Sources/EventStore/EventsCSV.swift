import Dataset
import Foundation

/// Exports stored events as RetailRocket `events.csv`, so the offline trainer can read the live log.
public enum EventsCSV {
    public static let header = "timestamp,visitorid,event,itemid,transactionid"

    /// Writes `events` to `path` through a temp file in the same folder and a rename, so readers see either the
    /// old file or the whole new one, never half. O(events), about 40 bytes of output per event.
    public static func write(_ events: [StoredEvent], to path: String) throws {
        var text = header + "\n"
        text.reserveCapacity(64 + events.count * 44)
        for e in events {
            text += "\(e.timestamp),\(e.visitor),\(e.kind.csvName),\(e.item),"
            if e.transaction >= 0 { text += String(e.transaction) }
            text += "\n"
        }
        let folder = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        let temp = (folder.isEmpty ? "." : folder) + "/.\(name).\(UUID().uuidString).tmp"
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: temp))
            if rename(temp, path) != 0 {
                let reason = FileIO.reason("cannot rename to", path)
                try? FileManager.default.removeItem(atPath: temp)
                throw EventStoreError.unavailable(reason)
            }
        } catch let error as EventStoreError {
            throw error
        } catch {
            try? FileManager.default.removeItem(atPath: temp)
            throw EventStoreError.unavailable("cannot write \(path): \(error.localizedDescription)")
        }
    }
}
