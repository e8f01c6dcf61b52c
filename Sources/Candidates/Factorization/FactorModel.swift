import ModelFile
import RecsysCore

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
/// not the whole catalogue. The pool is stored in blocks of 32 items, each
/// block factor-major, so a block's 32 scores stay in registers while its
/// factors stream past (no horizontal sums, no stores until the end).
/// A candidate outside the pool gets no factor score (0). A class: a
/// request passes it around without retaining each of its arrays.
public final class FactorCandidates: CandidateGenerator {
    public let name: String
    public let model: FactorModel
    public let limit: Int
    /// Its model-file section ("ALSF", "BPRF"); nil for one that is never saved.
    public let sectionTag: String?
    public let pool: [Int32]
    /// Block b, factor f: the 32 items' values at ((b × factors) + f) × 32.
    private let poolFactors: [Float]
    /// Each pool item's bias (0 for ALS), padded to whole blocks.
    private let poolBias: [Float]
    /// Item → its index in the pool: a small table that stays in cache,
    /// where an array over the whole catalogue cost a miss per candidate.
    private let poolIndex: IntMap<Int32>
    /// One bit per catalogue item, set for pool items: most candidates are
    /// outside the pool, and this 55 kB test stays in cache where the
    /// table's probe costs more.
    private let inPool: [UInt64]

    /// - Parameters:
    ///   - name: "als" or "bpr" (its columns follow).
    ///   - pool: the items it scores per request (the most popular).
    ///   - limit: candidates it proposes per request.
    ///   - sectionTag: its model-file section, when it is saved.
    public init(name: String, model: FactorModel, pool: [Int32], limit: Int, sectionTag: String? = nil) {
        self.name = name
        self.model = model
        self.limit = limit
        self.sectionTag = sectionTag
        self.pool = pool
        let k = model.factors
        let width = VectorOps.blockWidth
        let padded = (pool.count + width - 1) / width * width
        var packed = [Float](repeating: 0, count: padded * k)
        var bias = [Float](repeating: 0, count: padded)
        var index = IntMap<Int32>(capacity: pool.count)
        for (p, item) in pool.enumerated() {
            let (b, j) = p.quotientAndRemainder(dividingBy: width)
            for f in 0..<k { packed[(b * k + f) * width + j] = model.itemFactors[Int(item) * k + f] }
            if !model.itemBias.isEmpty { bias[p] = model.itemBias[Int(item)] }
            index[item] = Int32(p)
        }
        poolFactors = packed
        poolBias = bias
        poolIndex = index
        var bits = [UInt64](repeating: 0, count: (pool.map { Int($0) }.max() ?? 0) / 64 + 1)
        for item in pool where item >= 0 { bits[Int(item) >> 6] |= 1 << UInt64(Int(item) & 63) }
        inPool = bits
    }

    /// The score of every pool item for a known user (empty for an unknown one).
    public func poolScores(user: Int) -> [Float] {
        guard user >= 0 && user < model.userCount else { return [] }
        let k = model.factors
        let width = VectorOps.blockWidth
        var scores = [Float](repeating: 0, count: poolBias.count)
        scores.withUnsafeMutableBufferPointer { out in
            model.userFactors.withUnsafeBufferPointer { x in
                poolFactors.withUnsafeBufferPointer { y in
                    poolBias.withUnsafeBufferPointer { bias in
                        for b in 0..<(poolBias.count / width) {
                            VectorOps.scoreBlock(
                                x.baseAddress! + user * k, y.baseAddress! + b * k * width, k,
                                bias: bias.baseAddress! + b * width, into: out.baseAddress! + b * width)
                        }
                    }
                }
            }
        }
        scores.removeLast(scores.count - pool.count)
        return scores
    }

    /// The `limit` best pool items for a known user, best first (ties by id).
    public func top(user: Int, limit: Int) -> [(item: Int32, score: Float)] {
        top(poolScores: poolScores(user: user), limit: limit)
    }

    /// The `limit` best pool items given `poolScores(user:)`; best first
    /// unless `ordered` is false.
    public func top(poolScores scores: [Float], limit: Int, ordered: Bool = true) -> [(item: Int32, score: Float)] {
        let count = min(scores.count, pool.count)
        // A plain loop over the buffers, which the compiler vectorises (a
        // zip-map did not), into scratch memory (no per-request array).
        return withUnsafeTemporaryAllocation(of: FloatRankKey.self, capacity: count) { keys in
            scores.withUnsafeBufferPointer { s in
                pool.withUnsafeBufferPointer { p in
                    for j in 0..<count { keys[j] = FloatRankKey(s[j], p[j]) }
                }
            }
            return TopK.largest(in: UnsafeBufferPointer(keys), limit: limit, ordered: ordered).map { ($0.id, $0.score) }
        }
    }

    /// Each item's index in the pool, -1 outside it: looked up once per
    /// request when ALS and BPR share a pool.
    ///
    /// The ranker's factor feature is defined on the pool alone: a
    /// candidate outside it would cost a scattered read of its factor row
    /// per request (a cache miss each), and the full-scale evaluation showed
    /// no loss of NDCG@10 without those scores (docs/evaluation).
    public func poolPositions(of items: [Int32]) -> [Int32] {
        items.map { item in
            let word = Int(item) >> 6
            guard item >= 0, word < inPool.count, inPool[word] & (1 << UInt64(Int(item) & 63)) != 0 else { return -1 }
            return poolIndex[item] ?? -1
        }
    }

    /// The pool score at each position from `poolPositions(of:)`, 0 for -1.
    public func scores(poolPositions: [Int32], poolScores: [Float]) -> [Float] {
        guard !poolScores.isEmpty else { return [Float](repeating: 0, count: poolPositions.count) }
        return poolPositions.map { $0 >= 0 ? poolScores[Int($0)] : 0 }
    }
}

extension FactorCandidates {
    public var candidateLimit: Int { limit }

    /// Proposes the best pool items; every candidate in the pool gets its
    /// pool score as the ranker's feature (0 outside the pool).
    public func propose(
        for user: UserState, at time: Int64, proposing: Bool, into set: inout CandidateSet, slot: Int
    ) -> CandidateScores {
        let pool = poolScores(user: Int(user.id))
        if proposing {
            for (item, _) in top(poolScores: pool, limit: limit, ordered: false) { set.add(item, from: .slot(slot)) }
        }
        return .lookup { [self] items in scores(poolPositions: poolPositions(of: items), poolScores: pool) }
    }

    public func section() -> ModelContainer.Section? {
        let model = model
        return sectionTag.map { tag in
            .init(tag: tag) { w in
                w.scalar(Int64(model.factors))
                w.array(model.userFactors)
                w.array(model.itemFactors)
                w.array(model.itemBias)
            }
        }
    }

    /// The pool a factor generator scores: the most popular items under `config`.
    static func pool(_ stats: ItemStats, _ config: RecsysConfig) -> [Int32] { stats.topItems(config.factorPool) }

    static func factory(
        name: String, displayName: String, tag: String, rank: Int, transform: ScoreTransform,
        fit: @escaping @Sendable (GeneratorBuildContext) -> FactorModel
    ) -> GeneratorFactory {
        GeneratorFactory(
            name: name, displayName: displayName, isDefault: false, proposalRank: rank,
            // ALS and BPR score only their pool: the column's name says so, and a
            // model trained when they scored every candidate (`als_score`) is refused.
            role: FeatureRole(scoreColumn: "\(name)_pool_score", transform: transform),
            build: { c in
                FactorCandidates(
                    name: name, model: fit(c), pool: pool(c.stats, c.config), limit: c.config.factorCandidates,
                    sectionTag: tag)
            },
            load: { source, c in
                let model = try source.section(tag) { r in
                    let k = Int(try r.scalar(Int64.self))
                    return FactorModel(
                        factors: k, userFactors: try r.array(), itemFactors: try r.array(), itemBias: try r.array())
                }
                guard model.isConsistent, model.userCount == c.userCount, model.itemCount == c.itemCount else {
                    throw ModelFileError.corrupt(
                        section: tag, reason: "factor arrays do not match \(c.userCount) users × \(c.itemCount) items")
                }
                return FactorCandidates(
                    name: name, model: model, pool: pool(c.stats, c.config), limit: c.config.factorCandidates,
                    sectionTag: tag)
            })
    }

    /// Implicit-feedback ALS (Hu, Koren & Volinsky).
    public static let alsFactory = factory(
        name: "als", displayName: "ALS", tag: "ALSF", rank: 4, transform: .identity,
        fit: { c in ImplicitALS.fit(c.interactionMatrix, options: c.config.als, threads: c.threads) })

    /// BPR matrix factorisation (Rendle et al.); margins are unbounded, so the
    /// feature is their logistic (one outlier does not own the weight).
    public static let bprFactory = factory(
        name: "bpr", displayName: "BPR", tag: "BPRF", rank: 5, transform: .logistic,
        fit: { c in BPR.fit(c.interactionMatrix, options: c.config.bpr) })
}
