import Foundation
import RecsysCore
import Testing

@testable import Dataset

struct ItemTokensTests {
    /// Items share a token only for the same word of the same property; categoryid / available rows are not
    /// tokens; a quoted value is split into its words; a word of one row is dropped; an item's token keeps its
    /// earliest time; an item with property rows but no events has its tokens too.
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
            2000,999999,888,n552.000

            """)
        try folder.write("item_properties_part2.csv", "timestamp,itemid,property,value\n")
        let files = try DatasetFiles(directory: folder.path)
        let d = try DatasetLoader.load(files, propertyTokens: true)
        let tokens = try #require(d.itemTokens)
        func words(_ raw: Int) -> [Int32: Int64] {
            Dictionary(
                uniqueKeysWithValues: tokens.entries(of: Int(d.items.dense(raw)!)).map {
                    (tokens.token[$0], tokens.firstSeen[$0])
                })
        }
        // Kept: 790:639502 (four rows) and 888:n552.000 (two); 790:n552.000 and 790:n12.000 are single rows.
        #expect(tokens.tokenCount == 2)
        #expect(tokens.itemCount == d.itemCount)
        let a = words(355908)
        let b = words(248676)
        let c = words(999999)
        #expect(a.count == 1)
        let price = try #require(a.keys.first)
        #expect(a[price] == 1000)  // seen at 3000 and 1000
        #expect(b.count == 2 && b[price] == 1000)
        #expect(c.count == 2 && c[price] == 9000)
        let brand = try #require(b.keys.first { $0 != price })
        #expect(c[brand] == 2000)
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

    /// The bucketed numbering equals the plain one: sort the distinct hashes of two or more rows, number them.
    @Test(arguments: [20, 5000, 20000]) func bucketedTokenNumberingMatchesASort(rows: Int) throws {
        var rng = SplitMix64(seed: 11)
        var parts = [RawTokens(), RawTokens()]
        // Few distinct hashes spread over every bucket, so most repeat; plus words of a single row.
        let pool = (0..<3000).map { _ in UInt64.random(in: 0...UInt64.max, using: &rng) }
        for k in 0..<rows {
            let h = k % 3 == 0 ? UInt64.random(in: 0...UInt64.max, using: &rng) : pool.randomElement(using: &rng)!
            parts[k % 2].hash.append(h)
            parts[k % 2].item.append(k)
            parts[k % 2].time.append(Int64(k))
        }
        let (token, count) = try ItemTokens.tokenOfEveryRow(parts)
        let all = parts[0].hash + parts[1].hash
        var rows: [UInt64: Int] = [:]
        for h in all { rows[h, default: 0] += 1 }
        let kept = rows.filter { $0.value >= 2 }.keys.sorted()
        let id = Dictionary(uniqueKeysWithValues: kept.enumerated().map { ($1, Int32($0)) })
        #expect(count == kept.count)
        #expect(token == all.map { id[$0] ?? -1 })
    }
}
