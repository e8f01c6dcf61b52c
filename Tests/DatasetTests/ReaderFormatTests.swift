import Foundation
import Testing

@testable import Dataset

struct ReaderFormatTests {
    @Test func crlfQuotesAndNoFinalNewline() throws {
        let folder = try TempFolder()
        let path = try folder.write(
            "events.csv",
            "timestamp,visitorid,event,itemid,transactionid\r\n1,10,view,5,\r\n\"2\",11,\"addtocart\",6,\r\n3,12,transaction,\"7\",99"
        )
        let events = try EventsReader.read(path: path)
        #expect(events.time == [1, 2, 3])
        #expect(events.visitor == [10, 11, 12])
        #expect(events.kind == [0, 1, 2])
        #expect(events.item == [5, 6, 7])
        #expect(events.transaction == [-1, -1, 99])
    }

    @Test func quotedValueWithCommaAndNewlineIsSkippedCorrectly() throws {
        let folder = try TempFolder()
        let path = try folder.write(
            "item_properties_part1.csv",
            "timestamp,itemid,property,value\n1,5,888,\"a,b\nc \"\"q\"\"\"\n2,5,categoryid,77\n")
        let props = try PropertiesReader.read(path: path)
        #expect(props.report.rows == 2)
        #expect(props.categoryItem == [5])
        #expect(props.categoryValue == [77])
    }

    @Test func regionsNeverCutARecord() throws {
        // Many rows so the reader crosses its chunk boundaries.
        let folder = try TempFolder()
        var text = "timestamp,itemid,property,value\n"
        for i in 0..<300_000 { text += "\(i),\(i % 1000),\(i % 3 == 0 ? "categoryid" : "790"),\(i % 50)\n" }
        let path = try folder.write("item_properties_part1.csv", text)
        let props = try PropertiesReader.read(path: path)
        #expect(props.report.rows == 300_000)
        #expect(props.categoryTime.count == 100_000)
        #expect(props.categoryTime.last == 299_997)
        #expect(props.describedItems.count == 1000)
    }

    @Test func gzipEqualsPlain() throws {
        let folder = try TempFolder()
        try folder.writeMinimalDataset()
        let plain = try DatasetLoader.load(DatasetFiles(directory: folder.path))
        let gz = try TempFolder()
        for name in ["events.csv", "item_properties_part1.csv", "item_properties_part2.csv", "category_tree.csv"] {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: folder.file(name))))
            try gz.write(name + ".gz", bytes: try Gzip.compress(bytes))
        }
        let compressed = try DatasetLoader.load(DatasetFiles(directory: gz.path))
        #expect(compressed.log.time == plain.log.time)
        #expect(compressed.log.item == plain.log.item)
        #expect(compressed.log.kind == plain.log.kind)
        #expect(compressed.itemCategory.value == plain.itemCategory.value)
        #expect(compressed.items.raw == plain.items.raw)
    }

    @Test func categoryAtTimeAcrossAChange() throws {
        let folder = try TempFolder()
        try folder.writeMinimalDataset()
        let d = try DatasetLoader.load(DatasetFiles(directory: folder.path))
        let item = Int(d.items.dense(355908)!)
        let c1338 = Int(d.tree.ids.dense(1338)!)
        let c1277 = Int(d.tree.ids.dense(1277)!)
        // Before the first snapshot: the earliest known category.
        #expect(d.category(of: item, at: 1_430_000_000_000) == c1338)
        #expect(d.category(of: item, at: 1_435_460_400_000) == c1338)
        #expect(d.category(of: item, at: 1_436_065_199_999) == c1338)
        #expect(d.category(of: item, at: 1_436_065_200_000) == c1277)
        #expect(d.category(of: item, at: 1_500_000_000_000) == c1277)
        #expect(d.isAvailable(item, at: 1_432_000_000_000) == true)
        #expect(d.isAvailable(item, at: 1_434_000_000_000) == false)
        // The item with events only and no properties.
        #expect(d.category(of: Int(d.items.dense(248676)!), at: 0) == c1277)
    }

    @Test func logIsOrderedAndDeduplicated() throws {
        let folder = try TempFolder()
        try folder.writeMinimalDataset()
        let d = try DatasetLoader.load(DatasetFiles(directory: folder.path))
        #expect(d.duplicateEvents == 1)
        #expect(d.log.count == 4)
        let u = Int(d.visitors.dense(257597)!)
        let kinds = d.log.events(of: u).map { d.log.kind[$0] }
        #expect(kinds == [0, 1, 2])
        let times = d.log.events(of: u).map { d.log.time[$0] }
        #expect(times == times.sorted())
        #expect(d.reports.first { $0.file == "events.csv" }?.duplicateRows == 1)
    }

    @Test func categoryTreeDepthAndCycles() throws {
        let tree = try CategoryTree(pairs: [(1, nil), (2, 1), (3, 2)], extraCategories: [50])
        let c3 = Int(tree.ids.dense(3)!)
        #expect(tree.depth[c3] == 2)
        #expect(tree.pathToRoot(c3).map { tree.ids.raw[$0] } == [3, 2, 1])
        #expect(tree.parent[Int(tree.ids.dense(50)!)] == -1)
        #expect(throws: DatasetError.self) { _ = try CategoryTree(pairs: [(1, 2), (2, 1)], extraCategories: []) }
    }
}

struct SplitReadTests {
    func dataset(_ properties: String) throws -> TempFolder {
        let folder = try TempFolder()
        try folder.writeMinimalDataset()
        try folder.write("item_properties_part1.csv", properties)
        return folder
    }

    @Test func halvesGiveTheSameDatasetAsOneRead() throws {
        var text = "timestamp,itemid,property,value\n"
        for i in 0..<20_000 {
            text += "\(1_431_226_800_000 + i),\(i % 700),\(i % 4 == 0 ? "categoryid" : "790"),\(i % 9)\n"
        }
        let folder = try dataset(text)
        let whole = try DatasetLoader.load(DatasetFiles(directory: folder.path))
        let split = try DatasetLoader.load(DatasetFiles(directory: folder.path), splitFilesAbove: 1024)
        #expect(split.itemCategory.value == whole.itemCategory.value)
        #expect(split.itemCategory.time == whole.itemCategory.time)
        #expect(split.items.raw == whole.items.raw)
        #expect(split.reports.first { $0.file == "item_properties_part1.csv" }?.rows == 20_000)
    }

    @Test func quotedNewlineAcrossTheSplitStillReads() throws {
        // A long quoted multi-line value sits in the middle of the file.
        var text = "timestamp,itemid,property,value\n"
        for i in 0..<500 { text += "\(i),\(i),790,\(i)\n" }
        text += "1,5,888,\"" + String(repeating: "x\n", count: 2000) + "\"\n"
        for i in 0..<500 { text += "\(i),\(i),categoryid,\(i % 3)\n" }
        let folder = try dataset(text)
        let d = try DatasetLoader.load(DatasetFiles(directory: folder.path), splitFilesAbove: 1024)
        #expect(d.reports.first { $0.file == "item_properties_part1.csv" }?.rows == 1001)
    }

    @Test func errorInTheSecondHalfNamesTheTrueLine() throws {
        var text = "timestamp,itemid,property,value\n"
        for i in 0..<3000 { text += "\(i),\(i),790,\(i)\n" }
        text += "oops,1,790,1\n"
        let folder = try dataset(text)
        #expect(
            throws: DatasetError.badRow(
                file: "item_properties_part1.csv", line: 3002, field: "timestamp",
                message: "expected a non-negative integer, found \"oops\"")
        ) {
            _ = try DatasetLoader.load(DatasetFiles(directory: folder.path), splitFilesAbove: 1024)
        }
    }
}
