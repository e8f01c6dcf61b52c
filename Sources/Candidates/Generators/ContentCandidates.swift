import ModelFile
import RecsysCore

/// The `content` generator: items whose hashed property values are like
/// those of the visitor's most recent items (`ContentNeighbours`). It is the
/// only generator that reaches items nobody has touched yet, so it matters
/// most for catalogues with many new or rare items. Seeds are weighted as in
/// `covisit`: seed r (0 = the last item) counts 1/(1 + r).
///
/// Not a default: training reads the property files a second time for it
/// (`train --generators …,content`).
public struct ContentCandidates: CandidateGenerator {
    public let name = "content"
    public let neighbours: ContentNeighbours
    /// Candidates proposed per request, and the distinct recent items that seed them.
    public let limit: Int
    public let seeds: Int

    public init(neighbours: ContentNeighbours, limit: Int = 50, seeds: Int = 5) {
        self.neighbours = neighbours
        self.limit = limit
        self.seeds = seeds
    }

    public var candidateLimit: Int { limit }

    public func propose(
        for user: UserState, at time: Int64, proposing: Bool, into set: inout CandidateSet, slot: Int
    ) -> CandidateScores {
        var scores = IntMap<Float>(capacity: seeds * 64)
        for (seed, weight) in user.recentSeeds(seeds) {
            for e in neighbours.neighbours(of: Int(seed)) {
                scores.add(neighbours.neighbour[e], weight * neighbours.similarity[e])
            }
        }
        return set.propose(best: scores, limit: limit, slot: slot, proposing: proposing)
    }

    public func section() -> ModelContainer.Section? {
        .init(tag: "CONT") { w in
            w.array(neighbours.start)
            w.array(neighbours.neighbour)
            w.array(neighbours.similarity)
            w.scalar(Int64(limit))
            w.scalar(Int64(seeds))
        }
    }

    public static let factory = GeneratorFactory(
        name: "content", displayName: "content", isDefault: false, proposalRank: 7,
        role: FeatureRole(scoreColumn: "content_score"),
        build: { c in
            guard let tokens = c.dataset.itemTokens else {
                return ContentCandidates(neighbours: ContentNeighbours(empty: c.dataset.itemCount))
            }
            return ContentCandidates(
                neighbours: ContentNeighbours(
                    tokens: tokens, itemCount: c.dataset.itemCount, before: c.reference, threads: c.threads,
                    rows: c.seedItems))
        },
        load: { source, c in
            let (v, limit, seeds) = try source.section("CONT") { r in
                (
                    ContentNeighbours(start: try r.array(), neighbour: try r.array(), similarity: try r.array()),
                    Int(try r.scalar(Int64.self)), Int(try r.scalar(Int64.self))
                )
            }
            try checkCSR(v.start, v.neighbour, rows: c.itemCount, values: c.itemCount, "CONT")
            guard v.similarity.count == v.neighbour.count, (1...1000).contains(limit), (1...100).contains(seeds)
            else {
                throw ModelFileError.corrupt(section: "CONT", reason: "similarities or limits do not match")
            }
            if let problem = v.rowProblem() { throw ModelFileError.corrupt(section: "CONT", reason: problem) }
            return ContentCandidates(neighbours: v, limit: limit, seeds: seeds)
        })
}
