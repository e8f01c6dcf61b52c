import Foundation
import Testing

@testable import Dataset

struct ByteSourceTests {
    /// A reader closes its source and `deinit` closes it again: the second close must not reach the file
    /// that took over the freed descriptor number (it did, and a concurrent reader failed with "Bad file
    /// descriptor").
    @Test func aSourceClosedTwiceLeavesTheNextFileOpen() throws {
        let folder = try TempFolder()
        let path = folder.file("events.csv")
        try Data("timestamp,visitorid,event,itemid,transactionid\n".utf8).write(to: URL(fileURLWithPath: path))
        var first: FileByteSource? = try FileByteSource(path: path)
        let freed = first!.descriptor
        first!.close()
        // open(2) returns the lowest free number, so the next file takes the one just freed.
        let next = try FileByteSource(path: path)
        first = nil
        #expect(first == nil)
        var bytes = [UInt8](repeating: 0, count: 9)
        let n = try bytes.withUnsafeMutableBytes { try next.read(into: $0) }
        #expect(n == 9, "descriptor \(next.descriptor) (freed: \(freed))")
        #expect(String(decoding: bytes, as: UTF8.self) == "timestamp")
    }
}
