import Dataset
import Dispatch
import Foundation

/// The event store as an append-only log of segment files in one folder (format in RecordCodec.swift).
///
/// Appends are group-committed: concurrent `append` calls queue their batches, one writer on a serial
/// dispatch queue writes every pending batch with one `write` and one `fsync`, then resumes them all. Reads use
/// `pread` on a global queue so async callers never block the cooperative pool. Opening verifies every record
/// (one read and one CRC pass per segment), so open costs about a second per few hundred MB of log.
public final class EmbeddedEventLog: EventStore {
    struct Pending {
        let batch: [StoredEvent]
        let key: BatchKey?
        let continuation: CheckedContinuation<AppendResult, any Error>
    }

    struct State {
        var segments: [SegmentInfo] = []
        var head: StorePosition = 0
        var pending: [Pending] = []
        var writing = false
        var closed = false
        /// Why appends are refused for the life of this instance (read-only folder), or nil.
        var readOnlyReason: String?
        /// Bytes past the last segment's `end` may hold a failed write that could not be truncated yet; the
        /// writer must cut them before writing again or a reopen would find stale frames after new ones.
        var needsTruncate = false
        /// The folder's `LOCK` file, held (flock) while this instance may write: one writer per log.
        var lockFD: Int32 = -1
    }

    let directory: String
    let segmentBytes: Int
    let fsyncEnabled: Bool
    let log: @Sendable (String) -> Void
    let state: Locked<State>
    /// Idempotency keys of the batches stored within `BatchKey.retentionMs` (read back from the frames on
    /// open). Only the writer looks them up and adds to them; a lock of their own keeps readers, followers
    /// and `head()` from ever waiting on them.
    let keys: Locked<KeyMemory>
    let followers = Followers()
    let writerQueue = DispatchQueue(label: "EmbeddedEventLog.writer")
    /// Successful group commits (write + fsync pairs) so far; tests check that queued appends share one.
    let commitCount = Locked<Int>(0)
    /// Tests inject errnos here: a value fails the next write after half its bytes hit the file (ENOSPC-like).
    let injectedWriteFailures = Locked<[Int32]>([])
    /// Tests inject errnos here: a value fails the next fsync after the whole write succeeded (EIO-like).
    let injectedSyncFailures = Locked<[Int32]>([])

    /// Opens (creating if missing) the log in `directory`, verifying every record. A torn tail of the last
    /// segment is cut off and reported through `log`; any other damage throws `.corrupt`. A folder that cannot be
    /// written still opens for reading, and appends then throw `.unavailable`. `segmentBytes` is the size at which
    /// a new segment file starts; `fsync: false` trades durability for speed (tests, bulk loads).
    ///
    /// `readOnly` opens an existing log without ever writing to it: a torn tail is left in place (it may be a
    /// write another process, the server, is making right now) and not read; appends throw `.unavailable`.
    /// This is how the trainer reads the log of a running server.
    public init(
        directory: String, segmentBytes: Int = 64 << 20, fsync: Bool = true, readOnly: Bool = false,
        log: @escaping @Sendable (String) -> Void = { _ in }
    ) throws {
        self.directory = directory
        self.segmentBytes = max(segmentBytes, RecordCodec.frameSize(count: 1))
        self.fsyncEnabled = fsync
        self.log = log
        let (opened, keys) = try Self.open(directory: directory, readOnly: readOnly, log: log)
        state = Locked(opened)
        self.keys = Locked(keys)
    }

    /// Refuses further calls and wakes followers so their `follow` returns; appends still queued fail with
    /// `.unavailable`. Reads already running finish on their own descriptors. Cheap and idempotent.
    public func close() {
        let pending = state.withLock { s -> [Pending] in
            if s.lockFD >= 0 {
                Glibc.close(s.lockFD)
                s.lockFD = -1
            }
            s.closed = true
            s.segments = []
            // A writer already running finishes the group it took; what is still queued fails now.
            let queued = s.pending
            s.pending = []
            return queued
        }
        for p in pending { p.continuation.resume(throwing: EventStoreError.unavailable("event log closed")) }
        followers.finishAll()
    }

    /// The position of the newest durable record; a lock and a load.
    public func head() async throws -> StorePosition {
        try state.withLock { s in
            if s.closed { throw EventStoreError.unavailable("event log closed") }
            return s.head
        }
    }

    /// Follows the log from `position`: pages of up to 4,096 records, woken by each group commit.
    public func follow(
        after position: StorePosition, _ body: @Sendable ([StoredEvent], StorePosition) async -> Void
    ) async throws {
        try await followers.follow(after: position, read: { try await self.read(after: $0, limit: 4096) }, body)
    }

    /// Scans the folder: segments in sequence order, each verified, the last one's torn tail cut.
    static func open(directory: String, readOnly: Bool = false, log: @Sendable (String) -> Void) throws -> (
        State, KeyMemory
    ) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
            if !isDirectory.boolValue { throw EventStoreError.unavailable("\(directory) is not a directory") }
        } else if readOnly {
            throw EventStoreError.unavailable("no event log at \(directory)")
        } else {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw EventStoreError.unavailable("cannot create \(directory): \(error.localizedDescription)")
            }
        }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw EventStoreError.unavailable("cannot list \(directory): \(error.localizedDescription)")
        }
        let found = names.compactMap { name in SegmentFile.firstSeq(fromName: name).map { (name, $0) } }
            .sorted { $0.1 < $1.1 }

        var s = State()
        var keys = KeyMemory()
        let now = wallClockMs()
        if readOnly {
            s.readOnlyReason = "the log was opened read-only"
        } else {
            s.lockFD = try lockForWriting(directory)
        }
        // Rolling creates files, so a folder we cannot write is read-only for the log even if the files are not.
        if s.readOnlyReason == nil, access(directory, W_OK) != 0 {
            s.readOnlyReason = FileIO.reason("cannot write to", directory)
        }
        for (index, (name, firstSeq)) in found.enumerated() {
            let path = (directory as NSString).appendingPathComponent(name)
            let file = try openSegment(path: path, name: name, firstSeq: firstSeq, state: &s)
            let isLast = index == found.count - 1
            let bytes: [UInt8]
            switch FileIO.size(file.fd).flatMap({ FileIO.read(file.fd, at: 0, count: $0) }) {
            case .success(let b): bytes = b
            case .failure(let code): throw EventStoreError.unavailable(FileIO.reason("cannot read", path, code))
            }
            let scan = try SegmentScanner.scan(bytes, file: file, isLast: isLast, keysAfter: now - BatchKey.retentionMs)
            if let previous = s.segments.last, previous.lastSeq + 1 != firstSeq {
                throw EventStoreError.corrupt(
                    "\(path): segment starts at seq \(firstSeq) but the previous one ends at \(previous.lastSeq)")
            }
            if let torn = scan.torn {
                log(
                    "event log: \(path): dropping torn tail at offset \(torn.offset), \(torn.bytes) bytes (\(torn.reason))"
                )
                if s.readOnlyReason == nil {
                    if let code = FileIO.truncate(file.fd, to: torn.offset) ?? FileIO.sync(file.fd) {
                        s.readOnlyReason = FileIO.reason("cannot truncate torn tail of", path, code)
                        log("event log: \(s.readOnlyReason ?? "")")
                    }
                }
            }
            s.segments.append(scan.info)
            for k in scan.keys { keys.insert(k.key, k.batch, now: now) }
        }
        s.head = s.segments.last?.lastSeq ?? 0
        return (s, keys)
    }

    /// Opens a segment read-write when the folder allows it, else read-only (and records why appends will fail).
    private static func openSegment(path: String, name: String, firstSeq: Int64, state s: inout State) throws
        -> SegmentFile
    {
        if s.readOnlyReason == nil {
            switch FileIO.open(path, O_RDWR) {
            case .success(let fd): return SegmentFile(path: path, name: name, firstSeq: firstSeq, fd: fd)
            case .failure(let code): s.readOnlyReason = FileIO.reason("cannot open for writing", path, code)
            }
        }
        switch FileIO.open(path, O_RDONLY) {
        case .success(let fd): return SegmentFile(path: path, name: name, firstSeq: firstSeq, fd: fd)
        case .failure(let code): throw EventStoreError.unavailable(FileIO.reason("cannot open", path, code))
        }
    }
}

/// Takes the log's writer lock, or says who to blame: two processes
/// appending to one log would interleave their frames.
private func lockForWriting(_ directory: String) throws -> Int32 {
    let path = (directory as NSString).appendingPathComponent("LOCK")
    let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
    // A folder we cannot write still opens read-only (appends then answer `.unavailable`).
    guard fd >= 0 else { return -1 }
    guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
        close(fd)
        throw EventStoreError.unavailable(
            "the event log in \(directory) is in use by another process; give each replica its own --events-store (the embedded log has one writer), or share events through a database"
        )
    }
    return fd
}

/// Where the embedded store keeps item updates (`POST /api/v1/items`): a log of their own in a subfolder of
/// the events folder, so the events log, its export and the trainer's reader see events only.
public enum EmbeddedItemLog {
    public static func folder(in eventsFolder: String) -> String { eventsFolder + "/items" }
}
