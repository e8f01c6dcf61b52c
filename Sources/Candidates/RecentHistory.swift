/// The user's own recent items: in this domain people mostly buy what they
/// already looked at. Score: kind weight × recency decay, summed per item.
public struct RecentHistory: CandidateGenerator {
    public let name = "history"
    public let provenance = Provenance.history
    public var config: RecsysConfig

    public init(config: RecsysConfig) { self.config = config }

    public func generate(for user: UserState, at time: Int64, limit: Int, into set: inout CandidateSet) {
        for (item, score) in scores(for: user, at: time, limit: limit) {
            let s = set.add(item, from: .history)
            set.historyScore[s] = Float(score)
        }
    }

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
