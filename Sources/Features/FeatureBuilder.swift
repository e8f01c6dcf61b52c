import Candidates
import Foundation

/// (user state, candidate set, request time) → one sparse feature row per
/// candidate. Pure function of its inputs: training, evaluation and the
/// server call the same code.
public struct FeatureBuilder: Sendable {
    public let schema: FeatureSchema
    public let stats: ItemStats
    public let config: RecsysConfig
    /// Column of each dense category, or the "other" column.
    private let categoryColumn: [Int32]
    private let otherColumn: Int32
    private let firstCategoryColumn: Int

    public init(schema: FeatureSchema, stats: ItemStats, config: RecsysConfig, categoryCount: Int) {
        self.schema = schema
        self.stats = stats
        self.config = config
        firstCategoryColumn = schema.count - schema.categoryVocabulary.count - 1
        otherColumn = Int32(schema.count - 1)
        var columns = [Int32](repeating: Int32(schema.count - 1), count: max(categoryCount, 0))
        for (k, c) in schema.categoryVocabulary.enumerated() where Int(c) < columns.count {
            columns[Int(c)] = Int32(firstCategoryColumn + k)
        }
        categoryColumn = columns
    }

    /// What the user did with each item of their history.
    struct Touch {
        var views = 0
        var carted = false
        var bought = false
        var last: Int64 = .min
    }

    /// `time` sets the hour and weekday; `recencyAt` (default `time`) is what
    /// interaction ages are measured from.
    public func build(
        user: UserState, candidates: CandidateSet, at time: Int64, recencyAt: Int64? = nil, into rows: inout SparseRows
    ) {
        let now = recencyAt ?? time
        var touches: [Int32: Touch] = [:]
        for k in 0..<user.count {
            var t = touches[user.items[k]] ?? Touch()
            switch user.kinds[k] {
            case 0: t.views += 1
            case 1: t.carted = true
            default: t.bought = true
            }
            t.last = max(t.last, user.times[k])
            touches[user.items[k]] = t
        }
        let lastItem = user.items.last ?? -1
        var affinity: [Int32: (share: Double, rank: Int)] = [:]
        for (rank, a) in user.categoryAffinity(at: now, config: config).enumerated() {
            affinity[a.category] = (a.share, rank)
        }
        let recentCategory = user.recentCategory
        let hour = Double((time / 3_600_000) % 24) + Double(time % 3_600_000) / 3_600_000
        let weekday = Int((time / 86_400_000 + 3) % 7)
        let on = Set(schema.enabled)
        var col = 0
        for c in 0..<candidates.count {
            let item = Int(candidates.items[c])
            let p = candidates.provenance[c]
            col = 0
            if on.contains(.time) {
                rows.put(0, sin(hour / 24 * 2 * .pi))
                rows.put(1, cos(hour / 24 * 2 * .pi))
                rows.put(2 + weekday, 1)
            }
            col = 9
            if on.contains(.cf) {
                let cf = Double(candidates.cfScore[c])
                rows.put(col, log1p(cf * 10))
                rows.put(col + 1, cf > 0 ? 1 : 0)
            }
            col += 2
            if on.contains(.popularity) {
                rows.put(col, log1p(Double(stats.popularity[item])))
                rows.put(col + 1, Double(candidates.categoryScore[c]))
            }
            col += 2
            if on.contains(.history), let t = touches[Int32(item)] {
                rows.put(col, log1p(Double(t.views)))
                rows.put(col + 1, t.carted ? 1 : 0)
                rows.put(col + 2, t.bought ? 1 : 0)
                rows.put(col + 3, config.decay(ageMs: now - t.last))
                rows.put(col + 4, log1p(Double(candidates.historyScore[c])))
                rows.put(col + 5, Int32(item) == lastItem ? 1 : 0)
            }
            col += 6
            if on.contains(.context) {
                let category = stats.category[item]
                rows.put(col, category >= 0 && category == recentCategory ? 1 : 0)
                if let a = affinity[category] {
                    rows.put(col + 1, a.share)
                    rows.put(col + 2, 1 / Double(a.rank + 1))
                }
                rows.put(col + 3, stats.available[item] == 1 ? 1 : 0)
                rows.put(col + 4, stats.available[item] < 0 ? 1 : 0)
            }
            col += 5
            if on.contains(.provenance) {
                rows.put(col, p.contains(.category) ? 1 : 0)
                rows.put(col + 1, p.contains(.itemCF) ? 1 : 0)
                rows.put(col + 2, p.contains(.history) ? 1 : 0)
            }
            col += 3
            if on.contains(.conversion) {
                rows.put(col, log(stats.conversion(item)))
                rows.put(col + 1, log1p(Double(stats.carts[item] + stats.purchases[item])))
            }
            col += 2
            if on.contains(.category) {
                let category = Int(stats.category[item])
                let column = category >= 0 && category < categoryColumn.count ? categoryColumn[category] : otherColumn
                rows.put(Int(column), 1)
            }
            rows.endRow()
        }
        assert(col == firstCategoryColumn)
    }
}
