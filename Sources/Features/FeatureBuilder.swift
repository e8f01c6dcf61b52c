import Candidates
import Foundation
import RecsysCore

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
    private let col: Columns
    /// `schema.enabled`, checked without hashing on every request.
    private let on: EnabledGroups
    /// Per column: the index of its bins in `schema.bins`, or -1.
    private let binsOf: [Int32]
    /// `schema.bins`, and the column of each one's first bin.
    private let bins: [FeatureBins]
    private let binFirstColumn: [Int]

    /// Column of every named feature, resolved once from the schema.
    struct Columns {
        let hourSin, hourCos, weekday0: Int
        let cfLog, cfPresent: Int
        let itemPopularity, categoryScore, categoryScoreLog: Int
        let views, carted, bought, recency, historyScore, lastItem, recencyRank, eventsSince: Int
        let sameCategory, categoryShare, categoryRank, available, availabilityUnknown: Int
        let fromCategory, fromCF, fromHistory: Int
        let conversion, carts: Int
        let crossCartedRecency, crossBoughtRecency, crossLastItemViews, crossCFSameCategory: Int
        let crossHistoryConversion, crossCategorySharePopularity: Int
        let rankCategory, rankCF, rankHistory: Int

        init(_ s: FeatureSchema) {
            func c(_ name: String) -> Int { s.index(of: name)! }
            // Columns of the optional groups: used only when their group is on.
            func optional(_ name: String) -> Int { s.index(of: name) ?? -1 }
            hourSin = c("hour_sin")
            hourCos = c("hour_cos")
            weekday0 = c("weekday_mon")
            cfLog = c("cf_score_log")
            cfPresent = c("cf_present")
            itemPopularity = c("item_popularity_log")
            categoryScore = c("category_popularity_score")
            categoryScoreLog = c("category_popularity_score_log")
            views = c("history_views_log")
            carted = c("history_carted")
            bought = c("history_bought")
            recency = c("history_recency")
            historyScore = c("history_score_log")
            lastItem = c("history_is_last_item")
            recencyRank = c("history_recency_rank_inverse")
            eventsSince = c("history_events_since_log")
            sameCategory = c("same_category_as_recent")
            categoryShare = c("user_category_share")
            categoryRank = c("user_category_rank_inverse")
            available = c("available")
            availabilityUnknown = c("availability_unknown")
            fromCategory = c("from_category")
            fromCF = c("from_cf")
            fromHistory = c("from_history")
            conversion = c("item_conversion_log")
            carts = c("item_carts_log")
            crossCartedRecency = optional("cross_carted_recency")
            crossBoughtRecency = optional("cross_bought_recency")
            crossLastItemViews = optional("cross_last_item_views")
            crossCFSameCategory = optional("cross_cf_same_category")
            crossHistoryConversion = optional("cross_history_conversion")
            crossCategorySharePopularity = optional("cross_category_share_popularity")
            rankCategory = optional("rank_category_inverse")
            rankCF = optional("rank_cf_inverse")
            rankHistory = optional("rank_history_inverse")
        }
    }

    /// Where the built-in generators' scores sit in a candidate set; -1 when absent.
    private let categorySlot, cfSlot, historySlot: Int
    private let fromCategory, fromCF, fromHistory: Provenance
    /// The score columns of the generators that add one (the `models` group), in column order.
    private let modelColumns: [ModelColumnUse]

    struct ModelColumnUse {
        let slot: Int
        let score: Int
        let from: Int
        let bit: Provenance
        let transform: ScoreTransform
    }

    /// - Parameters:
    ///   - schema: the columns (and enabled groups) to fill.
    ///   - stats: item facts as of the request (or the training window's cutoff).
    ///   - categoryCount: dense categories in the model.
    ///   - layout: the generators behind the candidate sets this builder reads.
    public init(
        schema: FeatureSchema, stats: ItemStats, config: RecsysConfig, categoryCount: Int, layout: CandidateLayout
    ) {
        self.schema = schema
        categorySlot = layout.slot("category")
        cfSlot = layout.slot("itemcf")
        historySlot = layout.slot("history")
        fromCategory = .slot(categorySlot)
        fromCF = .slot(cfSlot)
        fromHistory = .slot(historySlot)
        modelColumns = layout.names.indices.compactMap { slot in
            guard let name = layout.scoreColumns[slot], let score = schema.index(of: name),
                let from = schema.index(of: "from_\(layout.names[slot])")
            else { return nil }
            return ModelColumnUse(
                slot: slot, score: score, from: from, bit: .slot(slot), transform: layout.transforms[slot])
        }.sorted { $0.score < $1.score }
        self.stats = stats
        self.config = config
        // The category one-hots end with "other"; the bins (if any) follow them.
        let other = schema.index(of: "category_other")!
        firstCategoryColumn = other - schema.categoryVocabulary.count
        otherColumn = Int32(other)
        var columns = [Int32](repeating: otherColumn, count: max(categoryCount, 0))
        for (k, c) in schema.categoryVocabulary.enumerated() where Int(c) < columns.count {
            columns[Int(c)] = Int32(firstCategoryColumn + k)
        }
        categoryColumn = columns
        col = Columns(schema)
        // An optional group is on only where the schema has its columns.
        on = EnabledGroups(
            schema.enabled.filter { !FeatureGroup.optional.contains($0) || $0 == .shape || schema.groups.contains($0) })
        var binsOf = [Int32](repeating: -1, count: schema.count)
        var first = schema.count - schema.bins.reduce(0) { $0 + $1.binCount }
        var firsts: [Int] = []
        for (b, bins) in schema.bins.enumerated() {
            if on.contains(.shape), let source = schema.index(of: bins.source) { binsOf[source] = Int32(b) }
            firsts.append(first)
            first += bins.binCount
        }
        self.binsOf = binsOf
        bins = schema.bins
        binFirstColumn = firsts
    }

    /// Writes a value and, when its column is binned, the one-hot of its bin.
    @inline(__always)
    private func put<Sink: FeatureSink>(_ rows: inout Sink, _ column: Int, _ value: Double) {
        rows.put(column, value)
        let b = Int(binsOf[column])
        guard b >= 0 && value != 0 else { return }
        rows.put(binFirstColumn[b] + bins[b].bin(of: value), 1)
    }

    /// A set of feature groups as bits.
    struct EnabledGroups {
        private let bits: UInt32
        init(_ groups: [FeatureGroup]) { bits = groups.reduce(0) { $0 | Self.bit($1) } }
        func contains(_ group: FeatureGroup) -> Bool { bits & Self.bit(group) != 0 }
        private static func bit(_ group: FeatureGroup) -> UInt32 {
            1 << UInt32(FeatureGroup.allCases.firstIndex(of: group)!)
        }
    }

    /// What the user did with each item of their history.
    struct Touch {
        var views = 0
        var carted = false
        var bought = false
        var last: Int64 = .min
        /// Index of the last touch in the history (oldest = 0).
        var lastIndex = 0
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
    /// `categoryOverride` (dense item → dense category) replaces the model's category of moved items in the
    /// pair features (serving only; training sees the model's).
    public func emit<Sink: FeatureSink>(
        user: UserState, candidates: CandidateSet, at time: Int64, recencyAt: Int64?, parts: Parts,
        into rows: inout Sink, categoryOverride: [Int32: Int32] = [:]
    ) {
        let now = recencyAt ?? time
        let useCF = on.contains(.cf) && parts.contains(.pair)
        let usePopularity = on.contains(.popularity)
        let useHistory = on.contains(.history) && parts.contains(.pair)
        let useContext = on.contains(.context)
        let useProvenance = on.contains(.provenance) && parts.contains(.pair)
        let usePair = parts.contains(.pair)
        let useModels = on.contains(.models) && usePair
        let useItem = parts.contains(.item)
        let useCrosses = on.contains(.crosses) && usePair
        let needTouches = (useHistory || useCrosses) && usePair
        let needCategories = (useContext || useCrosses) && usePair
        // Per-request constants first; the loop below runs for every candidate.
        var touches = IntMap<Touch>(capacity: needTouches ? user.count : 1)
        if needTouches {
            for k in 0..<user.count {
                var t = touches[user.items[k]] ?? Touch()
                switch user.kinds[k] {
                case 0: t.views += 1
                case 1: t.carted = true
                default: t.bought = true
                }
                t.last = max(t.last, user.times[k])
                t.lastIndex = k
                touches[user.items[k]] = t
            }
        }
        // Rank of each touched item by its last touch (most recent = 1).
        var recencyRank = IntMap<Int>(capacity: useHistory ? user.count : 1)
        if useHistory {
            var rank = 0
            for k in stride(from: user.count - 1, through: 0, by: -1) where recencyRank[user.items[k]] == nil {
                rank += 1
                recencyRank[user.items[k]] = rank
            }
        }
        let lastItem = user.items.last ?? -1
        let affinity = needCategories ? user.categoryAffinity(at: now, config: config) : []
        let recentCategory = user.recentCategory
        // Gathered in one tight loop first: the scattered loads then overlap
        // instead of each stalling the long loop body below.
        var candidateCategory = needCategories ? candidates.items.map { stats.category[Int($0)] } : []
        if needCategories && !categoryOverride.isEmpty {
            for c in candidateCategory.indices {
                if let moved = categoryOverride[candidates.items[c]] { candidateCategory[c] = moved }
            }
        }
        // A built-in generator the model lacks scores 0 (its slot is -1).
        @inline(__always) func slotScore(_ slot: Int, _ c: Int) -> Float {
            slot >= 0 ? candidates[slot: slot, candidate: c] : 0
        }
        let useRanks = on.contains(.ranks) && usePair
        let categoryRanks = useRanks ? Self.inverseRanks(candidates, slot: categorySlot) : []
        let cfRanks = useRanks ? Self.inverseRanks(candidates, slot: cfSlot) : []
        let historyRanks = useRanks ? Self.inverseRanks(candidates, slot: historySlot) : []
        for c in 0..<candidates.count {
            let item = Int(candidates.items[c])
            let p = candidates.provenance[c]
            if useRanks {
                if !categoryRanks.isEmpty { put(&rows, col.rankCategory, categoryRanks[c]) }
                if !cfRanks.isEmpty { put(&rows, col.rankCF, cfRanks[c]) }
                if !historyRanks.isEmpty { put(&rows, col.rankHistory, historyRanks[c]) }
            }
            if parts.contains(.request) { emitRequest(at: time, into: &rows) }
            let cf = Double(slotScore(cfSlot, c))
            // Most candidates have no score: skip the transcendental (log1p(0) is exactly 0).
            let cfLog = cf > 0 ? log1p(cf * 10) : 0
            if useCF {
                put(&rows, col.cfLog, cfLog)
                put(&rows, col.cfPresent, cf > 0 ? 1 : 0)
            }
            let categoryScore = Double(slotScore(categorySlot, c))
            if usePopularity && usePair {
                put(&rows, col.categoryScore, categoryScore)
                put(&rows, col.categoryScoreLog, categoryScore > 0 ? log(categoryScore) + 10 : 0)
            }
            let historyScore = slotScore(historySlot, c)
            let touch =
                needTouches && (historyScore > 0 || p.overlaps(fromHistory)) ? touches[Int32(item)] : nil
            let recency = touch.map { config.decay(ageMs: now - $0.last) } ?? 0
            if useHistory, let t = touch {
                put(&rows, col.views, log1p(Double(t.views)))
                put(&rows, col.carted, t.carted ? 1 : 0)
                put(&rows, col.bought, t.bought ? 1 : 0)
                put(&rows, col.recency, recency)
                put(&rows, col.historyScore, log1p(Double(historyScore)))
                put(&rows, col.lastItem, Int32(item) == lastItem ? 1 : 0)
                put(&rows, col.recencyRank, 1 / Double(recencyRank[Int32(item)] ?? user.count))
                put(&rows, col.eventsSince, 1 + log1p(Double(user.count - 1 - t.lastIndex)))
            }
            let category = needCategories ? candidateCategory[c] : -1
            let sameCategory = category >= 0 && category == recentCategory
            var categoryShare = 0.0
            if needCategories, category >= 0, let rank = affinity.firstIndex(where: { $0.category == category }) {
                categoryShare = affinity[rank].share
                if useContext { put(&rows, col.categoryRank, 1 / Double(rank + 1)) }
            }
            if useContext && usePair {
                put(&rows, col.sameCategory, sameCategory ? 1 : 0)
                put(&rows, col.categoryShare, categoryShare)
            }
            if useCrosses {
                // The same signal means something else for an item the visitor
                // already carted, for their last item, or within their category.
                if let t = touch {
                    put(&rows, col.crossCartedRecency, t.carted ? recency : 0)
                    put(&rows, col.crossBoughtRecency, t.bought ? recency : 0)
                    put(&rows, col.crossLastItemViews, Int32(item) == lastItem ? log1p(Double(t.views)) : 0)
                    put(&rows, col.crossHistoryConversion, log(stats.conversion(item)))
                }
                put(&rows, col.crossCFSameCategory, sameCategory ? cfLog : 0)
                put(&rows, col.crossCategorySharePopularity, categoryShare * categoryScore)
            }
            if useProvenance {
                put(&rows, col.fromCategory, p.overlaps(fromCategory) ? 1 : 0)
                put(&rows, col.fromCF, p.overlaps(fromCF) ? 1 : 0)
                put(&rows, col.fromHistory, p.overlaps(fromHistory) ? 1 : 0)
            }
            if useModels {
                for m in modelColumns {
                    put(&rows, m.score, m.transform.apply(Double(candidates[slot: m.slot, candidate: c])))
                    put(&rows, m.from, p.overlaps(m.bit) ? 1 : 0)
                }
            }
            if useItem { emitItem(item, into: &rows) }
            rows.endRow()
        }
    }

    /// 1 / (1 + rank) of each candidate by the slot's score among the
    /// candidates it scores (best = 1, ties by item id); 0 where it scores
    /// none. Empty when the model lacks the generator.
    static func inverseRanks(_ candidates: CandidateSet, slot: Int) -> [Double] {
        guard slot >= 0 else { return [] }
        var out = [Double](repeating: 0, count: candidates.count)
        var scored: [(score: Float, item: Int32, index: Int32)] = []
        scored.reserveCapacity(candidates.count)
        for c in 0..<candidates.count {
            let s = candidates[slot: slot, candidate: c]
            if s > 0 { scored.append((s, candidates.items[c], Int32(c))) }
        }
        scored.sort { $0.score != $1.score ? $0.score > $1.score : $0.item < $1.item }
        for (rank, e) in scored.enumerated() { out[Int(e.index)] = 1 / Double(1 + rank) }
        return out
    }

    /// Hour (cyclic) and weekday (one-hot), columns 0…8.
    func emitRequest<Sink: FeatureSink>(at time: Int64, into rows: inout Sink) {
        guard on.contains(.time) else { return }
        let hour = Double((time / 3_600_000) % 24) + Double(time % 3_600_000) / 3_600_000
        put(&rows, col.hourSin, sin(hour / 24 * 2 * .pi))
        put(&rows, col.hourCos, cos(hour / 24 * 2 * .pi))
        put(&rows, col.weekday0 + EventTime.weekday(time), 1)
    }

    /// Features of the item alone.
    func emitItem<Sink: FeatureSink>(_ item: Int, into rows: inout Sink) {
        if on.contains(.popularity) { put(&rows, col.itemPopularity, log1p(Double(stats.popularity[item]))) }
        if on.contains(.context) {
            put(&rows, col.available, stats.available[item] == 1 ? 1 : 0)
            put(&rows, col.availabilityUnknown, stats.available[item] < 0 ? 1 : 0)
        }
        if on.contains(.conversion) {
            put(&rows, col.conversion, log(stats.conversion(item)))
            put(&rows, col.carts, log1p(Double(stats.carts[item] + stats.purchases[item])))
        }
        if on.contains(.category) {
            let category = Int(stats.category[item])
            let column = category >= 0 && category < categoryColumn.count ? categoryColumn[category] : otherColumn
            put(&rows, Int(column), 1)
        }
    }

    /// w·x of the pair features of every candidate (the serving hot path;
    /// concrete here so the compiler specialises `emit` for it).
    public func pairScores(
        user: UserState, candidates: CandidateSet, at time: Int64, recencyAt: Int64, weights: [Double],
        categoryOverride: [Int32: Int32] = [:]
    ) -> [Double] {
        var sink = RowScoreSink(weights: weights, capacity: candidates.count)
        emit(
            user: user, candidates: candidates, at: time, recencyAt: recencyAt, parts: .pair, into: &sink,
            categoryOverride: categoryOverride)
        return sink.scores
    }

    /// What moving an item from category `old` to `new` changes in w·x of its own features: the weight of
    /// its category column (0 when the model has no category group).
    public func categoryWeightChange(from old: Int, to new: Int, weights: [Double]) -> Double {
        guard on.contains(.category) else { return 0 }
        func weight(_ category: Int) -> Double {
            let column = Int(
                category >= 0 && category < categoryColumn.count ? categoryColumn[category] : otherColumn)
            return column < weights.count ? weights[column] : 0
        }
        return weight(new) - weight(old)
    }

    /// What a live availability changes in w·x of the item's own features: its `available` and
    /// `availability_unknown` columns (`old` as the model stores it: 1, 0, or -1 unknown).
    public func availabilityWeightChange(from old: Int8, to available: Bool, weights: [Double]) -> Double {
        guard on.contains(.context) else { return 0 }
        func weight(_ column: Int) -> Double { column >= 0 && column < weights.count ? weights[column] : 0 }
        let availableChange = (available ? 1.0 : 0) - (old == 1 ? 1 : 0)
        let unknownChange = 0 - (old < 0 ? 1.0 : 0)
        return availableChange * weight(col.available) + unknownChange * weight(col.availabilityUnknown)
    }

    /// w·x of the request features alone.
    public func requestScore(at time: Int64, weights: [Double]) -> Double {
        var sink = LinearSink(weights: weights)
        emitRequest(at: time, into: &sink)
        return sink.z
    }

    /// w·x of each item's own features, computed once per loaded model.
    public func itemScores(weights: [Double]) -> [Double] {
        (0..<stats.count).map { item in
            var sink = LinearSink(weights: weights)
            emitItem(item, into: &sink)
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
