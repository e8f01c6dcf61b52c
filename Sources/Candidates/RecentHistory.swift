/// The user's own recent items: in this domain people mostly buy what they
/// already looked at. Score: kind weight × recency decay, summed per item.
public struct RecentHistory: CandidateGenerator {
    public let name = "history"
    public let provenance = Provenance.history
    public var config: RecsysConfig

    public init(config: RecsysConfig) { self.config = config }

    public func generate(for user: UserState, at time: Int64, limit: Int, into set: inout CandidateSet) {
        var scores: [Int32: Double] = [:]
        var order: [Int32] = []
        for k in stride(from: user.count - 1, through: 0, by: -1) {
            let item = user.items[k]
            let w = config.kindWeight[Int(user.kinds[k])] * config.decay(ageMs: time - user.times[k])
            if scores[item] == nil {
                if order.count >= limit { continue }
                order.append(item)
            }
            scores[item, default: 0] += w
        }
        for item in order {
            let s = set.add(item, from: .history)
            set.historyScore[s] = Float(scores[item] ?? 0)
        }
    }
}
