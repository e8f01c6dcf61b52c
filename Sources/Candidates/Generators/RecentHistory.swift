import ModelFile
import RecsysCore

/// The user's own recent items: in this domain people mostly buy what they
/// already looked at. Score: kind weight × recency decay, summed per item.
public struct RecentHistory: CandidateGenerator {
    public let name = "history"
    public var config: RecsysConfig

    public init(config: RecsysConfig) { self.config = config }

    public var candidateLimit: Int { config.historyCandidates }

    /// Proposes the `historyCandidates` most recent items; every candidate
    /// scores by the visitor's whole kept history (`historyLength`).
    public func propose(
        for user: UserState, at time: Int64, proposing: Bool, into set: inout CandidateSet, slot: Int
    ) -> CandidateScores {
        if proposing {
            for (item, _) in scores(for: user, at: time, limit: config.historyCandidates) {
                set.add(item, from: .slot(slot))
            }
        }
        var all = IntMap<Float>(capacity: user.count)
        for (item, score) in scores(for: user, at: time, limit: config.historyLength) { all[item] = Float(score) }
        return .map(all)
    }

    public func section() -> ModelContainer.Section? { nil }

    public static let factory = GeneratorFactory(
        name: "history", displayName: "user history", isDefault: true, proposalRank: 0,
        role: FeatureRole(scoreColumn: nil, scoresEveryCandidate: true),
        build: { c in RecentHistory(config: c.config) },
        load: { _, c in RecentHistory(config: c.config) })

    /// Distinct items, most recent first, with their summed weighted recency.
    /// Histories are short (`historyLength`), so a linear scan beats hashing.
    public func scores(for user: UserState, at time: Int64, limit: Int) -> [(item: Int32, score: Double)] {
        var out: [(item: Int32, score: Double)] = []
        out.reserveCapacity(min(limit, user.count))
        for k in stride(from: user.count - 1, through: 0, by: -1) {
            let item = user.items[k]
            let w = config.kindWeight[Int(user.kinds[k])] * config.decay(ageMs: time - user.times[k])
            if let j = out.firstIndex(where: { $0.item == item }) {
                out[j].score += w
            } else if out.count < limit {
                out.append((item, w))
            }
        }
        return out
    }
}
