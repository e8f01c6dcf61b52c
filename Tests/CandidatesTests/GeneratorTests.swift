import Dataset
import Foundation
import RecsysCore
import Testing

@testable import Candidates

struct GeneratorTests {
    @Test func historyIsMostRecentFirstAndSumsRepeats() {
        let config = RecsysConfig()
        let user = UserState(items: [7, 8, 7], times: [0, 10, 20], kinds: [0, 0, 1], categories: [1, 1, 1])
        let scores = RecentHistory(config: config).scores(for: user, at: 20, limit: 10)
        #expect(scores.map(\.item) == [7, 8])
        let expected = config.kindWeight[1] * config.decay(ageMs: 0) + config.kindWeight[0] * config.decay(ageMs: 20)
        #expect(abs(scores[0].score - expected) < 1e-12)
        #expect(RecentHistory(config: config).scores(for: user, at: 20, limit: 1).count == 1)
    }

    @Test func categoryPopularityClimbsToTheParent() {
        // Category 1 (child of 0) has one item; its parent lists three.
        let cp = CategoryPopularity(
            start: [0, 3, 4], items: [10, 11, 12, 10], scores: [1, 0.5, 0.25, 1], parent: [-1, 0], minItems: 3)
        let user = UserState(items: [10], times: [0], kinds: [0], categories: [1])
        var set = CandidateSet(columns: 1)
        cp.propose(for: user, at: 0, limit: 10, categories: 1, config: RecsysConfig(), into: &set, slot: 0)
        #expect(set.items == [10, 11, 12])
        #expect(set.provenance.allSatisfy { $0 == .slot(0) })
        // The user's own category scores higher than the parent's items.
        #expect(set[slot: 0, candidate: 0] == 1)
        #expect(set[slot: 0, candidate: 1] == 0.25)
    }

    /// Each category's list is its subtree's popular, available items, most popular first, ties by the
    /// smaller id, cut at `categoryListLength`, scored relative to the first: by a full sort of the members.
    @Test func categoryListsFromItemStatsMatchAFullSort() throws {
        var rng = SystemRandomNumberGenerator()
        // 0 and 1 roots; 2, 3 under 0; 4 under 2; 5 under 1.
        let tree = try CategoryTree(
            pairs: [(0, nil), (1, nil), (2, 0), (3, 0), (4, 2), (5, 1)], extraCategories: [])
        let n = 3000
        // Few distinct popularity values, so ties are common and the id order decides.
        let stats = ItemStats(
            category: (0..<n).map { _ in Int32.random(in: -1..<6, using: &rng) },
            available: (0..<n).map { _ in Int8.random(in: -1...1, using: &rng) },
            popularity: (0..<n).map { _ in Float(Int.random(in: 0..<40, using: &rng)) / 4 },
            views: [Int32](repeating: 0, count: n), carts: [Int32](repeating: 0, count: n),
            purchases: [Int32](repeating: 0, count: n))
        var config = RecsysConfig()
        config.categoryListLength = 150
        let lists = CategoryPopularity(stats: stats, tree: tree, config: config)
        var cut = 0
        for c in 0..<tree.count {
            let members = (0..<n).filter { i in
                stats.popularity[i] > 0 && stats.available[i] != 0 && stats.category[i] >= 0
                    && tree.pathToRoot(Int(stats.category[i])).contains(c)
            }
            let expected = members.sorted {
                stats.popularity[$0] != stats.popularity[$1] ? stats.popularity[$0] > stats.popularity[$1] : $0 < $1
            }.prefix(config.categoryListLength)
            if members.count > config.categoryListLength { cut += 1 }
            let r = lists.list(of: c)
            #expect(lists.items[r].map(Int.init) == Array(expected), "category \(c)")
            let top = expected.first.map { stats.popularity[$0] } ?? 1
            #expect(lists.scores[r].elementsEqual(expected.map { stats.popularity[$0] / top }), "category \(c)")
        }
        // Some lists were longer than the cut (else the selection went untested).
        #expect(cut >= 2)
    }

    /// The trend counts the last week only, halves each day, and never looks at or past the reference time.
    @Test func trendingWeightsCountTheLastWeekHalvedEachDay() {
        let config = RecsysConfig()
        let day = EventTime.msPerDay
        let reference = 100 * day
        // Item 0: viewed now-1 day and now-2 days; item 1: viewed 8 days ago (outside); item 2: carted 0.5
        // days ago; item 3: viewed at the reference time (not before it).
        let log = InteractionLog(
            time: [reference - 2 * day, reference - day, reference - 8 * day, reference - day / 2, reference],
            user: [0, 0, 0, 0, 0], item: [0, 0, 1, 2, 3], kind: [0, 0, 0, 1, 0], userStart: [0, 5])
        let w = TrendingCandidates.recentWeights(log: log, itemCount: 4, reference: reference, config: config)
        #expect(abs(Double(w[0]) - config.kindWeight[0] * (0.5 + 0.25)) < 1e-6)
        #expect(w[1] == 0)
        #expect(abs(Double(w[2]) - config.kindWeight[1] * 0.5.squareRoot()) < 1e-5)
        #expect(w[3] == 0)
    }

    @Test func categoryAffinityPutsTheMostRecentFirst() {
        let config = RecsysConfig()
        let user = UserState(
            items: [1, 2, 3, 4], times: [0, 1, 2, 3], kinds: [1, 1, 1, 0], categories: [5, 5, 5, 9])
        let affinity = user.categoryAffinity(at: 3, config: config)
        #expect(affinity.map(\.category) == [9, 5])
        #expect(abs(affinity.map(\.share).reduce(0, +) - 1) < 1e-12)
    }
}
