import Candidates
import Foundation

/// (user state, candidate set, request time) → one sparse feature row per
/// candidate. Pure function of its inputs: training, evaluation and the
/// server call the same code.
public struct FeatureBuilder: Sendable {
    public let schema: FeatureSchema
    public let stats: ItemStats
    public let config: RecsysConfig
    /// Column of each dense category, or the "other" column.
    private let categoryColumn: [Int32]
    private let otherColumn: Int32
    private let firstCategoryColumn: Int

    public init(schema: FeatureSchema, stats: ItemStats, config: RecsysConfig, categoryCount: Int) {
        self.schema = schema
        self.stats = stats
        self.config = config
        firstCategoryColumn = schema.count - schema.categoryVocabulary.count - 1
        otherColumn = Int32(schema.count - 1)
        var columns = [Int32](repeating: Int32(schema.count - 1), count: max(categoryCount, 0))
        for (k, c) in schema.categoryVocabulary.enumerated() where Int(c) < columns.count {
            columns[Int(c)] = Int32(firstCategoryColumn + k)
        }
        categoryColumn = columns
    }

    /// What the user did with each item of their history.
    struct Touch {
        var views = 0
        var carted = false
        var bought = false
        var last: Int64 = .min
    }

    /// `time` sets the hour and weekday; `recencyAt` (default `time`) is what
    /// interaction ages are measured from.
    public func build(
        user: UserState, candidates: CandidateSet, at time: Int64, recencyAt: Int64? = nil, into rows: inout SparseRows
    ) {
        emit(user: user, candidates: candidates, at: time, recencyAt: recencyAt, parts: .all, into: &rows)
    }

    /// Which features `emit` writes: the serving scorer adds the request
    /// and item parts as precomputed sums instead.
    public struct Parts: OptionSet, Sendable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// Hour and weekday: the same for every candidate of a request.
        public static let request = Parts(rawValue: 1)
        /// Facts of the item alone (popularity, availability, conversion, category).
        public static let item = Parts(rawValue: 2)
        /// Everything that depends on the user and the candidate together.
        public static let pair = Parts(rawValue: 4)
        public static let all: Parts = [.request, .item, .pair]
    }

    /// The one place feature values are computed, for any sink.
    public func emit<Sink: FeatureSink>(
        user: UserState, candidates: CandidateSet, at time: Int64, recencyAt: Int64?, parts: Parts,
        into rows: inout Sink
    ) {
        let now = recencyAt ?? time
        let on = Set(schema.enabled)
        let useCF = on.contains(.cf) && parts.contains(.pair)
        let usePopularity = on.contains(.popularity)
        let useHistory = on.contains(.history) && parts.contains(.pair)
        let useContext = on.contains(.context)
        let useProvenance = on.contains(.provenance) && parts.contains(.pair)
        let usePair = parts.contains(.pair)
        let useItem = parts.contains(.item)
        // Per-request constants first; the loop below runs for every candidate.
        var touches = IntMap<Touch>(capacity: useHistory ? user.count : 1)
        if useHistory {
            for k in 0..<user.count {
                var t = touches[user.items[k]] ?? Touch()
                switch user.kinds[k] {
                case 0: t.views += 1
                case 1: t.carted = true
                default: t.bought = true
                }
                t.last = max(t.last, user.times[k])
                touches[user.items[k]] = t
            }
        }
        let lastItem = user.items.last ?? -1
        let affinity = usePair && useContext ? user.categoryAffinity(at: now, config: config) : []
        let recentCategory = user.recentCategory
        for c in 0..<candidates.count {
            let item = Int(candidates.items[c])
            let p = candidates.provenance[c]
            if parts.contains(.request) { emitRequest(at: time, on: on, into: &rows) }
            var col = 9
            if useCF {
                let cf = Double(candidates.cfScore[c])
                rows.put(col, log1p(cf * 10))
                rows.put(col + 1, cf > 0 ? 1 : 0)
            }
            col += 2
            if usePopularity && usePair { rows.put(col + 1, Double(candidates.categoryScore[c])) }
            col += 2
            if useHistory, candidates.historyScore[c] > 0 || p.contains(.history), let t = touches[Int32(item)] {
                rows.put(col, log1p(Double(t.views)))
                rows.put(col + 1, t.carted ? 1 : 0)
                rows.put(col + 2, t.bought ? 1 : 0)
                rows.put(col + 3, config.decay(ageMs: now - t.last))
                rows.put(col + 4, log1p(Double(candidates.historyScore[c])))
                rows.put(col + 5, Int32(item) == lastItem ? 1 : 0)
            }
            col += 6
            if useContext && usePair {
                let category = stats.category[item]
                rows.put(col, category >= 0 && category == recentCategory ? 1 : 0)
                if category >= 0, let rank = affinity.firstIndex(where: { $0.category == category }) {
                    rows.put(col + 1, affinity[rank].share)
                    rows.put(col + 2, 1 / Double(rank + 1))
                }
            }
            col += 5
            if useProvenance {
                rows.put(col, p.contains(.category) ? 1 : 0)
                rows.put(col + 1, p.contains(.itemCF) ? 1 : 0)
                rows.put(col + 2, p.contains(.history) ? 1 : 0)
            }
            if useItem { emitItem(item, on: on, into: &rows) }
            rows.endRow()
        }
    }

    /// Hour (cyclic) and weekday (one-hot), columns 0…8.
    func emitRequest<Sink: FeatureSink>(at time: Int64, on: Set<FeatureGroup>, into rows: inout Sink) {
        guard on.contains(.time) else { return }
        let hour = Double((time / 3_600_000) % 24) + Double(time % 3_600_000) / 3_600_000
        rows.put(0, sin(hour / 24 * 2 * .pi))
        rows.put(1, cos(hour / 24 * 2 * .pi))
        rows.put(2 + Int((time / 86_400_000 + 3) % 7), 1)
    }

    /// Features of the item alone.
    func emitItem<Sink: FeatureSink>(_ item: Int, on: Set<FeatureGroup>, into rows: inout Sink) {
        if on.contains(.popularity) { rows.put(11, log1p(Double(stats.popularity[item]))) }
        if on.contains(.context) {
            rows.put(22, stats.available[item] == 1 ? 1 : 0)
            rows.put(23, stats.available[item] < 0 ? 1 : 0)
        }
        if on.contains(.conversion) {
            rows.put(27, log(stats.conversion(item)))
            rows.put(28, log1p(Double(stats.carts[item] + stats.purchases[item])))
        }
        if on.contains(.category) {
            let category = Int(stats.category[item])
            let column = category >= 0 && category < categoryColumn.count ? categoryColumn[category] : otherColumn
            rows.put(Int(column), 1)
        }
    }

    /// w·x of the request features alone.
    public func requestScore(at time: Int64, weights: [Double]) -> Double {
        var sink = LinearSink(weights: weights)
        emitRequest(at: time, on: Set(schema.enabled), into: &sink)
        return sink.z
    }

    /// w·x of each item's own features, computed once per loaded model.
    public func itemScores(weights: [Double]) -> [Double] {
        let on = Set(schema.enabled)
        return (0..<stats.count).map { item in
            var sink = LinearSink(weights: weights)
            emitItem(item, on: on, into: &sink)
            return sink.z
        }
    }
}

/// Receives feature values column by column, row by row.
public protocol FeatureSink {
    mutating func put(_ column: Int, _ value: Double)
    mutating func endRow()
}

extension SparseRows: FeatureSink {}

/// Sums w·x of one row (ignores row ends).
public struct LinearSink: FeatureSink {
    public let weights: [Double]
    public var z = 0.0
    public init(weights: [Double]) { self.weights = weights }
    @inline(__always) public mutating func put(_ column: Int, _ value: Double) { z += weights[column] * value }
    public mutating func endRow() {}
}

/// w·x per row, for scoring candidates without materialising the rows.
public struct RowScoreSink: FeatureSink {
    public let weights: [Double]
    public var scores: [Double] = []
    private var z = 0.0
    public init(weights: [Double], capacity: Int) {
        self.weights = weights
        scores.reserveCapacity(capacity)
    }
    @inline(__always) public mutating func put(_ column: Int, _ value: Double) { z += weights[column] * value }
    public mutating func endRow() {
        scores.append(z)
        z = 0
    }
}
