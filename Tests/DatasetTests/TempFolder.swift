import Foundation
import TestSupport

/// A fresh folder under the tests' scratch root (removed when the test process exits), with helpers to write files.
struct TempFolder {
    let path: String

    init() throws {
        path = Scratch.folder("dataset-")
    }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let file = (path as NSString).appendingPathComponent(name)
        try Data(text.utf8).write(to: URL(fileURLWithPath: file))
        return file
    }

    @discardableResult
    func write(_ name: String, bytes: [UInt8]) throws -> String {
        let file = (path as NSString).appendingPathComponent(name)
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        return file
    }

    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    /// A minimal valid dataset: two visitors, three items, a category change.
    func writeMinimalDataset() throws {
        try write(
            "events.csv",
            """
            timestamp,visitorid,event,itemid,transactionid
            1433221332117,257597,view,355908,
            1433224214164,992329,view,248676,
            1433221999827,257597,addtocart,355908,
            1433222276276,257597,transaction,355908,4000
            1433224214164,992329,view,248676,

            """)
        try write(
            "item_properties_part1.csv",
            """
            timestamp,itemid,property,value
            1435460400000,355908,categoryid,1338
            1441508400000,355908,888,1116713 960601 n277.200
            1431226800000,248676,categoryid,1277

            """)
        try write(
            "item_properties_part2.csv",
            """
            timestamp,itemid,property,value
            1436065200000,355908,categoryid,1277
            1431226800000,355908,available,1
            1433041200000,355908,available,0

            """)
        try write(
            "category_tree.csv",
            """
            categoryid,parentid
            1338,
            1277,1338
            9,1277

            """)
    }
}
