import Dispatch
import Features
import Foundation

/// Binary logistic regression with class-balanced sample weights and L2,
/// fitted by Newton's method with a backtracking line search.
///
/// Objective (the same as scikit-learn's `LogisticRegression(C = 1/l2,
/// class_weight="balanced")`): Σ sᵢ·log(1 + exp(−ỹᵢ·(w·xᵢ + b))) + l2/2·‖w‖²,
/// the intercept b unpenalised, sᵢ = n / (2·n_class(yᵢ)).
/// Convergence rule: stop when max|∇| ≤ `gradientTolerance` × Σsᵢ, or when a
/// step no longer lowers the objective by more than 1e-14 relative, or after
/// `maxIterations`. Each iteration costs O(Σ nnz(row)²) for the Hessian
/// (features are few, so the Hessian is small and dense); work is split over
/// a fixed number of row blocks and summed in order, so results are
/// deterministic.
public struct LogisticRegression: Codable, Sendable, Equatable {
    public var weights: [Double]
    public var intercept: Double

    public init(weights: [Double], intercept: Double) {
        self.weights = weights
        self.intercept = intercept
    }

    public struct FitReport: Codable, Sendable {
        public var iterations: Int
        public var converged: Bool
        public var maxGradient: Double
        public var objective: Double
        public var seconds: Double
        public var positives: Int
        public var negatives: Int
        public var positiveWeight: Double
        public var negativeWeight: Double
    }

    @inlinable
    public func margin(_ rows: SparseRows, _ r: Int) -> Double {
        var z = intercept
        for e in rows.row(r) { z += weights[Int(rows.column[e])] * rows.value[e] }
        return z
    }

    @inlinable
    public func probability(_ rows: SparseRows, _ r: Int) -> Double { sigmoid(margin(rows, r)) }

    /// Fits on the first `rowCount` rows (all by default) and their labels.
    public static func fit(
        rows: SparseRows, labels: [UInt8], rowCount: Int? = nil, l2: Double, maxIterations: Int = 100,
        gradientTolerance: Double = 1e-10, blocks: Int = 2
    ) -> (LogisticRegression, FitReport) {
        let started = Date()
        let n = rowCount ?? rows.count
        precondition(n >= 0 && n <= rows.count && n <= labels.count, "rowCount must be within the rows and labels")
        let d = rows.columns
        let positives = labels[..<n].reduce(0) { $0 + Int($1) }
        let negatives = n - positives
        let wPos = positives > 0 ? Double(n) / (2 * Double(positives)) : 0
        let wNeg = negatives > 0 ? Double(n) / (2 * Double(negatives)) : 0
        var model = LogisticRegression(weights: [Double](repeating: 0, count: d), intercept: 0)
        let totalWeight = wPos * Double(positives) + wNeg * Double(negatives)
        var report = FitReport(
            iterations: 0, converged: false, maxGradient: .infinity, objective: 0, seconds: 0, positives: positives,
            negatives: negatives, positiveWeight: wPos, negativeWeight: wNeg)
        guard positives > 0 && negatives > 0 else {
            report.seconds = Date().timeIntervalSince(started)
            return (model, report)
        }
        let problem = Problem(rows: rows, count: n, labels: labels, wPos: wPos, wNeg: wNeg, l2: l2, blocks: blocks)
        var current = problem.evaluate(model, withHessian: true)
        for iteration in 1...maxIterations {
            report.iterations = iteration
            report.maxGradient = current.gradient.map(abs).max() ?? 0
            if report.maxGradient <= gradientTolerance * totalWeight {
                report.converged = true
                break
            }
            guard let step = solveSymmetric(current.hessian, current.gradient.map { -$0 }, size: d + 1) else { break }
            let slope = zip(step, current.gradient).reduce(0) { $0 + $1.0 * $1.1 }
            var t = 1.0
            var accepted: Problem.Evaluation?
            while t > 1e-10 {
                var trial = model
                for j in 0..<d { trial.weights[j] += t * step[j] }
                trial.intercept += t * step[d]
                let f = problem.objective(trial)
                if f <= current.value + 1e-4 * t * slope {
                    model = trial
                    accepted = problem.evaluate(model, withHessian: true)
                    break
                }
                t /= 2
            }
            guard let next = accepted else { break }
            let improvement = current.value - next.value
            current = next
            if improvement <= 1e-14 * max(1, abs(next.value)) {
                report.maxGradient = current.gradient.map(abs).max() ?? 0
                report.converged = report.maxGradient <= 1e-6 * totalWeight
                break
            }
        }
        report.objective = current.value
        report.maxGradient = current.gradient.map(abs).max() ?? 0
        if report.maxGradient <= gradientTolerance * totalWeight { report.converged = true }
        report.seconds = Date().timeIntervalSince(started)
        return (model, report)
    }
}

@inlinable
public func sigmoid(_ z: Double) -> Double {
    z >= 0 ? 1 / (1 + exp(-z)) : exp(z) / (1 + exp(z))
}

/// log(1 + exp(-m)) without overflow.
@inlinable
func logLoss(margin m: Double) -> Double {
    m > 0 ? log1p(exp(-m)) : -m + log1p(exp(m))
}

/// The weighted objective, its gradient and Hessian over row blocks.
private struct Problem: @unchecked Sendable {
    let rows: SparseRows
    /// Rows 0..<count take part.
    let count: Int
    let labels: [UInt8]
    let wPos: Double
    let wNeg: Double
    let l2: Double
    let blocks: Int

    struct Evaluation {
        var value: Double
        var gradient: [Double]
        /// (d+1)×(d+1) row-major, the last row/column for the intercept.
        var hessian: [Double]
    }

    func objective(_ m: LogisticRegression) -> Double {
        let parts = Partials(count: blocks)
        DispatchQueue.concurrentPerform(iterations: blocks) { b in
            var f = 0.0
            for r in range(of: b) {
                let y = labels[r] == 1
                let z = m.margin(rows, r)
                f += (y ? wPos : wNeg) * logLoss(margin: y ? z : -z)
            }
            parts.set(b, [f])
        }
        return parts.values.reduce(0) { $0 + $1[0] } + 0.5 * l2 * m.weights.reduce(0) { $0 + $1 * $1 }
    }

    func range(of block: Int) -> Range<Int> {
        (count * block / blocks)..<(count * (block + 1) / blocks)
    }

    func evaluate(_ m: LogisticRegression, withHessian: Bool) -> Evaluation {
        let d = rows.columns
        let size = d + 1
        let parts = Partials(count: blocks)
        DispatchQueue.concurrentPerform(iterations: blocks) { b in
            // [value, gradient (size), hessian upper triangle (size²)]
            var acc = [Double](repeating: 0, count: 1 + size + size * size)
            acc.withUnsafeMutableBufferPointer { a in
                let g = 1
                let h = 1 + size
                for r in range(of: b) {
                    let y = labels[r] == 1
                    let s = y ? wPos : wNeg
                    let z = m.margin(rows, r)
                    a[0] += s * logLoss(margin: y ? z : -z)
                    let p = sigmoid(z)
                    let residual = s * (p - (y ? 1 : 0))
                    let curvature = s * p * (1 - p)
                    let span = rows.row(r)
                    for e in span {
                        let j = Int(rows.column[e])
                        let xj = rows.value[e]
                        a[g + j] += residual * xj
                        guard withHessian else { continue }
                        let cx = curvature * xj
                        for f in span {
                            let k = Int(rows.column[f])
                            if k >= j { a[h + j * size + k] += cx * rows.value[f] }
                        }
                        a[h + j * size + d] += cx
                    }
                    a[g + d] += residual
                    if withHessian { a[h + d * size + d] += curvature }
                }
            }
            parts.set(b, acc)
        }
        var total = [Double](repeating: 0, count: 1 + size + size * size)
        for p in parts.values {
            for i in 0..<total.count { total[i] += p[i] }
        }
        var gradient = Array(total[1..<(1 + size)])
        var hessian = Array(total[(1 + size)...])
        var value = total[0]
        for j in 0..<d {
            value += 0.5 * l2 * m.weights[j] * m.weights[j]
            gradient[j] += l2 * m.weights[j]
            hessian[j * size + j] += l2
        }
        // Mirror the upper triangle.
        for j in 0..<size {
            for k in 0..<j { hessian[j * size + k] = hessian[k * size + j] }
        }
        return Evaluation(value: value, gradient: gradient, hessian: hessian)
    }
}

/// Solves A·x = b for symmetric positive (semi)definite A by Cholesky,
/// adding a tiny ridge when A is singular (a feature that is always zero).
func solveSymmetric(_ a: [Double], _ b: [Double], size n: Int) -> [Double]? {
    var ridge = 0.0
    let scale = max(1e-12, (0..<n).map { abs(a[$0 * n + $0]) }.max() ?? 1)
    for _ in 0..<8 {
        var l = [Double](repeating: 0, count: n * n)
        var ok = true
        for i in 0..<n where ok {
            for j in 0...i {
                var s = a[i * n + j] + (i == j ? ridge : 0)
                for k in 0..<j { s -= l[i * n + k] * l[j * n + k] }
                if i == j {
                    if s <= 0 {
                        ok = false
                        break
                    }
                    l[i * n + i] = s.squareRoot()
                } else {
                    l[i * n + j] = s / l[j * n + j]
                }
            }
        }
        if ok {
            var y = [Double](repeating: 0, count: n)
            for i in 0..<n {
                var s = b[i]
                for k in 0..<i { s -= l[i * n + k] * y[k] }
                y[i] = s / l[i * n + i]
            }
            var x = [Double](repeating: 0, count: n)
            for i in stride(from: n - 1, through: 0, by: -1) {
                var s = y[i]
                for k in (i + 1)..<n { s -= l[k * n + i] * x[k] }
                x[i] = s / l[i * n + i]
            }
            return x
        }
        ridge = ridge == 0 ? scale * 1e-12 : ridge * 100
    }
    return nil
}

private final class Partials: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var values: [[Double]]
    init(count: Int) { values = Array(repeating: [], count: count) }
    func set(_ i: Int, _ v: [Double]) { lock.withLock { values[i] = v } }
}
