import Dataset
import Foundation

/// A client's idempotency key for one batch (`Idempotency-Key` on the write routes): a retried batch with the
/// same key is stored once and answered with the first append's position. Keys are remembered for
/// `retentionMs` after the batch was stored, durably with it (the embedded log's frame, the PostgreSQL keys
/// table in the same transaction), so the retry a crash or a load balancer provokes still finds them.
public struct BatchKey: Hashable, Sendable, CustomStringConvertible {
    public let value: String

    /// Longest key accepted, in bytes.
    public static let maxLength = 255
    /// How long a key is remembered after its batch was stored: 24 hours.
    public static let retentionMs: Int64 = 24 * 3_600_000

    /// 1 to 255 visible ASCII characters (0x21–0x7E), e.g. a UUID; anything else is `.invalid` naming the problem.
    public init(_ value: String) throws {
        let bytes = Array(value.utf8)
        guard !bytes.isEmpty else { throw EventStoreError.invalid("the idempotency key is empty") }
        guard bytes.count <= Self.maxLength else {
            throw EventStoreError.invalid(
                "the idempotency key has \(bytes.count) bytes; at most \(Self.maxLength) are allowed")
        }
        if let bad = bytes.firstIndex(where: { !(0x21...0x7E).contains($0) }) {
            throw EventStoreError.invalid(
                "the idempotency key may hold only visible ASCII characters (no spaces); byte \(bad) is 0x\(String(bytes[bad], radix: 16))"
            )
        }
        self.value = value
    }

    public var description: String { value }

    /// A digest of a batch's records (FNV-1a over every field, in order), the same in every process and
    /// version: it tells a true retry from a key reused for different events.
    public static func digest(of batch: [StoredEvent]) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ v: Int64) {
            var x = UInt64(bitPattern: v)
            for _ in 0..<8 {
                h = (h ^ (x & 0xff)) &* 0x0000_0100_0000_01b3
                x >>= 8
            }
        }
        mix(Int64(batch.count))
        for e in batch {
            mix(e.timestamp)
            mix(Int64(e.visitor))
            mix(Int64(e.item))
            mix(Int64(e.transaction))
            mix(Int64(e.kind.rawValue))
        }
        return h
    }
}

/// What a store remembers of a keyed batch.
public struct KeyedBatch: Sendable, Equatable {
    /// Position of the batch's last record.
    public var last: StorePosition
    public var count: Int
    public var digest: UInt64
    /// Wall-clock unix ms when the batch was stored.
    public var storedAt: Int64

    public init(last: StorePosition, count: Int, digest: UInt64, storedAt: Int64) {
        (self.last, self.count, self.digest, self.storedAt) = (last, count, digest, storedAt)
    }

    /// The answer to a batch presented again under the same key: the first append's position, or `.conflict`
    /// when the records differ (a key reused for another batch).
    public func replay(of batch: [StoredEvent], key: BatchKey) throws -> AppendResult {
        guard count == batch.count && digest == BatchKey.digest(of: batch) else {
            throw EventStoreError.conflict(
                "the idempotency key \"\(key)\" was used for a different batch (\(count) record\(count == 1 ? "" : "s")) stored at position \(last); use a new key for new events"
            )
        }
        return AppendResult(position: last, replayed: true)
    }
}

/// The outcome of an append.
public struct AppendResult: Sendable, Equatable {
    /// Position of the batch's last record (for a replay: of the batch stored first under the key).
    public var position: StorePosition
    /// True when the key was already stored: nothing was written by this call.
    public var replayed: Bool

    public init(position: StorePosition, replayed: Bool) {
        (self.position, self.replayed) = (position, replayed)
    }
}

/// The keys a process remembers (the embedded log and the memory store): for `BatchKey.retentionMs` after
/// storing, and at most the newest `limit` keys, so a client that keys every single event cannot grow memory
/// without bound (past the limit the oldest keys are forgotten early). Keys arrive in position order, so the
/// oldest is always at the front of `order`: forgetting costs O(1) per key, never a pass over all of them.
struct KeyMemory {
    private(set) var batches: [BatchKey: KeyedBatch] = [:]
    /// Every insert, oldest first, from `front` on; an entry whose key was stored again later is stale.
    private var order: [(key: BatchKey, last: StorePosition, storedAt: Int64)] = []
    private var front = 0
    let limit: Int

    /// Keys kept at most by default: a day of keyed batches at about 11 per second.
    static let defaultLimit = 1_000_000

    init(limit: Int = KeyMemory.defaultLimit) { self.limit = max(1, limit) }

    func find(_ key: BatchKey, now: Int64) -> KeyedBatch? {
        guard let b = batches[key], b.storedAt > now - BatchKey.retentionMs else { return nil }
        return b
    }

    /// Remembers a key, then forgets from the oldest end while over `limit` or expired.
    mutating func insert(_ key: BatchKey, _ batch: KeyedBatch, now: Int64) {
        batches[key] = batch
        order.append((key, batch.last, batch.storedAt))
        while front < order.count
            && (batches.count > limit || order[front].storedAt <= now - BatchKey.retentionMs)
        {
            let oldest = order[front]
            front += 1
            if batches[oldest.key]?.last == oldest.last { batches[oldest.key] = nil }
        }
        // Compact once the forgotten prefix is most of the array (amortized O(1) per insert).
        if front >= 4096 && front * 2 >= order.count {
            order.removeFirst(front)
            front = 0
        }
    }
}

/// Wall-clock unix milliseconds: key retention is measured in real time, across restarts.
func wallClockMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
