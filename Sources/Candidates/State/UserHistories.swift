import Dataset
import RecsysCore

/// What the recommender knows about one user at request time: recent
/// interactions, oldest first, each with the item's category as of then.
public struct UserState: Sendable {
    /// Dense id of the user in the model (-1 for a state built from outside
    /// data): the factor models and user-kNN look the user up by it.
    public var id: Int32
    public var items: [Int32]
    public var times: [Int64]
    public var kinds: [UInt8]
    public var categories: [Int32]

    public init(
        id: Int32 = -1, items: [Int32] = [], times: [Int64] = [], kinds: [UInt8] = [], categories: [Int32] = []
    ) {
        (self.id, self.items, self.times, self.kinds, self.categories) = (id, items, times, kinds, categories)
    }

    public var isEmpty: Bool { items.isEmpty }
    public var count: Int { items.count }

    /// The `limit` most recent distinct items, newest first, the r-th (0 = the last item) weighted
    /// 1 / (1 + r): the seeds of the item-to-item generators (co-visitation, content).
    public func recentSeeds(_ limit: Int) -> [(item: Int32, weight: Float)] {
        var seeds: [(item: Int32, weight: Float)] = []
        for k in stride(from: count - 1, through: 0, by: -1) where seeds.count < limit {
            let item = items[k]
            guard !seeds.contains(where: { $0.item == item }) else { continue }
            seeds.append((item, 1 / Float(1 + seeds.count)))
        }
        return seeds
    }

    /// The user's categories ranked by kind-weighted, recency-decayed
    /// interactions, with each one's share of the total (best first).
    public func categoryAffinity(at time: Int64, config: RecsysConfig) -> [(category: Int32, share: Double)] {
        // A history holds a few dozen events over a handful of categories: a
        // linear scan beats hashing here (this runs on every request).
        var weights: [(category: Int32, share: Double)] = []
        var total = 0.0
        for k in 0..<count where categories[k] >= 0 {
            let w = config.kindWeight[Int(kinds[k])] * config.decay(ageMs: time - times[k])
            if let j = weights.firstIndex(where: { $0.category == categories[k] }) {
                weights[j].share += w
            } else {
                weights.append((categories[k], w))
            }
            total += w
        }
        let recent = recentCategory
        weights.sort {
            // The most recent category always comes first, as the spec of the generator asks.
            if ($0.category == recent) != ($1.category == recent) { return $0.category == recent }
            return $0.share != $1.share ? $0.share > $1.share : $0.category < $1.category
        }
        for j in weights.indices { weights[j].share = total > 0 ? weights[j].share / total : 0 }
        return weights
    }

    /// Category of the most recent interaction that has one (-1 when none).
    public var recentCategory: Int32 {
        for c in categories.reversed() where c >= 0 { return c }
        return -1
    }
}

/// Each user's last `historyLength` interactions in CSR arrays (17 bytes each).
public struct UserHistories: Sendable {
    public var start: [Int32]
    public var item: [Int32]
    public var time: [Int64]
    public var kind: [UInt8]
    public var category: [Int32]

    public init(start: [Int32], item: [Int32], time: [Int64], kind: [UInt8], category: [Int32]) {
        self.start = start
        self.item = item
        self.time = time
        self.kind = kind
        self.category = category
    }

    public var userCount: Int { start.count - 1 }

    /// Builds histories from a log (already cut at the reference time).
    /// - Parameter users: when set, only these visitors get their history (the others an empty one).
    public init(log: InteractionLog, dataset: Dataset, historyLength: Int, only users: [Int]? = nil) {
        var kept: [Bool]?
        if let users {
            var mask = [Bool](repeating: false, count: log.userCount)
            for u in users { mask[u] = true }
            kept = mask
        }
        start = [0]
        start.reserveCapacity(log.userCount + 1)
        item = []
        time = []
        kind = []
        category = []
        for u in 0..<log.userCount {
            if let kept, !kept[u] {
                start.append(Int32(item.count))
                continue
            }
            let r = log.events(of: u)
            for e in r.suffix(historyLength) {
                item.append(log.item[e])
                time.append(log.time[e])
                kind.append(log.kind[e])
                category.append(Int32(dataset.category(of: Int(log.item[e]), at: log.time[e]) ?? -1))
            }
            start.append(Int32(item.count))
        }
    }

    public func state(of user: Int) -> UserState {
        guard user >= 0 && user < userCount else { return UserState() }
        let r = Int(start[user])..<Int(start[user + 1])
        return UserState(
            id: Int32(user), items: Array(item[r]), times: Array(time[r]), kinds: Array(kind[r]),
            categories: Array(category[r]))
    }
}
