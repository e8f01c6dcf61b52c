import Foundation
import Testing

@testable import Evaluation

struct RankingMetricsTests {
    @Test func rankingMetricsOnAHandMadeCase() {
        let tests = [
            TestUser(user: 0, time: 0, relevant: [1, 2]),
            TestUser(user: 1, time: 0, relevant: [9]),
        ]
        let lists: [[Int32]] = [[1, 5, 2], [7]]
        let m = RankingMetrics.measure(lists: lists, tests: tests, k: 3, catalogue: 10)
        // User 0: hits at ranks 1 and 3; user 1: none, and a short list still counts K.
        #expect(abs(m.precision - (2.0 / 3 + 0) / 2) < 1e-12)
        #expect(abs(m.recall - (1.0 + 0) / 2) < 1e-12)
        let dcg = 1 + 1 / log2(4.0)
        let idcg = 1 + 1 / log2(3.0)
        #expect(abs(m.ndcg - (dcg / idcg) / 2) < 1e-12)
        #expect(m.hitRate == 0.5)
        #expect(abs(m.map - ((1 + 2.0 / 3) / 2) / 2) < 1e-12)
        #expect(abs(m.coverage - 4.0 / 10) < 1e-12)
    }
}
