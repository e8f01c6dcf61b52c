import Dataset
import Foundation
import Testing

@testable import EventStore

struct EventsCSVTests {
    @Test func roundTripThroughTheDatasetReader() throws {
        let folder = try TempFolder()
        let path = folder.file("events.csv")
        let written = events(0..<30)
        try EventsCSV.write(written, to: path)
        let raw = try EventsReader.read(path: path)
        #expect(raw.count == 30)
        let back = (0..<raw.count).map { i in
            StoredEvent(
                timestamp: raw.time[i], visitor: raw.visitor[i], kind: EventKind(rawValue: raw.kind[i]) ?? .view,
                item: raw.item[i], transaction: raw.transaction[i])
        }
        #expect(back == written)
        // Only the target file is left behind: the temp file was renamed, not copied.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["events.csv"])
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.hasPrefix("timestamp,visitorid,event,itemid,transactionid\n"))
        #expect(text.contains(",view,") && text.contains(",addtocart,") && text.contains(",transaction,"))
    }

    @Test func unwritableTargetThrowsUnavailable() throws {
        let folder = try TempFolder()
        let path = folder.file("missing-folder/events.csv")
        #expect(throws: EventStoreError.self) { try EventsCSV.write(events(0..<2), to: path) }
    }
}
