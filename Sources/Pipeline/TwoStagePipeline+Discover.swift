import Candidates
import RecsysCore

extension TwoStagePipeline {
    /// Seed weights for `discover`: the visitor's newest distinct item counts most.
    public static let discoverSeedWeights: [Double] = [1, 0.3, 0.1]
    /// Added to a seed's best co-visit count before taking shares: a seed seen with few others (best count 1)
    /// does not give its neighbours full weight.
    public static let discoverCoVisitShrink = 3.0
    /// How much an item-CF neighbour counts next to a co-visit neighbour in `discover`.
    public static let discoverCFWeight = 0.25
    /// The boost of a neighbour in the same category as the visitor's newest item (browsing stays in a
    /// category more often than not).
    public static let discoverSameCategoryBoost = 0.5
    /// A visitor whose last event is older than this starts a new session: what follows is less about the
    /// last item and more about the visitor's categories.
    public static let discoverSessionGapMs: Int64 = EventTime.msPerHour
    /// In a new session, the neighbours' weight; the visitor's categories' popular items get weight 1.
    public static let discoverNewSessionNeighbourWeight = 0.3
    /// Popular items of each of the visitor's categories considered in a new session.
    public static let discoverCategoryItems = 100

    /// Items the visitor has not touched, for `exclude=seen` (discovery, the next-item task): the two-stage
    /// ranker is trained to put the visitor's own items first, which `exclude=seen` removes, so this ranks by
    /// what follows the visitor's newest items instead. The rule: for each of the newest three distinct items
    /// (weights 1, 0.3, 0.1), every neighbour scores its co-visit count (the model's, when it has `covisit` as
    /// a generator or a lookup, plus the live events') over 3 + that item's best count, plus 0.25 × its
    /// item-CF similarity. When the visitor's
    /// last event is more than an hour old (a new session), those scores count 0.3 and the popular items of
    /// the visitor's three strongest categories add their share of the category's best popularity × the
    /// category's share of the visitor's interest. The sums of items in the newest item's category are
    /// multiplied by 1.5; best first, ties by item id. Short lists are filled from the two-stage answer.
    /// `strategy` is `discover` (with `-live` when live events shaped it) when any item ranked, else the
    /// two-stage label. Weights chosen on the online replay's discover task (docs/evaluation/online.md).
    /// - Parameter liveCoVisits: the co-visits counted from live events of a raw item id
    ///   (`LiveOverlay.coVisits(of:notAfter:)`): added to the model's counts, so what shoppers browse together
    ///   today ranks without waiting for a retrain.
    public func discover(
        live: LiveState, at time: Int64, n: Int, excluding excluded: Set<Int32>, category: Int32? = nil,
        liveCoVisits: ((Int) -> [(item: Int, count: Int32)])? = nil, overrides: ItemOverrides = .none
    ) -> Recommendation {
        let keep = { (item: Int32) in
            !excluded.contains(item) && (category.map { self.item(item, isIn: $0, overrides) } ?? true)
        }
        var seeds: [Int32] = []
        for item in live.state.items.reversed() where !seeds.contains(item) {
            seeds.append(item)
            if seeds.count == Self.discoverSeedWeights.count { break }
        }
        let newSession = live.state.times.last.map { time - $0 > Self.discoverSessionGapMs } ?? false
        var scores = IntMap<Double>(capacity: 512)
        if newSession {
            addCategoryFavourites(of: live.state, at: time, keep: keep, overrides: overrides, to: &scores)
        }
        let neighbourWeight = newSession ? Self.discoverNewSessionNeighbourWeight : 1
        let cf = artifacts.generator("itemcf") as? ItemCF
        let covisit = (artifacts.generator("covisit") as? CoVisitCandidates)?.coVisitation
        for (k, seed) in seeds.enumerated() {
            let w = Self.discoverSeedWeights[k] * neighbourWeight
            for (neighbour, count) in coVisits(of: seed, model: covisit, live: liveCoVisits) where keep(neighbour) {
                scores.add(neighbour, w * count)
            }
            if let cf {
                for e in cf.neighbours.neighbours(of: Int(seed)) where keep(cf.neighbours.neighbour[e]) {
                    scores.add(
                        cf.neighbours.neighbour[e], w * Self.discoverCFWeight * Double(cf.neighbours.similarity[e]))
                }
            }
        }
        if let newest = seeds.first, case let own = self.category(of: newest, overrides), own >= 0 {
            var boosted = IntMap<Double>(capacity: max(scores.count, 16))
            for (item, score) in scores.entries {
                let same = self.category(of: item, overrides) == own
                boosted.add(item, same ? score * (1 + Self.discoverSameCategoryBoost) : score)
            }
            scores = boosted
        }
        let ranked = scores.top(n).map { ScoredItem(item: $0.key, score: $0.value) }
        guard !ranked.isEmpty else {
            return recommend(
                live: live, at: time, n: n, excluding: excluded, category: category, overrides: overrides)
        }
        var answer = Recommendation(items: ranked, strategy: "discover", candidates: scores.count)
        if ranked.count < n {
            let rest = recommend(
                live: live, at: time, n: n - ranked.count, excluding: excluded.union(ranked.map(\.item)),
                category: category, overrides: overrides)
            answer.items += rest.items
            answer.candidates += rest.candidates
        }
        if live.liveEvents > 0 { answer.strategy += "-live" }
        return answer
    }

    /// `seed`'s co-visited items, each with its count (the model's plus the live one) over 3 + the best count.
    private func coVisits(
        of seed: Int32, model: CoVisitation?, live: ((Int) -> [(item: Int, count: Int32)])?
    ) -> [(item: Int32, share: Double)] {
        let r = model.map { Int($0.start[Int(seed)])..<Int($0.start[Int(seed) + 1]) } ?? 0..<0
        let fresh = live?(artifacts.itemRaw[Int(seed)]) ?? []
        if fresh.isEmpty, let model {
            guard let best = r.first.map({ Double(model.count[$0]) }), best > 0 else { return [] }
            return r.map { (model.neighbour[$0], Double(model.count[$0]) / (best + Self.discoverCoVisitShrink)) }
        }
        var counts = IntMap<Double>(capacity: r.count + fresh.count)
        if let model { for e in r { counts.add(model.neighbour[e], Double(model.count[e])) } }
        for (raw, count) in fresh {
            if let item = self.item(raw: raw) { counts.add(Int32(item), Double(count)) }
        }
        guard let best = counts.entries.map(\.value).max(), best > 0 else { return [] }
        return counts.entries.map { ($0.key, $0.value / (best + Self.discoverCoVisitShrink)) }
    }

    /// The popular items of the visitor's three strongest categories, each scoring its share of the list's
    /// best popularity × the category's share of the visitor's interest.
    private func addCategoryFavourites(
        of state: UserState, at time: Int64, keep: (Int32) -> Bool, overrides: ItemOverrides,
        to scores: inout IntMap<Double>
    ) {
        guard let lists = categoryPopularity else { return }
        for (c, share) in state.categoryAffinity(at: time, config: config).prefix(3)
        where c >= 0 && Int(c) < lists.parent.count {
            let list = categoryList(Int(c), of: lists, overrides)
            guard let top = list.first.map({ Double($0.score) }), top > 0 else { continue }
            for (item, score) in list.prefix(Self.discoverCategoryItems) where keep(item) {
                scores.add(item, share * Double(score) / top)
            }
        }
    }
}
