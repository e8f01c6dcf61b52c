import Dataset
import Dispatch
import Foundation

extension EmbeddedEventLog {
    /// Up to `limit` records after `position`. Cost: a binary search to the nearest checkpoint (at most 64 KiB
    /// before the position), then `pread`s of whole spans (a full replay reads each segment with one call) decoded
    /// from the buffer. Runs on a global queue; never sees bytes of a commit that is not yet acknowledged.
    public func read(after position: StorePosition, limit: Int) async throws -> (
        events: [StoredEvent], last: StorePosition
    ) {
        guard limit > 0 else { return ([], position) }
        let spans = try spans(after: position)
        if spans.isEmpty { return ([], position) }
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try Self.read(spans, after: position, limit: limit) })
            }
        }
    }

    /// Every record, read on the caller's thread: for command-line tools,
    /// which have no event loop to keep free (the trainer, the exporter).
    public func readAllBlocking() throws -> [StoredEvent] {
        let spans = try spans(after: 0)
        return spans.isEmpty ? [] : try Self.read(spans, after: 0, limit: Int.max).events
    }

    private func spans(after position: StorePosition) throws -> [(file: SegmentFile, from: Int, end: Int)] {
        try state.withLock { s in
            if s.closed { throw EventStoreError.unavailable("event log closed") }
            return s.segments.filter { $0.lastSeq > position }.map { segment in
                (segment.file, segment.offset(before: position + 1), segment.end)
            }
        }
    }

    /// The blocking part of `read`: walk the spans in order, reading chunks big enough for `limit` records.
    static func read(_ spans: [(file: SegmentFile, from: Int, end: Int)], after position: StorePosition, limit: Int)
        throws -> (events: [StoredEvent], last: StorePosition)
    {
        var events: [StoredEvent] = []
        // At most one record per 48 bytes in range: reserving by `limit` alone would cost a follower tailing a
        // few new records a huge allocation on every call.
        let available = spans.reduce(0) { $0 + ($1.end - $1.from) / RecordCodec.recordSize }
        events.reserveCapacity(min(limit, available))
        var last = position
        // Enough bytes for `limit` single-record frames plus the checkpoint gap; a replay gets whole segments.
        let wanted = SegmentInfo.checkpointSpacing + min(limit, 1 << 24) * RecordCodec.frameSize(count: 1)
        for span in spans where events.count < limit {
            var offset = span.from
            while offset < span.end && events.count < limit {
                var count = min(span.end - offset, max(wanted, 1 << 20))
                var chunk: [UInt8]
                var consumed = 0
                while true {
                    switch FileIO.read(span.file.fd, at: offset, count: count) {
                    case .success(let bytes): chunk = bytes
                    case .failure(let code):
                        throw EventStoreError.unavailable(FileIO.reason("cannot read", span.file.path, code))
                    }
                    if chunk.count < count {
                        throw EventStoreError.corrupt(
                            "\(span.file.path): shorter than its acknowledged \(span.end) bytes")
                    }
                    // A frame larger than the chunk: grow the chunk to hold it whole and read again.
                    let needed = chunk.withUnsafeBytes { Self.firstFrameSize($0) }
                    if needed <= chunk.count { break }
                    count = min(needed, span.end - offset)
                    if count < needed {
                        throw EventStoreError.corrupt("\(span.file.path) at offset \(offset): frame runs past the end")
                    }
                }
                chunk.withUnsafeBytes { raw in
                    while consumed + RecordCodec.headerSize <= raw.count && events.count < limit {
                        let size = RecordCodec.frameSize(raw, at: consumed)
                        if consumed + size > raw.count { break }
                        last = RecordCodec.decode(raw, frameAt: consumed, after: last, limit: limit, into: &events)
                        consumed += size
                    }
                }
                offset += consumed
            }
        }
        return (events, last)
    }

    private static func firstFrameSize(_ raw: UnsafeRawBufferPointer) -> Int { RecordCodec.frameSize(raw, at: 0) }
}
