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

    @Test func fullScaleShapeOfConfig() {
        let c = GeneratorConfig(scale: 1, seed: 1)
        #expect(c.views + c.carts + c.transactions == 2_756_101)
        #expect(c.visitors == 1_407_580)
    }
}
