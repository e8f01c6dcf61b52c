import CZlib
import RecsysCore

/// Where `ModelContainer` puts a file's bytes: appended in order, with a section's header replaced once the
/// section's lengths and CRC are known.
protocol ByteSink: AnyObject {
    var size: Int { get }
    func append(_ bytes: UnsafeRawBufferPointer) throws
    func replace(at offset: Int, with bytes: UnsafeRawBufferPointer) throws
}

extension AtomicFile.Appender: ByteSink {}

/// A file's bytes kept in memory (`ModelContainer.encode`).
final class MemorySink: ByteSink {
    private(set) var bytes: [UInt8] = []
    var size: Int { bytes.count }
    func append(_ bytes: UnsafeRawBufferPointer) { self.bytes += bytes }
    func replace(at offset: Int, with bytes: UnsafeRawBufferPointer) {
        self.bytes.withUnsafeMutableBytes {
            UnsafeMutableRawBufferPointer(rebasing: $0[offset..<offset + bytes.count]).copyMemory(from: bytes)
        }
    }
}

/// Deflates one section's raw bytes as they are written and appends the packed bytes to the sink a piece at a
/// time, adding up the lengths and the packed bytes' CRC-32 for the section's header.
final class SectionDeflater {
    private var stream = z_stream()
    private let out: UnsafeMutableBufferPointer<UInt8>
    private let sink: any ByteSink
    private let tag: String
    private var rawCount = 0
    private var packedCount = 0
    private var crc: UInt = 0
    /// The first failure; later input is ignored (a section's fill cannot throw) and `finish` reports it.
    private var failure: (any Error)?
    private var live = false

    init(level: Int32, tag: String, into sink: any ByteSink) throws {
        self.sink = sink
        self.tag = tag
        out = .allocate(capacity: 1 << 20)
        let status = deflateInit_(&stream, level, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            out.deallocate()
            throw ModelFileError.corrupt(section: tag, reason: "zlib deflateInit failed (\(status))")
        }
        live = true
    }

    deinit {
        if live { deflateEnd(&stream) }
        out.deallocate()
    }

    func feed(_ raw: UnsafeRawBufferPointer) {
        guard failure == nil, let base = raw.baseAddress else { return }
        rawCount += raw.count
        var offset = 0
        // zlib counts its input in 32-bit lengths.
        while offset < raw.count && failure == nil {
            let n = min(raw.count - offset, 1 << 30)
            stream.next_in = UnsafeMutablePointer(mutating: (base + offset).assumingMemoryBound(to: Bytef.self))
            stream.avail_in = uInt(n)
            _ = run(Z_NO_FLUSH)
            offset += n
        }
    }

    /// Ends the stream; the raw and packed lengths and the packed bytes' CRC-32.
    func finish() throws -> (raw: Int, packed: Int, crc: UInt32) {
        if failure == nil, run(Z_FINISH) != Z_STREAM_END, failure == nil {
            failure = ModelFileError.corrupt(section: tag, reason: "zlib could not end the stream")
        }
        deflateEnd(&stream)
        live = false
        if let failure { throw failure }
        return (rawCount, packedCount, UInt32(crc))
    }

    /// Calls deflate until it has taken all the input (or, finishing, written the end), handing each full
    /// output buffer on.
    private func run(_ flush: Int32) -> Int32 {
        var status = Z_OK
        repeat {
            stream.next_out = out.baseAddress
            stream.avail_out = uInt(out.count)
            status = deflate(&stream, flush)
            // Z_BUF_ERROR is "no progress possible": harmless while feeding, but finishing with room in the
            // buffer it would never end, so there it is a failure.
            guard status == Z_OK || status == Z_STREAM_END || (status == Z_BUF_ERROR && flush != Z_FINISH) else {
                failure = ModelFileError.corrupt(section: tag, reason: "zlib deflate failed (\(status))")
                return status
            }
            let produced = out.count - Int(stream.avail_out)
            if produced > 0 {
                let piece = UnsafeRawBufferPointer(start: out.baseAddress, count: produced)
                crc = crc32(crc, out.baseAddress, uInt(produced))
                packedCount += produced
                do { try sink.append(piece) } catch {
                    failure = error
                    return status
                }
            }
        } while stream.avail_out == 0 || (flush == Z_FINISH && status != Z_STREAM_END)
        return status
    }
}
