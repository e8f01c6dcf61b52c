import Dataset
import EventStore
import Foundation

/// The `event-log` target: the fuzzed bytes are the first segment of an embedded event log, opened as the
/// server opens its folder (torn tail cut, keys read back), read whole, then appended to with an idempotency
/// key, retried, reopened and retried again. Besides crashes, a broken promise of the log is a finding.
enum EventLogTarget {
    static func run(_ bytes: [UInt8]) {
        let folder = Scratch.folder + "/event-log"
        try? FileManager.default.removeItem(atPath: folder)
        mkdir(folder, 0o700)
        _ = Scratch.write(bytes, as: "event-log/00000000000000000001.evlog")
        guard let log = try? EmbeddedEventLog(directory: folder, fsync: false) else { return }
        guard let records = try? log.readAllBlocking(), let head = blocking({ try await log.head() }) else {
            log.close()
            return
        }
        precondition(head == StorePosition(records.count), "head \(head) but \(records.count) records read")

        let key = try! BatchKey("fuzz-retry")
        let batch = [StoredEvent(timestamp: 1, visitor: 2, kind: .view, item: 3, transaction: -1)]
        guard let first = blocking({ try await log.append(batch, key: key) }) else {
            log.close()
            return
        }
        let again = blocking { try await log.append(batch, key: key) }
        precondition(
            again == AppendResult(position: first.position, replayed: true),
            "retry answered \(String(describing: again))")
        log.close()

        guard let reopened = try? EmbeddedEventLog(directory: folder, fsync: false) else {
            preconditionFailure("a log this process wrote does not reopen")
        }
        defer { reopened.close() }
        let afterReopen = blocking { try await reopened.append(batch, key: key) }
        precondition(
            afterReopen == AppendResult(position: first.position, replayed: true),
            "retry after reopen answered \(String(describing: afterReopen))")
        let all = try? reopened.readAllBlocking()
        precondition(all?.count == Int(max(head, first.position)), "records lost on reopen")
    }

    /// Runs an async store call to its end from the fuzzer's synchronous callback; nil when it throws.
    private static func blocking<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) -> T? {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        Task {
            box.value = try? await body()
            done.signal()
        }
        done.wait()
        return box.value
    }
}

/// Carries a result out of a task; the semaphore orders the write before the read.
private final class ResultBox<T>: @unchecked Sendable {
    var value: T?
}
