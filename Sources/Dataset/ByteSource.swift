import CZlib
import RecsysCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A stream of raw bytes: a plain file or a gzip-compressed one.
///
/// Readers pull large blocks (megabytes) so the per-call cost disappears;
/// nothing here allocates per line.
public protocol ByteSource: AnyObject {
    /// Fills `buffer` from the front; returns the number of bytes written, 0 at the end.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
    func close()
}

/// Opens `path` as a byte source, decompressing when the name ends in `.gz`
/// or the file starts with the gzip magic bytes.
public func openByteSource(path: String) throws -> any ByteSource {
    let file = try FileByteSource(path: path)
    var magic = [UInt8](repeating: 0, count: 2)
    let n = magic.withUnsafeMutableBytes { pread(file.descriptor, $0.baseAddress, 2, 0) }
    if path.hasSuffix(".gz") || (n == 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
        return try GzipByteSource(source: file, path: fileName(path))
    }
    return file
}

/// Unbuffered `read(2)` on a file descriptor; callers pass big buffers.
public final class FileByteSource: ByteSource {
    let descriptor: Int32
    let path: String
    /// Bytes left to read when the source covers only part of the file.
    private var remaining: Int = .max
    /// Readers close their source when done and `deinit` closes it again: the second `close(2)` would
    /// hit whatever file another thread of the process opened under the freed number since (another
    /// part reader of the same ingest, or the file being written, failing with "Bad file descriptor").
    private var closed = false

    public init(path: String) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw DatasetError.io(file: path, message: "cannot open: \(String(cString: strerror(errno)))")
        }
        descriptor = fd
        self.path = path
    }

    /// Only the bytes of `range` (for reading one file on several cores).
    public convenience init(path: String, range: Range<Int>) throws {
        try self.init(path: path)
        guard lseek(descriptor, off_t(range.lowerBound), SEEK_SET) >= 0 else {
            throw DatasetError.io(file: path, message: "seek failed: \(String(cString: strerror(errno)))")
        }
        remaining = range.count
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while true {
            let want = min(buffer.count, remaining)
            if want == 0 { return 0 }
            #if canImport(Glibc)
                let n = Glibc.read(descriptor, buffer.baseAddress, want)
            #else
                let n = Darwin.read(descriptor, buffer.baseAddress, want)
            #endif
            if n >= 0 {
                remaining -= n
                return n
            }
            if errno == EINTR { continue }
            throw DatasetError.io(file: path, message: "read failed: \(String(cString: strerror(errno)))")
        }
    }

    /// Size in bytes, or nil when the descriptor is not a regular file.
    public var size: Int? {
        var st = stat()
        guard fstat(descriptor, &st) == 0 else { return nil }
        return Int(st.st_size)
    }

    public func close() {
        guard !closed else { return }
        closed = true
        #if canImport(Glibc)
            _ = Glibc.close(descriptor)
        #else
            _ = Darwin.close(descriptor)
        #endif
    }

    deinit { close() }
}

/// gzip (and multi-member gzip) decompression through the system zlib.
///
/// A stream that ends before the gzip trailer is reported as truncated
/// instead of being taken as a short file.
public final class GzipByteSource: ByteSource {
    private let file: any ByteSource
    private let path: String
    private var stream = z_stream()
    private var input: UnsafeMutableRawBufferPointer
    private var inputEnded = false
    private var streamEnded = false
    private var closed = false

    /// Inflates `source` (a file, or the bytes of a request body); `path` names it in errors.
    public init(source: any ByteSource, path: String) throws {
        self.file = source
        self.path = path
        input = .allocate(byteCount: 1 << 20, alignment: 16)
        // 15 + 32: zlib detects the gzip header itself.
        let status = inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            input.deallocate()
            throw DatasetError.io(file: path, message: "zlib init failed (\(status))")
        }
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard let out = buffer.baseAddress, buffer.count > 0 else { return 0 }
        stream.next_out = out.assumingMemoryBound(to: Bytef.self)
        stream.avail_out = UInt32(clamping: buffer.count)
        while stream.avail_out > 0 {
            if stream.avail_in == 0 && !inputEnded {
                let n = try file.read(into: input)
                if n == 0 {
                    inputEnded = true
                } else {
                    stream.next_in = input.baseAddress?.assumingMemoryBound(to: Bytef.self)
                    stream.avail_in = UInt32(n)
                }
            }
            if streamEnded {
                // A further gzip member may follow (concatenated .gz files).
                if stream.avail_in == 0 {
                    if inputEnded { break }
                    continue
                }
                inflateReset(&stream)
                streamEnded = false
            }
            if stream.avail_in == 0 && inputEnded {
                throw DatasetError.io(
                    file: path, message: "truncated gzip stream: the data ends before the gzip trailer")
            }
            let status = inflate(&stream, Z_NO_FLUSH)
            switch status {
            case Z_STREAM_END:
                streamEnded = true
            case Z_OK, Z_BUF_ERROR:
                continue
            default:
                let message = stream.msg.map { String(cString: $0) } ?? "status \(status)"
                throw DatasetError.io(file: path, message: "corrupt gzip data: \(message)")
            }
        }
        return buffer.count - Int(stream.avail_out)
    }

    public func close() {
        guard !closed else { return }
        closed = true
        inflateEnd(&stream)
        input.deallocate()
        file.close()
    }

    deinit { close() }
}

/// Record boundaries (just after a newline) that cut a plain file into about
/// `parts` equal ranges, or nil when the file is small or compressed.
func splitRanges(path: String, parts: Int, minimumSize: Int = 64 << 20) -> [Range<Int>]? {
    guard parts > 1, !path.hasSuffix(".gz"), let file = try? FileByteSource(path: path), let size = file.size,
        size >= minimumSize
    else { return nil }
    var cuts = [0]
    var probe = [UInt8](repeating: 0, count: 1 << 16)
    for k in 1..<parts {
        let at = size * k / parts
        let n = probe.withUnsafeMutableBytes { pread(file.descriptor, $0.baseAddress, $0.count, off_t(at)) }
        guard n > 0, let nl = probe.prefix(n).firstIndex(of: 0x0A) else { return nil }
        if at + nl + 1 > cuts.last! && at + nl + 1 < size { cuts.append(at + nl + 1) }
    }
    cuts.append(size)
    return zip(cuts, cuts.dropFirst()).map { $0..<$1 }
}

/// Bytes already in memory, as a source (a gzip'd request body goes through `GzipByteSource` like a file).
public final class MemoryByteSource: ByteSource {
    private let bytes: [UInt8]
    private var offset = 0

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let n = min(buffer.count, bytes.count - offset)
        guard n > 0, let base = buffer.baseAddress else { return 0 }
        bytes.withUnsafeBytes { base.copyMemory(from: $0.baseAddress! + offset, byteCount: n) }
        offset += n
        return n
    }

    public func close() {}
}
