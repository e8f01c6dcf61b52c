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
        .init(tag: "CPOP") { w in
            w.array(popularity.start)
            w.array(popularity.items)
            w.array(popularity.scores)
            w.array(popularity.parent)
            w.scalar(Int64(popularity.minItems))
        }
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
            let p = try source.section("CPOP") { cpop in
                CategoryPopularity(
                    start: try cpop.array(), items: try cpop.array(), scores: try cpop.array(),
                    parent: try cpop.array(), minItems: Int(try cpop.scalar(Int64.self)))
            }
            try checkCSR(p.start, p.items, rows: c.categoryCount, values: c.itemCount, "CPOP")
            func check(_ ok: Bool, _ reason: String) throws {
                if !ok { throw ModelFileError.corrupt(section: "CPOP", reason: reason) }
            }
            try check(p.scores.count == p.items.count, "score count")
            try check(p.parent.count == c.categoryCount, "parent count")
            try check(p.parent.allSatisfy { $0 >= -1 && Int($0) < c.categoryCount }, "parent range")
            return CategoryCandidates(popularity: p, config: c.config)
        })
}
