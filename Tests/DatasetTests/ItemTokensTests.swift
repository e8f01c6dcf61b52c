import Foundation
import RecsysCore
import Testing

@testable import Dataset

struct ItemTokensTests {
    /// Items share a token only for the same word of the same property; categoryid / available rows are not
    /// tokens; a quoted value is split into its words; an item's token keeps its earliest time.
    @Test func tokensArePropertyWordsWithTheirFirstTime() throws {
        let folder = try TempFolder()
        try folder.writeMinimalDataset()
        try folder.write(
            "item_properties_part1.csv",
            """
            timestamp,itemid,property,value
            3000,355908,790,n552.000 639502
            1000,355908,790,639502
            1000,248676,790,"639502 n12.000"
            1000,248676,888,n552.000
            1000,248676,categoryid,1277
            1000,248676,available,1
            9000,999999,790,639502

            """)
        try folder.write("item_properties_part2.csv", "timestamp,itemid,property,value\n")
        let files = try DatasetFiles(directory: folder.path)
        let d = try DatasetLoader.load(files, propertyTokens: true)
        let tokens = try #require(d.itemTokens)
        func words(_ raw: Int) -> [(Int32, Int64)] {
            tokens.entries(of: Int(d.items.dense(raw)!)).map { (tokens.token[$0], tokens.firstSeen[$0]) }
        }
        let a = words(355908)
        let b = words(248676)
        // 355908: 790:n552.000, 790:639502 (seen at 1000 and 3000: first 1000).
        #expect(a.count == 2)
        // 248676: 790:639502, 790:n12.000, 888:n552.000 (not 790's n552.000).
        #expect(b.count == 3)
        let shared = Set(a.map(\.0)).intersection(b.map(\.0))
        #expect(shared.count == 1)
        let sharedToken = try #require(shared.first)
        #expect(a.first { $0.0 == sharedToken }?.1 == 1000)
        #expect(a.first { $0.0 != sharedToken }?.1 == 3000)
        // An item with property rows but no events has its tokens too.
        #expect(tokens.itemCount == d.itemCount)
        let c = words(999999)
        #expect(c.count == 1 && c.first?.0 == sharedToken && c.first?.1 == 9000)
        // Without the option nothing is read.
        #expect(try DatasetLoader.load(files).itemTokens == nil)
    }

    @Test func aMalformedTokenRowIsAPreciseError() throws {
        let folder = try TempFolder()
        try folder.writeMinimalDataset()
        try folder.write(
            "item_properties_part1.csv",
            """
            timestamp,itemid,property,value
            1000,355908,790,"639502

            """)
        try folder.write("item_properties_part2.csv", "timestamp,itemid,property,value\n")
        #expect {
            _ = try PropertyTokensReader.read(path: folder.file("item_properties_part1.csv"))
        } throws: { error in
            "\(error)".contains("item_properties_part1.csv") && "\(error)".contains("unterminated")
        }
    }
}
