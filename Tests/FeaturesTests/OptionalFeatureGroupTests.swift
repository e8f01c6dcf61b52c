import Candidates
import Foundation
import RecsysCore
import Testing

@testable import Features

/// The optional groups (`--features`): their columns exist only when asked
/// for, and each column holds the value of its formula.
struct OptionalFeatureGroupTests {
    typealias G = FeatureGroupTests
    /// Every group on, with bins on two columns.
    static let schema = FeatureSchema(
        categoryVocabulary: [2], categoryVocabularyRaw: [1338],
        models: [ModelColumn(generator: "userknn", scoreColumn: "userknn_score")], enabled: FeatureGroup.allCases,
        bins: [
            FeatureBins(source: "history_recency", edges: [0.5, 0.95]),
            FeatureBins(source: "item_popularity_log", edges: [1.0]),
        ])

    static func row(_ set: CandidateSet, _ groups: [FeatureGroup]) -> [[String: Double]] {
        var s = schema
        s.enabled = groups
        let builder = FeatureBuilder(schema: s, stats: G.stats, config: G.config, categoryCount: 4, layout: G.layout)
        var rows = SparseRows(columns: s.count)
        builder.build(user: G.user, candidates: set, at: G.now, into: &rows)
        return (0..<rows.count).map { r in
            Dictionary(uniqueKeysWithValues: rows.row(r).map { (s.names[Int(rows.column[$0])], rows.value[$0]) })
        }
    }

    /// The values of `group`'s columns in each row.
    static func values(_ set: CandidateSet, _ group: FeatureGroup, alone: Bool = false) -> [[String: Double]] {
        let names = Set(zip(schema.names, schema.groups).filter { $0.1 == group }.map(\.0))
        return row(set, alone ? [group] : FeatureGroup.allCases).map { $0.filter { names.contains($0.key) } }
    }

    /// Same keys, values within 1e-6 (category shares are stored as Float).
    static func close(_ a: [[String: Double]], _ b: [[String: Double]]) -> Bool {
        a.count == b.count
            && zip(a, b).allSatisfy { x, y in
                Set(x.keys) == Set(y.keys) && x.allSatisfy { abs($0.value - y[$0.key]!) <= 1e-6 }
            }
    }

    @Test func optionalColumnsExistOnlyWhenAsked() {
        let standard = FeatureSchema(categoryVocabulary: [2], categoryVocabularyRaw: [1338])
        #expect(standard.enabled == FeatureGroup.standard)
        #expect(!standard.groups.contains(.crosses) && !standard.groups.contains(.ranks))
        #expect(standard.index(of: "rank_cf_inverse") == nil)
        #expect(Self.schema.index(of: "rank_cf_inverse") != nil)
        #expect(
            Self.schema.names.suffix(5) == [
                "history_recency_q0", "history_recency_q1", "history_recency_q2", "item_popularity_log_q0",
                "item_popularity_log_q1",
            ])
        // A standard schema with every group switched on has no such columns to fill, and does not trap.
        var on = standard
        on.enabled = FeatureGroup.allCases
        var set = CandidateSet(columns: 4)
        set.add(0, slot: 2, score: 2)
        var rows = SparseRows(columns: on.count)
        FeatureBuilder(schema: on, stats: G.stats, config: G.config, categoryCount: 4, layout: G.layout)
            .build(user: G.user, candidates: set, at: G.now, into: &rows)
        #expect(rows.count == 1)
    }

    @Test func crossesMultiplyTheirTwoSignals() {
        var set = CandidateSet(columns: 4)
        // Item 0: carted 24 h ago, no CF or category score.
        set.add(0, slot: 2, score: 2)
        // Item 3: the last item (viewed 1 h ago), in the recent category, with CF and category scores.
        set.add(3, slot: 1, score: 0.5)
        set[slot: 0, candidate: 1] = 0.4
        set[slot: 2, candidate: 1] = 0.75
        // Item 1: touched, but neither proposed nor scored by the history: no history crosses.
        set.add(1, from: .slot(0))
        let w = G.config.kindWeight
        let two = w[0] * G.decay(hours: 48) + w[1] * G.decay(hours: 24) + w[0] * G.decay(hours: 1)
        let three = w[0] * G.decay(hours: 12)
        let expected: [[String: Double]] = [
            ["cross_carted_recency": G.decay(hours: 24), "cross_history_conversion": log(3.5 / 30)],
            [
                "cross_last_item_views": log1p(1), "cross_history_conversion": log(1.5 / 23),
                "cross_cf_same_category": log1p(5), "cross_category_share_popularity": two / (two + three) * 0.4,
            ],
            [:],
        ]
        #expect(Self.close(Self.values(set, .crosses), expected))
        #expect(Self.close(Self.values(set, .crosses, alone: true), expected))
        _ = three
    }

    @Test func ranksAreInverseRanksWithinEachGeneratorsList() {
        var set = CandidateSet(columns: 4)
        set.add(0, slot: 0, score: 0.25)
        set.add(3, slot: 0, score: 2)
        set.add(1, slot: 1, score: 1)
        // A tie in the CF list goes to the lower item id.
        set.add(2, slot: 1, score: 1)
        let expected: [[String: Double]] = [
            ["rank_category_inverse": 0.5],
            ["rank_category_inverse": 1],
            ["rank_cf_inverse": 1],
            ["rank_cf_inverse": 0.5],
        ]
        #expect(Self.close(Self.values(set, .ranks), expected))
    }

    @Test func shapePutsEachBinnedValueInItsBin() {
        var set = CandidateSet(columns: 4)
        set.add(0, slot: 2, score: 2)
        set.add(3, slot: 2, score: 1)
        set.add(1, from: .slot(0))
        set.add(2, from: .slot(0))
        // Recency 2^(-24/168) ≈ 0.906 and 2^(-1/168) ≈ 0.996; popularity log1p(4), log1p(2.5), 0 (no bin), log1p(1).
        let expected: [[String: Double]] = [
            ["history_recency_q1": 1, "item_popularity_log_q1": 1],
            ["history_recency_q2": 1, "item_popularity_log_q1": 1],
            [:],
            ["item_popularity_log_q0": 1],
        ]
        #expect(Self.close(Self.values(set, .shape), expected))
        // Without the source's group its bins stay empty; without shape too.
        #expect(Self.values(set, .shape, alone: true).allSatisfy { $0.isEmpty })
        #expect(FeatureBins(source: "x", edges: [1, 2]).bin(of: 2) == 2)
        #expect(FeatureBins(source: "x", edges: [1, 2]).bin(of: 0.5) == 0)
    }

    @Test func binsAreQuantilesOfTheNonZeroValues() {
        let base = FeatureSchema(
            categoryVocabulary: [], categoryVocabularyRaw: [], enabled: FeatureGroup.standard + [.shape])
        var rows = SparseRows(columns: base.count)
        let recency = base.index(of: "history_recency")!
        let views = base.index(of: "history_views_log")!
        for v in 1...100 {
            rows.put(recency, Double(v))
            // The same value everywhere: no quantile separates anything.
            rows.put(views, 3)
            rows.endRow()
            rows.endRow()  // an empty row: zeros do not count
        }
        let learned = base.withBins(learnedFrom: rows, perSource: 4)
        #expect(learned.bins == [FeatureBins(source: "history_recency", edges: [26, 51, 76])])
        #expect(learned.count == base.count + 4)
        #expect(learned.names.last == "history_recency_q3")
        // Too few values to learn from: no bins.
        var few = SparseRows(columns: base.count)
        few.put(recency, 1)
        few.endRow()
        #expect(base.withBins(learnedFrom: few).bins.isEmpty)
    }

    @Test func schemaWithBinsSurvivesJSON() throws {
        let data = try JSONEncoder().encode(Self.schema)
        #expect(try JSONDecoder().decode(FeatureSchema.self, from: data) == Self.schema)
        // A schema written before bins existed decodes with none.
        var object = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        object["bins"] = nil
        let old = try JSONDecoder().decode(
            FeatureSchema.self, from: try JSONSerialization.data(withJSONObject: object))
        #expect(old.bins.isEmpty)
    }
}
