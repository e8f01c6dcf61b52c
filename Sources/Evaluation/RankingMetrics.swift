import Foundation

/// Ranking quality of one method at one cutoff K.
public struct RankingMetrics: Codable, Sendable {
    public var k: Int
    public var precision: Double
    public var recall: Double
    public var ndcg: Double
    public var hitRate: Double
    public var map: Double
    /// Distinct recommended items / items with any event before the cutoff.
    public var coverage: Double
    /// Bootstrap 95 % intervals of NDCG and recall over test users (at the
    /// report's interval cutoff only, else nil).
    public var ndcgInterval: BootstrapInterval?
    public var recallInterval: BootstrapInterval?

    public init(
        k: Int, precision: Double, recall: Double, ndcg: Double, hitRate: Double, map: Double, coverage: Double,
        ndcgInterval: BootstrapInterval? = nil, recallInterval: BootstrapInterval? = nil
    ) {
        self.k = k
        self.precision = precision
        self.recall = recall
        self.ndcg = ndcg
        self.hitRate = hitRate
        self.map = map
        self.coverage = coverage
        self.ndcgInterval = ndcgInterval
        self.recallInterval = recallInterval
    }
}

/// One test user's scores at one cutoff: the terms the metrics average.
public struct UserScores: Sendable, Equatable {
    public var precision: Double
    public var recall: Double
    public var ndcg: Double
    public var hit: Double
    public var averagePrecision: Double
}

extension RankingMetrics {
    /// Precision counts K in the denominator even when a list is shorter.
    public static func measure(lists: [[Int32]], tests: [TestUser], k: Int, catalogue: Int) -> RankingMetrics {
        var shown = Set<Int32>()
        for list in lists.prefix(tests.count) { shown.formUnion(list.prefix(k)) }
        let users = perUser(lists: lists, tests: tests, k: k)
        func mean(_ value: (UserScores) -> Double) -> Double {
            users.reduce(0) { $0 + value($1) } / Double(max(tests.count, 1))
        }
        return RankingMetrics(
            k: k, precision: mean(\.precision), recall: mean(\.recall), ndcg: mean(\.ndcg), hitRate: mean(\.hit),
            map: mean(\.averagePrecision),
            coverage: catalogue > 0 ? Double(shown.count) / Double(catalogue) : 0)
    }

    /// Each test user's scores at K, in the order of `tests` (what the
    /// bootstrap resamples); `measure`'s metrics are their means.
    public static func perUser(lists: [[Int32]], tests: [TestUser], k: Int) -> [UserScores] {
        zip(lists, tests).map { list, t in
            var hits = 0
            var dcg = 0.0
            var ap = 0.0
            for (rank, item) in list.prefix(k).enumerated() where t.relevant.contains(item) {
                hits += 1
                dcg += 1 / log2(Double(rank + 2))
                ap += Double(hits) / Double(rank + 1)
            }
            let ideal = (0..<min(k, t.relevant.count)).reduce(0.0) { $0 + 1 / log2(Double($1 + 2)) }
            return UserScores(
                precision: Double(hits) / Double(k), recall: Double(hits) / Double(t.relevant.count),
                ndcg: ideal > 0 ? dcg / ideal : 0, hit: hits > 0 ? 1 : 0,
                averagePrecision: ap / Double(min(k, t.relevant.count)))
        }
    }
}
