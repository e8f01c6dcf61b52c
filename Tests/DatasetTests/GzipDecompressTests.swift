import Dataset
import Testing

/// In-memory inflate of request bodies: members, limits, damage.
struct GzipDecompressTests {
    let text = Array(String(repeating: "timestamp,visitorid,event,itemid\n", count: 500).utf8)

    @Test func roundTripsAndReadsConcatenatedMembers() throws {
        let one = try Gzip.compress(text)
        #expect(try Gzip.decompress(one, limit: text.count) == text)
        let two = try Gzip.compress(Array("tail".utf8))
        #expect(try Gzip.decompress(one + two, limit: 1 << 20) == text + Array("tail".utf8))
    }

    @Test func stopsAtTheLimit() throws {
        let packed = try Gzip.compress(text)
        #expect(throws: Gzip.DecompressError.tooLarge(limit: text.count - 1)) {
            try Gzip.decompress(packed, limit: text.count - 1)
        }
    }

    @Test func namesDamage() throws {
        let packed = try Gzip.compress(text)
        for bad in [Array(text.prefix(40)), Array(packed.prefix(packed.count / 2)), [], [0x1f, 0x8b]] {
            #expect {
                try Gzip.decompress(bad, limit: 1 << 20)
            } throws: { error in
                if case .corrupt = error as? Gzip.DecompressError { return true }
                return false
            }
        }
    }
}
