/// Item-based collaborative filtering: neighbours of the user's recent
/// items, each weighted by its event kind and recency.
public struct ItemCF: CandidateGenerator {
    public let name = "itemcf"
    public let provenance = Provenance.itemCF
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

    public func generate(for user: UserState, at time: Int64, limit: Int, into set: inout CandidateSet) {
        for (item, score) in scores(for: user, at: time).top(limit) {
            let s = set.add(item, from: .itemCF)
            set.cfScore[s] = Float(score)
        }
    }
}
