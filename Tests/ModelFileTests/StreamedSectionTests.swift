import Foundation
import Testing

@testable import ModelFile

/// `ModelContainer` deflates each section while its fill writes it, in pieces, and fills the section's header
/// in afterwards: what is read back must be exactly the section's bytes, whatever the pieces.
struct StreamedSectionTests {
    static let sections: [ModelContainer.Section] = [
        .init(tag: "MIXD") { w in
            w.scalar(Int32(-7))
            // Bigger than a piece: handed on from the array's own storage, after the gathered bytes before it.
            w.array((0..<800_000).map { Float($0) * 0.25 })
            // Small writes gathered across several piece boundaries.
            for k in 0..<300_000 { w.scalar(UInt32(k &* 2_654_435_761 & 0xFFFF_FFFF)) }
            w.array((0..<5_000).map { $0 * 7_919 - 50_000 }, as: Int64.self)
            w.raw([1, 2, 3])
        },
        .init(tag: "PLAN", bytes: Array("given bytes".utf8)),
        .init(tag: "NONE") { _ in },
    ]

    @Test(arguments: [Int32(0), 6])
    func sectionsReadBackAsTheirBytes(level: Int32) throws {
        let bytes = try ModelContainer.encode(Self.sections, createdAt: 42, level: level)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("streamed-\(UUID())")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("model.rrm").path
        let size = try ModelContainer.write(Self.sections, createdAt: 42, level: level, to: path)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(bytes))
        #expect(size == bytes.count)
        for source in [try SectionSource(bytes: bytes), try SectionSource(path: path)] {
            #expect(source.sections.map(\.tag) == Self.sections.map(\.tag))
            for (entry, section) in zip(source.sections, Self.sections) {
                let expected = section.bytes
                #expect(entry.rawLength == expected.count, "\(section.tag)")
                #expect(try source.section(section.tag) { try $0.rest() } == expected, "\(section.tag)")
            }
        }
        #expect(Self.sections[0].bytes.count > 4 << 20)
    }

    /// A sink that refuses its second append, as a full disk would.
    final class FailingSink: ByteSink {
        struct Full: Error {}
        var appends = 0
        var size = 0
        func append(_ bytes: UnsafeRawBufferPointer) throws {
            appends += 1
            if appends > 1 { throw Full() }
            size += bytes.count
        }
        func replace(at offset: Int, with bytes: UnsafeRawBufferPointer) throws {}
    }

    @Test func aFailedWriteFailsTheEncoding() {
        #expect(throws: FailingSink.Full.self) {
            try ModelContainer.stream(Self.sections, createdAt: 0, level: 0, into: FailingSink())
        }
    }

    @Test func aBadTagIsRefusedBeforeAnythingIsWritten() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("streamed-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("model.rrm").path
        try ModelContainer.write(Array(Self.sections.suffix(2)), createdAt: 1, to: path)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let bad = Self.sections + [.init(tag: "TOOLONG", bytes: [1])]
        #expect(throws: ModelFileError.self) { try ModelContainer.write(bad, createdAt: 2, to: path) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["model.rrm"])
    }
}
