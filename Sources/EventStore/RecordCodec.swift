// On-disk format of one `.evlog` segment (all integers little-endian).
//
// A segment is a sequence of frames; one frame holds one appended batch, so a batch is all-or-nothing even
// across a crash (a torn frame fails its CRC and is dropped whole). A group commit writes several frames with
// one `write` and one `fsync`.
//
//   frame header, 24 bytes:
//     0  magic    UInt32  "EVLF"
//     4  count    UInt32  records in the frame (>= 1)
//     8  firstSeq Int64   sequence number of the first record
//     16 flags    UInt32  0 (reserved)
//     20 crc32    UInt32  zlib CRC-32 of header bytes 0..<20 followed by all record bytes
//   then `count` records, 48 bytes each:
//     0  seq         Int64  (firstSeq + index; redundant, checked on open)
//     8  timestamp   Int64  unix ms
//     16 visitor     Int64
//     24 item        Int64
//     32 transaction Int64  -1 when none
//     40 kind        UInt8  EventKind.rawValue
//     41 type        UInt8  1 = event (other values reserved for future record types, e.g. item properties)
//     42 reserved    6 bytes of zero
//
// Fixed-size records let replay decode straight from one buffer per segment with unaligned loads.

import CZlib
import Dataset

enum RecordCodec {
    static let magic: UInt32 = 0x464C_5645  // "EVLF" read as little-endian bytes
    static let headerSize = 24
    static let recordSize = 48
    static let eventType: UInt8 = 1

    /// Bytes one frame of `count` records takes.
    static func frameSize(count: Int) -> Int { headerSize + count * recordSize }

    /// Appends one frame for `batch` (sequence numbers from `firstSeq`) to `buffer`; O(batch) with one CRC pass.
    static func appendFrame(_ batch: [StoredEvent], firstSeq: Int64, to buffer: inout [UInt8]) {
        let start = buffer.count
        // A zeroed array, not repeatElement: the stdlib fills it with memset even in debug builds.
        buffer.append(contentsOf: [UInt8](repeating: 0, count: frameSize(count: batch.count)))
        buffer.withUnsafeMutableBytes { raw in
            let frame = UnsafeMutableRawBufferPointer(rebasing: raw[start...])
            frame.storeBytes(of: magic.littleEndian, toByteOffset: 0, as: UInt32.self)
            frame.storeBytes(of: UInt32(batch.count).littleEndian, toByteOffset: 4, as: UInt32.self)
            frame.storeBytes(of: firstSeq.littleEndian, toByteOffset: 8, as: Int64.self)
            for (i, event) in batch.enumerated() {
                let o = headerSize + i * recordSize
                frame.storeBytes(of: (firstSeq + Int64(i)).littleEndian, toByteOffset: o, as: Int64.self)
                frame.storeBytes(of: event.timestamp.littleEndian, toByteOffset: o + 8, as: Int64.self)
                frame.storeBytes(of: Int64(event.visitor).littleEndian, toByteOffset: o + 16, as: Int64.self)
                frame.storeBytes(of: Int64(event.item).littleEndian, toByteOffset: o + 24, as: Int64.self)
                frame.storeBytes(of: Int64(event.transaction).littleEndian, toByteOffset: o + 32, as: Int64.self)
                frame.storeBytes(of: event.kind.rawValue, toByteOffset: o + 40, as: UInt8.self)
                frame.storeBytes(of: eventType, toByteOffset: o + 41, as: UInt8.self)
            }
            let crc = checksum(UnsafeRawBufferPointer(frame))
            frame.storeBytes(of: crc.littleEndian, toByteOffset: 20, as: UInt32.self)
        }
    }

    /// CRC-32 of a whole frame, skipping its own crc field.
    static func checksum(_ frame: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = frame.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return 0 }
        var crc = crc32(0, base, 20)
        var offset = headerSize
        // zlib takes a UInt32 length; huge frames go in slices.
        while offset < frame.count {
            let n = min(frame.count - offset, 1 << 30)
            crc = crc32(crc, base + offset, UInt32(n))
            offset += n
        }
        return UInt32(truncatingIfNeeded: crc)
    }

    static func load<T: FixedWidthInteger>(_ bytes: UnsafeRawBufferPointer, _ offset: Int, as: T.Type) -> T {
        T(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
    }

    /// What a frame at some offset turned out to be.
    enum FrameCheck: Equatable {
        /// A whole, verified frame.
        case valid(count: Int, firstSeq: Int64, size: Int)
        /// Fewer bytes remain than the header or the declared records need (a torn write).
        case incomplete
        /// Bytes are there but do not verify; `reason` says which check failed.
        case bad(String)
    }

    /// Verifies the frame starting at `offset`: magic, count, CRC, then each record's seq, type and kind.
    /// Costs one CRC pass over the frame.
    static func check(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> FrameCheck {
        let remaining = bytes.count - offset
        if remaining < headerSize { return .incomplete }
        if load(bytes, offset, as: UInt32.self) != magic { return .bad("bad frame magic") }
        let count = Int(load(bytes, offset + 4, as: UInt32.self))
        if count < 1 { return .bad("empty frame") }
        let size = frameSize(count: count)
        if size > remaining { return .incomplete }
        let frame = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + size)])
        if checksum(frame) != load(frame, 20, as: UInt32.self) { return .bad("CRC mismatch") }
        let firstSeq = load(frame, 8, as: Int64.self)
        for i in 0..<count {
            let o = headerSize + i * recordSize
            if load(frame, o, as: Int64.self) != firstSeq + Int64(i) { return .bad("record \(i) has a wrong sequence") }
            if frame[o + 41] != eventType { return .bad("record \(i) has unknown type \(frame[o + 41])") }
            if EventKind(rawValue: frame[o + 40]) == nil {
                return .bad("record \(i) has unknown kind \(frame[o + 40])")
            }
        }
        return .valid(count: count, firstSeq: firstSeq, size: size)
    }

    /// Decodes the records of a verified frame at `offset`, keeping those with seq > `after`, until `events`
    /// holds `limit`. Returns the seq of the last record taken (or `after` when none). No CRC: frames were
    /// verified on open or written by this process.
    static func decode(
        _ bytes: UnsafeRawBufferPointer, frameAt offset: Int, after: Int64, limit: Int, into events: inout [StoredEvent]
    ) -> Int64 {
        let count = Int(load(bytes, offset + 4, as: UInt32.self))
        let firstSeq = load(bytes, offset + 8, as: Int64.self)
        var last = after
        let skip = max(0, Int(min(Int64(count), after - firstSeq + 1)))
        var i = skip
        while i < count && events.count < limit {
            let o = offset + headerSize + i * recordSize
            let kind = EventKind(rawValue: bytes[o + 40]) ?? .view
            events.append(
                StoredEvent(
                    timestamp: load(bytes, o + 8, as: Int64.self),
                    visitor: Int(load(bytes, o + 16, as: Int64.self)),
                    kind: kind,
                    item: Int(load(bytes, o + 24, as: Int64.self)),
                    transaction: Int(load(bytes, o + 32, as: Int64.self))))
            last = firstSeq + Int64(i)
            i += 1
        }
        return last
    }
}
