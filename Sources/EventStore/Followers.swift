import Dataset

/// The wake-up list behind `follow`: appends call `notify()`, each follower drains with `read` and sleeps on a
/// one-slot stream, so a burst of appends costs a follower one extra read, not one per append.
public final class Followers: Sendable {
    private let waiting = Locked<[UInt64: AsyncStream<Void>.Continuation]>([:])
    private let nextID = Locked<UInt64>(0)

    /// An empty list.
    public init() {}

    /// Wakes every follower; O(followers), called once per group commit.
    public func notify() {
        let all = waiting.withLock { Array($0.values) }
        for continuation in all { continuation.yield() }
    }

    /// Ends every follower's wait because the store closed; their `follow` calls return after the current page.
    public func finishAll() {
        let all = waiting.withLock { w in
            let values = Array(w.values)
            w.removeAll()
            return values
        }
        for continuation in all { continuation.finish() }
    }

    /// The shared `follow` loop: read everything after `position` in pages, hand it to `body`, sleep until the
    /// next `notify()`. Registration happens before the first read so no append can slip between read and sleep.
    public func follow(
        after position: StorePosition,
        read: (StorePosition) async throws -> (events: [StoredEvent], last: StorePosition),
        _ body: @Sendable ([StoredEvent], StorePosition) async -> Void
    ) async throws {
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let id = nextID.withLock { n in
            n += 1
            return n
        }
        waiting.withLock { $0[id] = continuation }
        defer {
            _ = waiting.withLock { $0.removeValue(forKey: id) }
            continuation.finish()
        }
        var iterator = stream.makeAsyncIterator()
        var current = position
        while !Task.isCancelled {
            while !Task.isCancelled {
                let page: (events: [StoredEvent], last: StorePosition)
                do {
                    page = try await read(current)
                } catch {
                    // A read cut short by the follower's own cancellation is the normal way out, not a failure.
                    if Task.isCancelled { return }
                    throw error
                }
                if page.events.isEmpty { break }
                await body(page.events, page.last)
                current = page.last
            }
            // nil means cancelled (or the store closed): either way there is nothing more to wait for.
            guard await iterator.next() != nil else { break }
        }
    }
}
