import Dataset
import Foundation
import ModelFile
import RecsysCore

/// How to make one kind of generator: from the training log, or from its
/// model-file section. A generator's file defines one of these; the
/// registry lists them.
public struct GeneratorFactory: Sendable {
    /// The name in `--generators` and the model's metadata.
    public var name: String
    /// The name in reports ("item-CF").
    public var displayName: String
    /// Part of the set `train` builds unless told otherwise.
    public var isDefault: Bool
    /// Built and saved by default even when it does not propose to the
    /// ranker: a lookup table for discovery and similar items.
    public var isDefaultLookup: Bool
    /// Proposals join the candidate set in increasing rank (ties by registry order):
    /// the set's order is the training rows' order.
    public var proposalRank: Int
    public var role: FeatureRole
    public var build: @Sendable (GeneratorBuildContext) -> any CandidateGenerator
    /// Reads its section (when it has one) and checks it against the model's sizes.
    public var load: @Sendable (SectionSource, GeneratorLoadContext) throws -> any CandidateGenerator

    public init(
        name: String, displayName: String, isDefault: Bool, isDefaultLookup: Bool = false, proposalRank: Int,
        role: FeatureRole, build: @escaping @Sendable (GeneratorBuildContext) -> any CandidateGenerator,
        load: @escaping @Sendable (SectionSource, GeneratorLoadContext) throws -> any CandidateGenerator
    ) {
        self.name = name
        self.displayName = displayName
        self.isDefault = isDefault
        self.isDefaultLookup = isDefaultLookup
        self.proposalRank = proposalRank
        self.role = role
        self.build = build
        self.load = load
    }
}

/// What a generator may read when it is built from the training events
/// (all strictly before `reference`). Shared, lazily built structures (the
/// interaction matrix of the factor models) are made once per context.
public final class GeneratorBuildContext: @unchecked Sendable {
    public let dataset: Dataset
    public let log: InteractionLog
    public let reference: Int64
    public let config: RecsysConfig
    public let stats: ItemStats
    public let threads: Int
    /// When set, the generators will only be asked about visitors whose histories hold just these items (a
    /// training window's visitors), so an item-indexed table needs rows for them only; nil means every item.
    public let seedItems: [Bool]?
    private let lock = NSLock()
    private var matrix: InteractionMatrix?
    private var everyHistory: UserHistories?

    public init(
        dataset: Dataset, log: InteractionLog, reference: Int64, config: RecsysConfig, stats: ItemStats,
        histories: UserHistories?, threads: Int, seedItems: [Bool]? = nil
    ) {
        self.dataset = dataset
        self.log = log
        self.reference = reference
        self.config = config
        self.stats = stats
        self.everyHistory = histories
        self.threads = threads
        self.seedItems = seedItems
    }

    /// Every visitor's kept history: the one given at init, else built on first use (a training window
    /// keeps only its own visitors' histories, and only user-kNN reads everyone's).
    public var histories: UserHistories {
        lock.withLock {
            if let everyHistory { return everyHistory }
            let h = UserHistories(log: log, dataset: dataset, historyLength: config.historyLength)
            everyHistory = h
            return h
        }
    }

    /// The kind-weighted user × item matrix, built on first use.
    public var interactionMatrix: InteractionMatrix {
        lock.withLock {
            if let matrix { return matrix }
            let m = InteractionMatrix(log: log, itemCount: dataset.itemCount, kindWeight: config.kindWeight)
            matrix = m
            return m
        }
    }
}

/// What a generator may read when it is loaded from a model file.
public struct GeneratorLoadContext: Sendable {
    public var userCount: Int
    public var itemCount: Int
    public var categoryCount: Int
    public var config: RecsysConfig
    public var stats: ItemStats

    public init(userCount: Int, itemCount: Int, categoryCount: Int, config: RecsysConfig, stats: ItemStats) {
        self.userCount = userCount
        self.itemCount = itemCount
        self.categoryCount = categoryCount
        self.config = config
        self.stats = stats
    }
}

/// The generators a build knows, in report order. Adding a generator is
/// one line here (or `adding(_:)` for one defined outside this package).
public struct GeneratorRegistry: Sendable {
    public private(set) var factories: [GeneratorFactory]

    public init(_ factories: [GeneratorFactory]) { self.factories = factories }

    /// Everything this package ships.
    public static let standard = GeneratorRegistry([
        CategoryCandidates.factory,
        ItemCF.factory,
        RecentHistory.factory,
        UserKNNCandidates.factory,
        FactorCandidates.alsFactory,
        FactorCandidates.bprFactory,
        CoVisitCandidates.factory,
        ContentCandidates.factory,
        TrendingCandidates.factory,
    ])

    /// This registry with one more generator (a name not yet used).
    public func adding(_ factory: GeneratorFactory) -> GeneratorRegistry {
        precondition(self[factory.name] == nil, "generator \(factory.name) is registered twice")
        return GeneratorRegistry(factories + [factory])
    }

    public var names: [String] { factories.map(\.name) }
    public var defaults: [String] { factories.filter(\.isDefault).map(\.name) }
    /// The lookups a model saves unless told otherwise (`ModelMetadata.lookups`).
    public var defaultLookups: [String] { factories.filter(\.isDefaultLookup).map(\.name) }

    public subscript(name: String) -> GeneratorFactory? { factories.first { $0.name == name } }

    /// `names` in registry order, unknown ones dropped.
    public func ordered(_ names: [String]) -> [String] { self.names.filter(names.contains) }

    /// Parses "category,itemcf,history,als": known names, no repeats, at least one.
    public func parseList(_ text: String) throws -> [String] {
        try parse(text)
    }

    /// As `parseList`, but "none" (or an empty text) is the empty list.
    public func parseOptionalList(_ text: String) throws -> [String] {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        return trimmed.isEmpty || trimmed == "none" ? [] : try parse(text)
    }

    private func parse(_ text: String) throws -> [String] {
        let names = text.split(separator: ",", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        var out: [String] = []
        for name in names {
            guard self[name] != nil else {
                throw GeneratorListError(
                    "unknown generator \"\(name)\" in \"\(text)\"; expected a comma-separated list of \(self.names.joined(separator: ", "))"
                )
            }
            guard !out.contains(name) else {
                throw GeneratorListError("generator \"\(name)\" is listed twice in \"\(text)\"")
            }
            out.append(name)
        }
        return ordered(out)
    }
}

public struct GeneratorListError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}
