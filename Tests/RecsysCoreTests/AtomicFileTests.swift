import Foundation
import Testing

@testable import RecsysCore

struct AtomicFileTests {
    func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("atomic-\(UUID())")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    func text(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    @Test func appendedBytesCanBeReplacedBeforeTheRename() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("f").path
        let size = try AtomicFile.write(to: path) { file in
            try Array("hello world".utf8).withUnsafeBytes { try file.append($0) }
            try Array("J".utf8).withUnsafeBytes { try file.replace(at: 0, with: $0) }
            try Array("!".utf8).withUnsafeBytes { try file.append($0) }
            return file.size
        }
        #expect(try text(path) == "Jello world!")
        #expect(size == 12)
    }

    @Test func aBodyThatThrowsLeavesTheOldFileAndNoTemp() throws {
        struct Stop: Error {}
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("f").path
        try AtomicFile.write(text: "old", to: path)
        #expect(throws: Stop.self) {
            try AtomicFile.write(to: path) { file in
                try Array("half of the new".utf8).withUnsafeBytes { try file.append($0) }
                throw Stop()
            }
        }
        #expect(try text(path) == "old")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["f"])
    }
}
