import Candidates
import Dataset
import Features
import Foundation
import Ranker
import RecsysCore

/// One scored item of an answer.
public struct ScoredItem: Sendable, Equatable {
    public var item: Int32
    public var score: Double
}

/// An answer: items best first, how it was made, and its cost.
public struct Recommendation: Sendable {
    public var items: [ScoredItem]
    /// "two-stage", or "popular" for a visitor without history.
    public var strategy: String
    public var candidates: Int

    public init(items: [ScoredItem], strategy: String, candidates: Int) {
        (self.items, self.strategy, self.candidates) = (items, strategy, candidates)
    }
}

/// Candidates → features → ranker → top N. The server and the offline
/// evaluation call the same `recommend`; a request costs O(candidates ×
/// features) plus the generators' lookups. A class: immutable once built,
/// and passing it around must not retain each of its dozens of arrays.
public final class TwoStagePipeline: Sendable {
    public let artifacts: ModelArtifacts
    /// The generators that propose, in registry order.
    public let generators: [String]
    public let builder: FeatureBuilder
    public let layout: CandidateLayout
    /// Who runs per request, in proposal order: the enabled generators, and
    /// those that score every candidate even when they do not propose.
    private let steps: [Step]
    /// Room for every enabled generator's list, so a request's set never grows.
    let candidateCapacity: Int
    private let users: IdMap
    private let items: IdMap
    /// w·x of each item's own features, so a request only adds the pair features.
    private let itemScore: [Double]

    struct Step: Sendable {
        let slot: Int
        let generator: any CandidateGenerator
        let proposes: Bool
    }

    /// `generators` defaults to the model's own set; a subset is for the
    /// offline comparison. A generator whose structure the model lacks is skipped.
    public init(artifacts: ModelArtifacts, generators: [String]? = nil) {
        self.artifacts = artifacts
        let layout = artifacts.layout
        self.layout = layout
        let enabled = (generators ?? artifacts.metadata.generators).filter { layout.slot($0) >= 0 }
        self.generators = layout.names.filter(enabled.contains)
        let registry = artifacts.registry
        steps = artifacts.generators.enumerated().compactMap { slot, g in
            let proposes = enabled.contains(g.name)
            guard proposes || layout.keepsScores.overlaps(.slot(slot)) else { return nil }
            return Step(slot: slot, generator: g, proposes: proposes)
        }.sorted { a, b in
            let (ra, rb) = (
                registry[a.generator.name]?.proposalRank ?? 0, registry[b.generator.name]?.proposalRank ?? 0
            )
            return ra != rb ? ra < rb : a.slot < b.slot
        }
        let config = artifacts.metadata.config
        builder = FeatureBuilder(
            schema: artifacts.metadata.schema, stats: artifacts.stats, config: config,
            categoryCount: artifacts.categoryRaw.count, layout: layout)
        candidateCapacity = steps.filter(\.proposes).reduce(0) { $0 + $1.generator.candidateLimit }
        // Looked up once per request: a search (`IdMap`'s block index) instead of a table of
        // 4 bytes per visitor id (56 MB at 10 × scale).
        users = IdMap(sortedUniqueRaw: artifacts.userRaw, tableLimit: 0)
        items = IdMap(sortedUniqueRaw: artifacts.itemRaw)
        itemScore = builder.itemScores(weights: artifacts.ranker.weights)
    }

    public var config: RecsysConfig { artifacts.metadata.config }

    /// Dense id of a raw visitor id, when known.
    public func user(raw: Int) -> Int? { users.dense(raw).map(Int.init) }
    public func item(raw: Int) -> Int? { items.dense(raw).map(Int.init) }

    public func state(ofUser user: Int) -> UserState { artifacts.histories.state(of: user) }

    /// The union of the enabled generators' candidates, each with every score.
    /// With `overrides`, the category lists hold the items the shop moved live where they now are.
    public func candidates(for user: UserState, at time: Int64, overrides: ItemOverrides = .none) -> CandidateSet {
        var set = CandidateSet(columns: layout.count, capacity: candidateCapacity)
        var scored: [(slot: Int, scores: CandidateScores)] = []
        scored.reserveCapacity(steps.count)
        for step in steps {
            if step.proposes, !overrides.category.isEmpty, let live = liveLists(of: step.generator, overrides) {
                live.lists.propose(
                    for: user, at: time, limit: live.limit, categories: config.userCategories, config: config,
                    into: &set, slot: step.slot, moved: live.moved)
                scored.append(
                    (
                        step.slot,
                        step.generator.propose(for: user, at: time, proposing: false, into: &set, slot: step.slot)
                    ))
                continue
            }
            let scores = step.generator.propose(
                for: user, at: time, proposing: step.proposes, into: &set, slot: step.slot)
            scored.append((step.slot, scores))
        }
        // Every candidate gets every score, whichever generator proposed it.
        for (slot, scores) in scored {
            switch scores {
            case .proposals: break
            case .map(let map): set.fill(slot: slot) { map[$0] ?? 0 }
            case .doubleMap(let map): set.fill(slot: slot) { Float(map[$0] ?? 0) }
            case .lookup(let score): set.fill(slot: slot, with: score(set.items))
            }
        }
        return set
    }

    /// The time recency is measured from: the request time, but never more
    /// than one label window after the model's data ends. A stale model (say
    /// the bundled demo, built on 2015 data) would otherwise see every
    /// interaction decayed to zero and rank as if the user had no history.
    public func recencyTime(for time: Int64) -> Int64 {
        min(time, artifacts.metadata.referenceTime + EventTime.milliseconds(days: config.labelWindowDays))
    }

    /// Ranks the candidates, the items of the visitor's current session boosted (`boostSession`); pads
    /// with popular items when they are too few.
    public func recommend(user: UserState, at time: Int64, n: Int, overrides: ItemOverrides = .none)
        -> Recommendation
    {
        guard !user.isEmpty else { return popular(n: n) }
        let recency = recencyTime(for: time)
        let set = candidates(for: user, at: recency, overrides: overrides)
        // Rank by the logit (monotone in the probability); only the n kept need the sigmoid.
        var logits = rankerLogits(user: user, candidates: set, at: time, recencyAt: recency, overrides: overrides)
        boostSession(of: user, at: time, items: set.items, logits: &logits)
        let best = withUnsafeTemporaryAllocation(of: DoubleRankKey.self, capacity: set.count) { keys in
            for k in keys.indices { keys[k] = DoubleRankKey(logits[k], set.items[k]) }
            return TopK.largest(in: UnsafeBufferPointer(keys), limit: n, ordered: true)
        }
        var scored = best.map { ScoredItem(item: $0.id, score: sigmoid($0.score)) }
        if scored.count < n {
            var seen = Set(scored.map(\.item))
            for item in artifacts.popular where scored.count < n && !seen.contains(item) {
                seen.insert(item)
                scored.append(ScoredItem(item: item, score: 0))
            }
        }
        return Recommendation(items: scored, strategy: "two-stage", candidates: set.count)
    }

    /// The ranker's logit (w·x + b) for each candidate: the same features as
    /// training (`FeatureBuilder.emit`), summed without building the rows.
    /// With `overrides`, a moved item's category features are its live category's (the pair features in
    /// `pairScores`, the item's own category column by the difference of the two weights), and an item's
    /// availability columns its live availability's.
    public func rankerLogits(
        user: UserState, candidates set: CandidateSet, at time: Int64, recencyAt: Int64,
        overrides: ItemOverrides = .none
    ) -> [Double] {
        let weights = artifacts.ranker.weights
        var logits = builder.pairScores(
            user: user, candidates: set, at: time, recencyAt: recencyAt, weights: weights,
            categoryOverride: overrides.category)
        let base = artifacts.ranker.intercept + builder.requestScore(at: time, weights: weights)
        let items = set.items
        // Item ids stay bounds-checked: they index a model-wide array.
        logits.withUnsafeMutableBufferPointer { z in
            for k in z.indices { z[k] += base + itemScore[Int(items[k])] }
        }
        if !overrides.isEmpty {
            for k in logits.indices {
                let item = items[k]
                if let moved = overrides.category[item] {
                    logits[k] += builder.categoryWeightChange(
                        from: Int(artifacts.stats.category[Int(item)]), to: Int(moved), weights: weights)
                }
                if let available = overrides.available[item] {
                    logits[k] += builder.availabilityWeightChange(
                        from: artifacts.stats.available[Int(item)], to: available, weights: weights)
                }
            }
        }
        return logits
    }

    /// For a raw visitor id: their history when known, else the popular fallback.
    public func recommend(rawUser: Int, at time: Int64, n: Int) -> Recommendation {
        guard let u = user(raw: rawUser) else { return popular(n: n) }
        return recommend(user: state(ofUser: u), at: time, n: n)
    }

    public func popular(n: Int) -> Recommendation {
        let top = artifacts.popular.prefix(n)
        let best = top.first.map { Double(artifacts.stats.popularity[Int($0)]) } ?? 1
        return Recommendation(
            items: top.map {
                ScoredItem(item: $0, score: Double(artifacts.stats.popularity[Int($0)]) / max(best, 1e-12))
            },
            strategy: "popular", candidates: 0)
    }
}
