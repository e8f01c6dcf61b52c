import Dataset
import Synchronization

/// What the shop said about items since the model (`POST /api/v1/items`, the newest update per item wins)
/// and how often every item was touched in live events: enough to list an item the model has never seen
/// in its category, ranked by live interest, until the next retrain learns it properly.
final class LiveItems: Sendable {
    struct Facts: Sendable, Equatable {
        var category: Int
        var available: Bool
        /// The update's own timestamp (unix ms).
        var updatedAt: Int64
    }

    /// Live interactions of one item (any visitor), for ranking new items.
    struct Counts: Sendable, Equatable {
        var views: Int32 = 0
        var carts: Int32 = 0
        var purchases: Int32 = 0
        /// Weighted like the project's recency-and-kind peer: 1 / 5 / 10.
        var score: Double { Double(views) + 5 * Double(carts) + 10 * Double(purchases) }
    }

    private struct State {
        /// Bumped by every apply that changes a category or an availability: what cached overrides are
        /// checked against.
        var factsVersion = 0
        var facts: [Int: Facts] = [:]
        var byCategory: [Int: Set<Int>] = [:]
        var counts: [Int: Counts] = [:]
    }

    private let state = Mutex(State())
    /// Set by the first update: until then requests skip the lock entirely (the common case of a shop that
    /// sends no item updates).
    private let anyItems = Atomic<Bool>(false)

    var isEmpty: Bool { !anyItems.load(ordering: .relaxed) }

    /// Item updates in store order; an update older than the one held is ignored.
    func apply(_ updates: [StoredItem]) {
        if !updates.isEmpty { anyItems.store(true, ordering: .relaxed) }
        state.withLock { s in
            for u in updates {
                if let held = s.facts[u.item] {
                    if held.updatedAt > u.timestamp { continue }
                    if held.category != u.category { s.byCategory[held.category]?.remove(u.item) }
                    if held.category != u.category || held.available != u.available { s.factsVersion += 1 }
                } else {
                    s.factsVersion += 1
                }
                s.facts[u.item] = Facts(category: u.category, available: u.available, updatedAt: u.timestamp)
                s.byCategory[u.category, default: []].insert(u.item)
            }
        }
    }

    /// Counts live events per item (every item: an event may come before the item's update).
    func count(_ events: [StoredEvent]) {
        state.withLock { s in
            for e in events {
                switch e.kind {
                case .view: s.counts[e.item, default: Counts()].views += 1
                case .addToCart: s.counts[e.item, default: Counts()].carts += 1
                case .transaction: s.counts[e.item, default: Counts()].purchases += 1
                }
            }
        }
    }

    func facts(of item: Int) -> Facts? { state.withLock { $0.facts[item] } }

    /// Every updated item's live category and availability, with the version they were taken at;
    /// O(items updated).
    func allFacts() -> (version: Int, facts: [(item: Int, category: Int, available: Bool)]) {
        state.withLock { s in (s.factsVersion, s.facts.map { ($0.key, $0.value.category, $0.value.available) }) }
    }

    var factsVersion: Int { state.withLock { $0.factsVersion } }

    func counts(of item: Int) -> Counts { state.withLock { $0.counts[item] ?? Counts() } }

    var itemCount: Int { state.withLock { $0.facts.count } }

    /// Available items of `category` that `keep` accepts (the caller's "unknown to the model", exclusions and
    /// filters), most live interest first, ties by newest update, then item id; at most `limit`.
    func newItems(in category: Int, limit: Int, keep: (Int) -> Bool) -> [(item: Int, counts: Counts)] {
        guard limit > 0 else { return [] }
        let candidates: [(item: Int, counts: Counts, updatedAt: Int64)] = state.withLock { s in
            (s.byCategory[category] ?? []).compactMap { item in
                guard let f = s.facts[item], f.available else { return nil }
                return (item, s.counts[item] ?? Counts(), f.updatedAt)
            }
        }
        return
            candidates
            .filter { keep($0.item) }
            .sorted {
                ($0.counts.score, $0.updatedAt, -$0.item) > ($1.counts.score, $1.updatedAt, -$1.item)
            }
            .prefix(limit)
            .map { ($0.item, $0.counts) }
    }
}
