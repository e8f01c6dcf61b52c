import RecsysCore

/// What a data scientist checks first about a RetailRocket log.
/// One pass over the log plus a sort per quantile column.
public struct DatasetStats: Codable, Sendable {
    public struct Quantiles: Codable, Sendable {
        public var mean: Double
        public var p50: Int
        public var p90: Int
        public var p99: Int
        public var max: Int
    }

    public struct CategoryCount: Codable, Sendable {
        public var category: Int
        public var events: Int
    }

    public var files: [FileReport]
    public var events: Int
    public var views: Int
    public var addToCarts: Int
    public var transactions: Int
    public var duplicateEvents: Int
    public var visitors: Int
    public var itemsInEvents: Int
    public var itemsDescribed: Int
    public var eventItemsWithoutProperties: Int
    public var categories: Int
    public var categoriesInTreeFile: Int
    public var itemsChangingCategory: Int
    public var userItemPairs: Int
    /// 1 - pairs / (visitors × items in events).
    public var sparsity: Double
    public var cartPerView: Double
    public var purchasePerCart: Double
    public var purchasePerView: Double
    public var visitorsWithCart: Int
    public var visitorsWithPurchase: Int
    /// Shoppers' habits, as `generate --world` sets them: the share of views of an item the visitor had
    /// viewed before, and how many times as often a (visitor, item) pair viewed more than once is carted as
    /// one viewed once (0 when either kind of pair is missing).
    public var repeatViewShare: Double
    public var repeatCartLift: Double
    public var eventsPerVisitor: Quantiles
    public var eventsPerItem: Quantiles
    /// UTC hour 0…23.
    public var eventsByHour: [Int]
    /// Monday first.
    public var eventsByWeekday: [Int]
    /// Events per UTC day from the first event's day to the last's (a day without events counts 0):
    /// a spike or a gap shows here before it skews a test window. Nil for a log spanning more than
    /// `DayCounts.maxDays` days (a stray timestamp decades off), or an empty one.
    public var eventsPerDay: DayCounts?
    public var topCategories: [CategoryCount]
    public var firstEvent: Int64
    public var lastEvent: Int64
    public var badRows: Int

    public struct DayCounts: Codable, Sendable, Equatable {
        public static let maxDays: Int64 = 36_600
        public var days: Int
        public var min: Int
        /// The first day with the fewest events, "YYYY-MM-DD".
        public var minDay: String
        public var median: Int
        public var max: Int
        public var maxDay: String

        /// Nil when `log` is empty or spans more than `maxDays`.
        init?(_ log: InteractionLog) {
            guard log.count > 0 else { return nil }
            let first = log.minTime / EventTime.msPerDay
            let span = log.maxTime / EventTime.msPerDay - first + 1
            guard log.minTime >= 0, span <= Self.maxDays else { return nil }
            var counts = [Int](repeating: 0, count: Int(span))
            for e in 0..<log.count { counts[Int(log.time[e] / EventTime.msPerDay - first)] += 1 }
            let lo = counts.indices.min { counts[$0] < counts[$1] }!
            let hi = counts.indices.max { counts[$0] < counts[$1] }!
            let day = { (k: Int) in EventTime.date((first + Int64(k)) * EventTime.msPerDay) }
            days = counts.count
            (min, minDay, max, maxDay) = (counts[lo], day(lo), counts[hi], day(hi))
            median = counts.sorted()[counts.count / 2]
        }
    }

    public init(_ d: Dataset, topCategories topN: Int = 10) {
        let log = d.log
        files = d.reports
        events = log.count
        var kinds = [0, 0, 0]
        var byHour = [Int](repeating: 0, count: 24)
        var byWeekday = [Int](repeating: 0, count: 7)
        var perItem = [Int](repeating: 0, count: d.itemCount)
        var perCategory = [Int](repeating: 0, count: d.categoryCount)
        var withCart = 0
        var withPurchase = 0
        var habits = Habits(items: d.itemCount)
        for u in 0..<log.userCount {
            var cart = false
            var bought = false
            habits.startVisitor(u)
            for e in log.events(of: u) {
                let t = log.time[e]
                let item = Int(log.item[e])
                habits.add(item: item, kind: log.kind[e])
                kinds[Int(log.kind[e])] += 1
                byHour[EventTime.hour(t)] += 1
                byWeekday[EventTime.weekday(t)] += 1
                perItem[item] += 1
                if let c = d.category(of: item, at: t) { perCategory[c] += 1 }
                cart = cart || log.kind[e] == EventKind.addToCart.rawValue
                bought = bought || log.kind[e] == EventKind.transaction.rawValue
            }
            if cart { withCart += 1 }
            if bought { withPurchase += 1 }
            habits.endVisitor()
        }
        views = kinds[0]
        addToCarts = kinds[1]
        transactions = kinds[2]
        duplicateEvents = d.duplicateEvents
        visitors = d.userCount
        let eventItems = perItem.indices.filter { perItem[$0] > 0 }
        itemsInEvents = eventItems.count
        itemsDescribed = d.describedItem.filter { $0 }.count
        eventItemsWithoutProperties = eventItems.filter { !d.describedItem[$0] }.count
        categories = d.categoryCount
        categoriesInTreeFile = d.tree.inTreeFile
        itemsChangingCategory = (0..<d.itemCount).filter { d.itemCategory.changes(of: $0) > 0 }.count
        userItemPairs = habits.pairs
        sparsity =
            visitors > 0 && itemsInEvents > 0
            ? 1 - Double(habits.pairs) / (Double(visitors) * Double(itemsInEvents)) : 0
        cartPerView = views > 0 ? Double(addToCarts) / Double(views) : 0
        purchasePerCart = addToCarts > 0 ? Double(transactions) / Double(addToCarts) : 0
        purchasePerView = views > 0 ? Double(transactions) / Double(views) : 0
        visitorsWithCart = withCart
        visitorsWithPurchase = withPurchase
        repeatViewShare = kinds[0] > 0 ? Double(habits.repeatedViews) / Double(kinds[0]) : 0
        repeatCartLift = habits.cartLift
        eventsPerVisitor = Self.quantiles((0..<log.userCount).map { log.events(of: $0).count })
        eventsPerItem = Self.quantiles(eventItems.map { perItem[$0] })
        eventsByHour = byHour
        eventsByWeekday = byWeekday
        eventsPerDay = DayCounts(log)
        topCategories = perCategory.indices.sorted { perCategory[$0] > perCategory[$1] }.prefix(topN).map {
            CategoryCount(category: d.tree.ids.raw[$0], events: perCategory[$0])
        }
        firstEvent = log.minTime
        lastEvent = log.maxTime
        badRows = d.reports.reduce(0) { $0 + $1.badRows }
    }

    /// Per visitor (events in time order), each item's views and whether it was carted; and the distinct
    /// (visitor, item) pairs of the log.
    struct Habits {
        private var owner: [Int32]
        private var views: [Int32]
        private var carted: [Bool]
        private var touched: [Int] = []
        private var visitor: Int32 = -1
        var repeatedViews = 0
        private(set) var pairs = 0
        var once = (pairs: 0, carted: 0)
        var more = (pairs: 0, carted: 0)

        init(items: Int) {
            owner = [Int32](repeating: -1, count: items)
            views = [Int32](repeating: 0, count: items)
            carted = [Bool](repeating: false, count: items)
        }

        mutating func startVisitor(_ u: Int) { visitor = Int32(u) }

        mutating func add(item: Int, kind: UInt8) {
            if owner[item] != visitor {
                owner[item] = visitor
                views[item] = 0
                carted[item] = false
                touched.append(item)
                pairs += 1
            }
            if kind == EventKind.view.rawValue {
                if views[item] > 0 { repeatedViews += 1 }
                views[item] += 1
            } else if kind == EventKind.addToCart.rawValue {
                carted[item] = true
            }
        }

        mutating func endVisitor() {
            for item in touched where views[item] > 0 {
                let c = carted[item] ? 1 : 0
                if views[item] == 1 {
                    once = (once.pairs + 1, once.carted + c)
                } else {
                    more = (more.pairs + 1, more.carted + c)
                }
            }
            touched.removeAll(keepingCapacity: true)
        }

        var cartLift: Double {
            guard once.pairs > 0, more.pairs > 0, once.carted > 0 else { return 0 }
            return (Double(more.carted) / Double(more.pairs)) / (Double(once.carted) / Double(once.pairs))
        }
    }

    static func quantiles(_ values: [Int]) -> Quantiles {
        guard !values.isEmpty else { return Quantiles(mean: 0, p50: 0, p90: 0, p99: 0, max: 0) }
        let s = values.sorted()
        func q(_ p: Double) -> Int { s[min(s.count - 1, Int(Double(s.count - 1) * p))] }
        return Quantiles(
            mean: Double(s.reduce(0, +)) / Double(s.count), p50: q(0.5), p90: q(0.9), p99: q(0.99), max: s[s.count - 1]
        )
    }
}
