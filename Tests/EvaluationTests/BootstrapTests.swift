import Foundation
import Testing

@testable import Evaluation

/// The bootstrap intervals of the offline report, and what they are drawn from.
struct BootstrapTests {
    @Test func aConstantSampleHasAZeroWidthInterval() {
        let i = Bootstrap.interval(Array(repeating: 0.25, count: 50))
        #expect(i == BootstrapInterval(low: 0.25, high: 0.25))
        #expect(Bootstrap.interval([]) == BootstrapInterval(low: 0, high: 0))
    }

    /// A 0/1 sample with mean 0.3: the interval holds the mean, is about
    /// ±1.96·sqrt(p(1−p)/n) wide, and narrows as n grows.
    @Test func aKnownSampleIntervalContainsTheMeanAndNarrowsWithN() {
        func sample(_ n: Int) -> [Double] { (0..<n).map { $0 % 10 < 3 ? 1 : 0 } }
        var widths: [Double] = []
        for n in [100, 400, 1600] {
            let i = Bootstrap.interval(sample(n))
            #expect(i.low < 0.3 && 0.3 < i.high, "n \(n): \(i)")
            let normal = 2 * 1.96 * (0.3 * 0.7 / Double(n)).squareRoot()
            #expect(abs(i.width - normal) < 0.25 * normal, "n \(n): width \(i.width), normal \(normal)")
            widths.append(i.width)
        }
        #expect(widths[0] > widths[1] && widths[1] > widths[2], "\(widths)")
        // Four times the users, about half the width.
        #expect(abs(widths[0] / widths[1] - 2) < 0.4)
    }

    @Test func theSameSeedGivesTheSameIntervalAndAnotherSeedMayNot() {
        let values = (0..<300).map { sin(Double($0)) * 0.5 + 0.5 }
        #expect(Bootstrap.interval(values, seed: 7) == Bootstrap.interval(values, seed: 7))
        #expect(Bootstrap.interval(values, seed: 7) != Bootstrap.interval(values, seed: 8))
        // Wider confidence, wider interval.
        #expect(Bootstrap.interval(values, confidence: 0.99).width > Bootstrap.interval(values, confidence: 0.8).width)
    }

    @Test func perUserScoresAverageToTheMetrics() {
        let tests = [
            TestUser(user: 0, time: 0, relevant: [1, 2]),
            TestUser(user: 1, time: 0, relevant: [9]),
            TestUser(user: 2, time: 0, relevant: [3, 4, 5]),
        ]
        let lists: [[Int32]] = [[1, 5, 2], [7], [5, 6, 3, 4]]
        let m = RankingMetrics.measure(lists: lists, tests: tests, k: 3, catalogue: 10)
        let users = RankingMetrics.perUser(lists: lists, tests: tests, k: 3)
        #expect(users.count == 3)
        #expect(users[1] == UserScores(precision: 0, recall: 0, ndcg: 0, hit: 0, averagePrecision: 0))
        #expect(abs(users.map(\.ndcg).reduce(0, +) / 3 - m.ndcg) < 1e-12)
        #expect(abs(users.map(\.recall).reduce(0, +) / 3 - m.recall) < 1e-12)
        #expect(abs(users[2].recall - 2.0 / 3) < 1e-12)
    }

    @Test func fewTestUsersGiveAWarning() {
        #expect(OfflineEvaluation.warnings(testUsers: 199).count == 1)
        #expect(OfflineEvaluation.warnings(testUsers: 199).first?.contains("only 199 test users") == true)
        #expect(OfflineEvaluation.warnings(testUsers: 200) == [])
    }
}
