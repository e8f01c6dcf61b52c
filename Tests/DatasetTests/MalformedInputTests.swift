import Foundation
import Testing

@testable import Dataset

/// Every malformed input yields an error naming file, line and field.
struct MalformedInputTests {
    let header = "timestamp,visitorid,event,itemid,transactionid\n"

    func eventsError(_ body: String) throws -> DatasetError? {
        let folder = try TempFolder()
        let path = try folder.write("events.csv", body)
        do {
            _ = try EventsReader.read(path: path)
            return nil
        } catch let error as DatasetError {
            return error
        }
    }

    @Test func wrongHeader() throws {
        let error = try eventsError("time,visitor,event,item,tx\n1,2,view,3,\n")
        #expect(
            error
                == .badHeader(
                    file: "events.csv", expected: "timestamp,visitorid,event,itemid,transactionid",
                    found: "time,visitor,event,item,tx"))
    }

    @Test func missingHeader() throws {
        let error = try eventsError("1433221332117,257597,view,355908,\n")
        guard case .badHeader(_, _, let found) = error else {
            Issue.record("expected a header error, got \(String(describing: error))")
            return
        }
        #expect(found == "1433221332117,257597,view,355908,")
    }

    @Test func tooFewFields() throws {
        let error = try eventsError(header + "1,2,view,3,\n1433221332117,257597,view\n")
        #expect(error == .badRow(file: "events.csv", line: 3, field: nil, message: "expected 5 fields, found 3"))
    }

    @Test func tooManyFields() throws {
        let error = try eventsError(header + "1,2,view,3,,x,y\n")
        #expect(error == .badRow(file: "events.csv", line: 2, field: nil, message: "expected 5 fields, found 7"))
    }

    @Test func nonNumericVisitor() throws {
        let error = try eventsError(header + "1433221332117,abc,view,355908,\n")
        #expect(
            error
                == .badRow(
                    file: "events.csv", line: 2, field: "visitorid",
                    message: "expected a non-negative integer, found \"abc\""))
    }

    @Test func nonNumericTimestamp() throws {
        let error = try eventsError(header + "2015-06-02,1,view,355908,\n")
        #expect(
            error
                == .badRow(
                    file: "events.csv", line: 2, field: "timestamp",
                    message: "expected a non-negative integer, found \"2015-06-02\""))
    }

    @Test func negativeItem() throws {
        let error = try eventsError(header + "1,1,view,-5,\n")
        #expect(
            error
                == .badRow(
                    file: "events.csv", line: 2, field: "itemid",
                    message: "expected a non-negative integer, found \"-5\""))
    }

    @Test func overflowingId() throws {
        let error = try eventsError(header + "1,99999999999999999999999,view,5,\n")
        #expect(
            error
                == .badRow(
                    file: "events.csv", line: 2, field: "visitorid",
                    message: "integer out of range: \"99999999999999999999999\""))
    }

    @Test func unknownEventType() throws {
        let error = try eventsError(header + "1,1,click,5,\n")
        #expect(
            error
                == .badRow(
                    file: "events.csv", line: 2, field: "event",
                    message: "unknown event type \"click\" (expected view, addtocart or transaction)"))
    }

    @Test func unterminatedQuote() throws {
        let error = try eventsError(header + "1,1,view,5,\n2,2,\"view,6,\n3,3,view,7,\n")
        #expect(
            error
                == .badRow(
                    file: "events.csv", line: 3, field: "event",
                    message: "unterminated quoted field (the closing '\"' is missing)"))
    }

    @Test func badAvailabilityValue() throws {
        let folder = try TempFolder()
        let path = try folder.write("item_properties_part1.csv", "timestamp,itemid,property,value\n1,2,available,7\n")
        #expect(
            throws: DatasetError.badRow(
                file: "item_properties_part1.csv", line: 2, field: "value",
                message: "'available' must be 0 or 1, found \"7\"")
        ) {
            _ = try PropertiesReader.read(path: path)
        }
    }

    @Test func truncatedGzip() throws {
        let folder = try TempFolder()
        var text = header
        for i in 0..<5000 { text += "\(1_433_221_332_117 + i),\(i % 97),view,\(i % 1013),\n" }
        let full = try Gzip.compress(Array(text.utf8))
        let path = try folder.write("events.csv.gz", bytes: Array(full.prefix(full.count / 2)))
        #expect(
            throws: DatasetError.io(
                file: "events.csv.gz", message: "truncated gzip stream: the data ends before the gzip trailer")
        ) {
            _ = try EventsReader.read(path: path)
        }
    }

    @Test func corruptGzip() throws {
        let folder = try TempFolder()
        var bytes = try Gzip.compress(Array((header + "1,1,view,5,\n").utf8))
        for i in 12..<bytes.count - 8 { bytes[i] ^= 0x5A }
        let path = try folder.write("events.csv.gz", bytes: bytes)
        #expect(throws: DatasetError.self) { _ = try EventsReader.read(path: path) }
    }

    @Test func skipPolicyCountsBadRows() throws {
        let folder = try TempFolder()
        let path = try folder.write(
            "events.csv", header + "1,1,view,5,\nx,1,view,5,\n2,2,click,6,\n3,3,view\n4,4,transaction,8,77\n")
        let events = try EventsReader.read(path: path, policy: .skip)
        #expect(events.count == 2)
        #expect(events.item == [5, 8])
        #expect(events.transaction == [-1, 77])
        #expect(events.report.badRows == 3)
        #expect(events.report.rows == 2)
        #expect(
            events.report.badRowExamples.first
                == "events.csv:3: field 'timestamp': expected a non-negative integer, found \"x\"")
        #expect(events.report.badRowExamples.last == "events.csv:5: expected 5 fields, found 3")
    }

    @Test func missingFileInFolder() throws {
        let folder = try TempFolder()
        try folder.write("events.csv", header)
        #expect(throws: DatasetError.self) { _ = try DatasetFiles(directory: folder.path) }
    }
}
