import Foundation
import RecsysCore

/// Everything read from a RetailRocket folder, with dense ids.
///
/// Memory: about 17 bytes per event, 12 per category/availability snapshot,
/// plus the id maps. Property rows other than `categoryid` and `available`
/// are kept only as tokens, and only when asked (`itemTokens`).
public struct Dataset: Sendable {
    public var visitors: IdMap
    public var items: IdMap
    public var log: InteractionLog
    /// Category (dense id of `tree`) of each item over time.
    public var itemCategory: ItemTimeline
    /// Availability (0/1) of each item over time.
    public var itemAvailability: ItemTimeline
    public var tree: CategoryTree
    /// Items that have at least one property row.
    public var describedItem: [Bool]
    public var reports: [FileReport]
    /// Exact duplicate event rows removed from `log`.
    public var duplicateEvents: Int
    /// The hashed property values as tokens, when the loader was asked for
    /// them (`propertyTokens`: the `content` generator needs them).
    public var itemTokens: ItemTokens? = nil

    public var userCount: Int { visitors.count }
    public var itemCount: Int { items.count }
    public var categoryCount: Int { tree.count }

    /// The category of `item` as of `time`, or nil when it was never described.
    public func category(of item: Int, at time: Int64) -> Int? {
        itemCategory.value(of: item, at: time).map(Int.init)
    }

    /// Availability as of `time`: nil when unknown.
    public func isAvailable(_ item: Int, at time: Int64) -> Bool? {
        itemAvailability.value(of: item, at: time).map { $0 != 0 }
    }
}

/// Where the four RetailRocket files are, plain or gzip-compressed.
public struct DatasetFiles: Sendable {
    public var events: String
    public var properties: [String]
    public var categoryTree: String

    /// Finds `events.csv[.gz]`, `item_properties_part*.csv[.gz]` and
    /// `category_tree.csv[.gz]` in `directory`.
    public init(directory: String) throws {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: directory, isDirectory: &isDir), isDir.boolValue else {
            throw DatasetError.missingFile("\(directory) (not a directory)")
        }
        func find(_ base: String) throws -> String {
            for candidate in [base, base + ".gz"] {
                let path = (directory as NSString).appendingPathComponent(candidate)
                if fm.fileExists(atPath: path) { return path }
            }
            throw DatasetError.missingFile((directory as NSString).appendingPathComponent(base))
        }
        events = try find("events.csv")
        categoryTree = try find("category_tree.csv")
        let names = (try? fm.contentsOfDirectory(atPath: directory)) ?? []
        properties =
            names
            .filter { $0.hasPrefix("item_properties") && ($0.hasSuffix(".csv") || $0.hasSuffix(".csv.gz")) }
            .sorted()
            .map { (directory as NSString).appendingPathComponent($0) }
        guard !properties.isEmpty else {
            throw DatasetError.missingFile((directory as NSString).appendingPathComponent("item_properties_part*.csv"))
        }
    }

    public init(events: String, properties: [String], categoryTree: String) {
        self.events = events
        self.properties = properties
        self.categoryTree = categoryTree
    }
}
