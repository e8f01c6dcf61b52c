import Candidates
import Dataset
import Foundation
import Testing

@testable import Candidates

/// A small user × item world with two taste groups (items 0–9 and 10–19),
/// so factor models have structure to find and a held-out pair per user.
enum FactorFixture {
    static let users = 60
    static let items = 20

    /// (train matrix, held-out (user, item) pairs).
    static func make(seed: UInt64 = 7) -> (InteractionMatrix, [(Int, Int32)]) {
        var rng = SplitMix64(seed: seed)
        var start: [Int32] = [0]
        var column: [Int32] = []
        var value: [Float] = []
        var heldOut: [(Int, Int32)] = []
        for u in 0..<users {
            let base = u % 2 == 0 ? 0 : 10
            var chosen = Set<Int32>()
            while chosen.count < 5 { chosen.insert(Int32(base + rng.below(10))) }
            // One off-taste item now and then, so the groups are not perfectly separable.
            if rng.below(4) == 0 { chosen.insert(Int32((base + 10 + rng.below(10)) % items)) }
            let sorted = chosen.sorted()
            let held = sorted[rng.below(sorted.count)]
            heldOut.append((u, held))
            for i in sorted where i != held {
                column.append(i)
                value.append(Float(1 + rng.below(3)))
            }
            start.append(Int32(column.count))
        }
        return (InteractionMatrix(rows: users, columns: items, start: start, column: column, value: value), heldOut)
    }

    /// Share of (held-out item, untouched item of the other taste group)
    /// pairs the model orders correctly: 0.5 for a random model.
    static func heldOutAUC(_ model: FactorModel, _ matrix: InteractionMatrix, _ heldOut: [(Int, Int32)]) -> Double {
        var right = 0.0
        var total = 0.0
        for (u, positive) in heldOut {
            let otherGroup: Range<Int32> = u % 2 == 0 ? 10..<20 : 0..<10
            for j in otherGroup where j != positive && !matrix.contains(row: u, column: j) {
                let sp = model.score(user: u, item: Int(positive))
                let sn = model.score(user: u, item: Int(j))
                right += sp > sn ? 1 : sp == sn ? 0.5 : 0
                total += 1
            }
        }
        return right / total
    }
}

struct ImplicitALSTests {
    var options: ALSOptions {
        var o = ALSOptions()
        o.factors = 2
        o.iterations = 15
        o.alpha = 3
        o.regularization = 1
        o.cgSteps = 3
        return o
    }

    @Test func lossDecreasesEveryIteration() {
        let (matrix, _) = FactorFixture.make()
        var losses: [Double] = []
        var o = options
        o.factors = 12  // wider than one SIMD block, with a tail
        o.cgSteps = 3
        _ = ImplicitALS.fit(matrix, options: o, threads: 2) { _, model in
            losses.append(ImplicitALS.loss(matrix, model: model, options: o))
        }
        #expect(losses.count == o.iterations)
        for (a, b) in zip(losses, losses.dropFirst()) { #expect(b <= a * (1 + 1e-6), "\(losses)") }
        #expect(losses.last! < losses.first! * 0.99)
    }

    /// One row update against fixed item factors equals the closed-form
    /// least-squares solution (YᵀC_uY + λI)⁻¹ YᵀC_u p_u, solved here in Double.
    @Test func rowUpdateMatchesClosedForm() {
        let (matrix, _) = FactorFixture.make()
        var o = options
        o.factors = 12  // wider than one SIMD block, with a tail
        o.cgSteps = o.factors  // CG is exact in k steps
        let k = o.factors
        let model = ImplicitALS.fit(matrix, options: o, threads: 1)
        let y = model.itemFactors
        let confidence = matrix.value.map { 1 + Float(o.alpha) * $0 }
        let gram = ImplicitALS.gram(y, k: k, regularization: o.regularization)
        let inverse = ImplicitALS.invert(gram, k: k)
        var scratch = ImplicitALS.CGScratch(k: k)
        // Rows with several entries (CG) and with one entry (Sherman–Morrison).
        var checked = 0
        for u in [0, 1, 2, 3] {
            for entries in [matrix.row(u), matrix.row(u).prefix(1)] {
                var x = [Float](repeating: 0.01, count: k)
                x.withUnsafeMutableBufferPointer { xp in
                    ImplicitALS.solveRow(
                        xp.baseAddress!, entries: entries, columns: matrix.column, confidence: confidence, fixed: y,
                        gram: gram, inverse: inverse, k: k, steps: o.cgSteps, scratch: &scratch)
                }
                // A = YᵀY + λI + Σ (c−1) y yᵀ, b = Σ c y, in Double.
                var a = [Double](repeating: 0, count: k * k)
                var b = [Double](repeating: 0, count: k)
                for i in 0..<FactorFixture.items {
                    for r in 0..<k {
                        for c in 0..<k { a[r * k + c] += Double(y[i * k + r]) * Double(y[i * k + c]) }
                    }
                }
                for r in 0..<k { a[r * k + r] += o.regularization }
                for e in entries {
                    let i = Int(matrix.column[e])
                    let c = Double(confidence[e])
                    for r in 0..<k {
                        b[r] += c * Double(y[i * k + r])
                        for cc in 0..<k { a[r * k + cc] += (c - 1) * Double(y[i * k + r]) * Double(y[i * k + cc]) }
                    }
                }
                let exact = solve(a, b, k)
                for f in 0..<k { #expect(abs(Double(x[f]) - exact[f]) < 1e-4, "user \(u) factor \(f)") }
                checked += 1
            }
        }
        #expect(checked == 8)
    }

    /// A half-step (which shares the one-entry solves per column) gives
    /// bit for bit what solving each row alone gives.
    @Test func sharedOneEntrySolvesEqualRowSolves() {
        // Rows 0–2 share column 0, rows 3–4 column 1; one row with two entries, one empty.
        let matrix = InteractionMatrix(
            rows: 7, columns: 4, start: [0, 1, 2, 3, 4, 5, 7, 7], column: [0, 0, 0, 1, 1, 2, 3],
            value: [1, 4, 6, 1, 2, 1, 3])
        let k = 12
        var rng = SplitMix64(seed: 3)
        let y = (0..<4 * k).map { _ in Float(rng.unit() - 0.5) }
        let start = (0..<7 * k).map { _ in Float(rng.unit() * 0.1) }
        var o = ALSOptions()
        o.factors = k
        let confidence = matrix.value.map { 1 + Float(o.alpha) * $0 }
        var x = start
        ImplicitALS.halfStep(
            solving: &x, fixed: y, rows: matrix, confidence: confidence, k: k, options: o, threads: 2)
        let gram = ImplicitALS.gram(y, k: k, regularization: o.regularization)
        let inverse = ImplicitALS.invert(gram, k: k)
        var scratch = ImplicitALS.CGScratch(k: k)
        var expected = start
        expected.withUnsafeMutableBufferPointer { e in
            for r in 0..<7 {
                ImplicitALS.solveRow(
                    e.baseAddress! + r * k, entries: matrix.row(r), columns: matrix.column, confidence: confidence,
                    fixed: y, gram: gram, inverse: inverse, k: k, steps: o.cgSteps, scratch: &scratch)
            }
        }
        #expect(x == expected)
        #expect(x[6 * k..<7 * k].allSatisfy { $0 == 0 })
        #expect(x[0..<k] != x[k..<2 * k])  // same column, different confidence
    }

    @Test func sameSeedSameModelWhateverTheThreads() {
        let (matrix, _) = FactorFixture.make()
        let a = ImplicitALS.fit(matrix, options: options, threads: 1)
        let b = ImplicitALS.fit(matrix, options: options, threads: 2)
        #expect(a.userFactors == b.userFactors)
        #expect(a.itemFactors == b.itemFactors)
    }

    @Test func ranksHeldOutItemsAboveChance() {
        let (matrix, heldOut) = FactorFixture.make()
        let auc = FactorFixture.heldOutAUC(ImplicitALS.fit(matrix, options: options), matrix, heldOut)
        // Two taste groups, two factors: a fit that found them scores ~0.99.
        #expect(auc > 0.9, "ALS held-out AUC \(auc)")
    }

    /// Gaussian elimination with partial pivoting.
    func solve(_ m: [Double], _ v: [Double], _ k: Int) -> [Double] {
        var a = m
        var b = v
        for col in 0..<k {
            let p = (col..<k).max { abs(a[$0 * k + col]) < abs(a[$1 * k + col]) }!
            for c in 0..<k { a.swapAt(p * k + c, col * k + c) }
            b.swapAt(p, col)
            for r in col + 1..<k {
                let f = a[r * k + col] / a[col * k + col]
                for c in col..<k { a[r * k + c] -= f * a[col * k + c] }
                b[r] -= f * b[col]
            }
        }
        var x = [Double](repeating: 0, count: k)
        for r in stride(from: k - 1, through: 0, by: -1) {
            var s = b[r]
            for c in r + 1..<k { s -= a[r * k + c] * x[c] }
            x[r] = s / a[r * k + r]
        }
        return x
    }
}

struct BPRTests {
    @Test func heldOutAUCAboveBound() {
        let (matrix, heldOut) = FactorFixture.make()
        for negatives in NegativeSampling.allCases {
            for blocks in [1, 2] {
                var o = BPROptions()
                o.factors = 8
                o.iterations = 200
                o.learningRate = 0.05
                o.negatives = negatives
                o.blocks = blocks
                let model = BPR.fit(matrix, options: o)
                let auc = FactorFixture.heldOutAUC(model, matrix, heldOut)
                // Taste groups of 10 of 20 items: a model that learned them orders
                // held-out same-group items above most other-group ones (random: 0.5).
                #expect(auc > 0.75, "BPR (\(negatives), \(blocks) blocks) held-out AUC \(auc)")
            }
        }
    }

    @Test func deterministicForASeed() {
        let (matrix, _) = FactorFixture.make()
        var o = BPROptions()
        o.factors = 4
        o.iterations = 5
        #expect(BPR.fit(matrix, options: o).itemFactors == BPR.fit(matrix, options: o).itemFactors)
        o.seed = 43
        let other = BPR.fit(matrix, options: o)
        o.seed = 42
        #expect(BPR.fit(matrix, options: o).itemFactors != other.itemFactors)
    }
}

struct InteractionMatrixTests {
    @Test func sumsKindWeightsPerUserAndItem() {
        // user 0: item 3 viewed twice and carted; item 1 bought. user 1: nothing. user 2: item 3 viewed.
        let log = InteractionLog(
            time: [1, 2, 3, 4, 5], user: [0, 0, 0, 0, 2], item: [3, 1, 3, 3, 3], kind: [0, 2, 0, 1, 0],
            userStart: [0, 4, 4, 5])
        let m = InteractionMatrix(log: log, itemCount: 5, kindWeight: [1, 4, 6])
        #expect(m.start == [0, 2, 2, 3])
        #expect(m.column == [1, 3, 3])
        #expect(m.value == [6, 6, 1])
        #expect(m.contains(row: 0, column: 3) && !m.contains(row: 0, column: 2) && !m.contains(row: 1, column: 3))
        let t = m.transposed()
        #expect(t.rows == 5 && t.start == [0, 0, 1, 1, 3, 3] && t.column == [0, 0, 2])
    }

    @Test func factorCandidatesTopMatchesSortedScores() {
        let (matrix, _) = FactorFixture.make()
        var o = ALSOptions()
        o.factors = 4
        o.iterations = 3
        let model = ImplicitALS.fit(matrix, options: o)
        let pool: [Int32] = [3, 7, 11, 15, 19, 0]
        let candidates = FactorCandidates(name: "als", model: model, pool: pool, limit: 30)
        let expected = pool.map { ($0, model.score(user: 5, item: Int($0))) }
            .sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }.prefix(4).map(\.0)
        #expect(candidates.top(user: 5, limit: 4).map(\.item) == Array(expected))
        #expect(candidates.top(user: 999, limit: 4).isEmpty)
    }

    /// The blocked pool scoring agrees with the model's own dot product
    /// (factors not a multiple of the SIMD width, a pool that does not fill
    /// its last block, item biases as BPR has); a candidate's score is its
    /// pool score, 0 outside the pool (and for an id outside the model).
    @Test func poolAndCandidateScoresMatchTheModel() {
        var rng = SystemRandomNumberGenerator()
        let (users, items, k) = (7, 300, 40)
        let model = FactorModel(
            factors: k, userFactors: (0..<users * k).map { _ in Float.random(in: -1...1, using: &rng) },
            itemFactors: (0..<items * k).map { _ in Float.random(in: -1...1, using: &rng) },
            itemBias: (0..<items).map { _ in Float.random(in: -1...1, using: &rng) })
        let pool: [Int32] = (0..<Int32(items)).shuffled(using: &rng).prefix(70).map { $0 }
        let candidates = FactorCandidates(name: "bpr", model: model, pool: pool, limit: 30)
        let outside = (0..<Int32(items)).filter { !pool.contains($0) }
        let asked: [Int32] = [pool[0], outside[0], pool[69], outside.last!, pool[33], -1, Int32(items)]
        for user in 0..<users {
            let scores = candidates.poolScores(user: user)
            #expect(scores.count == pool.count)
            for (p, item) in pool.enumerated() {
                #expect(abs(scores[p] - model.score(user: user, item: Int(item))) < 1e-4)
            }
            let got = candidates.scores(poolPositions: candidates.poolPositions(of: asked), poolScores: scores)
            for (item, score) in zip(asked, got) {
                let expected = pool.contains(item) ? model.score(user: user, item: Int(item)) : 0
                #expect(abs(score - expected) < 1e-4, "item \(item)")
            }
        }
        #expect(candidates.poolScores(user: users).isEmpty)
    }
}
