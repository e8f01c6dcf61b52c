import Dataset
import Foundation
import Synchronization

/// A visitor action the served model has not seen: the stored event itself.
public typealias LiveEvent = StoredEvent

/// The events that arrived after the served model's data ends, per visitor,
/// in memory: what the pipeline merges into a visitor's history at request
/// time. Bounded: at most `perVisitor` events per visitor (the oldest are
/// dropped) and `total` in all (the visitors least recently written to lose
/// theirs first); every dropped event is counted in `evictions`.
///
/// Cost: appending is O(1) amortised per event under one lock; a request
/// copies one visitor's events (at most `perVisitor`).
public final class LiveOverlay: Sendable {
    public struct Limits: Sendable {
        public var perVisitor: Int
        public var total: Int
        public init(perVisitor: Int = 200, total: Int = 10_000_000) {
            self.perVisitor = max(1, perVisitor)
            self.total = max(1, total)
        }
    }

    public struct Figures: Sendable, Equatable {
        public var events: Int
        public var visitors: Int
        public var evictions: Int
    }

    struct State {
        var byVisitor: [Int: [LiveEvent]] = [:]
        /// Visitors in the order they were last written to (may repeat; stale entries are skipped).
        var writeOrder: [(visitor: Int, stamp: Int)] = []
        var orderStart = 0
        var lastStamp: [Int: Int] = [:]
        var stamp = 0
        var figures = Figures(events: 0, visitors: 0, evictions: 0)
        var coVisits = LiveCoVisits()
    }

    public let limits: Limits
    private let state = Mutex(State())
    /// Events before this time are inside the model (its reference time).
    private let since = Atomic<Int64>(.min)
    /// The newest timestamp of any event kept (written under the state's lock, read without it).
    private let newest = Atomic<Int64>(.min)

    public init(limits: Limits = Limits()) { self.limits = limits }

    /// The model's reference time: events before it are the model's business.
    public var modelledUntil: Int64 { since.load(ordering: .relaxed) }

    /// The newest timestamp of the events kept so far (evicted ones included); nil before the first.
    public var newestEvent: Int64? {
        let t = newest.load(ordering: .relaxed)
        return t == .min ? nil : t
    }

    /// Adds events (any order); those before `modelledUntil` are skipped.
    public func apply(_ events: [LiveEvent]) {
        let cutoff = modelledUntil
        state.withLock { s in
            for e in events {
                // Older events are the model's business.
                guard e.timestamp >= cutoff else { continue }
                if e.timestamp > newest.load(ordering: .relaxed) { newest.store(e.timestamp, ordering: .relaxed) }
                if s.byVisitor[e.visitor] == nil { s.figures.visitors += 1 }
                // In place: a copy of the visitor's list per event would cost O(list).
                let (index, dropped) = Self.insert(
                    e, into: &s.byVisitor[e.visitor, default: []], cap: limits.perVisitor)
                if index >= 0 { s.coVisits.count(s.byVisitor[e.visitor]!, at: index) }
                s.figures.events += 1 - dropped
                s.figures.evictions += dropped
                s.stamp += 1
                s.lastStamp[e.visitor] = s.stamp
                s.writeOrder.append((e.visitor, s.stamp))
            }
            Self.evictOverTotal(&s, limit: limits.total)
        }
    }

    /// Inserts in time order (live events mostly arrive in order: an
    /// append); returns where it went (-1 when the cap dropped it at once) and
    /// how many of the oldest were dropped for the cap.
    private static func insert(_ e: LiveEvent, into list: inout [LiveEvent], cap: Int) -> (index: Int, dropped: Int) {
        var at = list.count
        while at > 0 && list[at - 1].timestamp > e.timestamp { at -= 1 }
        list.insert(e, at: at)
        guard list.count > cap else { return (at, 0) }
        let drop = list.count - cap
        list.removeFirst(drop)
        return (at >= drop ? at - drop : -1, drop)
    }

    private static func evictOverTotal(_ s: inout State, limit: Int) {
        while s.figures.events > limit, s.orderStart < s.writeOrder.count {
            let (visitor, stamp) = s.writeOrder[s.orderStart]
            s.orderStart += 1
            // Only the visitor's latest write counts; older entries are stale.
            guard s.lastStamp[visitor] == stamp, let list = s.byVisitor.removeValue(forKey: visitor) else { continue }
            s.lastStamp[visitor] = nil
            s.figures.events -= list.count
            s.figures.evictions += list.count
            s.figures.visitors -= 1
        }
        // Compact the order list once stale entries dominate: one entry per
        // visitor, by last write (amortised O(1) per write; memory O(visitors)).
        let live = s.writeOrder.count - s.orderStart
        if live > 1024 && live > 2 * s.lastStamp.count {
            s.writeOrder = s.lastStamp.map { (visitor: $0.key, stamp: $0.value) }.sorted { $0.stamp < $1.stamp }
            s.orderStart = 0
        }
    }

    /// A visitor's live events, oldest first.
    public func events(of visitor: Int) -> [LiveEvent] { state.withLock { $0.byVisitor[visitor] ?? [] } }

    /// Drops what a newly loaded model covers (events before `reference`),
    /// so nothing is counted twice after a reload; the live co-visits are
    /// recounted from what stays.
    public func modelCovers(until reference: Int64) {
        since.store(reference, ordering: .relaxed)
        state.withLock { s in
            var changed = false
            defer { if changed { s.coVisits.rebuild(from: s.byVisitor.values) } }
            for (visitor, list) in s.byVisitor {
                let kept = list.filter { $0.timestamp >= reference }
                guard kept.count != list.count else { continue }
                changed = true
                s.figures.events -= list.count - kept.count
                if kept.isEmpty {
                    s.byVisitor[visitor] = nil
                    s.lastStamp[visitor] = nil
                    s.figures.visitors -= 1
                } else {
                    s.byVisitor[visitor] = kept
                }
            }
        }
    }

    public var figures: Figures { state.withLock { $0.figures } }

    /// The items co-visited with `item` (raw ids) in the live events, with their counts, most first; empty
    /// when `time` is given and a counted event is newer (an answer for a past time must not see later events).
    public func coVisits(of item: Int, notAfter time: Int64? = nil) -> [(item: Int, count: Int32)] {
        state.withLock { s in
            guard let row = s.coVisits.rows[item], time.map({ $0 >= s.coVisits.newest }) ?? true else { return [] }
            return zip(row.items, row.counts).map { (item: $0, count: $1) }.sorted { $0.count > $1.count }
        }
    }
}
