import Dataset
import EventStore
import Pipeline

/// Applies store records to the overlay exactly once and in position order, whoever brings them: the request
/// that appended a batch (so the next answer reflects it at once) or the follower that read it (another
/// replica's events, or this replica's after a race). Positions are gapless, so a batch ending at `last`
/// holds the records `last - count + 1 ... last`.
actor OverlayFeed {
    let overlay: LiveOverlay
    /// The position of the newest record in the overlay.
    private(set) var applied: StorePosition = 0

    init(overlay: LiveOverlay) { self.overlay = overlay }

    /// Applies the part of the batch not yet applied. False when records before the batch are missing (the
    /// caller reads them from the store first); nothing is applied then.
    func apply(_ events: [StoredEvent], last: StorePosition) -> Bool {
        let first = last - StorePosition(events.count) + 1
        if last <= applied { return true }
        if first > applied + 1 { return false }
        let skip = Int(applied + 1 - first)
        overlay.apply(skip == 0 ? events : Array(events[skip...]))
        applied = last
        return true
    }

    /// Reads and applies everything after `applied` up to at least `target` (or the store's end).
    func catchUp(from store: any EventStore, to target: StorePosition) async throws {
        while applied < target {
            let (events, last) = try await store.read(after: applied, limit: 65_536)
            if events.isEmpty { return }
            _ = apply(events, last: last)
        }
    }
}
