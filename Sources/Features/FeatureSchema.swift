import RecsysCore

/// Groups of features, switched on and off together for the ablation.
public enum FeatureGroup: String, Codable, Sendable, CaseIterable {
    case time, category, cf, popularity, history, context, provenance, conversion
    /// Scores and provenance of the optional generators (user-kNN, ALS, BPR).
    case models
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

    public var count: Int { names.count }

    public init(
        categoryVocabulary: [Int32], categoryVocabularyRaw: [Int], models: [ModelColumn] = [],
        enabled: [FeatureGroup] = FeatureGroup.allCases
    ) {
        version = Self.currentVersion
        self.categoryVocabulary = categoryVocabulary
        self.categoryVocabularyRaw = categoryVocabularyRaw
        self.models = models.map(\.generator)
        self.enabled = enabled
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
        for m in models {
            add(m.scoreColumn, .models)
            add("from_\(m.generator)", .models)
        }
        for raw in categoryVocabularyRaw { add("category_\(raw)", .category) }
        add("category_other", .category)
        self.names = names
        self.groups = groups
    }

    public func index(of name: String) -> Int? { names.firstIndex(of: name) }

    public func isEnabled(_ g: FeatureGroup) -> Bool { enabled.contains(g) }
}
