import Testing

@testable import Dataset

/// The eight-bytes-at-a-time scanners must agree with the byte-by-byte ones
/// on every input, including runs that cross word boundaries, bytes above
/// 0x7F, over-long numbers and regions that end mid-word.
struct WordScanTests {
    static let alphabet: [UInt8] = Array("0123456789,\n\"x/:".utf8) + [0x80, 0xB9, 0xFF, 0x0D]

    @Test func skipDigitsThenCommaMatchesTheParsingPath() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let length = Int.random(in: 0...40, using: &rng)
            // Mostly digits, so long runs (past 8 and past 18) are common.
            let bytes: [UInt8] = (0..<length).map { _ in
                Int.random(in: 0..<4, using: &rng) > 0
                    ? UInt8(48 + Int.random(in: 0...9, using: &rng)) : Self.alphabet.randomElement(using: &rng)!
            }
            let start = length > 0 ? Int.random(in: 0..<length, using: &rng) : 0
            bytes.withUnsafeBufferPointer { region in
                var fast = CSVCursor(region: region, firstLine: 1, file: "t")
                var slow = fast
                fast.pos = start
                slow.pos = start
                let skipped = fast.skipDigitsThenComma()
                let parsed = slow.digitsThenComma() != nil
                #expect(skipped == parsed, "\(bytes) from \(start)")
                #expect(fast.pos == slow.pos, "\(bytes) from \(start)")
            }
        }
    }

    @Test func skipShortRecordMatchesSkipRecord() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let length = Int.random(in: 1...40, using: &rng)
            let bytes: [UInt8] = (0..<length).map { _ in Self.alphabet.randomElement(using: &rng)! }
            let start = Int.random(in: 0..<length, using: &rng)
            bytes.withUnsafeBufferPointer { region in
                var fast = CSVCursor(region: region, firstLine: 1, file: "t")
                var slow = fast
                fast.pos = start
                slow.pos = start
                fast.skipShortRecord()
                slow.skipRecord()
                #expect(fast.pos == slow.pos && fast.line == slow.line, "\(bytes) from \(start)")
            }
        }
    }
}
