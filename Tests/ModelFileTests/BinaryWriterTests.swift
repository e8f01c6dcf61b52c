import Testing

@testable import ModelFile

/// `Section(tag:_:)` sizes its bytes with a first run of `fill`; the bytes must be those of a plain writer,
/// and `array(_:as:)` must write what `array` writes for the converted copy, across its 4096-element chunks.
struct BinaryWriterTests {
    static func fill(_ w: inout BinaryWriter, _ ids: [Int]) {
        w.scalar(Int32(-7))
        w.array([UInt8](repeating: 3, count: 5))
        w.array(ids, as: Int64.self)
        w.array([Float](repeating: 0.5, count: 3))
        w.raw([9, 8])
    }

    @Test(arguments: [0, 1, 4095, 4096, 4097, 10_000])
    func aSizedSectionHasThePlainWritersBytes(count: Int) {
        let ids = (0..<count).map { $0 * 7_919 - 50_000 }
        var plain = BinaryWriter()
        plain.scalar(Int32(-7))
        plain.array([UInt8](repeating: 3, count: 5))
        plain.array(ids.map(Int64.init))
        plain.array([Float](repeating: 0.5, count: 3))
        plain.raw([9, 8])
        let section = ModelContainer.Section(tag: "TEST") { Self.fill(&$0, ids) }
        #expect(section.bytes == plain.bytes)
        #expect(plain.size == plain.bytes.count)
        #expect(section.bytes.count == 4 + 8 + 5 + 8 + 8 * count + 8 + 12 + 2)
    }
}
