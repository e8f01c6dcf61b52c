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
}

extension RankingMetrics {
    /// Precision counts K in the denominator even when a list is shorter.
    public static func measure(lists: [[Int32]], tests: [TestUser], k: Int, catalogue: Int) -> RankingMetrics {
        var p = 0.0
        var r = 0.0
        var ndcg = 0.0
        var hit = 0.0
        var map = 0.0
        var shown = Set<Int32>()
        for (list, t) in zip(lists, tests) {
            let top = list.prefix(k)
            shown.formUnion(top)
            var hits = 0
            var dcg = 0.0
            var ap = 0.0
            for (rank, item) in top.enumerated() where t.relevant.contains(item) {
                hits += 1
                dcg += 1 / log2(Double(rank + 2))
                ap += Double(hits) / Double(rank + 1)
            }
            let ideal = (0..<min(k, t.relevant.count)).reduce(0.0) { $0 + 1 / log2(Double($1 + 2)) }
            p += Double(hits) / Double(k)
            r += Double(hits) / Double(t.relevant.count)
            ndcg += ideal > 0 ? dcg / ideal : 0
            hit += hits > 0 ? 1 : 0
            map += ap / Double(min(k, t.relevant.count))
        }
        let n = Double(max(tests.count, 1))
        return RankingMetrics(
            k: k, precision: p / n, recall: r / n, ndcg: ndcg / n, hitRate: hit / n, map: map / n,
            coverage: catalogue > 0 ? Double(shown.count) / Double(catalogue) : 0)
    }
}
