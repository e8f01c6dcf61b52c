import Candidates
import Dataset
import Features
import Foundation

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

/// Everything the server needs in memory: id maps, per-item facts, candidate
/// structures, user histories and the ranker. Immutable once built.
public struct ModelArtifacts: Sendable {
    public var metadata: ModelMetadata
    public var userRaw: [Int]
    public var itemRaw: [Int]
    public var categoryRaw: [Int]
    public var stats: ItemStats
    public var categoryPopularity: CategoryPopularity
    public var neighbours: ItemNeighbours
    public var histories: UserHistories
    /// The fallback list: most popular available items.
    public var popular: [Int32]
    public var ranker: LogisticRegression
    /// The optional generators, present when the model was built with them.
    public var userKNN: UserKNN?
    public var als: FactorModel?
    public var bpr: FactorModel?

    public init(
        metadata: ModelMetadata, userRaw: [Int], itemRaw: [Int], categoryRaw: [Int], stats: ItemStats,
        categoryPopularity: CategoryPopularity, neighbours: ItemNeighbours, histories: UserHistories, popular: [Int32],
        ranker: LogisticRegression, userKNN: UserKNN? = nil, als: FactorModel? = nil, bpr: FactorModel? = nil
    ) {
        self.userKNN = userKNN
        self.als = als
        self.bpr = bpr
        self.metadata = metadata
        self.userRaw = userRaw
        self.itemRaw = itemRaw
        self.categoryRaw = categoryRaw
        self.stats = stats
        self.categoryPopularity = categoryPopularity
        self.neighbours = neighbours
        self.histories = histories
        self.popular = popular
        self.ranker = ranker
    }

    /// Builds everything but the ranker from the events before `reference`,
    /// with the structures of `generators` (the factor models are fitted here).
    public static func build(
        dataset: Dataset, log: InteractionLog, reference: Int64, config: RecsysConfig,
        generators: [GeneratorKind] = GeneratorKind.defaults, threads: Int = 2
    ) -> ModelArtifacts {
        let stats = ItemStats(log: log, dataset: dataset, reference: reference, config: config)
        let categoryPopularity = CategoryPopularity(stats: stats, tree: dataset.tree, config: config)
        let neighbours = ItemNeighbours.build(log: log, itemCount: dataset.itemCount, config: config, threads: threads)
        let histories = UserHistories(log: log, dataset: dataset, historyLength: config.historyLength)
        let vocabulary = categoryVocabulary(log: log, stats: stats, size: config.categoryVocabulary)
        let schema = FeatureSchema(
            categoryVocabulary: vocabulary, categoryVocabularyRaw: vocabulary.map { dataset.tree.ids.raw[Int($0)] },
            models: generators.compactMap(\.modelFeature))
        let needsMatrix = generators.contains(.als) || generators.contains(.bpr)
        let matrix =
            needsMatrix
            ? InteractionMatrix(log: log, itemCount: dataset.itemCount, kindWeight: config.kindWeight) : nil
        let als =
            generators.contains(.als) ? matrix.map { ImplicitALS.fit($0, options: config.als, threads: threads) } : nil
        let bpr = generators.contains(.bpr) ? matrix.map { BPR.fit($0, options: config.bpr) } : nil
        let userKNN =
            generators.contains(.userknn)
            ? UserKNN(histories: histories, itemCount: dataset.itemCount, config: config) : nil
        let metadata = ModelMetadata(
            modelVersion: "", createdAt: Date(), fingerprint: fingerprint(log: log, config: config),
            referenceTime: reference, config: config, schema: schema,
            generators: GeneratorKind.allCases.filter(generators.contains).map(\.rawValue),
            training: nil,
            counts: .init(
                users: dataset.userCount, items: dataset.itemCount, categories: dataset.categoryCount,
                events: log.count,
                neighbourPairs: neighbours.neighbour.count))
        return ModelArtifacts(
            metadata: metadata, userRaw: dataset.visitors.raw, itemRaw: dataset.items.raw,
            categoryRaw: dataset.tree.ids.raw, stats: stats, categoryPopularity: categoryPopularity,
            neighbours: neighbours, histories: histories, popular: stats.topItems(config.popularListLength),
            ranker: LogisticRegression(weights: [Double](repeating: 0, count: schema.count), intercept: 0),
            userKNN: userKNN, als: als, bpr: bpr)
    }

    /// The generators this model was built with, in pipeline order.
    public var generators: [GeneratorKind] { metadata.generators.compactMap(GeneratorKind.init(rawValue:)) }

    /// The categories with the most events get their own one-hot column.
    static func categoryVocabulary(log: InteractionLog, stats: ItemStats, size: Int) -> [Int32] {
        var counts: [Int32: Int] = [:]
        for e in 0..<log.count {
            let c = stats.category[Int(log.item[e])]
            if c >= 0 { counts[c, default: 0] += 1 }
        }
        return counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(size).map(\.key)
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
