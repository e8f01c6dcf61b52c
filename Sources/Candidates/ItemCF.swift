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
    public func scores(for user: UserState, at time: Int64) -> [Int32: Double] {
        var seedWeight: [Int32: Double] = [:]
        var seeds: [Int32] = []
        for k in stride(from: user.count - 1, through: 0, by: -1) {
            let item = user.items[k]
            let w = config.kindWeight[Int(user.kinds[k])] * config.decay(ageMs: time - user.times[k])
            if seedWeight[item] == nil {
                if seeds.count >= config.cfSeedItems { continue }
                seeds.append(item)
            }
            seedWeight[item] = max(seedWeight[item] ?? 0, w)
        }
        var scores: [Int32: Double] = [:]
        for s in seeds {
            let w = seedWeight[s] ?? 0
            for e in neighbours.neighbours(of: Int(s)) {
                scores[neighbours.neighbour[e], default: 0] += w * Double(neighbours.similarity[e])
            }
        }
        return scores
    }

    public func generate(for user: UserState, at time: Int64, limit: Int, into set: inout CandidateSet) {
        let scores = scores(for: user, at: time)
        let top = scores.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(limit)
        for (item, score) in top {
            let s = set.add(item, from: .itemCF)
            set.cfScore[s] = Float(score)
        }
    }

    /// The CF score of one item (for candidates from other generators).
    public func score(of item: Int32, in scores: [Int32: Double]) -> Float { Float(scores[item] ?? 0) }
}
