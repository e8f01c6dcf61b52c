import ArgumentParser
import Dataset
import Foundation

struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Exploratory statistics of a RetailRocket folder: counts, funnel, activity, time, categories.",
        discussion: """
            Examples:
              recsys-train stats --data data/sample
              recsys-train stats --data data/retailrocket --on-bad-row skip
              recsys-train stats --data data/sample --quiet --json | jq .cart_per_view
            """
    )

    @OptionGroup var dataOptions: DataOptions

    @Flag(name: .long, help: "Print JSON instead of text and charts.")
    var json = false

    func run() throws {
        let dataset = try dataOptions.load()
        let stats = DatasetStats(dataset)
        if json {
            print(try CLIJSON.text(stats))
        } else {
            print(StatsReport.text(stats))
        }
    }
}

enum StatsReport {
    static func text(_ s: DatasetStats) -> String {
        func pct(_ x: Double) -> String { String(format: "%.2f%%", x * 100) }
        func q(_ x: DatasetStats.Quantiles) -> String {
            String(format: "mean %.2f, p50 %d, p90 %d, p99 %d, max %d", x.mean, x.p50, x.p90, x.p99, x.max)
        }
        let iso = ISO8601DateFormatter()
        let first = iso.string(from: Date(timeIntervalSince1970: Double(s.firstEvent) / 1000))
        let last = iso.string(from: Date(timeIntervalSince1970: Double(s.lastEvent) / 1000))
        var out = "== files\n"
        for f in s.files {
            out +=
                "\(f.file): \(f.rows) rows, \(f.bytes >> 20) MB, \(f.badRows) bad rows, \(f.duplicateRows) duplicates, \(f.blankLines) blank lines\n"
        }
        out += """
            == events
            events \(s.events) (after removing \(s.duplicateEvents) exact duplicates): views \(s.views), add-to-carts \(s.addToCarts), transactions \(s.transactions)
            time range \(first) to \(last)
            visitors \(s.visitors), items in events \(s.itemsInEvents), user-item pairs \(s.userItemPairs), sparsity \(String(format: "%.6f", s.sparsity))
            == funnel
            add-to-cart per view \(pct(s.cartPerView)), purchase per add-to-cart \(pct(s.purchasePerCart)), purchase per view \(pct(s.purchasePerView))
            visitors with an add-to-cart \(s.visitorsWithCart), with a purchase \(s.visitorsWithPurchase)
            == habits
            \(pct(s.repeatViewShare)) of views return to an item the visitor viewed before; an item viewed more than once is carted \(String(format: "%.1f", s.repeatCartLift)) x as often as one viewed once (generated worlds: docs/evaluation/README.md, "Worlds")
            == activity
            events per visitor: \(q(s.eventsPerVisitor))
            events per item:    \(q(s.eventsPerItem))
            == catalogue
            categories \(s.categories) (\(s.categoriesInTreeFile) in the tree file), items described \(s.itemsDescribed), event items without properties \(s.eventItemsWithoutProperties), items that changed category \(s.itemsChangingCategory)
            == events by UTC hour

            """
        out += TextChart.bars(
            s.eventsByHour.enumerated().map { (String(format: "%02d", $0.offset), Double($0.element)) })
        out += "\n== events by weekday\n"
        let days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        out += TextChart.bars(s.eventsByWeekday.enumerated().map { (days[$0.offset], Double($0.element)) })
        out += "\n== events per UTC day\n"
        if let d = s.eventsPerDay {
            out += "\(d.days) days: min \(d.min) (\(d.minDay)), median \(d.median), max \(d.max) (\(d.maxDay))"
            if d.median > 0 {
                out += String(format: "; the busiest day is %.1f × the median", Double(d.max) / Double(d.median))
            }
        } else {
            out += "not shown: no events, or they span more than \(DatasetStats.DayCounts.maxDays) days"
        }
        out += "\n== top categories (category as of each event)\n"
        out += TextChart.bars(s.topCategories.map { ("\($0.category)", Double($0.events)) })
        out += "\n== bad rows: \(s.badRows)"
        return out
    }
}
