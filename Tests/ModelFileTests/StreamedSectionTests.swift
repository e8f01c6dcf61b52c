import Foundation
import Synchronization
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

    @Test(arguments: [Int32(0), 6])
    func aFailedWriteFailsTheEncoding(level: Int32) {
        #expect(throws: FailingSink.Full.self) {
            try ModelContainer.stream(Self.sections, createdAt: 0, level: level, into: FailingSink())
        }
    }

    /// Compressed sections that finish out of order go out in file order, each as soon as the ones before it
    /// are out; after a failure nothing more is appended and the failure is kept.
    @Test func finishedSectionsGoOutInFileOrderAsSoonAsTheirTurnComes() {
        let sink = MemorySink()
        var order = ModelContainer.InOrder(count: 4)
        order.finished(2, .success([2, 2]), into: sink)
        #expect(sink.bytes.isEmpty)
        order.finished(0, .success([0]), into: sink)
        #expect(sink.bytes == [0])
        order.finished(1, .success([1]), into: sink)
        #expect(sink.bytes == [0, 1, 2, 2])
        order.finished(3, .success([3]), into: sink)
        #expect(sink.bytes == [0, 1, 2, 2, 3])
        #expect(order.failure == nil)

        struct Broken: Error {}
        let failing = MemorySink()
        var failed = ModelContainer.InOrder(count: 3)
        failed.finished(2, .success([2]), into: failing)
        failed.finished(1, .failure(Broken()), into: failing)
        failed.finished(0, .success([0]), into: failing)
        #expect(failing.bytes == [0])
        #expect(failed.failure is Broken)
    }

    /// A sink whose size the sections' fills can watch from the deflating threads.
    final class WatchedSink: ByteSink, @unchecked Sendable {
        private let bytes = Mutex(0)
        var size: Int { bytes.withLock { $0 } }
        func append(_ bytes: UnsafeRawBufferPointer) { self.bytes.withLock { $0 += bytes.count } }
        func replace(at offset: Int, with bytes: UnsafeRawBufferPointer) {}
    }

    /// At a compressed level the first sections reach the file while the last one is still being deflated:
    /// the packed sections are not all held in memory until the end. (Before, the last fill waited here in
    /// vain: nothing was appended until every section was deflated.)
    @Test func compressedSectionsReachTheSinkBeforeTheLastIsDeflated() throws {
        let sink = WatchedSink()
        let headerBytes = 8 + 4 + 4 + 8
        let sawFirstSection = Mutex(false)
        let sections: [ModelContainer.Section] = [
            .init(tag: "ONE_", bytes: Array(repeating: 1, count: 1000)),
            .init(tag: "TWO_", bytes: Array(repeating: 2, count: 1000)),
            .init(tag: "LAST") { w in
                let deadline = ContinuousClock.now + .seconds(30)
                while sink.size <= headerBytes && ContinuousClock.now < deadline {
                    Thread.sleep(forTimeInterval: 0.001)
                }
                sawFirstSection.withLock { $0 = sink.size > headerBytes }
                w.raw([9])
            },
        ]
        try ModelContainer.stream(sections, createdAt: 0, level: 6, into: sink)
        #expect(sawFirstSection.withLock { $0 })
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
