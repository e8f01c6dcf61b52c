import RecsysCore

/// The published shape of the RetailRocket dataset, scaled. Scale 1 is the
/// full Kaggle size; every count is rounded from these.
public struct GeneratorConfig: Sendable, Codable {
    public var scale: Double
    public var seed: UInt64
    /// Property files are split like Kaggle's (54% / 46% of the rows).
    public var propertyParts: Int = 2
    /// How shoppers browse and buy (the log's counts do not depend on it).
    public var world: GeneratorWorld = .retailrocket

    public static let fullVisitors = 1_407_580
    public static let fullViews = 2_664_312
    public static let fullCarts = 69_332
    public static let fullTransactions = 22_457
    /// Items in the catalogue; 10% of them never get a property row.
    public static let fullItems = 463_400
    public static let categories = 1_669
    /// 2015-05-03 00:00 UTC and 2015-09-18 00:00 UTC, in unix ms.
    public static let start: Int64 = 1_430_611_200_000
    public static let end: Int64 = 1_442_534_400_000
    /// First weekly property snapshot: Sunday 2015-05-10 03:00 UTC.
    public static let firstSnapshot: Int64 = 1_431_226_800_000
    public static let snapshotWeeks = 19

    public init(scale: Double, seed: UInt64, world: GeneratorWorld = .retailrocket) {
        self.scale = scale
        self.seed = seed
        self.world = world
    }

    func scaled(_ n: Int, minimum: Int) -> Int { max(minimum, Int((Double(n) * scale).rounded())) }

    public var visitors: Int { scaled(Self.fullVisitors, minimum: 20) }
    public var views: Int { max(scaled(Self.fullViews, minimum: 40), visitors) }
    public var carts: Int { scaled(Self.fullCarts, minimum: 4) }
    public var transactions: Int { min(scaled(Self.fullTransactions, minimum: 2), carts) }
    public var items: Int { scaled(Self.fullItems, minimum: 50) }
}

/// What the generator wrote, for checking a reader against it.
public struct GeneratorSummary: Sendable, Codable, Equatable {
    public var events: Int
    public var views: Int
    public var carts: Int
    public var transactions: Int
    public var duplicateEvents: Int
    public var visitors: Int
    public var itemsInEvents: Int
    public var propertyRows: Int
    public var describedItems: Int
    public var categories: Int
    public var eventItemsWithoutProperties: Int
    public var itemsChangingCategory: Int
    /// The world's name (`GeneratorWorld`) and the share of views (duplicates aside) that return to an
    /// item the visitor viewed before, its most visible habit.
    public var world: String
    public var repeatViewShare: Double
}
