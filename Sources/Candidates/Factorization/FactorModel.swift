/// Learned user and item vectors (row-major, `factors` floats per row) and
/// an optional item bias: score(u, i) = x_u · y_i + b_i.
public struct FactorModel: Sendable {
    public let factors: Int
    public var userFactors: [Float]
    public var itemFactors: [Float]
    /// Empty for ALS; BPR learns one bias per item.
    public var itemBias: [Float]

    public init(factors: Int, userFactors: [Float], itemFactors: [Float], itemBias: [Float] = []) {
        self.factors = factors
        self.userFactors = userFactors
        self.itemFactors = itemFactors
        self.itemBias = itemBias
    }

    public var userCount: Int { factors > 0 ? userFactors.count / factors : 0 }
    public var itemCount: Int { factors > 0 ? itemFactors.count / factors : 0 }

    /// Whether the arrays agree with the factor count (and the bias, when present, with the items).
    public var isConsistent: Bool {
        factors > 0 && userFactors.count % factors == 0 && itemFactors.count % factors == 0
            && (itemBias.isEmpty || itemBias.count == itemCount)
            && !userFactors.contains { !$0.isFinite } && !itemFactors.contains { !$0.isFinite }
    }

    /// 0 for an id outside the model.
    public func score(user: Int, item: Int) -> Float {
        guard user >= 0 && user < userCount && item >= 0 && item < itemCount else { return 0 }
        return userFactors.withUnsafeBufferPointer { x in
            itemFactors.withUnsafeBufferPointer { y in
                VectorOps.dot(x.baseAddress! + user * factors, y.baseAddress! + item * factors, factors)
            }
        } + (itemBias.isEmpty ? 0 : itemBias[item])
    }
}

/// A factor model as a candidate source: each request scores a fixed pool
/// of the most popular items, so the cost is pool × factors multiply-adds,
/// not the whole catalogue. The pool's factors are stored factor-major, so
/// the scores are k vertical SIMD sweeps, with no horizontal sums.
public struct FactorCandidates: Sendable {
    public let model: FactorModel
    public let provenance: Provenance
    public let pool: [Int32]
    private let poolFactors: [Float]
    private let poolBias: [Float]
    /// Item → its index in the pool, -1 outside it (so a candidate from the
    /// pool reuses the pool's score instead of a scattered row read).
    private let poolIndex: [Int32]

    public init(model: FactorModel, provenance: Provenance, pool: [Int32]) {
        self.model = model
        self.provenance = provenance
        self.pool = pool
        let k = model.factors
        var packed = [Float](repeating: 0, count: pool.count * k)
        var index = [Int32](repeating: -1, count: model.itemCount)
        for (p, item) in pool.enumerated() {
            for f in 0..<k { packed[f * pool.count + p] = model.itemFactors[Int(item) * k + f] }
            index[Int(item)] = Int32(p)
        }
        poolFactors = packed
        poolBias = model.itemBias.isEmpty ? [] : pool.map { model.itemBias[Int($0)] }
        poolIndex = index
    }

    /// The score of every pool item for a known user (empty for an unknown one).
    public func poolScores(user: Int) -> [Float] {
        guard user >= 0 && user < model.userCount else { return [] }
        let k = model.factors
        let n = pool.count
        var scores = poolBias.isEmpty ? [Float](repeating: 0, count: n) : poolBias
        scores.withUnsafeMutableBufferPointer { out in
            model.userFactors.withUnsafeBufferPointer { x in
                poolFactors.withUnsafeBufferPointer { y in
                    for f in 0..<k {
                        VectorOps.axpy(x[user * k + f], y.baseAddress! + f * n, out.baseAddress!, n)
                    }
                }
            }
        }
        return scores
    }

    /// The `limit` best pool items for a known user, best first (ties by id).
    public func top(user: Int, limit: Int) -> [(item: Int32, score: Float)] {
        top(poolScores: poolScores(user: user), limit: limit)
    }

    /// The `limit` best pool items given `poolScores(user:)`.
    public func top(poolScores scores: [Float], limit: Int) -> [(item: Int32, score: Float)] {
        guard !scores.isEmpty, limit > 0 else { return [] }
        return TopK.select(scores: scores, ids: pool, limit: limit).map { (pool[$0], scores[$0]) }
    }

    /// Scores of `items` for `user`, from `poolScores` where the item is in the pool.
    public func scores(user: Int, items: [Int32], poolScores: [Float]) -> [Float] {
        guard !poolScores.isEmpty else { return [Float](repeating: 0, count: items.count) }
        return items.map { item in
            let p = poolIndex[Int(item)]
            return p >= 0 ? poolScores[Int(p)] : model.score(user: user, item: Int(item))
        }
    }
}
