import Dataset
import Foundation
import Testing

@testable import Evaluation

/// The paired bootstrap of a difference of means, the comparison of the
/// two-stage pipeline with the best single method, and the all-history share.
struct PairedBootstrapTests {
    /// n per-user values in [0, 1], drawn from a seeded generator.
    static func uniform(_ n: Int, seed: UInt64) -> [Double] {
        var rng = SplitMix64(seed: seed)
        return (0..<n).map { _ in Double(rng.next() >> 11) / Double(1 << 53) }
    }

    @Test func identicalInputsGiveAZeroWidthIntervalAtZero() {
        let a = Self.uniform(500, seed: 1)
        #expect(Bootstrap.pairedDifference(a, a) == BootstrapInterval(low: 0, high: 0))
        #expect(Bootstrap.pairedDifference([], []) == BootstrapInterval(low: 0, high: 0))
    }

    /// Every user 0.1 better: each resample's difference is 0.1, whatever
    /// the users drawn (an unpaired bootstrap would give a wide interval).
    @Test func aConstantShiftGivesTheShiftAsAZeroWidthInterval() {
        let b = Self.uniform(500, seed: 2)
        let a = b.map { $0 + 0.1 }
        let i = Bootstrap.pairedDifference(a, b)
        #expect(abs(i.low - 0.1) < 1e-12 && abs(i.high - 0.1) < 1e-12, "\(i)")
        #expect(i.width < 1e-12)
        let worse = Bootstrap.pairedDifference(b, a)
        #expect(abs(worse.low + 0.1) < 1e-12 && abs(worse.high + 0.1) < 1e-12, "\(worse)")
    }

    /// Two correlated samples of 4000 users: b uniform, a = b plus a
    /// per-user gain of mean 0.01 (uniform in [−0.09, 0.11]). The interval
    /// holds the true difference 0.01, excludes 0, and is about
    /// ±1.96·σ/√n wide (σ of the gain = 0.2/√12); the two samples' own
    /// intervals overlap, so only pairing shows the difference.
    @Test func aKnownPairedDifferenceIsFoundAndExcludesZero() {
        let n = 4000
        let b = Self.uniform(n, seed: 3)
        let gain = Self.uniform(n, seed: 4).map { $0 * 0.2 - 0.09 }
        let a = zip(b, gain).map { $0 + $1 }
        let i = Bootstrap.pairedDifference(a, b)
        let observed = a.reduce(0, +) / Double(n) - b.reduce(0, +) / Double(n)
        #expect(i.low < 0.01 && 0.01 < i.high, "\(i)")
        #expect(i.low < observed && observed < i.high, "\(i), observed \(observed)")
        #expect(i.low > 0, "\(i)")
        let normal = 2 * 1.96 * 0.2 / 12.0.squareRoot() / Double(n).squareRoot()
        #expect(abs(i.width - normal) < 0.2 * normal, "width \(i.width), normal \(normal)")
        // Unpaired, the two intervals overlap: the difference is within their noise.
        let (ia, ib) = (Bootstrap.interval(a), Bootstrap.interval(b))
        #expect(ia.low < ib.high, "\(ia) \(ib)")
        #expect(i.width < 0.5 * min(ia.width, ib.width))
    }

    @Test func theSameSeedGivesTheSameDifferenceInterval() {
        let (a, b) = (Self.uniform(300, seed: 5), Self.uniform(300, seed: 6))
        #expect(Bootstrap.pairedDifference(a, b, seed: 7) == Bootstrap.pairedDifference(a, b, seed: 7))
        #expect(Bootstrap.pairedDifference(a, b, seed: 7) != Bootstrap.pairedDifference(a, b, seed: 8))
        #expect(Bootstrap.pairedDifference(a, b) == Bootstrap.interval(zip(a, b).map { $0 - $1 }))
    }

    static func method(_ name: String, _ kind: String, ndcg: Double, k: Int = 10) -> MethodResult {
        MethodResult(
            name: name, kind: kind,
            metrics: [
                RankingMetrics(k: k, precision: 0, recall: 0, ndcg: ndcg, hitRate: 0, map: 0, coverage: 0.5)
            ],
            millisecondsPerUser: 0)
    }

    /// The best single method is the highest NDCG of kind "single", never an
    /// addition or an ablation that scores higher.
    @Test func theBestSingleMethodIsTheHighestSingleNDCG() throws {
        let users: [String: [Double]] = [
            "popularity": [0.1, 0.1, 0.1, 0.1], "item-CF": [0.2, 0.4, 0.0, 0.2],
            "history": [0.1, 0.3, 0.1, 0.1], "two-stage": [0.3, 0.4, 0.1, 0.2],
            "two-stage + als": [0.9, 0.9, 0.9, 0.9], "two-stage without history": [1, 1, 1, 1],
        ]
        func mean(_ name: String) -> Double { users[name]!.reduce(0, +) / 4 }
        let methods = [
            Self.method("popularity", "single", ndcg: mean("popularity")),
            Self.method("item-CF", "single", ndcg: mean("item-CF")),
            Self.method("history", "single", ndcg: mean("history")),
            Self.method("two-stage", "two-stage", ndcg: mean("two-stage")),
            Self.method("two-stage + als", "addition", ndcg: mean("two-stage + als")),
            Self.method("two-stage without history", "ablation", ndcg: mean("two-stage without history")),
        ]
        let c = try #require(
            BestSingleComparison.make(methods: methods, perUserNDCG: users, settings: BootstrapSettings(k: 10)))
        #expect(c.bestSingle == "item-CF")
        #expect(c.twoStage == "two-stage")
        #expect(abs(c.twoStageNDCG - 0.25) < 1e-12 && abs(c.bestSingleNDCG - 0.2) < 1e-12)
        #expect(abs(c.ratio - 1.25) < 1e-12)
        #expect(abs(c.difference - 0.05) < 1e-12)
        // Per-user differences 0.1, 0, 0.1, 0: every resample's mean is in [0, 0.1].
        #expect(c.differenceInterval.low >= 0 && c.differenceInterval.high <= 0.1 + 1e-12)
        #expect(c.differenceInterval.low <= c.difference && c.difference <= c.differenceInterval.high)
        // No two-stage method, or no per-user values: no comparison.
        #expect(
            BestSingleComparison.make(
                methods: methods.filter { $0.kind == "single" }, perUserNDCG: users,
                settings: BootstrapSettings(k: 10)) == nil)
        #expect(
            BestSingleComparison.make(methods: methods, perUserNDCG: [:], settings: BootstrapSettings(k: 10)) == nil)
        // Another cutoff than the metrics': nothing to compare.
        #expect(
            BestSingleComparison.make(methods: methods, perUserNDCG: users, settings: BootstrapSettings(k: 5)) == nil)
    }

    @Test func aZeroBestSingleGivesARatioOfZero() {
        let c = BestSingleComparison(
            k: 10, twoStage: "two-stage", bestSingle: "popularity", twoStageNDCG: 0.1, bestSingleNDCG: 0,
            differenceInterval: BootstrapInterval(low: 0.05, high: 0.15))
        #expect(c.ratio == 0)
        #expect(abs(c.difference - 0.1) < 1e-12)
    }

    /// Users 0, 1, 2 with histories {1, 2}, {3}, {4, 5}.
    @Test func allHistoryShareCountsAnswersMadeOnlyOfTheVisitorsItems() {
        let log = InteractionLog(
            time: [1, 2, 3, 4, 5], user: [0, 0, 1, 2, 2], item: [1, 2, 3, 4, 5], kind: [0, 0, 0, 0, 0],
            userStart: [0, 2, 3, 5])
        let tests = (0..<3).map { TestUser(user: $0, time: 10, relevant: [9]) }
        // 0: only history; 1: a new item; 2: empty (not all history).
        #expect(
            abs(
                OfflineEvaluation.allHistoryShare(lists: [[2, 1], [3, 7], []], tests: tests, trainLog: log, k: 10)
                    - 1.0 / 3) < 1e-12)
        // Only the first k items count: user 1's new item is at rank 2.
        #expect(
            abs(
                OfflineEvaluation.allHistoryShare(lists: [[2, 1], [3, 7], [5]], tests: tests, trainLog: log, k: 1)
                    - 1) < 1e-12)
        #expect(OfflineEvaluation.allHistoryShare(lists: [], tests: [], trainLog: log, k: 10) == 0)
    }
}
