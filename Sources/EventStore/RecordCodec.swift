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
//     16 flags    UInt32  0, or 1 when a key block follows (other bits reserved)
//     20 crc32    UInt32  zlib CRC-32 of header bytes 0..<20 followed by every byte after the header
//   key block, only with flags bit 0: the batch's idempotency key (BatchKey), 16 + length rounded up to 8 bytes:
//     0  storedAt Int64   wall-clock unix ms when written (keys are remembered for BatchKey.retentionMs)
//     8  length   UInt32  key bytes, 1...255
//     12 reserved UInt32  0
//     16 key      `length` bytes of visible ASCII, zero-padded to a multiple of 8
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
    static let keyedFlag: UInt32 = 1
    static let keyBlockHeaderSize = 16

    /// Bytes of the key block for a key of `keyLength` bytes (0: no key, no block).
    static func keyBlockSize(keyLength: Int) -> Int {
        keyLength == 0 ? 0 : keyBlockHeaderSize + (keyLength + 7) & ~7
    }

    /// Bytes one frame of `count` records takes, with a key of `keyLength` bytes (0: none).
    static func frameSize(count: Int, keyLength: Int = 0) -> Int {
        headerSize + keyBlockSize(keyLength: keyLength) + count * recordSize
    }

    /// Whether the frame whose header is at `offset` carries a key block.
    static func isKeyed(_ bytes: UnsafeRawBufferPointer, frameAt offset: Int) -> Bool {
        load(bytes, offset + 16, as: UInt32.self) & keyedFlag != 0
    }

    /// The key length the frame at `offset` declares (0 without a key, at least 1 with one, so a damaged length
    /// still gives a block); the key block's header must be in `bytes` for a keyed frame.
    static func keyLength(_ bytes: UnsafeRawBufferPointer, frameAt offset: Int) -> Int {
        isKeyed(bytes, frameAt: offset) ? max(1, Int(load(bytes, offset + headerSize + 8, as: UInt32.self))) : 0
    }

    /// The size of the frame at `offset` as far as the bytes there tell: exact once the header (and, for a
    /// keyed frame, the key block's header) is in `bytes`, a lower bound before that.
    static func frameSize(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> Int {
        let remaining = bytes.count - offset
        if remaining < headerSize { return headerSize }
        let count = Int(load(bytes, offset + 4, as: UInt32.self))
        if isKeyed(bytes, frameAt: offset) && remaining < headerSize + keyBlockHeaderSize {
            return frameSize(count: count) + keyBlockHeaderSize
        }
        return frameSize(count: count, keyLength: keyLength(bytes, frameAt: offset))
    }

    /// Where the records of the frame at `offset` start, relative to the frame.
    static func recordsOffset(_ bytes: UnsafeRawBufferPointer, frameAt offset: Int) -> Int {
        headerSize + keyBlockSize(keyLength: keyLength(bytes, frameAt: offset))
    }

    /// The key of a verified frame at `offset`, with the time it was stored; nil for a frame without one.
    static func key(_ bytes: UnsafeRawBufferPointer, frameAt offset: Int) -> (key: BatchKey, storedAt: Int64)? {
        guard isKeyed(bytes, frameAt: offset) else { return nil }
        let block = offset + headerSize
        let length = Int(load(bytes, block + 8, as: UInt32.self))
        let text = String(
            decoding: UnsafeRawBufferPointer(rebasing: bytes[(block + 16)..<(block + 16 + length)]), as: UTF8.self)
        guard let key = try? BatchKey(text) else { return nil }
        return (key, load(bytes, block, as: Int64.self))
    }

    /// Appends one frame for `batch` (sequence numbers from `firstSeq`), with its idempotency key when given, to
    /// `buffer`; O(batch) with one CRC pass.
    static func appendFrame(
        _ batch: [StoredEvent], firstSeq: Int64, key: (key: BatchKey, storedAt: Int64)? = nil, to buffer: inout [UInt8]
    ) {
        let start = buffer.count
        let keyBytes = key.map { Array($0.key.value.utf8) } ?? []
        let recordsStart = headerSize + keyBlockSize(keyLength: keyBytes.count)
        // A zeroed array, not repeatElement: the stdlib fills it with memset even in debug builds.
        buffer.append(
            contentsOf: [UInt8](repeating: 0, count: frameSize(count: batch.count, keyLength: keyBytes.count)))
        buffer.withUnsafeMutableBytes { raw in
            let frame = UnsafeMutableRawBufferPointer(rebasing: raw[start...])
            frame.storeBytes(of: magic.littleEndian, toByteOffset: 0, as: UInt32.self)
            frame.storeBytes(of: UInt32(batch.count).littleEndian, toByteOffset: 4, as: UInt32.self)
            frame.storeBytes(of: firstSeq.littleEndian, toByteOffset: 8, as: Int64.self)
            if let key {
                frame.storeBytes(of: keyedFlag.littleEndian, toByteOffset: 16, as: UInt32.self)
                frame.storeBytes(of: key.storedAt.littleEndian, toByteOffset: headerSize, as: Int64.self)
                frame.storeBytes(of: UInt32(keyBytes.count).littleEndian, toByteOffset: headerSize + 8, as: UInt32.self)
                for (i, b) in keyBytes.enumerated() { frame[headerSize + keyBlockHeaderSize + i] = b }
            }
            for (i, event) in batch.enumerated() {
                let o = recordsStart + i * recordSize
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
        let flags = load(bytes, offset + 16, as: UInt32.self)
        if flags & ~keyedFlag != 0 { return .bad("unknown frame flags \(flags)") }
        var recordsStart = headerSize
        if flags & keyedFlag != 0 {
            if remaining < headerSize + keyBlockHeaderSize { return .incomplete }
            let length = Int(load(bytes, offset + headerSize + 8, as: UInt32.self))
            if !(1...BatchKey.maxLength).contains(length) { return .bad("key length \(length)") }
            recordsStart += keyBlockSize(keyLength: length)
        }
        let size = recordsStart + count * recordSize
        if size > remaining { return .incomplete }
        let frame = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + size)])
        if checksum(frame) != load(frame, 20, as: UInt32.self) { return .bad("CRC mismatch") }
        if flags & keyedFlag != 0 && key(frame, frameAt: 0) == nil { return .bad("invalid idempotency key") }
        let firstSeq = load(frame, 8, as: Int64.self)
        for i in 0..<count {
            let o = recordsStart + i * recordSize
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
        let recordsStart = offset + recordsOffset(bytes, frameAt: offset)
        var last = after
        let skip = max(0, Int(min(Int64(count), after - firstSeq + 1)))
        var i = skip
        while i < count && events.count < limit {
            let o = recordsStart + i * recordSize
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
