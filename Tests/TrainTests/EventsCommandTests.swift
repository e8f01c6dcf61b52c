import Dataset
import EventStore
import Foundation
import Pipeline
import TestSupport
import Testing

@testable import Train

/// The trainer reads the server's event store: `train --events` and `events export`.
struct EventsCommandTests {
    /// A store holding `events`, written as the server writes it.
    static func store(_ events: [StoredEvent]) async throws -> String {
        let folder = try TrainCommandTests.scratch("store")
        let log = try EmbeddedEventLog(directory: folder)
        _ = try await log.append(events)
        log.close()
        return folder
    }

    /// Two new events after the data ends, and one that repeats a row of events.csv.
    static func liveEvents() -> [StoredEvent] {
        let log = TestModel.dataset.log
        let d = TestModel.dataset
        let e = 0
        let repeated = StoredEvent(
            timestamp: log.time[e], visitor: d.visitors.raw[Int(log.user[e])],
            kind: EventKind(rawValue: log.kind[e])!, item: d.items.raw[Int(log.item[e])])
        let end = log.maxTime
        return [
            StoredEvent(timestamp: end + 1000, visitor: 9_000_000_111, kind: .view, item: d.items.raw[0]),
            StoredEvent(timestamp: end + 2000, visitor: 9_000_000_111, kind: .addToCart, item: d.items.raw[0]),
            repeated,
        ]
    }

    @Test func exportWritesTheStoreAsEventsCSV() async throws {
        let events = Self.liveEvents()
        let folder = try await Self.store(events)
        let out = try TrainCommandTests.scratch("export")
        let printed = try StandardOutput.capture {
            try TrainCommandTests.run(["events", "export", "--store", folder, "--out", out])
        }
        #expect(printed.contains("wrote 3 events"))
        let read = try EventsReader.read(path: out + "/events.csv")
        #expect(read.count == 3)
        #expect(read.visitor == events.map(\.visitor))
        #expect(read.kind == events.map(\.kind.rawValue))
        #expect(read.time == events.map(\.timestamp))
        // A store that is not there is an error, not an empty export.
        #expect(throws: (any Error).self) {
            try TrainCommandTests.run(["events", "export", "--store", out + "/missing", "--out", out])
        }
    }

    @Test func trainReadsTheStoreAndCountsAnEventInBothOnce() async throws {
        let folder = try await Self.store(Self.liveEvents())
        let out = try TrainCommandTests.scratch("train-events") + "/model.rrm"
        _ = try StandardOutput.capture {
            try TrainCommandTests.run([
                "train", "--data", TrainCommandTests.data, "--events", folder, "--out", out, "--quiet",
                "--training-windows", "1",
            ])
        }
        let a = try ModelBundle.read(path: out)
        // Two new events; the repeated row of events.csv is not counted twice.
        #expect(a.metadata.counts.events == TestModel.dataset.log.count + 2)
        #expect(a.userRaw.contains(9_000_000_111))
        #expect(a.metadata.referenceTime == TestModel.dataset.log.maxTime + 2001)
    }

    /// A store with item updates next to the events, as the server keeps them.
    static func store(_ events: [StoredEvent], items: [StoredItem]) async throws -> String {
        let folder = try await store(events)
        let log = try EmbeddedEventLog(directory: EmbeddedItemLog.folder(in: folder))
        _ = try await log.append(items.map(\.record))
        log.close()
        return folder
    }

    /// An item no file knows, announced live in an existing category, then sold out.
    static func liveItems() -> [StoredItem] {
        let d = TestModel.dataset
        let category = TestModel.artifacts.categoryRaw[0]
        let end = d.log.maxTime
        return [
            StoredItem(timestamp: end + 10, item: 987_000_001, category: category, available: true),
            StoredItem(timestamp: end + 20, item: 987_000_001, category: category, available: false),
        ]
    }

    @Test func exportWritesTheItemUpdatesAsAPropertiesFile() async throws {
        let items = Self.liveItems()
        let folder = try await Self.store(Self.liveEvents(), items: items)
        let out = try TrainCommandTests.scratch("export-items")
        let printed = try StandardOutput.capture {
            try TrainCommandTests.run(["events", "export", "--store", folder, "--out", out])
        }
        #expect(printed.contains("wrote 2 item updates"))
        let props = try PropertiesReader.read(path: out + "/" + ItemPropertiesCSV.fileName)
        #expect(props.categoryItem == [987_000_001, 987_000_001])
        #expect(props.categoryValue == items.map(\.category))
        #expect(props.availableValue == [1, 0])
        #expect(props.availableTime == items.map(\.timestamp))
    }

    @Test func trainGivesALiveItemItsCategory() async throws {
        let items = Self.liveItems()
        let viewed = StoredEvent(
            timestamp: TestModel.dataset.log.maxTime + 30, visitor: 9_000_000_222, kind: .view, item: 987_000_001)
        let folder = try await Self.store([viewed], items: items)
        let out = try TrainCommandTests.scratch("train-items") + "/model.rrm"
        _ = try StandardOutput.capture {
            try TrainCommandTests.run([
                "train", "--data", TrainCommandTests.data, "--events-store", folder, "--out", out, "--quiet",
                "--training-windows", "1",
            ])
        }
        let a = try ModelBundle.read(path: out)
        let dense = try #require(a.itemRaw.firstIndex(of: 987_000_001))
        let category = Int(a.stats.category[dense])
        #expect(category >= 0 && a.categoryRaw[category] == items[0].category)
    }
}
