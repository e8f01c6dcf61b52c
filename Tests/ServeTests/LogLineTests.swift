import Foundation
import Logging
import Testing

@testable import Serve

/// One request id per log line, the one the client sees when there is one.
struct LogLineTests {
    func fields(_ metadata: Logger.Metadata) throws -> [String: String] {
        let data = try #require(
            JSONLogHandler.line(
                level: .info, message: "request", metadata: metadata, label: "recsys-serve",
                at: Date(timeIntervalSince1970: 1_700_000_000)))
        #expect(data.last == 0x0A)
        return try JSONDecoder().decode([String: String].self, from: data.dropLast())
    }

    @Test func oursWinsOverHummingbirdsID() throws {
        let f = try fields(["hb.request.id": "abc123", "request_id": "client-7", "status": "200"])
        #expect(f["request_id"] == "client-7")
        #expect(f["hb.request.id"] == nil)
        #expect(f["status"] == "200")
        #expect(f["msg"] == "request")
        #expect(f["level"] == "info")
        #expect(f["ts"] == "2023-11-14T22:13:20.000Z")
    }

    @Test func hummingbirdsIDWhenOursIsAbsent() throws {
        let f = try fields(["hb.request.id": "abc123"])
        #expect(f["request_id"] == "abc123")
        #expect(f["hb.request.id"] == nil)
    }
}
