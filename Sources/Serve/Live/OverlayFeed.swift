import Dataset
import EventStore

/// Applies store records to memory exactly once and in position order, whoever brings them: the request
/// that appended a batch (so the next answer reflects it at once) or the follower that read it (another
/// replica's records, or this replica's after a race). Positions are gapless, so a batch ending at `last`
/// holds the records `last - count + 1 ... last`.
actor OverlayFeed {
    private let sink: @Sendable ([StoredEvent]) -> Void
    /// The position of the newest record applied.
    private(set) var applied: StorePosition = 0

    init(_ sink: @escaping @Sendable ([StoredEvent]) -> Void) { self.sink = sink }

    /// Applies the part of the batch not yet applied. False when records before the batch are missing (the
    /// caller reads them from the store first); nothing is applied then.
    func apply(_ records: [StoredEvent], last: StorePosition) -> Bool {
        let first = last - StorePosition(records.count) + 1
        if last <= applied { return true }
        if first > applied + 1 { return false }
        let skip = Int(applied + 1 - first)
        sink(skip == 0 ? records : Array(records[skip...]))
        applied = last
        return true
    }

    /// Reads and applies everything after `applied` up to at least `target` (or the store's end).
    func catchUp(from store: any EventStore, to target: StorePosition) async throws {
        while applied < target {
            let (records, last) = try await store.read(after: applied, limit: 65_536)
            if records.isEmpty { return }
            _ = apply(records, last: last)
        }
    }
}
