import Candidates
import Foundation
import RecsysCore
import Testing

@testable import Features

/// One test per feature group: the group's every column for known
/// candidates, from the formulas of `FeatureBuilder`, computed once with all
/// groups on and once with that group alone (which must then be the only
/// non-zero columns).
struct FeatureGroupTests {
    /// Category 2 has its own one-hot column (raw id 1338); the user-kNN score is a model column.
    static let schema = FeatureSchema(
        categoryVocabulary: [2], categoryVocabularyRaw: [1338],
        models: [ModelColumn(generator: "userknn", scoreColumn: "userknn_score")])
    /// Slots: category 0, itemcf 1, history 2, userknn 3.
    static let layout = CandidateLayout(names: ["category", "itemcf", "history", "userknn"])
    static let config = RecsysConfig()
    static let hour: Int64 = 3_600_000
    /// Wednesday 2015-06-03 14:30 UTC.
    static let now: Int64 = 1_433_341_800_000

    /// Items 0…3: categories 2, 3, unknown, 2; available, not, unknown, available.
    static let stats = ItemStats(
        category: [2, 3, -1, 2], available: [1, 0, -1, 1], popularity: [4, 0, 1, 2.5], views: [10, 0, 0, 3],
        carts: [2, 0, 0, 0], purchases: [1, 0, 0, 1])

    /// Views item 0 (48 h ago), carts it (24 h), views item 1 (12 h), views item 3 (1 h).
    static let user = UserState(
        items: [0, 0, 1, 3], times: [now - 48 * hour, now - 24 * hour, now - 12 * hour, now - hour],
        kinds: [0, 1, 0, 0], categories: [2, 2, 3, 2])

    static func builder(_ groups: [FeatureGroup]) -> FeatureBuilder {
        var schema = Self.schema
        schema.enabled = groups
        return FeatureBuilder(schema: schema, stats: stats, config: config, categoryCount: 4, layout: layout)
    }

    static func rows(
        _ groups: [FeatureGroup], user: UserState = user, candidates: CandidateSet, at time: Int64 = now,
        recencyAt: Int64? = nil
    ) -> SparseRows {
        var rows = SparseRows(columns: schema.count)
        builder(groups).build(user: user, candidates: candidates, at: time, recencyAt: recencyAt, into: &rows)
        return rows
    }

    /// Checks every column of `group` against `expected` (one dictionary per
    /// candidate; columns left out must be 0), with all groups on and with
    /// `group` alone, when every other column must stay 0.
    static func check(
        _ group: FeatureGroup, _ candidates: CandidateSet, _ expected: [[String: Double]], at time: Int64 = now,
        recencyAt: Int64? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let names = schema.names
        for name in expected.flatMap(\.keys) {
            let k = schema.index(of: name)
            #expect(
                k.map { schema.groups[$0] } == group, "\(name) is not a \(group) column", sourceLocation: sourceLocation
            )
        }
        for groups in [FeatureGroup.allCases, [group]] {
            let rows = rows(groups, candidates: candidates, at: time, recencyAt: recencyAt)
            #expect(rows.count == expected.count, sourceLocation: sourceLocation)
            for (r, want) in expected.enumerated() where r < rows.count {
                let row = rows.dense(r)
                for (k, name) in names.enumerated() {
                    if schema.groups[k] == group {
                        let w = want[name] ?? 0
                        #expect(
                            abs(row[k] - w) <= 1e-12 * max(1, abs(w)), "row \(r) \(name): \(row[k]) ≠ \(w)",
                            sourceLocation: sourceLocation)
                    } else if groups.count == 1 {
                        #expect(
                            row[k] == 0, "row \(r) \(name) is set with only \(group) on", sourceLocation: sourceLocation
                        )
                    }
                }
            }
        }
    }

    static func decay(hours: Double) -> Double { exp2(-hours / config.decayHalfLifeHours) }

    @Test func timeIsTheHourOnACircleAndTheWeekdayOneHot() {
        var set = CandidateSet(columns: 4)
        set.add(0, from: .slot(0))
        set.add(1, from: .slot(1))
        let angle = 14.5 / 24 * 2 * Double.pi
        let wednesday = ["hour_sin": sin(angle), "hour_cos": cos(angle), "weekday_wed": 1.0]
        // The same for every candidate of the request.
        Self.check(.time, set, [wednesday, wednesday])
        // Sunday 2015-06-07 00:00 UTC: hour 0; the request time, not the recency time, sets them.
        let sunday: Int64 = 1_433_635_200_000
        let midnight = ["hour_sin": 0.0, "hour_cos": 1.0, "weekday_sun": 1.0]
        Self.check(.time, set, [midnight, midnight], at: sunday, recencyAt: Self.now)
    }

    @Test func categoryIsOneHotOverTheVocabularyWithOther() {
        var set = CandidateSet(columns: 4)
        for item: Int32 in [0, 1, 2, 3] { set.add(item, from: .slot(0)) }
        Self.check(
            .category, set,
            [["category_1338": 1], ["category_other": 1], ["category_other": 1], ["category_1338": 1]])
    }

    @Test func cfIsLog1pOfTenTimesTheItemCFScore() {
        var set = CandidateSet(columns: 4)
        set.add(1, slot: 1, score: 0.5)
        set.add(3, slot: 1, score: 2)
        set.add(0, from: .slot(0))
        // Another generator's score is not the CF score.
        set[slot: 0, candidate: 2] = 3
        Self.check(
            .cf, set,
            [
                ["cf_score_log": log1p(5), "cf_present": 1],
                ["cf_score_log": log1p(20), "cf_present": 1],
                [:],
            ])
    }

    @Test func popularityIsTheItemsDecayedCountAndTheCategoryScore() {
        var set = CandidateSet(columns: 4)
        set.add(0, slot: 0, score: 0.25)
        set.add(3, slot: 0, score: 2)
        set.add(1, slot: 1, score: 1)
        Self.check(
            .popularity, set,
            [
                [
                    "item_popularity_log": log1p(4), "category_popularity_score": 0.25,
                    "category_popularity_score_log": log(0.25) + 10,
                ],
                [
                    "item_popularity_log": log1p(2.5), "category_popularity_score": 2,
                    "category_popularity_score_log": log(2) + 10,
                ],
                // Popularity 0 and no category score.
                [:],
            ])
    }

    @Test func historyDescribesTheVisitorsTouchesOfTheCandidate() {
        var set = CandidateSet(columns: 4)
        set.add(0, slot: 2, score: 2)
        // Not proposed by the history, but with a history score.
        set.add(3, from: .slot(0))
        set[slot: 2, candidate: 1] = 0.75
        // Touched, but neither proposed by the history nor scored by it.
        set.add(1, from: .slot(1))
        // Proposed by the history, never touched.
        set.add(2, from: .slot(2))
        // Recency is measured from `recencyAt`, not from the request time.
        let later = Self.now + 30 * 24 * Self.hour
        Self.check(
            .history, set,
            [
                [
                    "history_views_log": log1p(1), "history_carted": 1, "history_recency": Self.decay(hours: 24),
                    "history_score_log": log1p(2), "history_recency_rank_inverse": 1.0 / 3,
                    "history_events_since_log": 1 + log1p(2),
                ],
                [
                    "history_views_log": log1p(1), "history_recency": Self.decay(hours: 1),
                    "history_score_log": log1p(0.75), "history_is_last_item": 1, "history_recency_rank_inverse": 1,
                    "history_events_since_log": 1,
                ],
                [:],
                [:],
            ], at: later, recencyAt: Self.now)
    }

    @Test func historyMarksPurchases() {
        let buyer = UserState(
            items: [1, 2], times: [Self.now - 2 * Self.hour, Self.now], kinds: [2, 0], categories: [3, -1])
        var set = CandidateSet(columns: 4)
        set.add(1, slot: 2, score: 6)
        let rows = Self.rows(FeatureGroup.allCases, user: buyer, candidates: set)
        let row = rows.dense(0)
        func value(_ name: String) -> Double { row[Self.schema.index(of: name)!] }
        #expect(value("history_bought") == 1)
        #expect(value("history_carted") == 0)
        #expect(value("history_views_log") == 0)
        #expect(value("history_recency") == Self.decay(hours: 2))
        #expect(value("history_recency_rank_inverse") == 1.0 / 2)
        #expect(value("history_events_since_log") == 1 + log1p(1))
    }

    @Test func contextIsTheVisitorsCategoriesAndTheItemsAvailability() {
        var set = CandidateSet(columns: 4)
        for item: Int32 in [0, 1, 2] { set.add(item, from: .slot(0)) }
        // Category weights at `now`: kind weight × decay, per category of the history.
        let w = Self.config.kindWeight
        let two = w[0] * Self.decay(hours: 48) + w[1] * Self.decay(hours: 24) + w[0] * Self.decay(hours: 1)
        let three = w[0] * Self.decay(hours: 12)
        Self.check(
            .context, set,
            [
                // Category 2: the most recent one (rank 1), available.
                [
                    "same_category_as_recent": 1, "user_category_share": two / (two + three),
                    "user_category_rank_inverse": 1, "available": 1,
                ],
                // Category 3: second, not available.
                ["user_category_share": three / (two + three), "user_category_rank_inverse": 0.5],
                // No category, availability unknown.
                ["availability_unknown": 1],
            ])
    }

    @Test func provenanceFlagsTheBuiltInGeneratorsThatProposed() {
        var set = CandidateSet(columns: 4)
        set.add(0, from: [.slot(0), .slot(2)])
        set.add(1, from: .slot(1))
        set.add(2, from: .slot(3))
        set.add(1, from: .slot(2))
        Self.check(
            .provenance, set,
            [
                ["from_category": 1, "from_history": 1],
                ["from_cf": 1, "from_history": 1],
                // User-kNN has its own column in the models group.
                [:],
            ])
    }

    @Test func conversionIsTheSmoothedRateAndTheCartCount() {
        var set = CandidateSet(columns: 4)
        for item: Int32 in [0, 1, 3] { set.add(item, from: .slot(0)) }
        Self.check(
            .conversion, set,
            [
                ["item_conversion_log": log(3.5 / 30), "item_carts_log": log1p(3)],
                ["item_conversion_log": log(0.5 / 20)],
                ["item_conversion_log": log(1.5 / 23), "item_carts_log": log1p(1)],
            ])
    }

    @Test func modelsGetTheTransformedScoreAndTheirOwnProvenance() {
        var set = CandidateSet(columns: 4)
        set.add(0, slot: 3, score: 0.5)
        // Scored by user-kNN but proposed by another generator.
        set.add(1, from: .slot(1))
        set[slot: 3, candidate: 1] = 0.25
        set.add(2, from: .slot(0))
        Self.check(
            .models, set,
            [
                ["userknn_score": log1p(5), "from_userknn": 1],
                ["userknn_score": log1p(2.5)],
                [:],
            ])
    }

    @Test func everyGroupHasATest() {
        // The groups this file covers; a new group must get its own test above.
        let covered: Set<FeatureGroup> = [
            .time, .category, .cf, .popularity, .history, .context, .provenance, .conversion, .models,
        ]
        // The optional groups are tested in OptionalFeatureGroupTests.
        #expect(Set(FeatureGroup.standard) == covered)
        #expect(Set(FeatureGroup.allCases) == covered.union([.shape, .crosses, .ranks]))
        #expect(Set(Self.schema.groups) == covered)
    }
}
