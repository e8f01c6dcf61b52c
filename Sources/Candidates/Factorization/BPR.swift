import Dataset

/// Hyper-parameters of BPR; stored in the model's configuration.
public struct BPROptions: Codable, Sendable, Equatable {
    public var factors = 64
    /// Epochs; each draws as many (user, positive, negative) triples as there are observed pairs.
    public var iterations = 30
    public var learningRate = 0.05
    public var regularization = 0.01
    public var seed: UInt64 = 42

    public init() {}
}

/// Bayesian personalised ranking (Rendle et al. 2009) as the embedding
/// model: SGD on −ln σ(x_u·(y_i − y_j) + b_i − b_j) with an observed item i
/// and a uniformly drawn item j the user has not touched, L2 on every
/// touched parameter. Single-threaded so a seed gives the same model.
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
        var gradient = [Float](repeating: 0, count: k)
        for iteration in 0..<options.iterations {
            x.withUnsafeMutableBufferPointer { xb in
                y.withUnsafeMutableBufferPointer { yb in
                    gradient.withUnsafeMutableBufferPointer { gb in
                        for _ in 0..<matrix.nonZeros {
                            let e = rng.below(matrix.nonZeros)
                            let u = Int(rowOf[e])
                            let i = Int(matrix.column[e])
                            let j = rng.below(matrix.columns)
                            if matrix.contains(row: u, column: Int32(j)) { continue }
                            let xu = xb.baseAddress! + u * k
                            let yi = yb.baseAddress! + i * k
                            let yj = yb.baseAddress! + j * k
                            let margin = VectorOps.dot(xu, yi, k) - VectorOps.dot(xu, yj, k) + bias[i] - bias[j]
                            // d/dθ ln σ(margin) = σ(−margin) · d margin/dθ
                            let z = 1 / (1 + expf(margin))
                            let g = gb.baseAddress!
                            for f in 0..<k { g[f] = yi[f] - yj[f] }
                            for f in 0..<k {
                                let xf = xu[f]
                                xu[f] += lr * (z * g[f] - reg * xf)
                                yi[f] += lr * (z * xf - reg * yi[f])
                                yj[f] += lr * (-z * xf - reg * yj[f])
                            }
                            bias[i] += lr * (z - reg * bias[i])
                            bias[j] += lr * (-z - reg * bias[j])
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
