import Dataset
import Foundation

/// One open segment file. A class so a read in flight keeps its descriptor alive after the log closes.
final class SegmentFile: Sendable {
    let path: String
    /// The file name, for messages.
    let name: String
    /// The sequence number the name promises for the first record.
    let firstSeq: Int64
    let fd: Int32

    init(path: String, name: String, firstSeq: Int64, fd: Int32) {
        self.path = path
        self.name = name
        self.firstSeq = firstSeq
        self.fd = fd
    }

    deinit { close(fd) }

    static let suffix = ".evlog"

    /// `00000000000000000001.evlog`: zero-padded so lexical and numeric order agree in `ls`.
    static func name(firstSeq: Int64) -> String {
        let digits = String(firstSeq)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits + suffix
    }

    /// The first sequence number a segment file name promises, or nil for files that are not segments.
    static func firstSeq(fromName name: String) -> Int64? {
        guard name.hasSuffix(suffix) else { return nil }
        let stem = name.dropLast(suffix.count)
        guard stem.count == 20, stem.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int64(stem), n >= 1 else {
            return nil
        }
        return n
    }
}

/// The log's bookkeeping for one segment; lives in the log's locked state.
struct SegmentInfo {
    let file: SegmentFile
    /// Bytes that are durable and acknowledged; readers never look past this, the writer appends here.
    var end: Int
    /// Sequence number of the last record (firstSeq - 1 when empty).
    var lastSeq: Int64
    /// Frame starts sampled every `checkpointSpacing` bytes so a read can seek near a position without an index
    /// entry per frame. Always starts with (firstSeq, 0).
    var checkpointSeqs: [Int64]
    var checkpointOffsets: [Int]
    /// A fresh segment whose directory entry is not yet known durable.
    var needsDirectorySync = false

    static let checkpointSpacing = 64 << 10

    init(file: SegmentFile) {
        self.file = file
        end = 0
        lastSeq = file.firstSeq - 1
        checkpointSeqs = [file.firstSeq]
        checkpointOffsets = [0]
    }

    /// Records a frame written at `offset` starting at `seq` if it is far enough from the previous checkpoint.
    mutating func noteFrame(seq: Int64, offset: Int) {
        if let last = checkpointOffsets.last, offset - last >= Self.checkpointSpacing {
            checkpointSeqs.append(seq)
            checkpointOffsets.append(offset)
        }
    }

    /// The offset of a frame start at or before the record `seq`; O(log checkpoints).
    func offset(before seq: Int64) -> Int {
        var lo = 0
        var hi = checkpointSeqs.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if checkpointSeqs[mid] <= seq { lo = mid } else { hi = mid - 1 }
        }
        return checkpointOffsets[lo]
    }
}

/// What scanning a segment's bytes found.
struct SegmentScan {
    var info: SegmentInfo
    /// A torn tail to drop: where it starts, how long it is and why it failed.
    var torn: (offset: Int, bytes: Int, reason: String)?
    /// The idempotency keys of the segment's frames stored after the scan's `keysAfter`, oldest first.
    var keys: [(key: BatchKey, batch: KeyedBatch)] = []
}

enum SegmentScanner {
    /// Verifies every frame of a segment (one CRC pass over the buffer) and builds its checkpoints.
    /// A failing frame is a torn tail only in the last segment and only when no valid frame follows it anywhere;
    /// otherwise it is corruption of acknowledged data and throws `.corrupt` naming file and offset.
    static func scan(_ bytes: [UInt8], file: SegmentFile, isLast: Bool, keysAfter: Int64 = .max) throws
        -> SegmentScan
    {
        var info = SegmentInfo(file: file)
        var keys: [(key: BatchKey, batch: KeyedBatch)] = []
        return try bytes.withUnsafeBytes { raw in
            var offset = 0
            var expected = file.firstSeq
            while offset < raw.count {
                let problem: String
                switch RecordCodec.check(raw, at: offset) {
                case .valid(let count, let firstSeq, let size):
                    if firstSeq != expected {
                        throw EventStoreError.corrupt(
                            "\(file.path) at offset \(offset): frame starts at seq \(firstSeq), expected \(expected)")
                    }
                    info.noteFrame(seq: firstSeq, offset: offset)
                    if let k = RecordCodec.key(raw, frameAt: offset), k.storedAt > keysAfter {
                        var batch: [StoredEvent] = []
                        _ = RecordCodec.decode(raw, frameAt: offset, after: 0, limit: count, into: &batch)
                        keys.append(
                            (
                                k.key,
                                KeyedBatch(
                                    last: firstSeq + Int64(count) - 1, count: count, digest: BatchKey.digest(of: batch),
                                    storedAt: k.storedAt)
                            ))
                    }
                    offset += size
                    expected += Int64(count)
                    info.end = offset
                    info.lastSeq = expected - 1
                    continue
                case .incomplete: problem = "incomplete frame"
                case .bad(let reason): problem = reason
                }
                if !isLast {
                    throw EventStoreError.corrupt("\(file.path) at offset \(offset): \(problem) in a sealed segment")
                }
                if let later = validFrame(in: raw, after: offset) {
                    throw EventStoreError.corrupt(
                        "\(file.path) at offset \(offset): \(problem), but a valid frame follows at offset \(later)")
                }
                return SegmentScan(info: info, torn: (offset, raw.count - offset, problem), keys: keys)
            }
            return SegmentScan(info: info, torn: nil, keys: keys)
        }
    }

    /// The offset of the first verifiable frame after `offset`, if any; tells a torn tail (nothing valid after)
    /// from damage in the middle. Only the rare damaged case pays for this byte-by-byte search.
    static func validFrame(in raw: UnsafeRawBufferPointer, after offset: Int) -> Int? {
        var o = offset + 1
        while o + RecordCodec.headerSize <= raw.count {
            if RecordCodec.load(raw, o, as: UInt32.self) == RecordCodec.magic,
                case .valid = RecordCodec.check(raw, at: o)
            {
                return o
            }
            o += 1
        }
        return nil
    }
}
