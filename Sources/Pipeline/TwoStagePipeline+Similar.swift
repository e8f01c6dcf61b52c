import Candidates
import RecsysCore

extension TwoStagePipeline {
    /// Items like `item`, for product pages. The rule: each neighbour scores
    /// its item-CF cosine similarity plus, when the model has the `covisit`
    /// generator, its share of the item's best co-visit count (both in 0…1);
    /// best first, ties by item id. An item without those neighbours gets its
    /// content neighbours when the model has the `content` generator or
    /// lookup (items whose property values are alike, labelled `content`),
    /// else its category's popular items, labelled `category-popular`.
    /// - Parameters:
    ///   - excluding: dense ids never returned (the item itself never is).
    ///   - category: when set, only items of that category's subtree.
    ///   - overrides: live categories of moved items (the filter and the category fallback use them).
    public func similarItems(
        to item: Int32, n: Int, excluding: Set<Int32> = [], category: Int32? = nil, overrides: ItemOverrides = .none
    ) -> (items: [ScoredItem], strategy: String) {
        let keep = { (other: Int32) in
            other != item && !excluding.contains(other)
                && (category.map { self.item(other, isIn: $0, overrides) } ?? true)
        }
        var scores = IntMap<Double>(capacity: 256)
        if let cf = artifacts.generator("itemcf") as? ItemCF {
            for e in cf.neighbours.neighbours(of: Int(item)) where keep(cf.neighbours.neighbour[e]) {
                scores.add(cf.neighbours.neighbour[e], Double(cf.neighbours.similarity[e]))
            }
        }
        if let covisit = (artifacts.generator("covisit") as? CoVisitCandidates)?.coVisitation {
            let r = Int(covisit.start[Int(item)])..<Int(covisit.start[Int(item) + 1])
            if let best = r.first.map({ Double(covisit.count[$0]) }), best > 0 {
                for e in r where keep(covisit.neighbour[e]) {
                    scores.add(covisit.neighbour[e], Double(covisit.count[e]) / best)
                }
            }
        }
        let ranked = scores.top(n).map { ScoredItem(item: $0.key, score: $0.value) }
        if !ranked.isEmpty { return (ranked, "item-cf") }
        // No one co-viewed it (a new or rare item): items described alike are the next best thing.
        if let content = (artifacts.generator("content") as? ContentCandidates)?.neighbours {
            let alike = content.neighbours(of: Int(item)).lazy.filter { keep(content.neighbour[$0]) }.prefix(n).map {
                ScoredItem(item: content.neighbour[$0], score: Double(content.similarity[$0]))
            }
            if !alike.isEmpty { return (Array(alike), "content") }
        }
        let own = self.category(of: item, overrides)
        guard own >= 0, let lists = categoryPopularity, Int(own) < lists.parent.count else {
            return (artifacts.popular.lazy.filter(keep).prefix(n).map { ScoredItem(item: $0, score: 0) }, "popular")
        }
        let fallback = categoryList(Int(own), of: lists, overrides).lazy.map(\.item).filter(keep).prefix(n)
        return (fallback.map { ScoredItem(item: $0, score: 0) }, "category-popular")
    }

    /// The popular items of a category (dense id) and its subtree, as the category generator lists them: the
    /// similar items of an item only live data knows (`POST /api/v1/items`), which has no neighbours yet.
    public func categoryPopular(
        _ category: Int32, n: Int, excluding: Set<Int32> = [], within filter: Int32? = nil,
        overrides: ItemOverrides = .none
    ) -> [ScoredItem] {
        guard let lists = categoryPopularity, category >= 0, Int(category) < lists.parent.count else { return [] }
        return categoryList(Int(category), of: lists, overrides).lazy.map(\.item)
            .filter { other in
                !excluding.contains(other) && (filter.map { self.item(other, isIn: $0, overrides) } ?? true)
            }
            .prefix(n).map { ScoredItem(item: $0, score: 0) }
    }
}
