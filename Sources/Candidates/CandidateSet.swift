import RecsysCore

/// Which generators proposed a candidate: one bit per slot of the
/// pipeline's `CandidateLayout` (a candidate may have several sources).
public struct Provenance: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// The bit of one layout slot; empty for a slot of -1 (a generator the model lacks).
    @inlinable
    public static func slot(_ slot: Int) -> Provenance {
        slot >= 0 && slot < 32 ? Provenance(rawValue: 1 << UInt32(slot)) : Provenance()
    }

    /// Whether any bit of `other` is set here (false for an empty `other`).
    @inlinable
    public func overlaps(_ other: Provenance) -> Bool { rawValue & other.rawValue != 0 }
}

/// The union of the generators' candidates: each candidate's item, who
/// proposed it, and one score column per generator of the layout (0 where a
/// generator has no score for it). A few hundred entries; the index is a
/// small hash map from item to slot.
public struct CandidateSet: Sendable {
    public private(set) var items: [Int32] = []
    public private(set) var provenance: [Provenance] = []
    /// `scores[slot][candidate]`, slots as in the pipeline's `CandidateLayout`.
    public var scores: [[Float]]
    // No default value: `init(capacity:)` would build a default map and throw it away.
    private var index: IntMap<Int>

    /// Room for `capacity` candidates up front, so adding never reallocates.
    /// - Parameters:
    ///   - columns: the layout's slot count (one score column each).
    ///   - capacity: the most candidates expected.
    public init(columns: Int, capacity: Int = 256) {
        index = IntMap<Int>(capacity: capacity)
        items.reserveCapacity(capacity)
        provenance.reserveCapacity(capacity)
        scores = (0..<columns).map { _ in
            var column: [Float] = []
            column.reserveCapacity(capacity)
            return column
        }
    }

    public var count: Int { items.count }
    public var columns: Int { scores.count }

    /// The candidate index of `item`, adding it (all scores 0) when new.
    @discardableResult
    public mutating func add(_ item: Int32, from source: Provenance) -> Int {
        if let s = index[item] {
            provenance[s].formUnion(source)
            return s
        }
        let s = items.count
        index[item] = s
        items.append(item)
        provenance.append(source)
        for c in scores.indices { scores[c].append(0) }
        return s
    }

    /// Adds `item` from `slot` with that slot's score, keeping the higher
    /// one when the slot already scored it.
    public mutating func add(_ item: Int32, slot: Int, score: Float) {
        let s = add(item, from: .slot(slot))
        if score > scores[slot][s] { scores[slot][s] = score }
    }

    public func contains(_ item: Int32) -> Bool { index[item] != nil }

    /// One slot's score column (all zeros for -1, a generator the layout lacks).
    public func score(slot: Int) -> [Float] {
        slot >= 0 && slot < scores.count ? scores[slot] : [Float](repeating: 0, count: count)
    }

    /// The candidates that at least one of `sources` proposed: what a
    /// pipeline with only those generators would have produced (each
    /// generator's list does not depend on the others). A column survives
    /// when its generator is in `sources` or in `keep` (generators that
    /// score every candidate whatever proposed it).
    public func restricted(to sources: Provenance, keeping keep: Provenance) -> CandidateSet {
        var out = CandidateSet(columns: columns, capacity: count)
        for k in 0..<count where provenance[k].overlaps(sources) {
            let s = out.add(items[k], from: provenance[k].intersection(sources))
            for c in scores.indices where Provenance.slot(c).overlaps(sources.union(keep)) {
                out.scores[c][s] = scores[c][k]
            }
        }
        return out
    }
}
