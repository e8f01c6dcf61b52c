import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The sections of a model file: the header and section table are read and
/// checked up front (magic, version, lengths), each payload only when asked
/// for, with its CRC-32 checked before it is inflated.
public struct SectionSource: Sendable {
    public struct Entry: Sendable {
        public var tag: String
        public var rawLength: Int
        public var offset: Int
        public var packedLength: Int
        public var checksum: UInt32
    }

    public private(set) var sections: [Entry] = []
    /// Reads `count` bytes at `offset`; the caller has checked the range.
    private let readAt: @Sendable (_ offset: Int, _ count: Int) throws -> [UInt8]

    public init(bytes: [UInt8]) throws {
        readAt = { offset, count in Array(bytes[offset..<offset + count]) }
        try readTable(size: bytes.count)
    }

    public init(path: String) throws {
        let file = try ModelFileDescriptor(path: path)
        readAt = { offset, count in try file.read(at: offset, count: count) }
        try readTable(size: file.size)
    }

    private mutating func readTable(size: Int) throws {
        let magic = ModelContainer.magic
        guard size >= magic.count else { throw ModelFileError.truncated("shorter than the header") }
        guard try readAt(0, magic.count) == magic else { throw ModelFileError.wrongMagic }
        guard size >= magic.count + 16 else { throw ModelFileError.truncated("the header ends early") }
        var header = BinaryReader(try readAt(magic.count, 16), section: "header")
        let version = try header.scalar(UInt32.self)
        let count = try header.scalar(UInt32.self)
        guard version == ModelContainer.formatVersion else {
            throw ModelFileError.unsupportedVersion(found: version, supported: ModelContainer.formatVersion)
        }
        var offset = magic.count + 16
        for index in 0..<Int(count) {
            guard offset + 24 <= size else {
                throw ModelFileError.truncated("section \(index + 1) of \(count) is missing")
            }
            let head = try readAt(offset, 24)
            let tag = String(decoding: head[0..<4], as: UTF8.self)
            var r = BinaryReader(Array(head[4...]), section: tag)
            let rawLength = try r.scalar(UInt64.self)
            let packedLength = try r.scalar(UInt64.self)
            let checksum = try r.scalar(UInt32.self)
            offset += 24
            guard packedLength <= UInt64(size - offset) else {
                throw ModelFileError.truncated("section \(tag) needs \(packedLength) bytes, \(size - offset) remain")
            }
            guard rawLength < 1 << 36 else { throw ModelFileError.corrupt(section: tag, reason: "impossible size") }
            // Deflate expands at most 1032:1; a larger stated size would make a
            // tiny file allocate up to 64 GB before inflating (found by scripts/fuzz.sh).
            guard rawLength <= packedLength * 1032 + 1024 else {
                throw ModelFileError.corrupt(
                    section: tag, reason: "states \(rawLength) raw bytes for \(packedLength) compressed")
            }
            sections.append(
                Entry(
                    tag: tag, rawLength: Int(rawLength), offset: offset, packedLength: Int(packedLength),
                    checksum: checksum))
            offset += Int(packedLength)
        }
    }

    /// A stream over the first section named `tag`.
    public func open(_ tag: String) throws -> SectionStream {
        guard let s = sections.first(where: { $0.tag == tag }) else { throw ModelFileError.missingSection(tag) }
        return try SectionStream(entry: s, readAt: readAt)
    }
}

/// A read-only descriptor with positioned reads; closed when the last
/// reference goes.
private final class ModelFileDescriptor: @unchecked Sendable {
    let descriptor: Int32
    let size: Int
    let path: String

    init(path: String) throws {
        self.path = path
        descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw ModelFileError.io(path: path, message: "cannot read: \(String(cString: strerror(errno)))")
        }
        var st = stat()
        guard fstat(descriptor, &st) == 0 else {
            close(descriptor)
            throw ModelFileError.io(path: path, message: "cannot stat: \(String(cString: strerror(errno)))")
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            close(descriptor)
            throw ModelFileError.io(path: path, message: "cannot read: not a regular file")
        }
        size = Int(st.st_size)
    }

    func read(at offset: Int, count: Int) throws -> [UInt8] {
        var failure: Int32 = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            var done = 0
            while done < count {
                let n = pread(descriptor, buffer.baseAddress! + done, count - done, off_t(offset + done))
                if n > 0 {
                    done += n
                } else if n < 0 && errno == EINTR {
                    continue
                } else {
                    failure = n == 0 ? -1 : errno
                    break
                }
            }
            // A file that shrank under us reads as truncated, never as garbage.
            buffer.baseAddress!.advanced(by: done).initialize(repeating: 0, count: count - done)
            initialized = count
        }
        if failure == -1 { throw ModelFileError.truncated("the file ended while reading it (was it replaced?)") }
        if failure != 0 {
            throw ModelFileError.io(path: path, message: "read failed: \(String(cString: strerror(failure)))")
        }
        return bytes
    }

    deinit { close(descriptor) }
}
