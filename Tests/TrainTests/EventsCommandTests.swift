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
}
