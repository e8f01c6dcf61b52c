import Candidates
import Dataset
import RecsysCore
import TestSupport
import Testing

@testable import Pipeline

/// A known item the shop moved to another category live: requests see the live category in the filter,
/// the features, the visitor's recent category and the answer, until a retrain.
struct ItemOverridesTests {
    let pipeline = TwoStagePipeline(artifacts: TestModel.artifacts)

    /// The most popular item, its model category, and another leaf-free category of the model to move it to.
    func movedItem() throws -> (item: Int32, from: Int32, to: Int32) {
        let a = TestModel.artifacts
        let item = try #require(a.popular.first)
        let from = a.stats.category[Int(item)]
        let to = try #require(
            (0..<Int32(a.categoryRaw.count)).first { c in
                c != from && !pipeline.category(from, isIn: c) && !pipeline.category(c, isIn: from)
            })
        return (item, from, to)
    }

    func overrides(moving item: Int32, to category: Int32) -> ItemOverrides {
        let a = TestModel.artifacts
        let available = a.stats.available[Int(item)] == 1
        return pipeline.overrides(facts: [(a.itemRaw[Int(item)], a.categoryRaw[Int(category)], available)])
    }

    @Test func onlyKnownItemsAndCategoriesThatDifferBecomeOverrides() throws {
        let a = TestModel.artifacts
        let (item, from, to) = try movedItem()
        #expect(overrides(moving: item, to: to).category == [item: to])
        // The lists' index of the move: the new category and each of its ancestors gain the item.
        let lists = try #require(pipeline.categoryPopularity)
        let gaining = (0..<Int32(a.categoryRaw.count)).filter { lists.isUnder(Int(to), Int($0)) }
        let joining = try #require(overrides(moving: item, to: to).joining)
        #expect(Set(joining.keys) == Set(gaining))
        #expect(gaining.contains(to) && joining.values.allSatisfy { $0 == [item] })
        #expect(overrides(moving: item, to: from).isEmpty)
        let unknownItem = (a.itemRaw.max() ?? 0) + 1
        let unknownCategory = (a.categoryRaw.max() ?? 0) + 1
        let available = a.stats.available[Int(item)] == 1
        #expect(pipeline.overrides(facts: [(unknownItem, a.categoryRaw[Int(to)], available)]).isEmpty)
        #expect(pipeline.overrides(facts: [(a.itemRaw[Int(item)], unknownCategory, available)]).isEmpty)
        // Availability that differs from the model's is an override of its own.
        let flipped = pipeline.overrides(facts: [(a.itemRaw[Int(item)], a.categoryRaw[Int(from)], !available)])
        #expect(flipped.category.isEmpty && flipped.available == [item: !available])
        #expect(pipeline.category(of: item, overrides(moving: item, to: to)) == to)
        #expect(pipeline.category(of: item, .none) == from)
    }

    @Test func theCategoryFilterAndTheAnswerFollowTheMove() throws {
        let a = TestModel.artifacts
        let (item, from, to) = try movedItem()
        let moved = overrides(moving: item, to: to)
        let user = pipeline.state(rawUser: TestModel.knownUser, live: [], at: a.metadata.referenceTime)
        let at = a.metadata.referenceTime
        // Before the move the item is listed under its own category, never under the other one.
        let before = pipeline.recommend(live: user, at: at, n: 200, category: from)
        #expect(before.items.contains { $0.item == item })
        #expect(!pipeline.recommend(live: user, at: at, n: 200, category: to).items.contains { $0.item == item })
        // After it, the other way round, and the served category is the new one.
        let after = pipeline.recommend(live: user, at: at, n: 200, category: to, overrides: moved)
        #expect(after.items.contains { $0.item == item })
        #expect(
            !pipeline.recommend(live: user, at: at, n: 200, category: from, overrides: moved).items.contains {
                $0.item == item
            })
        let served = a.served(after, overrides: moved).first { $0.itemID == a.itemRaw[Int(item)] }
        #expect(served?.categoryID == a.categoryRaw[Int(to)])
    }

    /// The category generator's score of `item` in `set` (0 when that generator did not propose it).
    func categoryScore(of item: Int32, in set: CandidateSet) -> Float {
        guard let k = set.items.firstIndex(of: item) else { return 0 }
        return set[slot: pipeline.layout.slot("category"), candidate: k]
    }

    /// A visitor of the item's new category gets it from that category's list, at its popularity against
    /// the list's first item; a visitor of the old one no longer does. Other items keep their scores.
    @Test func theCategoryListsFollowTheMove() throws {
        let a = TestModel.artifacts
        let lists = try #require(pipeline.categoryPopularity)
        let (item, from, to) = try movedItem()
        let moved = overrides(moving: item, to: to)
        let at = a.metadata.referenceTime
        func visitor(of category: Int32) -> UserState {
            UserState(items: [0], times: [at - 1], kinds: [0], categories: [category])
        }
        #expect(categoryScore(of: item, in: pipeline.candidates(for: visitor(of: from), at: at)) > 0)
        #expect(categoryScore(of: item, in: pipeline.candidates(for: visitor(of: to), at: at)) == 0)

        let old = pipeline.candidates(for: visitor(of: from), at: at, overrides: moved)
        #expect(categoryScore(of: item, in: old) == 0)
        let new = pipeline.candidates(for: visitor(of: to), at: at, overrides: moved)
        let first = try #require(lists.list(of: Int(to)).first.map { lists.items[$0] })
        let expected = min(1, a.stats.popularity[Int(item)] / a.stats.popularity[Int(first)])
        #expect(categoryScore(of: item, in: new) == expected)
        // The rest of the new category's list is as before (the list may lose its last item to the newcomer).
        let plain = pipeline.candidates(for: visitor(of: to), at: at)
        for (k, other) in plain.items.enumerated() where new.items.contains(other) {
            #expect(categoryScore(of: other, in: new) == plain[slot: pipeline.layout.slot("category"), candidate: k])
        }
    }

    /// The `trending` lists (ranked by recent events) follow a move too: the item with the most recent weight
    /// leaves its old category's list and heads its new one, in a model whose only proposer is `trending`.
    @Test func theTrendingListsFollowTheMove() throws {
        let a = TestModel.trained(generators: ["trending"])
        let pipeline = TwoStagePipeline(artifacts: a)
        let trending = try #require(a.generator("trending") as? TrendingCandidates)
        let item = try #require(
            trending.trend.indices.filter { a.stats.available[$0] != 0 && a.stats.category[$0] >= 0 }
                .max { (trending.trend[$0], $1) < (trending.trend[$1], $0) }
                .map(Int32.init))
        let from = a.stats.category[Int(item)]
        let to = try #require(
            (0..<Int32(a.categoryRaw.count)).first { c in
                c != from && !pipeline.category(from, isIn: c) && !pipeline.category(c, isIn: from)
                    && !trending.lists.list(of: Int(c)).isEmpty
            })
        let moved = pipeline.overrides(facts: [(a.itemRaw[Int(item)], a.categoryRaw[Int(to)], true)])
        let at = a.metadata.referenceTime
        func proposed(to category: Int32, _ overrides: ItemOverrides = .none) -> Bool {
            let visitor = UserState(items: [0], times: [at - 1], kinds: [0], categories: [category])
            return pipeline.candidates(for: visitor, at: at, overrides: overrides).items.contains(item)
        }
        #expect(proposed(to: from) && !proposed(to: to))
        #expect(!proposed(to: from, moved) && proposed(to: to, moved))
        // It joins the new list at the top: its recent weight is the highest, so its score there is 1 (the
        // list's first item's; ties rank the smaller id first).
        let live = trending.lists.liveList(of: Int(to), pipeline.trendingMovedItems(moved, trending))
        let k = try #require(live.firstIndex { $0.item == item })
        #expect(live[k].score == 1 && live[..<k].allSatisfy { $0.score == 1 })
    }

    /// The lists themselves: a move inside a category's subtree keeps the item once; an unavailable item
    /// does not join; ties rank the smaller id first.
    @Test func aLiveListKeepsItsOrderAndItsItemsOnce() throws {
        let lists = CategoryPopularity(
            start: [0, 2, 3, 4], items: [10, 11, 11, 12], scores: [1, 0.5, 1, 1], parent: [-1, 0, 0], minItems: 1)
        let popularity: [Float] = (0..<20).map { $0 == 10 ? 8 : 4 }
        let available = [Int8](repeating: 1, count: 20)
        func live(_ category: Int, _ moves: [Int32: Int32], unavailable: Int32? = nil) -> [Int32] {
            var a = available
            if let unavailable { a[Int(unavailable)] = 0 }
            let joining = CategoryPopularity.MovedItems.joining(
                moves, parent: lists.parent, popularity: popularity, available: a, limit: 2)
            let moved = CategoryPopularity.MovedItems(
                category: moves, joining: joining, popularity: popularity, available: a)
            return lists.liveList(of: category, moved).map(\.item)
        }
        // 11 moves from category 1 to 2: still under the root 0 (once), gone from 1, in 2 tied with 12.
        #expect(live(0, [11: 2]) == [10, 11])
        #expect(live(1, [11: 2]) == [])
        #expect(live(2, [11: 2]) == [11, 12])
        // 12 moves to 1: it joins at popularity 4 ÷ 4 (item 11's, the list's first), tied with 11: the smaller id first.
        #expect(live(1, [12: 1]) == [11, 12])
        #expect(live(1, [12: 1], unavailable: 12) == [11])
        // At most `limit` (2) join a list, the most popular first: 10 (popularity 8), then 12 over 13 (ties).
        #expect(live(1, [10: 1, 12: 1, 13: 1]) == [10, 11, 12])
    }

    /// Similar items of an item nobody co-viewed fall back to its category's popular items: the live one.
    @Test func theCategoryFallbackOfSimilarItemsUsesTheLiveCategory() throws {
        let a = TestModel.artifacts
        let lists = try #require(pipeline.categoryPopularity)
        let item = try #require(
            (0..<Int32(a.itemRaw.count)).first { pipeline.similarItems(to: $0, n: 5).strategy == "category-popular" })
        let from = a.stats.category[Int(item)]
        let to = try #require(
            (0..<Int32(a.categoryRaw.count)).first { c in
                c != from && lists.list(of: Int(c)).count >= 5 && !pipeline.category(from, isIn: c)
                    && !pipeline.category(c, isIn: from)
            })
        let (items, strategy) = pipeline.similarItems(to: item, n: 5, overrides: overrides(moving: item, to: to))
        #expect(strategy == "category-popular")
        let expected = lists.list(of: Int(to)).map { lists.items[$0] }.filter { $0 != item }.prefix(5)
        #expect(items.map(\.item) == Array(expected))
    }

    @Test func aLiveEventOnAMovedItemSetsTheVisitorsRecentCategory() throws {
        let a = TestModel.artifacts
        let (item, _, to) = try movedItem()
        let event = LiveEvent(
            timestamp: a.metadata.referenceTime + 1, visitor: 9_999_999_999, kind: .view, item: a.itemRaw[Int(item)],
            transaction: -1)
        let state = pipeline.state(
            rawUser: 9_999_999_999, live: [event], at: a.metadata.referenceTime + 2,
            overrides: overrides(moving: item, to: to))
        #expect(state.state.categories == [to])
    }

    /// The ranker sees the moved item's new category column: its logit moves by exactly the weight change
    /// when the pair features do not depend on the category (a visitor with no category history).
    /// An item the shop marks available again (or not) moves by its availability columns' weights.
    @Test func theRankerUsesTheLiveAvailability() throws {
        let a = TestModel.artifacts
        let (item, _, _) = try movedItem()
        let weights = a.ranker.weights
        let model = a.stats.available[Int(item)]
        let live = model != 1
        let change = pipeline.builder.availabilityWeightChange(from: model, to: live, weights: weights)
        let user = UserState(items: [item], times: [a.metadata.referenceTime - 1], kinds: [0], categories: [-1])
        let set = pipeline.candidates(for: user, at: a.metadata.referenceTime)
        let k = try #require(set.items.firstIndex(of: item))
        let at = a.metadata.referenceTime
        let plain = pipeline.rankerLogits(user: user, candidates: set, at: at, recencyAt: at)
        let flipped = pipeline.rankerLogits(
            user: user, candidates: set, at: at, recencyAt: at,
            overrides: ItemOverrides(available: [item: live]))
        #expect(change != 0)
        #expect(abs((flipped[k] - plain[k]) - change) < 1e-9)
        for j in set.items.indices where j != k { #expect(flipped[j] == plain[j]) }
        #expect(pipeline.builder.availabilityWeightChange(from: 1, to: true, weights: weights) == 0)
        #expect(pipeline.builder.availabilityWeightChange(from: 0, to: false, weights: weights) == 0)
    }

    @Test func theRankerUsesTheNewCategoryColumn() throws {
        let a = TestModel.artifacts
        let (item, from, to) = try movedItem()
        let weights = a.ranker.weights
        let change = pipeline.builder.categoryWeightChange(from: Int(from), to: Int(to), weights: weights)
        #expect(pipeline.builder.categoryWeightChange(from: Int(from), to: Int(from), weights: weights) == 0)
        let user = UserState(items: [item], times: [a.metadata.referenceTime - 1], kinds: [0], categories: [-1])
        let set = pipeline.candidates(for: user, at: a.metadata.referenceTime)
        let k = try #require(set.items.firstIndex(of: item))
        let plain = pipeline.rankerLogits(
            user: user, candidates: set, at: a.metadata.referenceTime, recencyAt: a.metadata.referenceTime)
        let movedLogits = pipeline.rankerLogits(
            user: user, candidates: set, at: a.metadata.referenceTime, recencyAt: a.metadata.referenceTime,
            overrides: overrides(moving: item, to: to))
        #expect(change != 0)
        #expect(abs((movedLogits[k] - plain[k]) - change) < 1e-9)
        for j in set.items.indices where j != k { #expect(movedLogits[j] == plain[j]) }
    }
}
