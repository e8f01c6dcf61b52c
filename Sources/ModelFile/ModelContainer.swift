import CZlib
import Dispatch
import RecsysCore
import Synchronization

/// The container every model file uses, whatever it holds: a header, then
/// named sections, each zlib-compressed with its CRC-32. What goes in the
/// sections is the pipeline's business (`ModelBundle`); this type only
/// frames, compresses and checks them. Layout in docs/model-format.md.
public enum ModelContainer {
    public static let magic: [UInt8] = Array("RRECSYS\0".utf8)
    public static let formatVersion: UInt32 = 2

    /// One section to write: a four-letter tag and its raw bytes, given or written when needed
    /// (`init(tag:_:)`).
    public struct Section: Sendable {
        public var tag: String
        enum Content: Sendable {
            case bytes([UInt8])
            case fill(@Sendable (inout BinaryWriter) -> Void)
        }
        let content: Content

        public init(tag: String, bytes: [UInt8]) {
            self.init(tag: tag, content: .bytes(bytes))
        }

        init(tag: String, content: Content) {
            self.tag = tag
            self.content = content
        }
    }

    /// The default zlib level of every section: 0, stored blocks. Loading
    /// is mostly inflating: at 10 × scale a level-2 model took 7.5 s to
    /// load, 85 % of it in zlib (docs/benchmarks.md, "Scale"); stored blocks
    /// load the full-scale model in 0.16 s instead of 0.45 s (`recsys-train
    /// inspect` timed on both) for a file 2.2 ×
    /// the size (137 MB instead of 61 MB), and write fastest. Level 2 is the
    /// best compressing choice by `scripts/bench_zlib_levels.py` (0.30 × the
    /// time of level 6 for 2.5 % more bytes) when disk matters more.
    public static let compressionLevel: Int32 = 0

    /// The whole file's bytes, in memory (tests and tools; `write` streams to disk).
    /// - Parameters:
    ///   - sections: in file order; tags must be 4 ASCII bytes and unique.
    ///   - createdAt: unix ms, stored in the header for tools that read no section.
    public static func encode(_ sections: [Section], createdAt: Int64, level: Int32 = compressionLevel) throws
        -> [UInt8]
    {
        let memory = MemorySink()
        try stream(sections, createdAt: createdAt, level: level, into: memory)
        return memory.bytes
    }

    /// Writes the sections to `path` atomically (temp file, fsync, rename); returns the file size.
    @discardableResult
    public static func write(
        _ sections: [Section], createdAt: Int64, level: Int32 = compressionLevel, to path: String
    ) throws -> Int {
        try checkFrame(sections, level: level)
        do {
            return try AtomicFile.write(to: path) { file in
                try stream(sections, createdAt: createdAt, level: level, into: file)
                return file.size
            }
        } catch let failure as AtomicFile.Failure {
            throw ModelFileError.io(path: failure.path, message: failure.reason)
        }
    }

    static func checkFrame(_ sections: [Section], level: Int32) throws {
        for section in sections where section.tag.utf8.count != 4 {
            throw ModelFileError.corrupt(section: section.tag, reason: "a section tag must be 4 bytes")
        }
        guard (0...9).contains(level) else {
            throw ModelFileError.corrupt(section: "write", reason: "zlib level must be in 0...9, got \(level)")
        }
    }

    /// The file: its header, then per section a header (tag, raw and packed lengths, CRC-32 of the packed
    /// bytes) and the packed bytes. Each section is deflated while its fill writes it, in pieces, and its
    /// header is filled in once its bytes are out: memory never holds a whole raw section (a 10 × model's
    /// raw sections are 1.4 GB). Stored sections (level 0) go straight to `sink`, one after the other;
    /// compressed ones cost more to deflate than to write, so they are deflated several at a time, each into
    /// memory (its packed bytes only), and appended in file order as soon as the sections before it are out.
    static func stream(_ sections: [Section], createdAt: Int64, level: Int32, into sink: any ByteSink) throws {
        try checkFrame(sections, level: level)
        var header = BinaryWriter()
        header.raw(magic)
        header.scalar(formatVersion)
        header.scalar(UInt32(sections.count))
        header.scalar(createdAt)
        try header.bytes.withUnsafeBytes { try sink.append($0) }
        if level == 0 {
            for section in sections { try append(section, level: level, into: sink) }
            return
        }
        let order = Mutex(InOrder(count: sections.count))
        let shared = SharedSink(sink)
        DispatchQueue.concurrentPerform(iterations: sections.count) { k in
            let result = Result {
                let memory = MemorySink()
                try append(sections[k], level: level, into: memory)
                return memory.bytes
            }
            order.withLock { $0.finished(k, result, into: shared.sink) }
        }
        if let failure = order.withLock({ $0.failure }) { throw failure }
    }

    /// The sink, which the deflating threads only reach inside the lock of `InOrder`.
    final class SharedSink: @unchecked Sendable {
        let sink: any ByteSink
        init(_ sink: any ByteSink) { self.sink = sink }
    }

    /// Compressed sections finish in any order and are appended in file order as soon as every section
    /// before them is out: only those that finished ahead of their turn wait in memory (about one per core),
    /// not every packed section of the model.
    struct InOrder: ~Copyable {
        private var waiting: [Result<[UInt8], any Error>?]
        private var next = 0
        /// The first failure in file order; nothing after it is appended.
        private(set) var failure: (any Error)?

        init(count: Int) { waiting = Array(repeating: nil, count: count) }

        mutating func finished(_ k: Int, _ result: Result<[UInt8], any Error>, into sink: any ByteSink) {
            waiting[k] = result
            while next < waiting.count, let ready = waiting[next] {
                waiting[next] = nil
                next += 1
                guard failure == nil else { continue }
                do {
                    try ready.get().withUnsafeBytes { try sink.append($0) }
                } catch {
                    failure = error
                }
            }
        }
    }

    /// One section's header and packed bytes at the end of `sink`.
    static func append(_ section: Section, level: Int32, into sink: any ByteSink) throws {
        let at = sink.size
        try sectionHeader(section.tag, raw: 0, packed: 0, crc: 0).withUnsafeBytes { try sink.append($0) }
        let deflater = try SectionDeflater(level: level, tag: section.tag, into: sink)
        var writer = BinaryWriter(streamingTo: { deflater.feed($0) })
        section.write(to: &writer)
        writer.flush()
        let (raw, packed, crc) = try deflater.finish()
        try sectionHeader(section.tag, raw: raw, packed: packed, crc: crc).withUnsafeBytes {
            try sink.replace(at: at, with: $0)
        }
    }

    static func sectionHeader(_ tag: String, raw: Int, packed: Int, crc: UInt32) -> [UInt8] {
        var head = BinaryWriter()
        head.raw(Array(tag.utf8))
        head.scalar(UInt64(raw))
        head.scalar(UInt64(packed))
        head.scalar(crc)
        return head.bytes
    }

    /// CRC-32 of `bytes` (zlib's), in pieces: zlib takes a 32-bit length.
    public static func crc(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBufferPointer { b in
            var sum: UInt = 0
            var offset = 0
            repeat {
                let n = min(b.count - offset, 1 << 30)
                sum = crc32(sum, b.baseAddress.map { $0 + offset }, UInt32(n))
                offset += n
            } while offset < b.count
            return UInt32(sum)
        }
    }
}

extension SectionSource {
    /// Parses one section, which must be used up exactly and pass its CRC-32.
    public func section<T>(_ tag: String, _ parse: (SectionStream) throws -> T) throws -> T {
        let stream = try open(tag)
        let value: T
        do {
            value = try parse(stream)
        } catch {
            // Damaged bytes can still inflate; the CRC names the real cause.
            throw try stream.checksumFailure() ?? error
        }
        try stream.finish()
        return value
    }

    /// Whether the file has a section with this tag.
    public func contains(_ tag: String) -> Bool { sections.contains { $0.tag == tag } }
}

/// Checks CSR offsets and ids read from a file, so a crafted file cannot
/// index out of bounds.
/// - Parameters:
///   - start: row offsets, `rows + 1` of them, from 0 to `values.count`, never decreasing.
///   - values: ids, each in `0..<limit`.
public func checkCSR(_ start: [Int32], _ values: [Int32], rows: Int, values limit: Int, _ section: String) throws {
    guard start.count == rows + 1, start.first == 0, Int(start.last ?? -1) == values.count,
        zip(start, start.dropFirst()).allSatisfy({ $0 <= $1 })
    else { throw ModelFileError.corrupt(section: section, reason: "bad row offsets") }
    guard values.allSatisfy({ $0 >= 0 && Int($0) < limit }) else {
        throw ModelFileError.corrupt(section: section, reason: "id out of range")
    }
}
