import Foundation

/// Little-endian writer of plain arrays: count (UInt64) then the raw bytes.
public struct BinaryWriter {
    public private(set) var bytes: [UInt8] = []
    /// A sizing writer only adds up `size`: `Section.bytes` runs its fill once to size the bytes exactly,
    /// because growing by doubling copied and page-faulted a 10 × model's sections about twice over.
    private let sizing: Bool
    /// The bytes written (or, when sizing, that would be).
    public private(set) var size = 0
    /// A streaming writer hands its bytes on instead of keeping them (`ModelContainer` deflates them into the
    /// file as they come): small writes gathered into pieces of `pieceBytes`, big arrays straight from their
    /// own storage, so a section is never whole in memory.
    private let sink: ((UnsafeRawBufferPointer) -> Void)?
    static let pieceBytes = 1 << 20

    public init() {
        sizing = false
        sink = nil
    }

    init(sizing: Bool, capacity: Int = 0) {
        self.sizing = sizing
        sink = nil
        bytes.reserveCapacity(capacity)
    }

    init(streamingTo sink: @escaping (UnsafeRawBufferPointer) -> Void) {
        sizing = false
        self.sink = sink
        bytes.reserveCapacity(Self.pieceBytes)
    }

    private mutating func put(_ raw: UnsafeRawBufferPointer) {
        guard let sink else {
            bytes += raw
            return
        }
        if raw.count >= Self.pieceBytes {
            flush()
            sink(raw)
            return
        }
        bytes += raw
        if bytes.count >= Self.pieceBytes { flush() }
    }

    /// Hands a streaming writer's gathered bytes to its sink (a no-op for the others).
    mutating func flush() {
        guard let sink, !bytes.isEmpty else { return }
        bytes.withUnsafeBytes { sink($0) }
        bytes.removeAll(keepingCapacity: true)
    }

    public mutating func scalar<T: FixedWidthInteger>(_ v: T) {
        size += MemoryLayout<T>.size
        if sizing { return }
        withUnsafeBytes(of: v.littleEndian) { put($0) }
    }

    public mutating func array<T: BitwiseCopyable>(_ a: [T]) {
        scalar(UInt64(a.count))
        size += a.count * MemoryLayout<T>.stride
        if sizing { return }
        a.withUnsafeBytes { put($0) }
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
                put(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: chunk[0..<n])))
                i += n
            }
        }
    }

    public mutating func raw(_ b: [UInt8]) {
        size += b.count
        if sizing { return }
        b.withUnsafeBytes { put($0) }
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
    /// A section whose bytes `fill` writes when the section is written (or its `bytes` are asked for), so
    /// building a model's sections holds none of their bytes.
    /// `fill` may run more than once (sizing, then writing), so it must write the same every time.
    public init(tag: String, _ fill: @escaping @Sendable (inout BinaryWriter) -> Void) {
        self.init(tag: tag, content: .fill(fill))
    }

    /// The raw bytes, whole in memory (for tests and small sections; the model writer streams them).
    public var bytes: [UInt8] {
        switch content {
        case .bytes(let bytes): return bytes
        case .fill(let fill):
            var sizer = BinaryWriter(sizing: true)
            fill(&sizer)
            var writer = BinaryWriter(sizing: false, capacity: sizer.size)
            fill(&writer)
            precondition(
                writer.size == sizer.size, "section \(tag) wrote \(writer.size) bytes after sizing \(sizer.size)")
            return writer.bytes
        }
    }

    /// Writes the raw bytes to `writer`.
    func write(to writer: inout BinaryWriter) {
        switch content {
        case .bytes(let bytes): writer.raw(bytes)
        case .fill(let fill): fill(&writer)
        }
    }
}
