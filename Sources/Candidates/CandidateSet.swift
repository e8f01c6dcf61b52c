/// Where a candidate came from; a candidate may have several sources.
public struct Provenance: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let category = Provenance(rawValue: 1)
    public static let itemCF = Provenance(rawValue: 2)
    public static let history = Provenance(rawValue: 4)
    public static let userKNN = Provenance(rawValue: 8)
    public static let als = Provenance(rawValue: 16)
    public static let bpr = Provenance(rawValue: 32)
}

/// The union of candidates with each generator's score and the provenance.
/// A few hundred entries; the index is a small hash map from item to slot.
public struct CandidateSet: Sendable {
    public private(set) var items: [Int32] = []
    public private(set) var provenance: [Provenance] = []
    public var categoryScore: [Float] = []
    public var cfScore: [Float] = []
    public var historyScore: [Float] = []
    public var userKNNScore: [Float] = []
    public var alsScore: [Float] = []
    public var bprScore: [Float] = []
    // No default value: `init(capacity:)` would build a default map and throw it away.
    private var slot: IntMap<Int>

    public init() { slot = IntMap<Int>(capacity: 256) }

    /// Room for `capacity` candidates up front, so adding never reallocates.
    public init(capacity: Int) {
        slot = IntMap<Int>(capacity: capacity)
        items.reserveCapacity(capacity)
        provenance.reserveCapacity(capacity)
        // Direct calls: a loop over key paths instantiated them on every request.
        categoryScore.reserveCapacity(capacity)
        cfScore.reserveCapacity(capacity)
        historyScore.reserveCapacity(capacity)
        userKNNScore.reserveCapacity(capacity)
        alsScore.reserveCapacity(capacity)
        bprScore.reserveCapacity(capacity)
    }

    public var count: Int { items.count }

    /// The slot of `item`, adding it when new.
    @discardableResult
    public mutating func add(_ item: Int32, from source: Provenance) -> Int {
        if let s = slot[item] {
            provenance[s].formUnion(source)
            return s
        }
        let s = items.count
        slot[item] = s
        items.append(item)
        provenance.append(source)
        categoryScore.append(0)
        cfScore.append(0)
        historyScore.append(0)
        userKNNScore.append(0)
        alsScore.append(0)
        bprScore.append(0)
        return s
    }

    /// Adds `item` with a category score, keeping the higher one when it is already in.
    public mutating func add(_ item: Int32, from source: Provenance, categoryScore score: Float) {
        let s = add(item, from: source)
        if score > categoryScore[s] { categoryScore[s] = score }
    }

    public func contains(_ item: Int32) -> Bool { slot[item] != nil }

    /// The candidates that at least one of `sources` proposed: what a
    /// pipeline with only those generators would have produced (each
    /// generator's list does not depend on the others). Item-CF and history
    /// scores are computed for every candidate whatever its source, so they
    /// stay; the other scores exist only when their generator runs.
    public func restricted(to sources: Provenance) -> CandidateSet {
        var out = CandidateSet()
        for k in 0..<count where !provenance[k].intersection(sources).isEmpty {
            let s = out.add(items[k], from: provenance[k].intersection(sources))
            out.categoryScore[s] = sources.contains(.category) ? categoryScore[k] : 0
            out.cfScore[s] = cfScore[k]
            out.historyScore[s] = historyScore[k]
            out.userKNNScore[s] = sources.contains(.userKNN) ? userKNNScore[k] : 0
            out.alsScore[s] = sources.contains(.als) ? alsScore[k] : 0
            out.bprScore[s] = sources.contains(.bpr) ? bprScore[k] : 0
        }
        return out
    }
}

/// One interface for every candidate source, so the pipeline and the
/// evaluation never ask which one they hold.
public protocol CandidateGenerator: Sendable {
    var name: String { get }
    var provenance: Provenance { get }
    /// Adds up to `limit` scored candidates for `user` at `time`.
    func generate(for user: UserState, at time: Int64, limit: Int, into set: inout CandidateSet)
}
