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
/// proposed it, and one score per generator of the layout (0 where a
/// generator has no score for it). A few hundred entries; the index is a
/// small hash map from item to slot. Scores are stored candidate-major in
/// one array: adding a candidate appends a row, with no nested arrays to
/// check for uniqueness on every write.
public struct CandidateSet: Sendable {
    public private(set) var items: [Int32] = []
    public private(set) var provenance: [Provenance] = []
    /// `columns` scores per candidate: candidate c's score from slot s at `c * columns + s`.
    public private(set) var scores: [Float] = []
    public let columns: Int
    // No default value: `init(capacity:)` would build a default map and throw it away.
    private var index: IntMap<Int>

    /// Room for `capacity` candidates up front, so adding never reallocates.
    /// - Parameters:
    ///   - columns: the layout's slot count (one score each).
    ///   - capacity: the most candidates expected.
    public init(columns: Int, capacity: Int = 256) {
        self.columns = columns
        index = IntMap<Int>(capacity: capacity)
        items.reserveCapacity(capacity)
        provenance.reserveCapacity(capacity)
        scores.reserveCapacity(capacity * columns)
    }

    public var count: Int { items.count }

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
        for _ in 0..<columns { scores.append(0) }
        return s
    }

    /// Adds `item` from `slot` with that slot's score, keeping the higher
    /// one when the slot already scored it.
    public mutating func add(_ item: Int32, slot: Int, score: Float) {
        let c = add(item, from: .slot(slot))
        if score > scores[c * columns + slot] { scores[c * columns + slot] = score }
    }

    public func contains(_ item: Int32) -> Bool { index[item] != nil }

    /// The score of one candidate from one slot.
    public subscript(slot slot: Int, candidate candidate: Int) -> Float {
        get { scores[candidate * columns + slot] }
        set { scores[candidate * columns + slot] = newValue }
    }

    /// One slot's scores, candidate by candidate (all zeros for -1, a generator the layout lacks).
    public func score(slot: Int) -> [Float] {
        guard slot >= 0 && slot < columns else { return [Float](repeating: 0, count: count) }
        return (0..<count).map { scores[$0 * columns + slot] }
    }

    /// Writes one slot's score of every candidate; `value` gets each candidate's item.
    public mutating func fill(slot: Int, _ value: (Int32) -> Float) {
        let (columns, items) = (self.columns, self.items)
        scores.withUnsafeMutableBufferPointer { out in
            for c in items.indices { out[c * columns + slot] = value(items[c]) }
        }
    }

    /// Writes one slot's scores from a column (one per candidate, in order).
    public mutating func fill(slot: Int, with column: [Float]) {
        let (columns, n) = (self.columns, min(column.count, count))
        scores.withUnsafeMutableBufferPointer { out in
            for c in 0..<n { out[c * columns + slot] = column[c] }
        }
    }

    /// The candidates that at least one of `sources` proposed: what a
    /// pipeline with only those generators would have produced (each
    /// generator's list does not depend on the others). A score survives
    /// when its generator is in `sources` or in `keep` (generators that
    /// score every candidate whatever proposed it).
    public func restricted(to sources: Provenance, keeping keep: Provenance) -> CandidateSet {
        var out = CandidateSet(columns: columns, capacity: count)
        let kept = sources.union(keep)
        for k in 0..<count where provenance[k].overlaps(sources) {
            let s = out.add(items[k], from: provenance[k].intersection(sources))
            for c in 0..<columns where Provenance.slot(c).overlaps(kept) {
                out.scores[s * columns + c] = scores[k * columns + c]
            }
        }
        return out
    }
}

extension CandidateSet {
    /// Adds the `limit` best-scored items of `scores` from `slot` (in no
    /// particular order: the set's scores are filled afterwards).
    public mutating func addBest<Value: Comparable>(of scores: IntMap<Value>, limit: Int, slot: Int) {
        for (item, _) in scores.top(limit, ordered: false) { add(item, from: .slot(slot)) }
    }

    /// A generator's whole turn when its scores are a map: propose the best
    /// (unless only asked to score), and hand the map back for every candidate.
    public mutating func propose(best scores: IntMap<Float>, limit: Int, slot: Int, proposing: Bool)
        -> CandidateScores
    {
        if proposing { addBest(of: scores, limit: limit, slot: slot) }
        return .map(scores)
    }

    /// As above, for scores kept in double precision.
    public mutating func propose(best scores: IntMap<Double>, limit: Int, slot: Int, proposing: Bool)
        -> CandidateScores
    {
        if proposing { addBest(of: scores, limit: limit, slot: slot) }
        return .doubleMap(scores)
    }
}
