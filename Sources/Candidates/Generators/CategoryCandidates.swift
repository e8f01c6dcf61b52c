import Dataset
import ModelFile
import RecsysCore

/// The `category` generator: popular items of the visitor's recent
/// categories (`CategoryPopularity`), `categoryCandidates` per category.
/// Its score (popularity in the category) exists only for its own proposals.
public struct CategoryCandidates: CandidateGenerator {
    public let name = "category"
    public let popularity: CategoryPopularity
    public let config: RecsysConfig

    public init(popularity: CategoryPopularity, config: RecsysConfig) {
        self.popularity = popularity
        self.config = config
    }

    // Each of the visitor's top categories gets its own list.
    public var candidateLimit: Int { config.categoryCandidates * max(config.userCategories, 1) }

    public func propose(
        for user: UserState, at time: Int64, proposing: Bool, into set: inout CandidateSet, slot: Int
    ) -> CandidateScores {
        if proposing {
            popularity.propose(
                for: user, at: time, limit: config.categoryCandidates, categories: config.userCategories,
                config: config, into: &set, slot: slot)
        }
        return .proposals
    }

    public func section() -> ModelContainer.Section? {
        .init(tag: "CPOP") { w in popularity.write(to: &w) }
    }

    public static let factory = GeneratorFactory(
        name: "category", displayName: "category popularity", isDefault: true, proposalRank: 2,
        role: FeatureRole(scoreColumn: nil),
        build: { c in
            CategoryCandidates(
                popularity: CategoryPopularity(stats: c.stats, tree: c.dataset.tree, config: c.config), config: c.config
            )
        },
        load: { source, c in
            let p = try source.section("CPOP") { try CategoryPopularity.read(from: $0) }
            try p.check(categoryCount: c.categoryCount, itemCount: c.itemCount, tag: "CPOP")
            return CategoryCandidates(popularity: p, config: c.config)
        })
}
