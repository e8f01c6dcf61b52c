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

    /// Inflates gzip data (concatenated members too) with the readers' `GzipByteSource`, stopping at `limit`
    /// output bytes.
    public static func decompress(_ input: [UInt8], limit: Int) throws(DecompressError) -> [UInt8] {
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        do {
            let source = try GzipByteSource(source: MemoryByteSource(input), path: "gzip data")
            defer { source.close() }
            while true {
                let n = try chunk.withUnsafeMutableBytes { try source.read(into: $0) }
                if n == 0 { return output }
                guard output.count + n <= limit else { throw DecompressError.tooLarge(limit: limit) }
                output.append(contentsOf: chunk[0..<n])
            }
        } catch let error as DecompressError {
            throw error
        } catch DatasetError.io(_, let message) {
            throw .corrupt(message)
        } catch {
            throw .corrupt("\(error)")
        }
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
