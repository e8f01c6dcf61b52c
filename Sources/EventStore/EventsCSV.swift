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

/// Exports stored item updates as a RetailRocket `item_properties_part*.csv`: one `categoryid` and one
/// `available` row per update, which the loader reads like the shop's own property files.
public enum ItemPropertiesCSV {
    public static let header = "timestamp,itemid,property,value"
    /// Matches the loader's `item_properties*` pattern, next to the shop's part1/part2.
    public static let fileName = "item_properties_part_live.csv"

    /// Writes atomically, like `EventsCSV.write`.
    public static func write(_ items: [StoredItem], to path: String) throws {
        var text = header + "\n"
        text.reserveCapacity(64 + items.count * 64)
        for u in items {
            text += "\(u.timestamp),\(u.item),categoryid,\(u.category)\n"
            text += "\(u.timestamp),\(u.item),available,\(u.available ? 1 : 0)\n"
        }
        do {
            try AtomicFile.write(text: text, to: path, createFolder: false)
        } catch {
            throw EventStoreError.unavailable("\(error)")
        }
    }
}
