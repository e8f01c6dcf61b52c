import Dataset
import Dispatch
import RecsysCore

/// Hyper-parameters of implicit ALS; stored in the model's configuration.
public struct ALSOptions: Codable, Sendable, Equatable {
    public var factors = 64
    public var iterations = 15
    /// Confidence of an observed pair: 1 + alpha · w.
    public var alpha = 2.0
    /// L2 on every user and item vector (λ of the paper, not scaled by counts).
    public var regularization = 0.01
    /// Conjugate-gradient steps per row update.
    public var cgSteps = 3
    public var seed: UInt64 = 42

    public init() {}

    /// Smaller than the benchmark's setting: the pipeline refits it for every
    /// training window, and the ranker gains little from more (docs/evaluation).
    public static let pipelineDefault: ALSOptions = {
        var o = ALSOptions()
        o.factors = 32
        o.iterations = 8
        return o
    }()
}

/// Implicit-feedback ALS (Hu, Koren & Volinsky 2008), minimising
/// Σ_{u,i} c_ui (p_ui − x_u·y_i)² + λ(Σ‖x_u‖² + Σ‖y_i‖²) with p = 1 on
/// observed pairs, 0 elsewhere, and c = 1 + α·w. Each half-step updates
/// every row by a few conjugate-gradient steps started from its current
/// value (Takács, Pilászy & Tikk 2011), so a row costs
/// O(steps · (k² + nnz_row · k)) and the dense YᵀY is shared by all rows.
/// Rows are split across threads; each row depends only on the other
/// side's vectors, so the result is the same for any thread count.
public enum ImplicitALS {
    public static func fit(
        _ matrix: InteractionMatrix, options: ALSOptions, threads: Int = 2,
        onIteration: ((Int, FactorModel) -> Void)? = nil
    ) -> FactorModel {
        let k = options.factors
        let byUser = matrix
        let byItem = matrix.transposed()
        let alpha = Float(options.alpha)
        let userConfidence = byUser.value.map { 1 + alpha * $0 }
        let itemConfidence = byItem.value.map { 1 + alpha * $0 }
        var rng = SplitMix64(seed: options.seed)
        var x = (0..<matrix.rows * k).map { _ in Float(rng.unit() * 0.01) }
        var y = (0..<matrix.columns * k).map { _ in Float(rng.unit() * 0.01) }
        for iteration in 0..<options.iterations {
            halfStep(
                solving: &x, fixed: y, rows: byUser, confidence: userConfidence, k: k, options: options,
                threads: threads)
            halfStep(
                solving: &y, fixed: x, rows: byItem, confidence: itemConfidence, k: k, options: options,
                threads: threads)
            onIteration?(iteration, FactorModel(factors: k, userFactors: x, itemFactors: y))
        }
        return FactorModel(factors: k, userFactors: x, itemFactors: y)
    }

    /// YᵀY + λI of the fixed side, k×k row-major, summed in parts run
    /// concurrently. The number of parts is fixed, not the thread count, so
    /// the float sums (and the model) do not depend on the machine.
    static func gram(_ y: [Float], k: Int, regularization: Double, threads: Int = 2) -> [Float] {
        let rows = y.count / max(k, 1)
        let parts = 8
        var partial = [Float](repeating: 0, count: parts * k * k)
        partial.withUnsafeMutableBufferPointer { out in
            y.withUnsafeBufferPointer { yp in
                let sums = DisjointRows(out.baseAddress!)
                let source = DisjointRows(UnsafeMutablePointer(mutating: yp.baseAddress!))
                forEachChunk(parts, threads: threads) { part in
                    let g = sums.base + part * k * k
                    for r in (rows * part / parts)..<(rows * (part + 1) / parts) {
                        let v = source.base + r * k
                        // Upper triangle only (row a from column a); mirrored below.
                        for a in 0..<k where v[a] != 0 { VectorOps.axpy(v[a], v + a, g + a * k + a, k - a) }
                    }
                }
            }
        }
        var g = Array(partial[0..<k * k])
        for p in 1..<parts { for i in 0..<g.count { g[i] += partial[p * k * k + i] } }
        for a in 0..<k {
            for c in 0..<a { g[a * k + c] = g[c * k + a] }
            g[a * k + a] += Float(regularization)
        }
        return g
    }

    /// Updates every row of `solving` against the fixed side.
    static func halfStep(
        solving: inout [Float], fixed: [Float], rows: InteractionMatrix, confidence: [Float], k: Int,
        options: ALSOptions, threads: Int
    ) {
        let g = gram(fixed, k: k, regularization: options.regularization, threads: threads)
        let inverse = invert(g, k: k)
        let chunks = max(1, threads * 16)
        let rowCount = rows.rows
        let shared = SharedSolves(rows: rows, fixed: fixed, inverse: inverse, k: k, chunks: chunks, threads: threads)
        solving.withUnsafeMutableBufferPointer { xp in
            let out = DisjointRows(xp.baseAddress!)
            forEachChunk(chunks, threads: threads) { chunk in
                var scratch = CGScratch(k: k)
                for r in (rowCount * chunk / chunks)..<(rowCount * (chunk + 1) / chunks) {
                    let entries = rows.row(r)
                    if entries.count == 1, let z = shared.z(column: rows.column[entries.lowerBound]) {
                        shared.solveSingle(out.base + r * k, z: z, entry: entries.lowerBound, confidence: confidence)
                    } else {
                        solveRow(
                            out.base + r * k, entries: entries, columns: rows.column, confidence: confidence,
                            fixed: fixed, gram: g, inverse: inverse, k: k, steps: options.cgSteps,
                            scratch: &scratch)
                    }
                }
            }
        }
    }

    /// z = (YᵀY + λI)⁻¹ y_c for every column c that several one-entry rows
    /// share (at full scale ~1.1 M visitors touch one item, ~200 k items in
    /// all), so each such row costs one dot product instead of a k×k product.
    /// The values are exactly those `solveRow` computes for the row.
    final class SharedSolves: @unchecked Sendable {
        let k: Int
        let fixed: [Float]
        let columns: [Int32]
        /// Slot of each column in `values`, -1 when not cached.
        let slot: [Int32]
        let values: [Float]

        init(rows: InteractionMatrix, fixed: [Float], inverse: [Float], k: Int, chunks: Int, threads: Int) {
            self.k = k
            self.fixed = fixed
            columns = rows.column
            var uses = [Int32](repeating: 0, count: fixed.count / max(k, 1))
            for r in 0..<rows.rows where rows.start[r + 1] - rows.start[r] == 1 {
                uses[Int(rows.column[Int(rows.start[r])])] += 1
            }
            var slot = [Int32](repeating: -1, count: uses.count)
            var cached: [Int32] = []
            for c in 0..<uses.count where uses[c] >= 2 {
                slot[c] = Int32(cached.count)
                cached.append(Int32(c))
            }
            self.slot = slot
            var values = [Float](repeating: 0, count: cached.count * k)
            let list = cached
            values.withUnsafeMutableBufferPointer { vp in
                let out = DisjointRows(vp.baseAddress!)
                fixed.withUnsafeBufferPointer { yb in
                    inverse.withUnsafeBufferPointer { ib in
                        let y = DisjointRows(UnsafeMutablePointer(mutating: yb.baseAddress!))
                        let inv = DisjointRows(UnsafeMutablePointer(mutating: ib.baseAddress!))
                        forEachChunk(chunks, threads: threads) { chunk in
                            for s in (list.count * chunk / chunks)..<(list.count * (chunk + 1) / chunks) {
                                VectorOps.matVec(inv.base, y.base + Int(list[s]) * k, out.base + s * k, k)
                            }
                        }
                    }
                }
            }
            self.values = values
        }

        @inline(__always)
        func z(column: Int32) -> Int? {
            let s = slot[Int(column)]
            return s >= 0 ? Int(s) * k : nil
        }

        /// `solveRow`'s one-entry case with the cached z.
        @inline(__always)
        func solveSingle(_ x: UnsafeMutablePointer<Float>, z offset: Int, entry e: Int, confidence: [Float]) {
            values.withUnsafeBufferPointer { vb in
                fixed.withUnsafeBufferPointer { yb in
                    shermanMorrison(
                        x, z: vb.baseAddress! + offset, y: yb.baseAddress! + Int(columns[e]) * k,
                        confidence: confidence[e], k: k)
                }
            }
        }
    }

    struct CGScratch {
        var r: [Float]
        var p: [Float]
        var ap: [Float]
        init(k: Int) {
            r = [Float](repeating: 0, count: k)
            p = r
            ap = r
        }
    }

    /// Solves (YᵀC_uY + λI) x = YᵀC_u p_u for one row, using
    /// YᵀC_uY = YᵀY + Yᵀ(C_u − I)Y over the row's observed columns.
    ///
    /// Most rows have zero or one observed entry (at full scale, most
    /// visitors touch one item): those are solved exactly — x = 0, or by
    /// Sherman–Morrison with the cached (YᵀY + λI)⁻¹, x = c·z / (1 + (c−1)·yᵀz)
    /// with z = (YᵀY + λI)⁻¹y — in one k×k product instead of `steps + 1`.
    /// The rest take `steps` CG steps from the current x.
    static func solveRow(
        _ x: UnsafeMutablePointer<Float>, entries: Range<Int>, columns: [Int32], confidence: [Float], fixed: [Float],
        gram: [Float], inverse: [Float], k: Int, steps: Int, scratch: inout CGScratch
    ) {
        if entries.isEmpty {
            x.update(repeating: 0, count: k)
            return
        }
        if entries.count == 1 {
            let e = entries.lowerBound
            fixed.withUnsafeBufferPointer { yb in
                inverse.withUnsafeBufferPointer { ib in
                    let yi = yb.baseAddress! + Int(columns[e]) * k
                    VectorOps.matVec(ib.baseAddress!, yi, x, k)
                    shermanMorrison(x, z: x, y: yi, confidence: confidence[e], k: k)
                }
            }
            return
        }
        fixed.withUnsafeBufferPointer { yb in
            gram.withUnsafeBufferPointer { gb in
                scratch.r.withUnsafeMutableBufferPointer { rb in
                    scratch.p.withUnsafeMutableBufferPointer { pb in
                        scratch.ap.withUnsafeMutableBufferPointer { apb in
                            let y = yb.baseAddress!
                            let r = rb.baseAddress!
                            let p = pb.baseAddress!
                            let ap = apb.baseAddress!
                            // r = b − A x
                            VectorOps.matVec(gb.baseAddress!, x, r, k)
                            for f in 0..<k { r[f] = -r[f] }
                            for e in entries {
                                let c = confidence[e]
                                let yi = y + Int(columns[e]) * k
                                VectorOps.axpy(c - (c - 1) * VectorOps.dot(yi, x, k), yi, r, k)
                            }
                            for f in 0..<k { p[f] = r[f] }
                            var rsOld = VectorOps.dot(r, r, k)
                            for _ in 0..<steps {
                                if rsOld < 1e-20 { break }
                                VectorOps.matVec(gb.baseAddress!, p, ap, k)
                                for e in entries {
                                    let c = confidence[e]
                                    let yi = y + Int(columns[e]) * k
                                    VectorOps.axpy((c - 1) * VectorOps.dot(yi, p, k), yi, ap, k)
                                }
                                let step = rsOld / VectorOps.dot(p, ap, k)
                                VectorOps.axpy(step, p, x, k)
                                VectorOps.axpy(-step, ap, r, k)
                                let rsNew = VectorOps.dot(r, r, k)
                                let beta = rsNew / rsOld
                                for f in 0..<k { p[f] = r[f] + beta * p[f] }
                                rsOld = rsNew
                            }
                        }
                    }
                }
            }
        }
    }

    /// x = c·z / (1 + (c−1)·yᵀz), with z = (YᵀY + λI)⁻¹y: the exact solution
    /// of a row whose only observed column is y. `z` may be `x` itself.
    @inline(__always)
    static func shermanMorrison(
        _ x: UnsafeMutablePointer<Float>, z: UnsafePointer<Float>, y: UnsafePointer<Float>, confidence c: Float, k: Int
    ) {
        let scale = c / (1 + (c - 1) * VectorOps.dot(y, z, k))
        for f in 0..<k { x[f] = z[f] * scale }
    }

    /// The inverse of a symmetric positive-definite k×k matrix (Gauss–Jordan
    /// in Double; k is small and this runs once per half-step).
    static func invert(_ m: [Float], k: Int) -> [Float] {
        var a = m.map(Double.init)
        var inv = [Double](repeating: 0, count: k * k)
        for i in 0..<k { inv[i * k + i] = 1 }
        for col in 0..<k {
            var pivot = col
            for r in col..<k where abs(a[r * k + col]) > abs(a[pivot * k + col]) { pivot = r }
            if pivot != col {
                for c in 0..<k {
                    a.swapAt(pivot * k + c, col * k + c)
                    inv.swapAt(pivot * k + c, col * k + c)
                }
            }
            let d = a[col * k + col]
            guard d != 0 else { continue }
            for c in 0..<k {
                a[col * k + c] /= d
                inv[col * k + c] /= d
            }
            for r in 0..<k where r != col {
                let f = a[r * k + col]
                if f == 0 { continue }
                for c in 0..<k {
                    a[r * k + c] -= f * a[col * k + c]
                    inv[r * k + c] -= f * inv[col * k + c]
                }
            }
        }
        return inv.map(Float.init)
    }

    /// The full objective over every (user, item) pair, observed or not:
    /// Σ_all (x·y)² is Σ_u x_uᵀ(YᵀY)x_u, then observed pairs are corrected.
    public static func loss(_ matrix: InteractionMatrix, model: FactorModel, options: ALSOptions) -> Double {
        let k = model.factors
        let g = gram(model.itemFactors, k: k, regularization: 0)
        var total = 0.0
        var gx = [Float](repeating: 0, count: k)
        for u in 0..<matrix.rows {
            let xu = Array(model.userFactors[u * k..<(u + 1) * k])
            for a in 0..<k {
                var s = 0.0
                for b in 0..<k { s += Double(g[a * k + b]) * Double(xu[b]) }
                gx[a] = Float(s)
            }
            for a in 0..<k { total += Double(xu[a]) * Double(gx[a]) }
            for e in matrix.row(u) {
                let c = 1 + options.alpha * Double(matrix.value[e])
                let s = Double(model.score(user: u, item: Int(matrix.column[e])))
                total += c * (1 - s) * (1 - s) - s * s
            }
        }
        let norms = (model.userFactors + model.itemFactors).reduce(0.0) { $0 + Double($1) * Double($1) }
        return total + options.regularization * norms
    }
}

/// Runs `body` for every chunk: on all cores, or in order on the calling
/// thread when `threads` is 1. Chunks never share output rows, so the
/// result is the same either way.
func forEachChunk(_ chunks: Int, threads: Int, _ body: @Sendable (Int) -> Void) {
    if threads <= 1 {
        for chunk in 0..<chunks { body(chunk) }
    } else {
        DispatchQueue.concurrentPerform(iterations: chunks, execute: body)
    }
}

/// A buffer whose rows are written by several threads, each row by exactly
/// one of them (the caller guarantees the partition), so no two threads
/// touch the same bytes.
struct DisjointRows: @unchecked Sendable {
    let base: UnsafeMutablePointer<Float>
    init(_ base: UnsafeMutablePointer<Float>) { self.base = base }
}
