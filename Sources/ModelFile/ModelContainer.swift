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

    /// The zlib level of every section. On the full-scale model
    /// (`scripts/bench_zlib_levels.py`, 143.8 MB raw) level 2 deflates in
    /// 0.30 × the time of level 6 for 2.5 % more bytes, and inflates no
    /// slower (0.90 ×); level 1 saves little more time (0.26 ×).
    public static let compressionLevel: Int32 = 2

    /// The whole file's bytes: header, then each section compressed (zlib
    /// `compressionLevel`) with its lengths and CRC-32. Costs one deflate per
    /// section; sections are compressed in parallel, one per core.
    /// - Parameters:
    ///   - sections: in file order; tags must be 4 ASCII bytes and unique.
    ///   - createdAt: unix ms, stored in the header for tools that read no section.
    public static func encode(_ sections: [Section], createdAt: Int64) throws -> [UInt8] {
        for section in sections where section.tag.utf8.count != 4 {
            throw ModelFileError.corrupt(section: section.tag, reason: "a section tag must be 4 bytes")
        }
        let packed = try deflateAll(sections.map(\.bytes))
        var out = BinaryWriter()
        out.raw(magic)
        out.scalar(formatVersion)
        out.scalar(UInt32(sections.count))
        out.scalar(createdAt)
        for (section, packed) in zip(sections, packed) {
            let tag = Array(section.tag.utf8)
            out.raw(tag)
            out.scalar(UInt64(section.bytes.count))
            out.scalar(UInt64(packed.count))
            out.scalar(crc(packed))
            out.raw(packed)
        }
        return out.bytes
    }

    /// Writes the sections to `path` atomically (temp file, fsync, rename); returns the file size.
    @discardableResult
    public static func write(_ sections: [Section], createdAt: Int64, to path: String) throws -> Int {
        let bytes = try encode(sections, createdAt: createdAt)
        do {
            try AtomicFile.write(bytes, to: path)
        } catch let failure as AtomicFile.Failure {
            throw ModelFileError.io(path: failure.path, message: failure.reason)
        }
        return bytes.count
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
    static func deflateAll(_ raws: [[UInt8]]) throws -> [[UInt8]] {
        let results = Mutex([Result<[UInt8], any Error>?](repeating: nil, count: raws.count))
        // The biggest first, so the last job to start is a small one.
        let order = raws.indices.sorted { raws[$0].count > raws[$1].count }
        DispatchQueue.concurrentPerform(iterations: raws.count) { job in
            let k = order[job]
            let result = Result { try deflate(raws[k]) }
            results.withLock { $0[k] = result }
        }
        return try results.withLock { $0 }.map { try $0!.get() }
    }

    static func deflate(_ raw: [UInt8]) throws -> [UInt8] {
        var length = compressBound(UInt(raw.count))
        var out = [UInt8](repeating: 0, count: Int(length))
        let status = out.withUnsafeMutableBufferPointer { o in
            raw.withUnsafeBufferPointer { i in
                compress2(o.baseAddress, &length, i.baseAddress, UInt(i.count), compressionLevel)
            }
        }
        guard status == Z_OK else {
            throw ModelFileError.corrupt(section: "write", reason: "zlib compress failed (\(status))")
        }
        return Array(out.prefix(Int(length)))
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
