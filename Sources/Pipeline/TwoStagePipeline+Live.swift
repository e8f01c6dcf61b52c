import Candidates
import Dataset
import Foundation

/// A visitor's history as the server sees it: the model's part and the live part.
public struct LiveState: Sendable {
    public var state: UserState
    /// Live events merged into `state` (items the model knows, at or before the request time).
    public var liveEvents: Int
    /// Live events on items the model does not know: kept for listing and
    /// retraining, but they cannot be scored until the next model.
    public var unknownItems: Int
}

extension TwoStagePipeline {
    /// The visitor's model history with their live events (at or before
    /// `time`) appended, cut to the model's history length.
    /// - Parameters:
    ///   - rawUser: the visitor's RetailRocket id (known to the model or not).
    ///   - live: their live events, oldest first (`LiveOverlay.events(of:)`).
    /// Live events' categories are the items' live ones (`overrides`) when the shop moved them.
    public func state(rawUser: Int, live: [LiveEvent], at time: Int64, overrides: ItemOverrides = .none)
        -> LiveState
    {
        var state = user(raw: rawUser).map { self.state(ofUser: $0) } ?? UserState()
        var merged = 0
        var unknown = 0
        for e in live where e.timestamp <= time {
            guard let item = item(raw: e.item) else {
                unknown += 1
                continue
            }
            state.items.append(Int32(item))
            state.times.append(e.timestamp)
            state.kinds.append(e.kind.rawValue)
            state.categories.append(category(of: Int32(item), overrides))
            merged += 1
        }
        let keep = config.historyLength
        if state.count > keep {
            let drop = state.count - keep
            state.items.removeFirst(drop)
            state.times.removeFirst(drop)
            state.kinds.removeFirst(drop)
            state.categories.removeFirst(drop)
        }
        return LiveState(state: state, liveEvents: merged, unknownItems: unknown)
    }

    /// The items (dense ids) the visitor touched, in the model's history and
    /// in every live event at or before `time` (not only the most recent
    /// ones the history keeps): what `exclude=seen` and `exclude=purchased` leave out.
    public func touchedItems(rawUser: Int, live: [LiveEvent], at time: Int64, purchasesOnly: Bool) -> Set<Int32> {
        var out = Set<Int32>()
        if let u = user(raw: rawUser) {
            let s = state(ofUser: u)
            for k in 0..<s.count where !purchasesOnly || s.kinds[k] == EventKind.transaction.rawValue {
                out.insert(s.items[k])
            }
        }
        for e in live where e.timestamp <= time && (!purchasesOnly || e.kind == .transaction) {
            if let i = item(raw: e.item) { out.insert(Int32(i)) }
        }
        return out
    }

    /// Dense id of a raw category, when the model knows it.
    public func category(raw: Int) -> Int32? {
        var (lo, hi) = (0, artifacts.categoryRaw.count)
        while lo < hi {
            let mid = (lo + hi) / 2
            if artifacts.categoryRaw[mid] < raw { lo = mid + 1 } else { hi = mid }
        }
        return lo < artifacts.categoryRaw.count && artifacts.categoryRaw[lo] == raw ? Int32(lo) : nil
    }

    /// Whether `item`'s category (the live one in `overrides`, else the model's) is `category` or below it in
    /// the tree.
    public func item(_ item: Int32, isIn category: Int32, _ overrides: ItemOverrides = .none) -> Bool {
        self.category(self.category(of: item, overrides), isIn: category)
    }

    /// The raw category of a raw item id, when the model knows the item and its category.
    public func rawCategory(ofRawItem raw: Int) -> Int? {
        guard let i = item(raw: raw) else { return nil }
        let c = Int(artifacts.stats.category[i])
        return c >= 0 ? artifacts.categoryRaw[c] : nil
    }

    /// Whether the dense category `c` is `category` or below it in the tree (-1, no category, never is).
    public func category(_ c: Int32, isIn category: Int32) -> Bool {
        guard c >= 0 else { return false }
        guard let lists = categoryPopularity else { return c == category }
        return lists.isUnder(Int(c), Int(category))
    }

    /// The category generator's lists, when the model has that generator.
    public var categoryPopularity: CategoryPopularity? {
        (artifacts.generator("category") as? CategoryCandidates)?.popularity
    }

    /// The `trending` generator, when the model has it.
    var trending: TrendingCandidates? { artifacts.generator("trending") as? TrendingCandidates }

    /// The answer for a visitor with live events: two-stage when their
    /// history (model and live) is not empty, labelled `-live` when live
    /// events shaped it. Items in `excluded` (dense ids) are never returned;
    /// with `category`, only items of that category's subtree are, the
    /// ranked ones first, then the category's popular items.
    public func recommend(
        live: LiveState, at time: Int64, n: Int, excluding excluded: Set<Int32> = [], category: Int32? = nil,
        overrides: ItemOverrides = .none
    ) -> Recommendation {
        // Ask for enough to fill `n` after the filters: a category keeps a
        // fraction of the candidates, so it takes the whole ranked list.
        let wanted = category == nil ? n + excluded.count : max(n + excluded.count, candidateCapacity)
        var answer = recommend(user: live.state, at: time, n: wanted, overrides: overrides)
        let keep = { (item: Int32) in
            !excluded.contains(item) && (category.map { self.item(item, isIn: $0, overrides) } ?? true)
        }
        answer.items.removeAll { !keep($0.item) }
        if answer.items.count < n {
            var seen = Set(answer.items.map(\.item))
            let fallback: [Int32]
            if let c = category, let lists = categoryPopularity, Int(c) < lists.parent.count {
                fallback = categoryList(Int(c), of: lists, overrides).map(\.item)
            } else {
                fallback = artifacts.popular
            }
            for item in fallback where answer.items.count < n && keep(item) && seen.insert(item).inserted {
                answer.items.append(ScoredItem(item: item, score: 0))
            }
        }
        if answer.items.count > n { answer.items.removeLast(answer.items.count - n) }
        if live.liveEvents > 0 { answer.strategy += "-live" }
        return answer
    }
}
