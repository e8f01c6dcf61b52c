import RecsysCore

/// Groups of features, switched on and off together for the ablation.
public enum FeatureGroup: String, Codable, Sendable, CaseIterable {
    case time, category, cf, popularity, history, context, provenance, conversion
    /// Scores and provenance of the optional generators (user-kNN, ALS, BPR).
    case models
    /// One-hot quantile bins of the numeric features (`FeatureBins`), so the
    /// linear ranker can learn non-monotone shapes (recency, counts, scores).
    case shape
    /// Products of two features whose effect depends on each other.
    case crosses
    /// The candidate's rank in each built-in generator's list for this
    /// request: the ranker sees how a candidate compares with the visitor's
    /// other candidates, not only its absolute score.
    case ranks

    /// Groups a model uses unless told otherwise.
    public static let standard: [FeatureGroup] = allCases.filter { !optional.contains($0) }
    /// Groups added on request (`--features`): on the evaluation worlds
    /// none helped on every seed (docs/evaluation/README.md).
    public static let optional: [FeatureGroup] = [.shape, .crosses, .ranks]
}

/// Quantile bins of one numeric column, learned from the training pairs
/// (its non-zero values) and stored in the model. Bin k holds the values v
/// with edges[k-1] <= v < edges[k]; each bin is a 0/1 column of its own.
public struct FeatureBins: Codable, Sendable, Equatable {
    public var source: String
    public var edges: [Double]

    public init(source: String, edges: [Double]) {
        self.source = source
        self.edges = edges
    }

    public var binCount: Int { edges.count + 1 }

    /// The bin of a value: how many edges are at or below it.
    @inlinable
    public func bin(of value: Double) -> Int {
        var lo = 0
        var hi = edges.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if edges[mid] <= value { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    public func columnName(_ k: Int) -> String { "\(source)_q\(k)" }
}

/// A generator that adds its own score column (and a "proposed by" column).
public struct ModelColumn: Sendable, Equatable {
    public var generator: String
    public var scoreColumn: String
    public init(generator: String, scoreColumn: String) {
        self.generator = generator
        self.scoreColumn = scoreColumn
    }
}

/// The ranker's named, versioned feature layout. Stored in the model file so
/// a server never scores with columns it was not trained on.
public struct FeatureSchema: Codable, Sendable, Equatable {
    public static let currentVersion = "features-v4"

    /// The numeric columns that get quantile bins when a ranker is trained.
    public static let binnedSources = [
        "history_recency", "history_views_log", "history_recency_rank_inverse", "history_events_since_log",
        "history_score_log", "cf_score_log", "category_popularity_score", "item_popularity_log",
        "item_conversion_log", "item_carts_log", "user_category_share", "rank_category_inverse",
        "rank_cf_inverse",
    ]
    /// Bins per binned column (fewer when its values have fewer distinct quantiles).
    public static let binsPerSource = 8

    public var version: String
    public var names: [String]
    public var groups: [FeatureGroup]
    public var enabled: [FeatureGroup]
    /// Dense category ids with their own one-hot column, in column order.
    public var categoryVocabulary: [Int32]
    /// The raw (RetailRocket) ids of those categories, for people.
    public var categoryVocabularyRaw: [Int]
    /// Generators whose score and provenance are columns (the `models` group), in column order.
    public var models: [String]
    /// Quantile bins (the `shape` group), learned at training; their
    /// columns come last, in this order. Empty until a ranker is fitted.
    public var bins: [FeatureBins]

    public var count: Int { names.count }

    public init(
        categoryVocabulary: [Int32], categoryVocabularyRaw: [Int], models: [ModelColumn] = [],
        enabled: [FeatureGroup] = FeatureGroup.standard, bins: [FeatureBins] = []
    ) {
        version = Self.currentVersion
        self.categoryVocabulary = categoryVocabulary
        self.categoryVocabularyRaw = categoryVocabularyRaw
        self.models = models.map(\.generator)
        self.enabled = enabled
        self.bins = bins
        var names: [String] = []
        var groups: [FeatureGroup] = []
        func add(_ n: String, _ g: FeatureGroup) {
            names.append(n)
            groups.append(g)
        }
        add("hour_sin", .time)
        add("hour_cos", .time)
        for d in ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] { add("weekday_\(d)", .time) }
        add("cf_score_log", .cf)
        add("cf_present", .cf)
        add("item_popularity_log", .popularity)
        add("category_popularity_score", .popularity)
        add("category_popularity_score_log", .popularity)
        add("history_views_log", .history)
        add("history_carted", .history)
        add("history_bought", .history)
        add("history_recency", .history)
        add("history_score_log", .history)
        add("history_is_last_item", .history)
        add("history_recency_rank_inverse", .history)
        add("history_events_since_log", .history)
        add("same_category_as_recent", .context)
        add("user_category_share", .context)
        add("user_category_rank_inverse", .context)
        add("available", .context)
        add("availability_unknown", .context)
        add("from_category", .provenance)
        add("from_cf", .provenance)
        add("from_history", .provenance)
        add("item_conversion_log", .conversion)
        add("item_carts_log", .conversion)
        // The optional groups have columns only when used, so a model
        // without them keeps the columns older builds wrote.
        if enabled.contains(.crosses) {
            add("cross_carted_recency", .crosses)
            add("cross_bought_recency", .crosses)
            add("cross_last_item_views", .crosses)
            add("cross_cf_same_category", .crosses)
            add("cross_history_conversion", .crosses)
            add("cross_category_share_popularity", .crosses)
        }
        if enabled.contains(.ranks) {
            add("rank_category_inverse", .ranks)
            add("rank_cf_inverse", .ranks)
            add("rank_history_inverse", .ranks)
        }
        for m in models {
            add(m.scoreColumn, .models)
            add("from_\(m.generator)", .models)
        }
        for raw in categoryVocabularyRaw { add("category_\(raw)", .category) }
        add("category_other", .category)
        for b in bins {
            for k in 0..<b.binCount { add(b.columnName(k), .shape) }
        }
        self.names = names
        self.groups = groups
    }

    public func index(of name: String) -> Int? { names.firstIndex(of: name) }

    /// The same columns with `bins` learned from `rows` (built under this
    /// schema): per binned column, the quantiles of its non-zero values.
    public func withBins(learnedFrom rows: SparseRows, perSource: Int = FeatureSchema.binsPerSource) -> FeatureSchema {
        precondition(bins.isEmpty, "learn bins on a schema without them: bin columns come last")
        var values = [[Double]](repeating: [], count: count)
        let sources = Self.binnedSources.compactMap { index(of: $0) }
        var wanted = [Bool](repeating: false, count: count)
        for s in sources { wanted[s] = true }
        for e in rows.column.indices where wanted[Int(rows.column[e])] {
            let v = rows.value[e]
            if v.isFinite { values[Int(rows.column[e])].append(v) }
        }
        let learned: [FeatureBins] = sources.compactMap { s in
            let sorted = values[s].sorted()
            guard sorted.count >= perSource * 10 else { return nil }
            var edges: [Double] = []
            for k in 1..<perSource {
                let edge = sorted[sorted.count * k / perSource]
                if edge > (edges.last ?? sorted[0]) { edges.append(edge) }
            }
            return edges.isEmpty ? nil : FeatureBins(source: names[s], edges: edges)
        }
        return withBins(learned)
    }

    /// The same columns with `bins` in place of the current ones.
    public func withBins(_ bins: [FeatureBins]) -> FeatureSchema {
        FeatureSchema(
            categoryVocabulary: categoryVocabulary, categoryVocabularyRaw: categoryVocabularyRaw,
            models: zip(models, modelScoreColumns).map { ModelColumn(generator: $0, scoreColumn: $1) },
            enabled: enabled, bins: bins)
    }

    /// The score column of each of `models`, in order.
    var modelScoreColumns: [String] {
        models.map { m in
            let from = names.firstIndex(of: "from_\(m)")!
            return names[from - 1]
        }
    }

    public func isEnabled(_ g: FeatureGroup) -> Bool { enabled.contains(g) }

    enum CodingKeys: String, CodingKey {
        case version, names, groups, enabled, categoryVocabulary, categoryVocabularyRaw, models, bins
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        version = try c.decode(String.self, forKey: .version)
        names = try c.decode([String].self, forKey: .names)
        // A group a newer build added decodes as unknown; its columns then
        // differ from this build's and the model is refused as incompatible.
        groups = try c.decode([String].self, forKey: .groups).map { FeatureGroup(rawValue: $0) ?? .models }
        enabled = try c.decode([String].self, forKey: .enabled).compactMap(FeatureGroup.init(rawValue:))
        categoryVocabulary = try c.decode([Int32].self, forKey: .categoryVocabulary)
        categoryVocabularyRaw = try c.decode([Int].self, forKey: .categoryVocabularyRaw)
        models = try c.decode([String].self, forKey: .models)
        // Models written before the shape group have no bins.
        bins = try c.decodeIfPresent([FeatureBins].self, forKey: .bins) ?? []
    }
}
