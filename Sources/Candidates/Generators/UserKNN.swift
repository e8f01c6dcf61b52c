import RecsysCore

/// User-based kNN: cosine between users' weighted interaction vectors
/// (log1p of kind-weighted counts over their recent history), neighbours
/// found per request through an item → users inverted index (no user×user
/// matrix); items scored by Σ similarity × the neighbour's weight.
///
/// Cost per request: Σ over the user's items of that item's user list
/// (capped at `maxUsersPerItem` users: those with the highest ids, an
/// arbitrary but deterministic sample), plus the neighbours' items.
public struct UserKNN: Sendable {
    /// User → (item, weight), CSR; weights as above, rows L2-normalised.
    public let userStart: [Int32]
    public let userItem: [Int32]
    public let userWeight: [Float]
    /// Item → (user, weight) over the same vectors.
    public let itemStart: [Int32]
    public let itemUser: [Int32]
    public let itemWeight: [Float]
    public let neighbours: Int
    public let maxUsersPerItem: Int
    let config: RecsysConfig

    public init(
        histories: UserHistories, itemCount: Int, config: RecsysConfig, maxUsersPerItem: Int = 300
    ) {
        var start: [Int32] = [0]
        var items: [Int32] = []
        var weights: [Float] = []
        for u in 0..<histories.userCount {
            for (i, w) in Self.vector(histories.state(of: u), config: config) {
                items.append(i)
                weights.append(w)
            }
            start.append(Int32(items.count))
        }
        self.init(
            userStart: start, userItem: items, userWeight: weights, itemCount: itemCount, config: config,
            maxUsersPerItem: maxUsersPerItem)
    }

    /// From the stored user vectors (the model file); the inverted index is rebuilt.
    public init(
        userStart: [Int32], userItem: [Int32], userWeight: [Float], itemCount: Int, config: RecsysConfig,
        maxUsersPerItem: Int
    ) {
        self.config = config
        self.neighbours = config.userKNNNeighbours
        self.maxUsersPerItem = maxUsersPerItem
        self.userStart = userStart
        self.userItem = userItem
        self.userWeight = userWeight
        // Users in increasing id order: the suffix of each list holds the highest ids.
        let t = transposeCSR(start: userStart, column: userItem, value: userWeight, columns: itemCount)
        itemStart = t.start
        itemUser = t.row
        itemWeight = t.value
    }

    /// The unit-length interaction vector of a history.
    public static func vector(_ state: UserState, config: RecsysConfig) -> [(Int32, Float)] {
        var acc: [(Int32, Double)] = []
        for k in 0..<state.count {
            let w = config.kindWeight[Int(state.kinds[k])]
            if let j = acc.firstIndex(where: { $0.0 == state.items[k] }) {
                acc[j].1 += w
            } else {
                acc.append((state.items[k], w))
            }
        }
        let values = acc.map { ($0.0, log1p($0.1)) }
        let norm = values.reduce(0) { $0 + $1.1 * $1.1 }.squareRoot()
        return values.map { ($0.0, Float(norm > 0 ? $0.1 / norm : 0)) }.sorted { $0.0 < $1.0 }
    }

    /// The `neighbours` most similar other users (cosine), best first, ties by id.
    public func similarUsers(to state: UserState, excluding user: Int? = nil) -> [(user: Int32, similarity: Float)] {
        let vector = Self.vector(state, config: config)
        // Sized to the lists it will read: `top` scans the whole table, and
        // most visitors reach a few dozen others, not a thousand.
        let reached = vector.reduce(0) { total, entry in
            let i = Int(entry.0)
            return total + min(Int(itemStart[i + 1] - itemStart[i]), maxUsersPerItem)
        }
        var acc = IntMap<Float>(capacity: reached)
        for (i, w) in vector {
            let lo = Int(itemStart[Int(i)])
            let hi = Int(itemStart[Int(i) + 1])
            for e in max(lo, hi - maxUsersPerItem)..<hi where Int(itemUser[e]) != user {
                acc.add(itemUser[e], w * itemWeight[e])
            }
        }
        return acc.top(neighbours).map { ($0.key, $0.value) }
    }

    /// Σ similarity × weight over the neighbours, for every item they touched.
    public func scores(for state: UserState) -> IntMap<Float> {
        let similar = similarUsers(to: state, excluding: state.id >= 0 ? Int(state.id) : nil)
        var scores = IntMap<Float>(capacity: touchRows(of: similar))
        for (v, s) in similar {
            for e in Int(userStart[Int(v)])..<Int(userStart[Int(v) + 1]) {
                scores.add(userItem[e], s * userWeight[e])
            }
        }
        return scores
    }

    /// Reads the neighbours' row bounds, then the start of each row, in two
    /// short loops of independent loads: the rows are scattered over
    /// arrays of all visitors, and inside the scoring loop each miss would
    /// stall the next. Returns the rows' total length (what the scores map
    /// will hold at most).
    private func touchRows(of similar: [(user: Int32, similarity: Float)]) -> Int {
        // The lengths use every bound, so this loop's loads are kept without a dummy sum.
        var length = 0
        for (v, _) in similar { length += Int(userStart[Int(v) + 1] - userStart[Int(v)]) }
        var sum: Int32 = 0
        var weights: Float = 0
        for (v, _) in similar {
            let e = Int(userStart[Int(v)])
            if e < userItem.count {
                sum &+= userItem[e]
                weights += userWeight[e]
            }
        }
        VectorOps.keep(weights + Float(sum))
        return length
    }

    /// Items by Σ similarity × weight over the neighbours, best first.
    public func recommend(for state: UserState, n: Int) -> [Int32] {
        scores(for: state).top(n).map(\.key)
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
