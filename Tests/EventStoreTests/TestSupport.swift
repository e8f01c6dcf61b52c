import Dataset
import Foundation
import Logging
import PostgresNIO
import TestSupport
import Testing

@testable import EventStore
@testable import EventStorePostgres

/// A fresh folder under the system temp dir, removed when the test is done with it.
final class TempFolder: @unchecked Sendable {
    let path: String

    init() throws {
        path = Scratch.folder("eventstore-")
    }

    deinit {
        chmod(path, 0o755)
        try? FileManager.default.removeItem(atPath: path)
    }

    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    /// Segment file names in order.
    func segments() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".evlog") }.sorted()
    }
}

/// Collects `log` lines from a store so tests can assert on them.
final class LogLines: Sendable {
    private let lines = Locked<[String]>([])
    var all: [String] { lines.withLock { $0 } }
    var sink: @Sendable (String) -> Void { { line in self.lines.withLock { $0.append(line) } } }
}

/// Deterministic, distinguishable events: every field depends on `n`.
func event(_ n: Int) -> StoredEvent {
    let kind = EventKind(rawValue: UInt8(n % 3)) ?? .view
    return StoredEvent(
        timestamp: 1_433_221_332_117 + Int64(n), visitor: n * 7 + 1, kind: kind, item: n % 1000 + 5,
        transaction: kind == .transaction ? n + 40_000 : -1)
}

func events(_ range: Range<Int>) -> [StoredEvent] { range.map(event) }

/// The conformers the protocol suite runs against: PostgreSQL too when `RECSYS_TEST_POSTGRES_URL` names a
/// server (`.ci/run` starts a throwaway cluster and sets it; see scripts/postgres.sh).
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case memory, embedded, postgres
    var testDescription: String { rawValue }

    static var available: [StoreKind] { PostgresTestServer.url == nil ? [.memory, .embedded] : allCases }

    /// A fresh store (for PostgreSQL, in a database of its own); the folder (nil but for the embedded log)
    /// must outlive the store.
    func make() async throws -> (store: any EventStore, folder: TempFolder?) {
        switch self {
        case .memory: return (InMemoryEventStore(), nil)
        case .embedded:
            let folder = try TempFolder()
            return (try EmbeddedEventLog(directory: folder.path), folder)
        case .postgres:
            return (PostgresEventStore(url: try await PostgresTestServer.freshDatabase(), logger: testLogger), nil)
        }
    }
}

let testLogger = Logger(label: "eventstore-tests")

/// Reads everything after `position` in one call.
func readAll(_ store: any EventStore, after position: StorePosition = 0) async throws -> [StoredEvent] {
    try await store.read(after: position, limit: Int.max).events
}

/// Polls `condition` every few ms until it holds, or until `seconds` have passed and it was polled at least
/// `polls` times; for waiting on a follower task. Time alone is not enough: the whole suite runs tests in
/// parallel on two cores (under AddressSanitizer in CI), and while other tests compute on both threads of the
/// pool, neither this loop nor the follower runs for tens of seconds (a 5 s limit failed once that way, a 30 s
/// one later). Each poll is a suspension the follower can be scheduled in, so a failure means it had that
/// many chances.
func eventually(seconds: Double = 30, polls: Int = 1000, _ condition: () -> Bool) async throws -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    var polled = 0
    while Date() < deadline || polled < polls {
        if condition() { return true }
        polled += 1
        try await Task.sleep(nanoseconds: 2_000_000)
    }
    return condition()
}
