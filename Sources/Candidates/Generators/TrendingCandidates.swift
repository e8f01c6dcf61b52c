import Dataset
import Foundation
import ModelFile
import RecsysCore

/// The `trending` generator: items of the visitor's recent categories ranked by their last week's events,
/// each weighted by kind and halved every day of age (`CategoryPopularity` lists built from those recent
/// counts instead of the `category` generator's popularity, which decays over a week and reaches back to
/// the start of the log). Its score is the item's trend, log(1 + recent weight), for every candidate: whether
/// an item is rising now, which all-time lists cannot say.
///
/// Not a default: `train --generators …,trending`.
public struct TrendingCandidates: CandidateGenerator {
    public let name = "trending"
    public let lists: CategoryPopularity
    /// log(1 + recent weighted events) per item (0 for items without events in the window).
    public let trend: [Float]
    /// Items proposed per category (the visitor's `userCategories` best categories, as `category`).
    public let limit: Int
    public let config: RecsysConfig

    /// The window of events counted, and the half-life of their weight.
    public static let windowDays = 7
    public static let halfLifeHours = 24.0

    public init(lists: CategoryPopularity, trend: [Float], config: RecsysConfig, limit: Int = 30) {
        self.lists = lists
        self.trend = trend
        self.config = config
        self.limit = limit
    }

    public var candidateLimit: Int { limit * max(config.userCategories, 1) }

    public func propose(
        for user: UserState, at time: Int64, proposing: Bool, into set: inout CandidateSet, slot: Int
    ) -> CandidateScores {
        if proposing {
            lists.propose(
                for: user, at: time, limit: limit, categories: config.userCategories, config: config, into: &set,
                slot: slot)
        }
        let trend = trend
        return .lookup { items in items.map { trend[Int($0)] } }
    }

    /// Recent weight per item: events in the `windowDays` before `reference`, kind-weighted, halved each
    /// `halfLifeHours`; O(events in the window).
    public static func recentWeights(log: InteractionLog, itemCount: Int, reference: Int64, config: RecsysConfig)
        -> [Float]
    {
        var weight = [Double](repeating: 0, count: itemCount)
        let start = reference - EventTime.milliseconds(days: Double(windowDays))
        let halfLifeMs = halfLifeHours * 3_600_000
        for e in 0..<log.count where log.time[e] >= start && log.time[e] < reference {
            let age = Double(reference - log.time[e])
            weight[Int(log.item[e])] += config.kindWeight[Int(log.kind[e])] * exp2(-age / halfLifeMs)
        }
        return weight.map { Float($0) }
    }

    public func section() -> ModelContainer.Section? {
        .init(tag: "TRND") { w in
            lists.write(to: &w)
            w.array(trend)
            w.scalar(Int64(limit))
        }
    }

    public static let factory = GeneratorFactory(
        name: "trending", displayName: "trending in category", isDefault: false, proposalRank: 3,
        role: FeatureRole(scoreColumn: "trending_score"),
        build: { c in
            let recent = recentWeights(
                log: c.log, itemCount: c.dataset.itemCount, reference: c.reference, config: c.config)
            var stats = c.stats
            stats.popularity = recent
            return TrendingCandidates(
                lists: CategoryPopularity(stats: stats, tree: c.dataset.tree, config: c.config),
                trend: recent.map { log1p($0) }, config: c.config)
        },
        load: { source, c in
            let (lists, trend, limit) = try source.section("TRND") { r in
                (try CategoryPopularity.read(from: r), try r.array() as [Float], Int(try r.scalar(Int64.self)))
            }
            try lists.check(categoryCount: c.categoryCount, itemCount: c.itemCount, tag: "TRND")
            guard trend.count == c.itemCount, trend.allSatisfy({ $0.isFinite && $0 >= 0 }), (1...1000).contains(limit)
            else { throw ModelFileError.corrupt(section: "TRND", reason: "trend values or limit do not fit") }
            return TrendingCandidates(lists: lists, trend: trend, config: c.config, limit: limit)
        })
}
