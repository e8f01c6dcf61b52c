import Candidates
import Foundation
import Testing

@testable import Features

struct FeatureBuilderTests {
    let schema = FeatureSchema(categoryVocabulary: [2], categoryVocabularyRaw: [1338])
    /// Slots: category 0, itemcf 1, history 2.
    let layout = CandidateLayout(names: ["category", "itemcf", "history"])

    func stats() -> ItemStats {
        ItemStats(
            category: [2, 3, -1], available: [1, 0, -1], popularity: [4, 0, 1], views: [10, 0, 0], carts: [2, 0, 0],
            purchases: [1, 0, 0])
    }

    func value(_ rows: SparseRows, _ row: Int, _ name: String) -> Double {
        rows.dense(row)[schema.index(of: name)!]
    }

    @Test func schemaIsNamedAndVersioned() {
        #expect(schema.version == FeatureSchema.currentVersion)
        #expect(schema.names.count == schema.groups.count)
        #expect(Set(schema.names).count == schema.names.count)
        #expect(schema.names.last == "category_other")
        #expect(schema.names.contains("category_1338"))
    }

    @Test func featuresLandInTheirNamedColumns() {
        let config = RecsysConfig()
        let b = FeatureBuilder(schema: schema, stats: stats(), config: config, categoryCount: 4, layout: layout)
        let user = UserState(items: [0, 0, 1], times: [0, 1000, 2000], kinds: [0, 1, 0], categories: [2, 2, 3])
        var set = CandidateSet(columns: 3)
        set.add(0, from: .slot(2))
        set[slot: 2, candidate: 0] = 2
        set[slot: 1, candidate: 0] = 0.5
        set.add(2, from: [.slot(0), .slot(1)])
        // Wednesday 2015-06-03 14:30 UTC.
        let t: Int64 = 1_433_341_800_000
        var rows = SparseRows(columns: schema.count)
        b.build(user: user, candidates: set, at: t, into: &rows)
        #expect(rows.count == 2)
        #expect(value(rows, 0, "weekday_wed") == 1)
        #expect(abs(value(rows, 0, "hour_sin") - sin(14.5 / 24 * 2 * .pi)) < 1e-12)
        #expect(value(rows, 0, "history_views_log") == log1p(1))
        #expect(value(rows, 0, "history_carted") == 1)
        #expect(value(rows, 0, "history_bought") == 0)
        #expect(value(rows, 0, "cf_present") == 1)
        #expect(value(rows, 0, "from_history") == 1)
        #expect(value(rows, 0, "available") == 1)
        #expect(value(rows, 0, "category_1338") == 1)
        #expect(value(rows, 0, "item_popularity_log") == log1p(4))
        #expect(abs(value(rows, 0, "item_conversion_log") - log(3.5 / 30)) < 1e-12)
        // The item the user never touched, unknown availability and category.
        #expect(value(rows, 1, "history_views_log") == 0)
        #expect(value(rows, 1, "availability_unknown") == 1)
        #expect(value(rows, 1, "category_other") == 1)
        #expect(value(rows, 1, "from_cf") == 1)
        #expect(value(rows, 1, "from_category") == 1)
    }

    @Test func disabledGroupsLeaveTheirColumnsEmpty() {
        var reduced = schema
        reduced.enabled = FeatureGroup.allCases.filter { $0 != .history && $0 != .time }
        let b = FeatureBuilder(
            schema: reduced, stats: stats(), config: RecsysConfig(), categoryCount: 4, layout: layout)
        let user = UserState(items: [0], times: [0], kinds: [1], categories: [2])
        var set = CandidateSet(columns: 3)
        set.add(0, from: .slot(2))
        set[slot: 2, candidate: 0] = 1
        var rows = SparseRows(columns: reduced.count)
        b.build(user: user, candidates: set, at: 0, into: &rows)
        for (k, g) in reduced.groups.enumerated() where g == .history || g == .time {
            #expect(rows.dense(0)[k] == 0, "\(reduced.names[k])")
        }
        #expect(rows.dense(0)[reduced.index(of: "available")!] == 1)
    }
}
