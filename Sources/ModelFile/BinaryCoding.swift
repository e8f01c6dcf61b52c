import Foundation

/// Little-endian writer of plain arrays: count (UInt64) then the raw bytes.
public struct BinaryWriter {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    public mutating func scalar<T: FixedWidthInteger>(_ v: T) {
        withUnsafeBytes(of: v.littleEndian) { bytes += $0 }
    }

    public mutating func array<T: BitwiseCopyable>(_ a: [T]) {
        scalar(UInt64(a.count))
        a.withUnsafeBytes { bytes += $0 }
    }

    public mutating func raw(_ b: [UInt8]) { bytes += b }
}

/// Reads the scalars of the file and section headers; every read is checked
/// against the bytes there, so a short header fails with an error. (Section
/// payloads are read by `SectionStream`.)
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
}

extension ModelContainer.Section {
    /// A section whose bytes `fill` writes.
    public init(tag: String, _ fill: (inout BinaryWriter) -> Void) {
        var writer = BinaryWriter()
        fill(&writer)
        self.init(tag: tag, bytes: writer.bytes)
    }
}
