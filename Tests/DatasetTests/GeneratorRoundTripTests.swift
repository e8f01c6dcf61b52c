import Foundation
import Testing

@testable import Dataset

struct GeneratorRoundTripTests {
    @Test func readerReproducesGeneratorCounts() throws {
        let folder = try TempFolder()
        let summary = try SyntheticRetailRocket.generate(GeneratorConfig(scale: 0.004, seed: 7), to: folder.path)
        let d = try DatasetLoader.load(DatasetFiles(directory: folder.path))
        let stats = DatasetStats(d)
        let config = GeneratorConfig(scale: 0.004, seed: 7)
        #expect(summary.events == config.views + config.carts + config.transactions)
        #expect(summary.views == config.views)
        #expect(stats.files.first { $0.file == "events.csv" }?.rows == summary.events)
        #expect(stats.duplicateEvents == summary.duplicateEvents)
        #expect(stats.views + stats.duplicateEvents == summary.views)
        #expect(stats.addToCarts == summary.carts)
        #expect(stats.transactions == summary.transactions)
        #expect(stats.visitors == summary.visitors)
        #expect(stats.itemsInEvents == summary.itemsInEvents)
        #expect(stats.eventItemsWithoutProperties == summary.eventItemsWithoutProperties)
        #expect(stats.itemsDescribed == summary.describedItems)
        let propertyRows = stats.files.filter { $0.file.hasPrefix("item_properties") }.reduce(0) { $0 + $1.rows }
        #expect(propertyRows == summary.propertyRows)
        #expect(stats.categoriesInTreeFile == summary.categories)
        #expect(stats.itemsChangingCategory == summary.itemsChangingCategory)
        #expect(stats.badRows == 0)
    }

    @Test func sameSeedSameBytes() throws {
        let a = try TempFolder()
        let b = try TempFolder()
        _ = try SyntheticRetailRocket.generate(GeneratorConfig(scale: 0.002, seed: 3), to: a.path)
        _ = try SyntheticRetailRocket.generate(GeneratorConfig(scale: 0.002, seed: 3), to: b.path)
        for name in ["events.csv", "item_properties_part1.csv", "category_tree.csv"] {
            let x = try Data(contentsOf: URL(fileURLWithPath: a.file(name)))
            let y = try Data(contentsOf: URL(fileURLWithPath: b.file(name)))
            #expect(x == y, "\(name) differs between runs with the same seed")
        }
    }

    /// The eight most common property names carry the item's product line (shared by items of one
    /// category); the other properties' values stay unique to their item.
    @Test func lineProperties() throws {
        let folder = try TempFolder()
        _ = try SyntheticRetailRocket.generate(GeneratorConfig(scale: 0.004, seed: 7), to: folder.path)
        var firstCategory: [String: (String, String)] = [:]  // item → (time, category)
        var itemsOf: [String: Set<String>] = [:]  // "property=value" → items
        for part in ["item_properties_part1.csv", "item_properties_part2.csv"] {
            let text = try String(contentsOfFile: folder.file(part), encoding: .utf8)
            for line in text.split(separator: "\n").dropFirst() {
                let f = line.split(separator: ",", maxSplits: 3).map(String.init)
                if f[2] == "categoryid" {
                    if firstCategory[f[1]].map({ Int($0.0)! > Int(f[0])! }) ?? true {
                        firstCategory[f[1]] = (f[0], f[3])
                    }
                } else if f[2] != "available" {
                    itemsOf["\(f[2])=\(f[3])", default: []].insert(f[1])
                }
            }
        }
        let line = itemsOf.filter { Int($0.key.split(separator: "=")[0])! < 8 }
        let other = itemsOf.filter { Int($0.key.split(separator: "=")[0])! >= 8 }
        let sharedLines = line.values.filter { $0.count >= 2 }
        #expect(sharedLines.count > line.count / 4)
        // (An item whose category changes in the first week shows its new category first.)
        let spanning = sharedLines.filter { items in Set(items.map { firstCategory[$0]?.1 }).count > 1 }
        #expect(spanning.count * 20 < sharedLines.count, "lines spanning categories: \(spanning.prefix(3))")
        #expect(other.values.filter { $0.count >= 2 }.count < other.count / 100)
    }

    /// Visitors keep returning through the whole log, so no day is crowded: sessions past the end
    /// once all landed on the last day (9 × a normal day at full scale, inside the test window).
    @Test func everyDayOfTheLogCarriesItsShare() throws {
        let folder = try TempFolder()
        _ = try SyntheticRetailRocket.generate(GeneratorConfig(scale: 0.02, seed: 11), to: folder.path)
        var perDay: [Int: Int] = [:]
        let text = try String(contentsOfFile: folder.file("events.csv"), encoding: .utf8)
        for line in text.split(separator: "\n").dropFirst() {
            let ms = Int64(line.prefix { $0 != "," })!
            perDay[Int(ms / 86_400_000), default: 0] += 1
        }
        let firstDay = Int(GeneratorConfig.start / 86_400_000)
        let lastDay = Int(GeneratorConfig.end / 86_400_000) - 1
        #expect(Set(perDay.keys) == Set(firstDay...lastDay))
        let median = perDay.values.sorted()[perDay.count / 2]
        for (day, events) in perDay.sorted(by: { $0.key < $1.key }) {
            #expect(
                events < 2 * median && 2 * events > median, "day \(day - firstDay): \(events) events, median \(median)")
        }
    }

    @Test func fullScaleShapeOfConfig() {
        let c = GeneratorConfig(scale: 1, seed: 1)
        #expect(c.views + c.carts + c.transactions == 2_756_101)
        #expect(c.visitors == 1_407_580)
    }
}
