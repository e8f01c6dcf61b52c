import Dataset
import ModelFile
import RecsysCore

/// Popular items of the user's most recent category (as of that event),
/// climbing to the parent category while the list is too short, skipping
/// items known to be unavailable.
///
/// Storage: CSR category → items sorted by decayed popularity (each
/// category's list covers its whole subtree), `categoryListLength` per category.
public struct CategoryPopularity: Sendable {
    public var start: [Int32]
    public var items: [Int32]
    public var scores: [Float]
    public var parent: [Int32]
    public var minItems: Int

    public init(start: [Int32], items: [Int32], scores: [Float], parent: [Int32], minItems: Int) {
        self.start = start
        self.items = items
        self.scores = scores
        self.parent = parent
        self.minItems = minItems
    }

    /// Lists from items' current categories and decayed popularity.
    public init(stats: ItemStats, tree: CategoryTree, config: RecsysConfig) {
        let c = tree.count
        // Each member as its ranking key (popularity, then the smaller id), read once per item: a root
        // category's subtree holds millions of items at 10 x scale, and sorting them all by looking their
        // popularity up in every comparison took 25 x the 1 x time there. Only the top of each list is kept.
        var members = [[FloatRankKey]](repeating: [], count: c)
        for i in 0..<stats.count where stats.popularity[i] > 0 && stats.category[i] >= 0 && stats.available[i] != 0 {
            let key = FloatRankKey(stats.popularity[i], Int32(i))
            var x = Int(stats.category[i])
            var steps = 0
            while x >= 0 && steps <= c {
                members[x].append(key)
                x = Int(tree.parent[x])
                steps += 1
            }
        }
        start = [0]
        items = []
        scores = []
        for k in 0..<c {
            let best = TopK.largest(members[k], limit: config.categoryListLength)
            members[k] = []
            let top = best.first?.score ?? 1
            for key in best {
                items.append(key.id)
                scores.append(key.score / top)
            }
            start.append(Int32(items.count))
        }
        parent = tree.parent
        minItems = config.categoryMinItems
    }

    public func list(of category: Int) -> Range<Int> { Int(start[category])..<Int(start[category + 1]) }

    /// Popular items of the user's `categories` best categories (the most
    /// recent first, then by affinity); each gets `limit` items, scored by
    /// popularity × 1/(1 + category rank) ÷ (1 + parent steps). An item may
    /// appear twice (two categories); the set keeps its higher score.
    /// With `moved`, the lists are as the shop's live moves make them (`liveList(of:_:)`).
    public func propose(
        for user: UserState, at time: Int64, limit: Int, categories: Int, config: RecsysConfig,
        into set: inout CandidateSet, slot: Int, moved: MovedItems? = nil
    ) {
        let chosen: [Int32]
        if categories > 1 {
            chosen = user.categoryAffinity(at: time, config: config).prefix(categories).map(\.category)
        } else {
            chosen = user.recentCategory >= 0 ? [user.recentCategory] : []
        }
        for (rank, category) in chosen.enumerated() {
            add(
                category: Int(category), rankWeight: 1 / Float(1 + rank), limit: limit,
                moved: moved.flatMap { $0.category.isEmpty ? nil : $0 }, into: &set, slot: slot)
        }
    }

    private func add(
        category start: Int, rankWeight: Float, limit: Int, moved: MovedItems?, into set: inout CandidateSet, slot: Int
    ) {
        var c = start
        guard c >= 0 && c < parent.count else { return }
        var added = 0
        var steps = 0
        // Climb while the lists seen so far are shorter than `minItems`.
        while c >= 0 && steps < 8 {
            if let moved {
                for (item, score) in liveList(of: c, moved) where added < limit {
                    set.add(item, slot: slot, score: rankWeight * score / Float(1 + steps))
                    added += 1
                }
            } else {
                for e in list(of: c) where added < limit {
                    set.add(items[e], slot: slot, score: rankWeight * scores[e] / Float(1 + steps))
                    added += 1
                }
            }
            if added >= minItems || added >= limit { break }
            c = Int(parent[c])
            steps += 1
        }
    }
}

extension CategoryPopularity {
    /// Items the shop moved to another category live (`POST /api/v1/items`), with what a list needs to rank
    /// them: the model's per-item popularity and availability (`ItemStats`).
    public struct MovedItems: Sendable {
        /// Dense item → its live dense category, where it differs from the model's.
        public var category: [Int32: Int32]
        /// Dense category → the moved items a list of it may rank (`joining(_:parent:popularity:available:limit:)`).
        public var joining: [Int32: [Int32]]
        /// Per item, the value the lists were ranked by, or any increasing function of it (`toListScale`).
        public var popularity: [Float]
        public var available: [Int8]
        /// Maps `popularity` back to the value the lists were ranked by (`trending` stores log(1 + weight)).
        public var toListScale: @Sendable (Float) -> Float

        public init(
            category: [Int32: Int32], joining: [Int32: [Int32]], popularity: [Float], available: [Int8],
            toListScale: @escaping @Sendable (Float) -> Float = { $0 }
        ) {
            self.category = category
            self.joining = joining
            self.popularity = popularity
            self.available = available
            self.toListScale = toListScale
        }

        /// For each category, the moved items now in its subtree (under their live category and every
        /// ancestor of it) that a list may rank: seen (popularity > 0) and not known unavailable, best first
        /// (popularity, then the smaller id), at most `limit` (a list's length) per category, so a request's
        /// cost does not grow with the number of moves. Built once per set of moves, not per request.
        public static func joining(
            _ category: [Int32: Int32], parent: [Int32], popularity: [Float], available: [Int8], limit: Int
        ) -> [Int32: [Int32]] {
            var out: [Int32: [Int32]] = [:]
            for (item, to) in category where popularity[Int(item)] > 0 && available[Int(item)] != 0 {
                var c = Int(to)
                var steps = 0
                while c >= 0 && c < parent.count && steps <= parent.count {
                    out[Int32(c), default: []].append(item)
                    c = Int(parent[c])
                    steps += 1
                }
            }
            for (c, items) in out {
                let keys = items.map { FloatRankKey(popularity[Int($0)], $0) }
                out[c] = TopK.largest(keys, limit: limit).map(\.id)
            }
            return out
        }
    }

    /// `category`'s list as the live moves make it, best first (score, then the smaller id): an item that
    /// left the category's subtree is gone; one moved into it (`MovedItems.joining`) joins at its
    /// popularity ÷ the popularity of the list's first item (the lists' own scale).
    public func liveList(of category: Int, _ moved: MovedItems) -> [(item: Int32, score: Float)] {
        let range = list(of: category)
        var out: [(item: Int32, score: Float)] = []
        out.reserveCapacity(range.count)
        for e in range where moved.category[items[e]].map({ isUnder(Int($0), category) }) ?? true {
            out.append((items[e], scores[e]))
        }
        let joining = moved.joining[Int32(category)] ?? []
        guard !joining.isEmpty else { return out }
        let top = range.isEmpty ? 0 : moved.toListScale(moved.popularity[Int(items[range.lowerBound])])
        let listed = Set(range.map { items[$0] })
        var joined = false
        for item in joining where !listed.contains(item) {
            out.append((item, top > 0 ? min(1, moved.toListScale(moved.popularity[Int(item)]) / top) : 1))
            joined = true
        }
        if joined { out.sort { $0.score != $1.score ? $0.score > $1.score : $0.item < $1.item } }
        return out
    }

    /// Whether `category` is `ancestor` or lies below it.
    public func isUnder(_ category: Int, _ ancestor: Int) -> Bool {
        var c = category
        var steps = 0
        while c >= 0 && c < parent.count && steps <= parent.count {
            if c == ancestor { return true }
            c = Int(parent[c])
            steps += 1
        }
        return false
    }

    /// The lists as fields of a model section (the `category` generator's CPOP, `trending`'s TRND).
    public func write(to w: inout BinaryWriter) {
        w.array(start)
        w.array(items)
        w.array(scores)
        w.array(parent)
        w.scalar(Int64(minItems))
    }

    /// Reads what `write(to:)` wrote.
    public static func read(from r: SectionStream) throws -> CategoryPopularity {
        CategoryPopularity(
            start: try r.array(), items: try r.array(), scores: try r.array(), parent: try r.array(),
            minItems: Int(try r.scalar(Int64.self)))
    }

    /// Throws `.corrupt` naming `tag` unless the lists fit a model of these sizes.
    public func check(categoryCount: Int, itemCount: Int, tag: String) throws {
        try checkCSR(start, items, rows: categoryCount, values: itemCount, tag)
        func check(_ ok: Bool, _ reason: String) throws {
            if !ok { throw ModelFileError.corrupt(section: tag, reason: reason) }
        }
        try check(scores.count == items.count, "score count")
        try check(parent.count == categoryCount, "parent count")
        try check(parent.allSatisfy { $0 >= -1 && Int($0) < categoryCount }, "parent range")
    }
}
