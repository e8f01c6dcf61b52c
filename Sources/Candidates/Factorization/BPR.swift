import Dataset
import Dispatch
import RecsysCore

/// Hyper-parameters of BPR; stored in the model's configuration.
public struct BPROptions: Codable, Sendable, Equatable {
    public var factors = 64
    /// Epochs; each draws as many (user, positive, negative) triples as there are observed pairs.
    public var iterations = 30
    public var learningRate = 0.05
    public var regularization = 0.01
    public var seed: UInt64 = 42
    public var negatives = NegativeSampling.popularity
    /// Users and items are each split into this many blocks (by id modulo),
    /// and blocks that share no user and no item train concurrently. The
    /// model depends on the block count, never on the machine's cores.
    public var blocks = 2

    public init() {}

    /// Smaller than the benchmark's setting, for the same reason as ALS's.
    public static let pipelineDefault: BPROptions = {
        var o = BPROptions()
        o.factors = 32
        o.iterations = 15
        return o
    }()
}

/// How BPR draws the item a user is assumed to like less.
public enum NegativeSampling: String, Codable, Sendable, CaseIterable {
    /// Every item equally likely (Rendle et al.'s description).
    case uniform
    /// The item of a uniformly drawn observed pair, so in proportion to its
    /// popularity (what `implicit` does). Popular items the user skipped are
    /// the informative negatives; a uniform draw mostly hits items nobody
    /// touched, and the model learns little beyond popularity.
    case popularity
}

/// Bayesian personalised ranking (Rendle et al. 2009) as the embedding
/// model: SGD on −ln σ(x_u·(y_i − y_j) + b_i − b_j) with an observed item i
/// and a sampled item j the user has not touched (see `NegativeSampling`),
/// L2 on every touched parameter.
///
/// Parallel and still deterministic, by stratification (as in DSGD,
/// Gemulla et al. 2011): with B blocks of users and of items, an epoch runs
/// B sub-epochs; in each, B threads take disjoint (user block, item block)
/// strata, drawing positives and negatives inside their item block, so no
/// two threads touch the same parameters. Each stratum has its own seeded
/// generator, so a seed gives one model whatever the scheduling.
public enum BPR {
    public static func fit(
        _ matrix: InteractionMatrix, options: BPROptions, onIteration: ((Int, FactorModel) -> Void)? = nil
    ) -> FactorModel {
        let k = options.factors
        let b = max(1, options.blocks)
        var rng = SplitMix64(seed: options.seed)
        var x = (0..<matrix.rows * k).map { _ in Float((rng.unit() - 0.5) / Double(k)) }
        var y = (0..<matrix.columns * k).map { _ in Float((rng.unit() - 0.5) / Double(k)) }
        var bias = [Float](repeating: 0, count: matrix.columns)
        guard matrix.nonZeros > 0, matrix.columns > 1 else {
            return FactorModel(factors: k, userFactors: x, itemFactors: y, itemBias: bias)
        }
        // Observed pairs of each stratum (user block, item block), and each
        // item block's negative pool: its items once each (uniform), or the
        // item of each observed pair (popularity).
        var strata = [[Int32]](repeating: [], count: b * b)
        var rowOf = [Int32](repeating: 0, count: matrix.nonZeros)
        for u in 0..<matrix.rows {
            for e in matrix.row(u) {
                rowOf[e] = Int32(u)
                strata[(u % b) * b + Int(matrix.column[e]) % b].append(Int32(e))
            }
        }
        var pools = [[Int32]](repeating: [], count: b)
        switch options.negatives {
        case .uniform: for i in 0..<matrix.columns { pools[i % b].append(Int32(i)) }
        case .popularity: for c in matrix.column { pools[Int(c) % b].append(c) }
        }
        let lr = Float(options.learningRate)
        let reg = Float(options.regularization)
        let (strataList, poolList, rows) = (strata, pools, rowOf)
        for iteration in 0..<options.iterations {
            x.withUnsafeMutableBufferPointer { xb in
                y.withUnsafeMutableBufferPointer { yb in
                    bias.withUnsafeMutableBufferPointer { bb in
                        let (xs, ys, bs) = (
                            DisjointRows(xb.baseAddress!), DisjointRows(yb.baseAddress!), DisjointRows(bb.baseAddress!)
                        )
                        for sub in 0..<b {
                            DispatchQueue.concurrentPerform(iterations: b) { userBlock in
                                let itemBlock = (userBlock + sub) % b
                                let stratum = strataList[userBlock * b + itemBlock]
                                let pool = poolList[itemBlock]
                                guard !stratum.isEmpty, !pool.isEmpty else { return }
                                var rng = SplitMix64(
                                    seed: options.seed &+ UInt64(iteration) &* 1_000_003 &+ UInt64(sub * b + userBlock)
                                        &* 7919)
                                for _ in 0..<stratum.count {
                                    let e = Int(stratum[rng.below(stratum.count)])
                                    let u = Int(rows[e])
                                    let i = Int(matrix.column[e])
                                    let j = Int(pool[rng.below(pool.count)])
                                    if j == i || matrix.contains(row: u, column: Int32(j)) { continue }
                                    let xu = xs.base + u * k
                                    let yi = ys.base + i * k
                                    let yj = ys.base + j * k
                                    let margin =
                                        VectorOps.dot(xu, yi, k) - VectorOps.dot(xu, yj, k) + bs.base[i] - bs.base[j]
                                    // d/dθ ln σ(margin) = σ(−margin) · d margin/dθ
                                    let z = 1 / (1 + expf(margin))
                                    VectorOps.bprStep(xu, yi, yj, z: z, lr: lr, reg: reg, k)
                                    bs.base[i] += lr * (z - reg * bs.base[i])
                                    bs.base[j] += lr * (-z - reg * bs.base[j])
                                }
                            }
                        }
                    }
                }
            }
            onIteration?(iteration, FactorModel(factors: k, userFactors: x, itemFactors: y, itemBias: bias))
        }
        return FactorModel(factors: k, userFactors: x, itemFactors: y, itemBias: bias)
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
