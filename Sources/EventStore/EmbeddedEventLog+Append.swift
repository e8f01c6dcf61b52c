import Dataset
import Dispatch
import Foundation

extension EmbeddedEventLog {
    /// Upper bound on one group commit's write, so one huge burst cannot hold everyone behind a giant buffer.
    static let maxGroupBytes = 32 << 20

    /// Queues `batch` for the next group commit and returns once it is written and fsync'd. Cost: one
    /// `write` + `fsync` shared by every batch queued meanwhile, plus O(batch) encoding. Throws `.invalid` for
    /// negative ids (nothing written), `.unavailable` when the folder cannot be written; then nothing of the batch
    /// is visible and the segment is cut back to its last acknowledged byte. Not cancellable once queued.
    ///
    /// A keyed batch is checked against the remembered keys by the writer, which is the only one to add them, so
    /// two concurrent appends of one key store it once; the key is written in the batch's own frame.
    public func append(_ batch: [StoredEvent], key: BatchKey?) async throws -> AppendResult {
        try validateBatch(batch)
        if batch.isEmpty { return AppendResult(position: try await head(), replayed: false) }
        return try await withCheckedThrowingContinuation { continuation in
            let start = state.withLock { s -> Bool? in
                if s.closed { return nil }
                s.pending.append(Pending(batch: batch, key: key, continuation: continuation))
                if s.writing { return false }
                s.writing = true
                return true
            }
            switch start {
            case nil: continuation.resume(throwing: EventStoreError.unavailable("event log closed"))
            case true?: writerQueue.async { self.drain() }
            case false?: break
            }
        }
    }

    /// The writer loop (on `writerQueue` only): take everything pending, commit it as one write, repeat until
    /// the queue is empty. Being the only writer is what lets it touch the file without holding the lock.
    func drain() {
        while true {
            let taken = state.withLock { s -> (group: [Pending], closed: Bool, readOnly: String?)? in
                if s.pending.isEmpty {
                    s.writing = false
                    return nil
                }
                var bytes = 0
                var n = 0
                while n < s.pending.count && (n == 0 || bytes + Self.bytes(of: s.pending[n]) <= Self.maxGroupBytes) {
                    bytes += Self.bytes(of: s.pending[n])
                    n += 1
                }
                let group = Array(s.pending.prefix(n))
                s.pending.removeFirst(n)
                return (group, s.closed, s.readOnlyReason)
            }
            guard let taken else { return }
            let failure: EventStoreError? =
                taken.closed
                ? .unavailable("event log closed") : taken.readOnly.map { .unavailable("read-only: \($0)") }
            if let failure {
                for p in taken.group { p.continuation.resume(throwing: failure) }
                continue
            }
            let (results, writeError) = commit(taken.group)
            if let writeError { log("event log: append failed: \(writeError)") }
            for (p, result) in zip(taken.group, results) { p.continuation.resume(with: result) }
            if writeError == nil { followers.notify() }
        }
    }

    private static func bytes(of pending: Pending) -> Int {
        RecordCodec.frameSize(count: pending.batch.count, keyLength: pending.key?.value.utf8.count ?? 0)
    }

    /// Writes the group's batches as consecutive frames with one write and one fsync, rolling to a new segment
    /// first when they would push the current one past `segmentBytes`. Returns each batch's outcome: a batch
    /// whose key is already stored (earlier, or by a batch before it in the group) is not written. On a write
    /// error the segment is cut back to its acknowledged end, nothing becomes visible, and the error goes to
    /// the batches that were being written and to their in-group retries; a batch answered from a key stored
    /// earlier keeps its answer.
    private func commit(_ group: [Pending]) -> (results: [Result<AppendResult, any Error>], failure: (any Error)?) {
        let (head, current, mustTruncate) = state.withLock { s in (s.head, s.segments.last, s.needsTruncate) }
        let now = wallClockMs()
        var results = [Result<AppendResult, any Error>?](repeating: nil, count: group.count)
        var newKeys: [(key: BatchKey, batch: KeyedBatch)] = []
        var firstInGroup: [BatchKey: Int] = [:]
        var buffer: [UInt8] = []
        buffer.reserveCapacity(group.reduce(0) { $0 + Self.bytes(of: $1) })
        var frames: [(seq: Int64, offset: Int)] = []
        /// The batches whose answer depends on this write: those written and their retries in the group.
        var dependsOnWrite: [Int] = []
        var seq = head + 1
        for (index, p) in group.enumerated() {
            if let key = p.key {
                if let stored = keys.withLock({ $0.find(key, now: now) }) {
                    results[index] = Result { try stored.replay(of: p.batch, key: key) }
                    continue
                }
                if let first = firstInGroup[key] {
                    results[index] = Result { try newKeys[first].batch.replay(of: p.batch, key: key) }
                    dependsOnWrite.append(index)
                    continue
                }
                firstInGroup[key] = newKeys.count
                newKeys.append(
                    (
                        key,
                        KeyedBatch(
                            last: seq + Int64(p.batch.count) - 1, count: p.batch.count,
                            digest: BatchKey.digest(of: p.batch), storedAt: now)
                    ))
            }
            frames.append((seq, buffer.count))
            RecordCodec.appendFrame(p.batch, firstSeq: seq, key: p.key.map { ($0, now) }, to: &buffer)
            seq += Int64(p.batch.count)
            results[index] = .success(AppendResult(position: seq - 1, replayed: false))
            dependsOnWrite.append(index)
        }
        if !frames.isEmpty {
            do {
                try write(
                    buffer, frames: frames, head: head, lastSeq: seq - 1, current: current, mustTruncate: mustTruncate)
                keys.withLock { memory in
                    for k in newKeys { memory.insert(k.key, k.batch, now: now) }
                }
            } catch {
                for index in dependsOnWrite { results[index] = .failure(error) }
                return (results.map { $0! }, error)
            }
        }
        return (results.map { $0! }, nil)
    }

    /// The write of one group's frames: one `write`, one `fsync`, then the segment's bookkeeping.
    private func write(
        _ buffer: [UInt8], frames: [(seq: Int64, offset: Int)], head: StorePosition, lastSeq: StorePosition,
        current: SegmentInfo?, mustTruncate: Bool
    ) throws {
        if mustTruncate, let current { try cutBack(current) }
        var segment: SegmentInfo
        if let current, !(current.end > 0 && current.end + buffer.count > segmentBytes) {
            segment = current
        } else {
            segment = try roll(firstSeq: head + 1)
        }
        if segment.needsDirectorySync {
            if let code = FileIO.syncDirectory(directory) {
                throw EventStoreError.unavailable(FileIO.reason("cannot sync directory", directory, code))
            }
            segment.needsDirectorySync = false
        }

        let file = segment.file
        if let code = injectedWriteFailures.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) {
            _ = FileIO.write(file.fd, Array(buffer.prefix(buffer.count / 2)), at: segment.end)
            try fail(segment, FileIO.reason("cannot write", file.path, code))
        }
        if let code = FileIO.write(file.fd, buffer, at: segment.end) {
            try fail(segment, FileIO.reason("cannot write", file.path, code))
        }
        if fsyncEnabled {
            if let code = injectedSyncFailures.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) ?? FileIO.sync(file.fd)
            {
                try fail(segment, FileIO.reason("cannot fsync", file.path, code))
            }
        }

        for frame in frames { segment.noteFrame(seq: frame.seq, offset: segment.end + frame.offset) }
        segment.end += buffer.count
        segment.lastSeq = lastSeq
        let updated = segment
        state.withLock { s in
            guard !s.closed else { return }
            s.segments[s.segments.count - 1] = updated
            s.head = updated.lastSeq
        }
        commitCount.withLock { $0 += 1 }
    }

    /// Starts the segment for `firstSeq`. It joins the state at once (empty), so a failed first write leaves a
    /// valid empty segment that the next commit reuses instead of colliding with its name.
    private func roll(firstSeq: Int64) throws -> SegmentInfo {
        let name = SegmentFile.name(firstSeq: firstSeq)
        let path = (directory as NSString).appendingPathComponent(name)
        let fd: Int32
        switch FileIO.open(path, O_RDWR | O_CREAT | O_EXCL) {
        case .success(let opened): fd = opened
        case .failure(let code): throw EventStoreError.unavailable(FileIO.reason("cannot create segment", path, code))
        }
        var info = SegmentInfo(file: SegmentFile(path: path, name: name, firstSeq: firstSeq, fd: fd))
        info.needsDirectorySync = true
        let added = info
        state.withLock { s in
            if !s.closed { s.segments.append(added) }
        }
        log("event log: started segment \(name)")
        return info
    }

    /// Cuts the failed bytes off and throws `.unavailable(reason)`. If even the cut fails, the next commit retries
    /// it before writing, so stale frames can never sit behind new ones.
    private func fail(_ segment: SegmentInfo, _ reason: String) throws -> Never {
        let cut = FileIO.truncate(segment.file.fd, to: segment.end)
        state.withLock { $0.needsTruncate = cut != nil }
        throw EventStoreError.unavailable(reason)
    }

    private func cutBack(_ segment: SegmentInfo) throws {
        if let code = FileIO.truncate(segment.file.fd, to: segment.end) {
            throw EventStoreError.unavailable(FileIO.reason("cannot truncate", segment.file.path, code))
        }
        state.withLock { $0.needsTruncate = false }
    }
}
