import Features
import Foundation
import Testing

@testable import Ranker

struct LogisticRegressionTests {
    struct Fixture: Decodable {
        var x: [[Double]]
        var y: [Int]
        var c: Double
        var coef: [Double]
        var intercept: Double

        enum CodingKeys: String, CodingKey {
            case x = "X"
            case y
            case c = "C"
            case coef
            case intercept
        }
    }

    func fixture() throws -> Fixture {
        let url = try #require(
            Bundle.module.url(forResource: "sklearn_balanced_lr", withExtension: "json", subdirectory: "Fixtures"))
        return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }

    @Test func matchesScikitLearnBalancedOptimum() throws {
        let f = try fixture()
        var rows = SparseRows(columns: f.x[0].count)
        for x in f.x {
            for (j, v) in x.enumerated() { rows.put(j, v) }
            rows.endRow()
        }
        let (model, report) = LogisticRegression.fit(rows: rows, labels: f.y.map(UInt8.init), l2: 1 / f.c)
        #expect(report.converged)
        for (ours, theirs) in zip(model.weights, f.coef) {
            #expect(abs(ours - theirs) < 1e-3, "coefficient \(ours) vs scikit-learn \(theirs)")
        }
        #expect(abs(model.intercept - f.intercept) < 1e-3)
        let positives = f.y.reduce(0, +)
        #expect(abs(report.positiveWeight - Double(f.y.count) / (2 * Double(positives))) < 1e-12)
    }

    @Test func deterministicAcrossBlockCounts() throws {
        let f = try fixture()
        var rows = SparseRows(columns: f.x[0].count)
        for x in f.x {
            for (j, v) in x.enumerated() { rows.put(j, v) }
            rows.endRow()
        }
        let (a, _) = LogisticRegression.fit(rows: rows, labels: f.y.map(UInt8.init), l2: 1, blocks: 1)
        let (b, _) = LogisticRegression.fit(rows: rows, labels: f.y.map(UInt8.init), l2: 1, blocks: 1)
        let (c, _) = LogisticRegression.fit(rows: rows, labels: f.y.map(UInt8.init), l2: 1, blocks: 3)
        #expect(a == b)
        for (x, y) in zip(a.weights, c.weights) { #expect(abs(x - y) < 1e-9) }
    }

    /// The holdout fit reads a prefix of the rows (the training users') with the validation users' after it.
    @Test func aPrefixFitsExactlyAsThoseRowsAlone() throws {
        let f = try fixture()
        var all = SparseRows(columns: f.x[0].count)
        var prefix = SparseRows(columns: f.x[0].count)
        let cut = f.x.count * 3 / 4
        for (r, x) in f.x.enumerated() {
            for (j, v) in x.enumerated() {
                all.put(j, v)
                if r < cut { prefix.put(j, v) }
            }
            all.endRow()
            if r < cut { prefix.endRow() }
        }
        let labels = f.y.map(UInt8.init)
        let (alone, aloneReport) = LogisticRegression.fit(rows: prefix, labels: Array(labels[..<cut]), l2: 1)
        let (read, readReport) = LogisticRegression.fit(rows: all, labels: labels, rowCount: cut, l2: 1)
        #expect(read == alone)
        #expect(readReport.positives == aloneReport.positives && readReport.negatives == aloneReport.negatives)
        // And the rows after the prefix do count when asked for all.
        let (whole, _) = LogisticRegression.fit(rows: all, labels: labels, l2: 1)
        #expect(whole != alone)
    }

    @Test func singleClassGivesZeroModelNotACrash() {
        var rows = SparseRows(columns: 2)
        rows.put(0, 1)
        rows.endRow()
        let (m, report) = LogisticRegression.fit(rows: rows, labels: [1], l2: 1)
        #expect(m.weights == [0, 0])
        #expect(report.iterations == 0)
    }

    @Test func aucAndLogLoss() {
        #expect(BinaryMetrics.auc(scores: [0.1, 0.4, 0.35, 0.8], labels: [0, 0, 1, 1]) == 0.75)
        #expect(BinaryMetrics.auc(scores: [0.5, 0.5], labels: [0, 1]) == 0.5)
        let ll = BinaryMetrics.logLoss(probabilities: [0.9, 0.2], labels: [1, 0])
        #expect(abs(ll - (-(log(0.9) + log(0.8)) / 2)) < 1e-12)
    }
}
