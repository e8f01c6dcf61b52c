import Candidates
import Foundation

/// What the shop has said live about items the model knows that the model does not know yet: their new
/// category (`POST /api/v1/items` moved the item) and availability. Requests read the category instead of the
/// model's for the ranker's category features, the `category` filter, discovery's same-category boost,
/// similar items and the answer's `category_id`, and the availability for the ranker's availability
/// features, until a retrain learns them. Dense ids of one pipeline's model; empty costs nothing.
public struct ItemOverrides: Sendable, Equatable {
    /// Dense item → dense category, only where it differs from the model's.
    public var category: [Int32: Int32]
    /// Dense item → available, only where it differs from the model's (unknown counts as different).
    public var available: [Int32: Bool]
    /// Dense category → the moved items now in its subtree, for the category lists; `overrides(facts:)` builds
    /// it once per set of facts (requests reuse it), a request builds its own when it is nil.
    public var joining: [Int32: [Int32]]?
    /// The same index for the `trending` generator's lists (ranked by recent events), when the model has it.
    public var trendingJoining: [Int32: [Int32]]?

    public init(
        category: [Int32: Int32] = [:], available: [Int32: Bool] = [:], joining: [Int32: [Int32]]? = nil,
        trendingJoining: [Int32: [Int32]]? = nil
    ) {
        self.category = category
        self.available = available
        self.joining = joining
        self.trendingJoining = trendingJoining
    }

    public static let none = ItemOverrides()

    public var isEmpty: Bool { category.isEmpty && available.isEmpty }
}

extension TwoStagePipeline {
    /// Overrides from live facts in raw ids (the newest update per item): items this model does not know
    /// are left out (a new item is listed by other means), as are categories it does not know and facts equal
    /// to the model's. O(facts).
    public func overrides(facts: some Sequence<(item: Int, category: Int, available: Bool)>) -> ItemOverrides {
        var out = ItemOverrides()
        for (rawItem, rawCategory, available) in facts {
            guard let i = item(raw: rawItem) else { continue }
            if let c = category(raw: rawCategory), artifacts.stats.category[i] != c { out.category[Int32(i)] = c }
            if artifacts.stats.available[i] != (available ? 1 : 0) { out.available[Int32(i)] = available }
        }
        out.joining = joining(out.category)
        out.trendingJoining = trendingJoining(out.category)
        return out
    }

    /// The lists a generator proposes from (`category`, `trending`), with how many it takes per category and
    /// the moves as those lists read them; nil for generators without category lists.
    func liveLists(of generator: any CandidateGenerator, _ overrides: ItemOverrides) -> (
        lists: CategoryPopularity, limit: Int, moved: CategoryPopularity.MovedItems
    )? {
        if let category = generator as? CategoryCandidates {
            return (category.popularity, config.categoryCandidates, movedItems(overrides))
        }
        if let trending = generator as? TrendingCandidates {
            return (trending.lists, trending.limit, trendingMovedItems(overrides, trending))
        }
        return nil
    }

    /// The index of `moves` for category lists ranked by `popularity` (`CategoryPopularity.MovedItems.joining`).
    private func joining(_ moves: [Int32: Int32], lists: CategoryPopularity?, rankedBy popularity: [Float]) -> [Int32:
        [Int32]]
    {
        guard !moves.isEmpty, let lists else { return [:] }
        return CategoryPopularity.MovedItems.joining(
            moves, parent: lists.parent, popularity: popularity, available: artifacts.stats.available,
            limit: config.categoryListLength)
    }

    /// The `trending` lists' index of `moves`: ranked by the items' recent events (the stored trend, log(1 +
    /// recent weight), orders them the same), as those lists are.
    func trendingJoining(_ moves: [Int32: Int32]) -> [Int32: [Int32]] {
        joining(moves, lists: trending?.lists, rankedBy: trending?.trend ?? [])
    }

    /// The moves as the `trending` lists read them.
    func trendingMovedItems(_ overrides: ItemOverrides, _ trending: TrendingCandidates)
        -> CategoryPopularity
        .MovedItems
    {
        CategoryPopularity.MovedItems(
            category: overrides.category,
            joining: overrides.trendingJoining ?? trendingJoining(overrides.category),
            popularity: trending.trend, available: artifacts.stats.available, toListScale: { expm1($0) })
    }

    /// The category lists' index of `moves`, ranked by the items' trained popularity.
    func joining(_ moves: [Int32: Int32]) -> [Int32: [Int32]] {
        joining(moves, lists: categoryPopularity, rankedBy: artifacts.stats.popularity)
    }

    /// The category generator's list of `category` (dense, in range) as requests see it: with the shop's live
    /// moves applied when there are any (`CategoryPopularity.liveList`), best first.
    func categoryList(_ category: Int, of lists: CategoryPopularity, _ overrides: ItemOverrides) -> [(
        item: Int32, score: Float
    )] {
        if overrides.category.isEmpty { return lists.list(of: category).map { (lists.items[$0], lists.scores[$0]) } }
        return lists.liveList(of: category, movedItems(overrides))
    }

    /// The moves as the category lists read them.
    func movedItems(_ overrides: ItemOverrides) -> CategoryPopularity.MovedItems {
        CategoryPopularity.MovedItems(
            category: overrides.category,
            joining: overrides.joining ?? joining(overrides.category),
            popularity: artifacts.stats.popularity, available: artifacts.stats.available)
    }

    /// The item's category as requests see it: the live one when there is one, else the model's.
    @inlinable
    public func category(of item: Int32, _ overrides: ItemOverrides) -> Int32 {
        if !overrides.isEmpty, let c = overrides.category[item] { return c }
        return artifacts.stats.category[Int(item)]
    }
}
