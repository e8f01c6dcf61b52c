import Dataset

/// Hyper-parameters of BPR; stored in the model's configuration.
public struct BPROptions: Codable, Sendable, Equatable {
    public var factors = 64
    /// Epochs; each draws as many (user, positive, negative) triples as there are observed pairs.
    public var iterations = 30
    public var learningRate = 0.05
    public var regularization = 0.01
    public var seed: UInt64 = 42
    public var negatives = NegativeSampling.popularity

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
/// L2 on every touched parameter. Single-threaded so a seed gives the same model.
public enum BPR {
    public static func fit(
        _ matrix: InteractionMatrix, options: BPROptions, onIteration: ((Int, FactorModel) -> Void)? = nil
    ) -> FactorModel {
        let k = options.factors
        var rng = SplitMix64(seed: options.seed)
        var x = (0..<matrix.rows * k).map { _ in Float((rng.unit() - 0.5) / Double(k)) }
        var y = (0..<matrix.columns * k).map { _ in Float((rng.unit() - 0.5) / Double(k)) }
        var bias = [Float](repeating: 0, count: matrix.columns)
        let lr = Float(options.learningRate)
        let reg = Float(options.regularization)
        // The row of every observed pair, so a pair is drawn in O(1).
        var rowOf = [Int32](repeating: 0, count: matrix.nonZeros)
        for u in 0..<matrix.rows { for e in matrix.row(u) { rowOf[e] = Int32(u) } }
        guard matrix.nonZeros > 0, matrix.columns > 1 else {
            return FactorModel(factors: k, userFactors: x, itemFactors: y, itemBias: bias)
        }
        for iteration in 0..<options.iterations {
            x.withUnsafeMutableBufferPointer { xb in
                y.withUnsafeMutableBufferPointer { yb in
                    for _ in 0..<matrix.nonZeros {
                        let e = rng.below(matrix.nonZeros)
                        let u = Int(rowOf[e])
                        let i = Int(matrix.column[e])
                        let j =
                            options.negatives == .uniform
                            ? rng.below(matrix.columns) : Int(matrix.column[rng.below(matrix.nonZeros)])
                        if matrix.contains(row: u, column: Int32(j)) { continue }
                        let xu = xb.baseAddress! + u * k
                        let yi = yb.baseAddress! + i * k
                        let yj = yb.baseAddress! + j * k
                        let margin = VectorOps.dot(xu, yi, k) - VectorOps.dot(xu, yj, k) + bias[i] - bias[j]
                        // d/dθ ln σ(margin) = σ(−margin) · d margin/dθ
                        let z = 1 / (1 + expf(margin))
                        VectorOps.bprStep(xu, yi, yj, z: z, lr: lr, reg: reg, k)
                        bias[i] += lr * (z - reg * bias[i])
                        bias[j] += lr * (-z - reg * bias[j])
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
