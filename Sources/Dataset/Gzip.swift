import CZlib
import Foundation
import RecsysCore

/// In-memory gzip (for small files: samples, tests, reports; gzip'd request bodies).
public enum Gzip {
    public enum DecompressError: Error, Equatable {
        /// The data inflates past the limit (a decompression bomb, or simply too much).
        case tooLarge(limit: Int)
        /// Not gzip, damaged, or cut short; zlib's reason.
        case corrupt(String)
    }

    /// Inflates gzip data (concatenated members too), stopping at `limit` output bytes.
    public static func decompress(_ input: [UInt8], limit: Int) throws(DecompressError) -> [UInt8] {
        guard !input.isEmpty else { throw .corrupt("empty data") }
        var stream = z_stream()
        // 15 + 16: a gzip wrapper only.
        guard inflateInit2_(&stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw .corrupt("zlib inflateInit failed")
        }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var source = input
        let failure: DecompressError? = source.withUnsafeMutableBufferPointer { inp in
            stream.next_in = inp.baseAddress
            stream.avail_in = UInt32(inp.count)
            while true {
                let (status, produced) = chunk.withUnsafeMutableBufferPointer { out in
                    stream.next_out = out.baseAddress
                    stream.avail_out = UInt32(out.count)
                    let status = inflate(&stream, Z_NO_FLUSH)
                    return (status, out.count - Int(stream.avail_out))
                }
                guard output.count + produced <= limit else { return .tooLarge(limit: limit) }
                output.append(contentsOf: chunk[0..<produced])
                switch status {
                case Z_STREAM_END:
                    // Another member may follow.
                    guard stream.avail_in > 0 else { return nil }
                    inflateReset(&stream)
                case Z_OK:
                    continue
                case Z_BUF_ERROR where stream.avail_in == 0:
                    return .corrupt("the data ends before the gzip trailer")
                default:
                    return .corrupt(stream.msg.map { String(cString: $0) } ?? "zlib status \(status)")
                }
            }
        }
        if let failure { throw failure }
        return output
    }

    public static func compress(_ input: [UInt8], level: Int32 = 6) throws -> [UInt8] {
        var stream = z_stream()
        // 15 + 16: a gzip wrapper instead of zlib's.
        guard
            deflateInit2_(
                &stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
                Int32(MemoryLayout<z_stream>.size)) == Z_OK
        else {
            throw DatasetError.invalid("zlib deflateInit failed")
        }
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(input.count))) + 32)
        var mutableInput = input
        let written: Int = mutableInput.withUnsafeMutableBufferPointer { inp in
            output.withUnsafeMutableBufferPointer { out in
                stream.next_in = inp.baseAddress
                stream.avail_in = UInt32(inp.count)
                stream.next_out = out.baseAddress
                stream.avail_out = UInt32(out.count)
                let status = deflate(&stream, Z_FINISH)
                return status == Z_STREAM_END ? out.count - Int(stream.avail_out) : -1
            }
        }
        guard written >= 0 else { throw DatasetError.invalid("zlib deflate failed") }
        return Array(output.prefix(written))
    }
}
