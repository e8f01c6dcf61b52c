import Foundation

/// Little-endian writer of plain arrays: count (UInt64) then the raw bytes.
struct BinaryWriter {
    private(set) var bytes: [UInt8] = []

    mutating func scalar<T: FixedWidthInteger>(_ v: T) {
        withUnsafeBytes(of: v.littleEndian) { bytes += $0 }
    }

    mutating func array<T: BitwiseCopyable>(_ a: [T]) {
        scalar(UInt64(a.count))
        a.withUnsafeBytes { bytes += $0 }
    }

    mutating func raw(_ b: [UInt8]) { bytes += b }
}

/// Reads what `BinaryWriter` wrote; every length is checked against the
/// remaining bytes, so a short or garbled section fails with an error.
struct BinaryReader {
    let bytes: [UInt8]
    var offset = 0
    let section: String

    init(_ bytes: [UInt8], section: String) {
        self.bytes = bytes
        self.section = section
    }

    mutating func scalar<T: FixedWidthInteger>(_: T.Type = T.self) throws -> T {
        let n = MemoryLayout<T>.size
        guard offset + n <= bytes.count else { throw ModelFileError.corrupt(section: section, reason: "ends early") }
        var v: T = 0
        withUnsafeMutableBytes(of: &v) { dst in
            bytes.withUnsafeBytes { src in
                dst.copyMemory(from: UnsafeRawBufferPointer(rebasing: src[offset..<offset + n]))
            }
        }
        offset += n
        return T(littleEndian: v)
    }

    mutating func array<T: BitwiseCopyable>(_: T.Type = T.self) throws -> [T] {
        let count = try scalar(UInt64.self)
        let size = MemoryLayout<T>.stride
        guard count <= UInt64(bytes.count - offset) / UInt64(max(size, 1)) else {
            throw ModelFileError.corrupt(section: section, reason: "array of \(count) elements exceeds the section")
        }
        let n = Int(count)
        // One copy of the raw bytes (all element types here are little-endian PODs).
        let out = [T](unsafeUninitializedCapacity: n) { buffer, initialized in
            bytes.withUnsafeBytes { src in
                if n > 0 {
                    UnsafeMutableRawBufferPointer(buffer).copyMemory(
                        from: UnsafeRawBufferPointer(rebasing: src[offset..<offset + n * size]))
                }
            }
            initialized = n
        }
        offset += n * size
        return out
    }

    mutating func rest() -> [UInt8] {
        let r = Array(bytes[offset...])
        offset = bytes.count
        return r
    }
}
