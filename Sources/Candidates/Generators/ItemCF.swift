import ModelFile
import RecsysCore

/// Item-based collaborative filtering: neighbours of the user's recent
/// items, each weighted by its event kind and recency.
public struct ItemCF: CandidateGenerator {
    public let name = "itemcf"
    public var neighbours: ItemNeighbours
    public var config: RecsysConfig

    public init(neighbours: ItemNeighbours, config: RecsysConfig) {
        self.neighbours = neighbours
        self.config = config
    }

    /// CF scores of every neighbour of the user's recent items.
    public func scores(for user: UserState, at time: Int64) -> IntMap<Double> {
        var seeds: [(item: Int32, weight: Double)] = []
        for k in stride(from: user.count - 1, through: 0, by: -1) {
            let item = user.items[k]
            let w = config.kindWeight[Int(user.kinds[k])] * config.decay(ageMs: time - user.times[k])
            if let j = seeds.firstIndex(where: { $0.item == item }) {
                seeds[j].weight = max(seeds[j].weight, w)
            } else if seeds.count < config.cfSeedItems {
                seeds.append((item, w))
            }
        }
        var scores = IntMap<Double>(capacity: seeds.count * config.cfNeighbours)
        for (s, w) in seeds {
            for e in neighbours.neighbours(of: Int(s)) {
                let j = neighbours.neighbour[e]
                scores.add(j, w * Double(neighbours.similarity[e]))
            }
        }
        return scores
    }

    public var candidateLimit: Int { config.cfCandidates }

    public func propose(
        for user: UserState, at time: Int64, proposing: Bool, into set: inout CandidateSet, slot: Int
    ) -> CandidateScores {
        set.propose(best: scores(for: user, at: time), limit: config.cfCandidates, slot: slot, proposing: proposing)
    }

    public func section() -> ModelContainer.Section? {
        .init(tag: "NBRS") { w in
            w.array(neighbours.start)
            w.array(neighbours.neighbour)
            w.array(neighbours.similarity)
        }
    }

    public static let factory = GeneratorFactory(
        name: "itemcf", displayName: "item-CF", isDefault: true, proposalRank: 1,
        role: FeatureRole(scoreColumn: nil, scoresEveryCandidate: true),
        build: { c in
            ItemCF(
                neighbours: ItemNeighbours.build(
                    log: c.log, itemCount: c.dataset.itemCount, config: c.config, threads: c.threads,
                    rows: c.seedItems),
                config: c.config)
        },
        load: { source, c in
            let n = try source.section("NBRS") { nbrs in
                ItemNeighbours(start: try nbrs.array(), neighbour: try nbrs.array(), similarity: try nbrs.array())
            }
            try checkCSR(n.start, n.neighbour, rows: c.itemCount, values: c.itemCount, "NBRS")
            guard n.similarity.count == n.neighbour.count else {
                throw ModelFileError.corrupt(section: "NBRS", reason: "similarity count")
            }
            return ItemCF(neighbours: n, config: c.config)
        })
}
