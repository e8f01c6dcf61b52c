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

    /// One section to write: a four-letter tag and its raw bytes.
    public struct Section: Sendable {
        public var tag: String
        public var bytes: [UInt8]
        public init(tag: String, bytes: [UInt8]) {
            self.tag = tag
            self.bytes = bytes
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

    /// The whole file's bytes: header, then each section compressed (zlib
    /// `compressionLevel`) with its lengths and CRC-32. Costs one deflate per
    /// section; sections are compressed in parallel, one per core.
    /// - Parameters:
    ///   - sections: in file order; tags must be 4 ASCII bytes and unique.
    ///   - createdAt: unix ms, stored in the header for tools that read no section.
    public static func encode(_ sections: [Section], createdAt: Int64, level: Int32 = compressionLevel) throws
        -> [UInt8]
    {
        Array(try parts(sections, createdAt: createdAt, level: level).joined())
    }

    /// The file as pieces in order: the header, then per section its
    /// header and its packed bytes (so a writer need not join them).
    static func parts(_ sections: [Section], createdAt: Int64, level: Int32) throws -> [[UInt8]] {
        for section in sections where section.tag.utf8.count != 4 {
            throw ModelFileError.corrupt(section: section.tag, reason: "a section tag must be 4 bytes")
        }
        guard (0...9).contains(level) else {
            throw ModelFileError.corrupt(section: "write", reason: "zlib level must be in 0...9, got \(level)")
        }
        let packed = try deflateAll(sections.map(\.bytes), level: level)
        var header = BinaryWriter()
        header.raw(magic)
        header.scalar(formatVersion)
        header.scalar(UInt32(sections.count))
        header.scalar(createdAt)
        var out = [header.bytes]
        for (section, packed) in zip(sections, packed) {
            var head = BinaryWriter()
            head.raw(Array(section.tag.utf8))
            head.scalar(UInt64(section.bytes.count))
            head.scalar(UInt64(packed.count))
            head.scalar(crc(packed))
            out.append(head.bytes)
            out.append(packed)
        }
        return out
    }

    /// Writes the sections to `path` atomically (temp file, fsync, rename); returns the file size.
    @discardableResult
    public static func write(
        _ sections: [Section], createdAt: Int64, level: Int32 = compressionLevel, to path: String
    ) throws -> Int {
        let pieces = try parts(sections, createdAt: createdAt, level: level)
        do {
            try AtomicFile.write(parts: pieces, to: path)
        } catch let failure as AtomicFile.Failure {
            throw ModelFileError.io(path: failure.path, message: failure.reason)
        }
        return pieces.reduce(0) { $0 + $1.count }
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

    /// Deflates each buffer, several at a time; the results in input order.
    static func deflateAll(_ raws: [[UInt8]], level: Int32) throws -> [[UInt8]] {
        let results = Mutex([Result<[UInt8], any Error>?](repeating: nil, count: raws.count))
        // The biggest first, so the last job to start is a small one.
        let order = raws.indices.sorted { raws[$0].count > raws[$1].count }
        DispatchQueue.concurrentPerform(iterations: raws.count) { job in
            let k = order[job]
            let result = Result { try deflate(raws[k], level: level) }
            results.withLock { $0[k] = result }
        }
        return try results.withLock { $0 }.map { try $0!.get() }
    }

    static func deflate(_ raw: [UInt8], level: Int32) throws -> [UInt8] {
        // Into uninitialised memory, kept at the packed length: no zero-fill of the bound and no copy of the
        // result (1.4 GB each for a 10x model).
        var status = Z_OK
        let out = [UInt8](unsafeUninitializedCapacity: Int(compressBound(UInt(raw.count)))) { o, count in
            var length = UInt(o.count)
            status = raw.withUnsafeBufferPointer { i in
                compress2(o.baseAddress, &length, i.baseAddress, UInt(i.count), level)
            }
            count = status == Z_OK ? Int(length) : 0
        }
        guard status == Z_OK else {
            throw ModelFileError.corrupt(section: "write", reason: "zlib compress failed (\(status))")
        }
        return out
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
