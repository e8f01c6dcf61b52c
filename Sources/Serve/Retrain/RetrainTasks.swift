import Foundation
import Logging
import RecsysCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Retraining as tasks that every replica can see: task records and an
/// exclusive lock live in a folder all replicas share (next to the model).
///
/// - `lock.json` is created with O_EXCL (one trainer at a time across
///   replicas) and holds the owner's task id, pid, host and a heartbeat the
///   owner refreshes every `heartbeatSeconds`. A lock whose heartbeat is older
///   than `staleSeconds` (a crashed trainer) is broken by the next request.
/// - `tasks/<id>.json` records status, timings, metrics and the error, written
///   atomically; they survive restarts.
public final class RetrainTasks: Sendable {
    public struct Record: Codable, Sendable, Equatable {
        public var taskID: String
        public var status: String
        public var createdAt: Int64
        public var startedAt: Int64?
        public var finishedAt: Int64?
        public var durationSeconds: Double?
        public var replica: String
        public var command: [String]
        public var modelVersion: String?
        public var validationAUC: Double?
        public var trainingPairs: Int?
        public var error: String?

        enum CodingKeys: String, CodingKey {
            case taskID = "task_id"
            case status
            case createdAt = "created_at"
            case startedAt = "started_at"
            case finishedAt = "finished_at"
            case durationSeconds = "duration_seconds"
            case replica
            case command
            case modelVersion = "model_version"
            case validationAUC = "validation_auc"
            case trainingPairs = "training_pairs"
            case error
        }
    }

    struct Lock: Codable {
        var taskID: String
        var pid: Int32
        var host: String
        var heartbeat: Int64

        enum CodingKeys: String, CodingKey {
            case taskID = "task_id"
            case pid
            case host
            case heartbeat
        }
    }

    public let folder: String
    let command: [String]
    let heartbeatSeconds: Double
    let staleSeconds: Double
    let replica: String

    public init(folder: String, command: [String], heartbeatSeconds: Double = 2, staleSeconds: Double = 15) {
        self.folder = folder
        self.command = command
        self.heartbeatSeconds = heartbeatSeconds
        self.staleSeconds = staleSeconds
        replica = "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier)"
    }

    var lockPath: String { folder + "/lock.json" }
    func recordPath(_ id: String) -> String { folder + "/tasks/\(id).json" }

    static func now() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    public enum StartError: Error {
        case busy(taskID: String)
        /// The state folder cannot be written (read-only, full, not a folder): the reason, for the log.
        case unavailable(String)
    }

    /// Takes the lock and records a queued task, or reports the running one.
    /// `extraArguments` go after the configured command (the generators of
    /// the serving model, so a retrain keeps them).
    public func start(extraArguments: [String] = []) throws -> Record {
        try FileManager.default.createDirectory(atPath: folder + "/tasks", withIntermediateDirectories: true)
        let id = UUID().uuidString.lowercased()
        let lock = Lock(
            taskID: id, pid: ProcessInfo.processInfo.processIdentifier, host: ProcessInfo.processInfo.hostName,
            heartbeat: Self.now())
        if !(try createExclusively(lock)) {
            if let held = readLock(), Double(Self.now() - held.heartbeat) / 1000 < staleSeconds {
                throw StartError.busy(taskID: held.taskID)
            }
            // Stale: move it aside (only one replica wins the rename), then try once more.
            _ = rename(lockPath, lockPath + ".stale-\(id)")
            unlink(lockPath + ".stale-\(id)")
            guard try createExclusively(lock) else { throw StartError.busy(taskID: readLock()?.taskID ?? "unknown") }
        }
        let record = Record(
            taskID: id, status: "queued", createdAt: Self.now(), replica: replica, command: command + extraArguments)
        try write(record)
        return record
    }

    /// Runs the command; updates the record; releases the lock. Blocking: call off the event loop.
    public func run(_ record: Record, onSuccess: (inout Record) throws -> Void) -> Record {
        var r = record
        r.status = "running"
        r.startedAt = Self.now()
        try? write(r)
        let heartbeat = Heartbeat()
        let taskID = r.taskID
        let beat = Thread { [self] in
            while !heartbeat.stopped {
                Thread.sleep(forTimeInterval: heartbeatSeconds)
                if heartbeat.stopped { break }
                if var lock = readLock(), lock.taskID == taskID {
                    lock.heartbeat = Self.now()
                    writeLock(lock)
                }
            }
        }
        beat.start()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: r.command[0])
        process.arguments = Array(r.command.dropFirst())
        let stderr = Pipe()
        process.standardError = stderr
        process.standardOutput = FileHandle.nullDevice
        do {
            try process.run()
            let errorText = stderr.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            if process.terminationStatus == 0 {
                try onSuccess(&r)
                r.status = "succeeded"
            } else {
                r.status = "failed"
                let tail = String(decoding: errorText.suffix(2000), as: UTF8.self)
                r.error = "exit status \(process.terminationStatus): \(tail)"
            }
        } catch {
            r.status = "failed"
            r.error = "\(error)"
        }
        heartbeat.stop()
        r.finishedAt = Self.now()
        r.durationSeconds = Double(r.finishedAt! - (r.startedAt ?? r.finishedAt!)) / 1000
        try? write(r)
        if readLock()?.taskID == r.taskID { unlink(lockPath) }
        return r
    }

    public func record(_ id: String) -> Record? {
        guard let data = FileManager.default.contents(atPath: recordPath(id)) else { return nil }
        return try? JSONDecoder().decode(Record.self, from: data)
    }

    func write(_ record: Record) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try AtomicFile.write(try encoder.encode(record), to: recordPath(record.taskID))
    }

    /// false when another task holds the lock; throws when the folder cannot be written at all.
    private func createExclusively(_ lock: Lock) throws -> Bool {
        let fd = open(lockPath, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard fd >= 0 else {
            if errno == EEXIST { return false }
            throw StartError.unavailable("cannot create \(lockPath): \(String(cString: strerror(errno)))")
        }
        let data = (try? JSONEncoder().encode(lock)) ?? Data()
        _ = data.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        close(fd)
        return true
    }

    func readLock() -> Lock? {
        guard let data = FileManager.default.contents(atPath: lockPath) else { return nil }
        return try? JSONDecoder().decode(Lock.self, from: data)
    }

    private func writeLock(_ lock: Lock) {
        // A heartbeat: no fsync (a lost beat only makes the lock look older).
        guard let data = try? JSONEncoder().encode(lock) else { return }
        try? AtomicFile.write(data, to: lockPath, sync: false)
    }
}

private final class Heartbeat: Sendable {
    private let flag = Mutex(false)
    var stopped: Bool { flag.withLock { $0 } }
    func stop() { flag.withLock { $0 = true } }
}
