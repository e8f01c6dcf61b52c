import ModelFile
import RecsysCore

/// The `covisit` generator: items touched by the same visitors within an
/// hour of the visitor's most recent items (session co-visitation, the
/// classic next-item baseline on RetailRocket-shaped logs). The most recent
/// seed weighs most: seed r (0 = the last item) counts 1/(1 + r), and each
/// neighbour scores its share of the seed's best co-visit count.
///
/// Cost per request: `seeds` × the neighbours kept per item (`keep`).
public struct CoVisitCandidates: CandidateGenerator {
    public let name = "covisit"
    public let coVisitation: CoVisitation
    /// Candidates proposed per request, and the distinct recent items that seed them.
    public let limit: Int
    public let seeds: Int

    public init(coVisitation: CoVisitation, limit: Int = 50, seeds: Int = 5) {
        self.coVisitation = coVisitation
        self.limit = limit
        self.seeds = seeds
    }

    public var candidateLimit: Int { limit }

    public func propose(
        for user: UserState, at time: Int64, proposing: Bool, into set: inout CandidateSet, slot: Int
    ) -> CandidateScores {
        var scores = IntMap<Float>(capacity: seeds * 64)
        for (seed, weight) in user.recentSeeds(seeds) {
            let r = Int(coVisitation.start[Int(seed)])..<Int(coVisitation.start[Int(seed) + 1])
            guard let best = r.first.map({ Float(coVisitation.count[$0]) }), best > 0 else { continue }
            for e in r { scores.add(coVisitation.neighbour[e], weight * Float(coVisitation.count[e]) / best) }
        }
        return set.propose(best: scores, limit: limit, slot: slot, proposing: proposing)
    }

    public func section() -> ModelContainer.Section? {
        .init(tag: "COVI") { w in
            w.array(coVisitation.start)
            w.array(coVisitation.neighbour)
            w.array(coVisitation.count)
            w.scalar(Int64(limit))
            w.scalar(Int64(seeds))
        }
    }

    public static let factory = GeneratorFactory(
        name: "covisit", displayName: "co-visitation", isDefault: false, isDefaultLookup: true, proposalRank: 6,
        role: FeatureRole(scoreColumn: "covisit_score", transform: .log1pTimes10),
        build: { c in
            CoVisitCandidates(
                coVisitation: CoVisitation(log: c.log, itemCount: c.dataset.itemCount, keep: 100, rows: c.seedItems))
        },
        load: { source, c in
            let (v, limit, seeds) = try source.section("COVI") { r in
                (
                    CoVisitation(start: try r.array(), neighbour: try r.array(), count: try r.array()),
                    Int(try r.scalar(Int64.self)), Int(try r.scalar(Int64.self))
                )
            }
            try checkCSR(v.start, v.neighbour, rows: c.itemCount, values: c.itemCount, "COVI")
            guard v.count.count == v.neighbour.count, (1...1000).contains(limit), (1...100).contains(seeds) else {
                throw ModelFileError.corrupt(section: "COVI", reason: "counts or limits do not match")
            }
            return CoVisitCandidates(coVisitation: v, limit: limit, seeds: seeds)
        })
}
