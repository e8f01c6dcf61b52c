import Candidates
import Dataset
import Features
import Foundation
import Ranker
import RecsysCore

/// Descriptive facts about a model, stored as JSON in the model file.
public struct ModelMetadata: Codable, Sendable {
    public var modelVersion: String
    public var createdAt: Date
    /// FNV-1a of the training log columns and the configuration, hex.
    public var fingerprint: String
    /// Events at or after this time were not seen (unix ms).
    public var referenceTime: Int64
    public var config: RecsysConfig
    public var schema: FeatureSchema
    public var generators: [String]
    /// Generators built and saved only as lookup tables (for `discover` and
    /// similar items): they do not propose to the ranker. nil in models
    /// written before lookups existed.
    public var lookups: [String]?
    public var training: TrainingSummary?
    public var counts: Counts

    public struct Counts: Codable, Sendable {
        public var users: Int
        public var items: Int
        public var categories: Int
        public var events: Int
        public var neighbourPairs: Int
    }
}

/// Everything the server needs in memory: id maps, per-item facts, user
/// histories, the candidate generators and the ranker. Immutable once built.
public struct ModelArtifacts: Sendable {
    public var metadata: ModelMetadata
    public var userRaw: [Int]
    public var itemRaw: [Int]
    public var categoryRaw: [Int]
    public var stats: ItemStats
    public var histories: UserHistories
    /// The fallback list: most popular available items.
    public var popular: [Int32]
    public var ranker: LogisticRegression
    /// Every generator built for this model, in registry order: the
    /// model's own set (`metadata.generators`), or more while the offline
    /// evaluation compares subsets of one build.
    public var generators: [any CandidateGenerator]
    public var registry: GeneratorRegistry

    public init(
        metadata: ModelMetadata, userRaw: [Int], itemRaw: [Int], categoryRaw: [Int], stats: ItemStats,
        histories: UserHistories, popular: [Int32], ranker: LogisticRegression, generators: [any CandidateGenerator],
        registry: GeneratorRegistry = .standard
    ) {
        self.metadata = metadata
        self.userRaw = userRaw
        self.itemRaw = itemRaw
        self.categoryRaw = categoryRaw
        self.stats = stats
        self.histories = histories
        self.popular = popular
        self.ranker = ranker
        self.generators = generators
        self.registry = registry
    }

    /// The slots of the generators built here.
    public var layout: CandidateLayout { CandidateLayout(names: generators.map(\.name), registry: registry) }

    /// The generator named `name`, when built.
    public func generator(_ name: String) -> (any CandidateGenerator)? { generators.first { $0.name == name } }

    /// The score columns the ranker gets for `names` (the generators that add one).
    public static func modelColumns(_ names: [String], registry: GeneratorRegistry) -> [ModelColumn] {
        registry.ordered(names).compactMap { name in
            registry[name]?.role.scoreColumn.map { ModelColumn(generator: name, scoreColumn: $0) }
        }
    }

    /// Builds everything but the ranker from the events before `reference`,
    /// with the structures of `generators` (the factor models are fitted here).
    /// - Parameters:
    ///   - generators: names from `registry`; unknown names are dropped.
    ///   - lookups: generators built as well but only as lookup tables, not
    ///     proposing (default: the registry's `defaultLookups`).
    ///   - features: the ranker's feature groups (the optional ones add columns).
    ///   - threads: cores the builds may use.
    ///   - users: when set (a training window), the artifacts answer only these visitors: only their
    ///     histories are kept, the generators with item rows (item-CF, co-visitation, content) build rows only
    ///     for the items in those histories, and no fingerprint is hashed.
    public static func build(
        dataset: Dataset, log: InteractionLog, reference: Int64, config: RecsysConfig,
        generators: [String] = GeneratorRegistry.standard.defaults, lookups: [String]? = nil,
        features: [FeatureGroup] = FeatureGroup.standard, registry: GeneratorRegistry = .standard, threads: Int = 2,
        onlyFor users: [Int]? = nil
    ) -> ModelArtifacts {
        let names = registry.ordered(generators)
        let lookupNames = registry.ordered(lookups ?? registry.defaultLookups).filter { !names.contains($0) }
        let stats = ItemStats(log: log, dataset: dataset, reference: reference, config: config)
        let histories = UserHistories(log: log, dataset: dataset, historyLength: config.historyLength, only: users)
        let vocabulary = categoryVocabulary(log: log, stats: stats, size: config.categoryVocabulary)
        let schema = FeatureSchema(
            categoryVocabulary: vocabulary, categoryVocabularyRaw: vocabulary.map { dataset.tree.ids.raw[Int($0)] },
            models: modelColumns(names, registry: registry), enabled: features)
        let context = GeneratorBuildContext(
            dataset: dataset, log: log, reference: reference, config: config, stats: stats,
            histories: users == nil ? histories : nil,
            threads: threads, seedItems: users.map { seedItems(of: $0, in: histories, itemCount: dataset.itemCount) })
        let built = registry.ordered(names + lookupNames).map { registry[$0]!.build(context) }
        let neighbourPairs = (built.first { $0.name == "itemcf" } as? ItemCF)?.neighbours.neighbour.count ?? 0
        let metadata = ModelMetadata(
            // Artifacts for some visitors only (a training window) are never saved: no fingerprint to hash.
            modelVersion: "", createdAt: Date(), fingerprint: users == nil ? fingerprint(log: log, config: config) : "",
            referenceTime: reference, config: config, schema: schema, generators: names,
            lookups: lookupNames.isEmpty ? nil : lookupNames, training: nil,
            counts: .init(
                users: dataset.userCount, items: dataset.itemCount, categories: dataset.categoryCount,
                events: log.count, neighbourPairs: neighbourPairs))
        return ModelArtifacts(
            metadata: metadata, userRaw: dataset.visitors.raw, itemRaw: dataset.items.raw,
            categoryRaw: dataset.tree.ids.raw, stats: stats, histories: histories,
            popular: stats.topItems(config.popularListLength),
            ranker: LogisticRegression(weights: [Double](repeating: 0, count: schema.count), intercept: 0),
            generators: built, registry: registry)
    }

    /// The items in the kept histories of `users`: every item a generator can be seeded with for them.
    static func seedItems(of users: [Int], in histories: UserHistories, itemCount: Int) -> [Bool] {
        var seeds = [Bool](repeating: false, count: itemCount)
        for u in users {
            for k in Int(histories.start[u])..<Int(histories.start[u + 1]) { seeds[Int(histories.item[k])] = true }
        }
        return seeds
    }

    /// The categories with the most events get their own one-hot column.
    static func categoryVocabulary(log: InteractionLog, stats: ItemStats, size: Int) -> [Int32] {
        // Dense category ids: an array counts faster than a dictionary (27 M events at 10 ×).
        var counts = [Int](repeating: 0, count: Int(stats.category.max() ?? -1) + 1)
        for e in 0..<log.count {
            let c = Int(stats.category[Int(log.item[e])])
            if c >= 0 { counts[c] += 1 }
        }
        let used = counts.indices.filter { counts[$0] > 0 }
        return used.sorted { counts[$0] != counts[$1] ? counts[$0] > counts[$1] : $0 < $1 }.prefix(size).map {
            Int32($0)
        }
    }

    static func fingerprint(log: InteractionLog, config: RecsysConfig) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix<T>(_ array: [T]) {
            array.withUnsafeBytes { bytes in
                for b in bytes {
                    h ^= UInt64(b)
                    h = h &* 0x100_0000_01b3
                }
            }
        }
        mix(log.time)
        mix(log.user)
        mix(log.item)
        mix(log.kind)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        mix(Array((try? encoder.encode(config)) ?? Data()))
        return String(h, radix: 16)
    }
}
