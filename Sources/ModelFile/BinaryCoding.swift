import Foundation

/// Little-endian writer of plain arrays: count (UInt64) then the raw bytes.
public struct BinaryWriter {
    public private(set) var bytes: [UInt8] = []
    /// A sizing writer only adds up `size`: `Section(tag:_:)` runs its fill once to size the bytes exactly,
    /// because growing by doubling copied and page-faulted a 10 × model's sections about twice over.
    private let sizing: Bool
    /// The bytes written (or, when sizing, that would be).
    public private(set) var size = 0

    public init() { sizing = false }

    init(sizing: Bool, capacity: Int = 0) {
        self.sizing = sizing
        bytes.reserveCapacity(capacity)
    }

    public mutating func scalar<T: FixedWidthInteger>(_ v: T) {
        size += MemoryLayout<T>.size
        if sizing { return }
        withUnsafeBytes(of: v.littleEndian) { bytes += $0 }
    }

    public mutating func array<T: BitwiseCopyable>(_ a: [T]) {
        scalar(UInt64(a.count))
        size += a.count * MemoryLayout<T>.stride
        if sizing { return }
        a.withUnsafeBytes { bytes += $0 }
    }

    /// `a` widened to `U` element by element, written as `array` writes a `[U]` (no converted copy of `a`).
    public mutating func array<T: BinaryInteger, U: FixedWidthInteger & BitwiseCopyable>(_ a: [T], as _: U.Type) {
        scalar(UInt64(a.count))
        size += a.count * MemoryLayout<U>.stride
        if sizing { return }
        withUnsafeTemporaryAllocation(of: U.self, capacity: 4096) { chunk in
            var i = 0
            while i < a.count {
                let n = min(chunk.count, a.count - i)
                for k in 0..<n { chunk[k] = U(a[i + k]).littleEndian }
                bytes += UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: chunk[0..<n]))
                i += n
            }
        }
    }

    public mutating func raw(_ b: [UInt8]) {
        size += b.count
        if sizing { return }
        bytes += b
    }
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
    /// `fill` runs twice: once to size the bytes, once to write them, so it must write the same both times.
    public init(tag: String, _ fill: (inout BinaryWriter) -> Void) {
        var sizer = BinaryWriter(sizing: true)
        fill(&sizer)
        var writer = BinaryWriter(sizing: false, capacity: sizer.size)
        fill(&writer)
        precondition(writer.size == sizer.size, "section \(tag) wrote \(writer.size) bytes after sizing \(sizer.size)")
        self.init(tag: tag, bytes: writer.bytes)
    }
}
