import Candidates
import Dataset
import Features
import Foundation

/// The candidate generators a pipeline may use.
public enum GeneratorKind: String, Codable, Sendable, CaseIterable {
    case category, itemcf, history, userknn, als, bpr

    /// What `train` builds unless told otherwise: the set with the best
    /// quality per millisecond of request time in docs/evaluation.
    public static let defaults: [GeneratorKind] = [.category, .itemcf, .history]

    public var provenance: Provenance {
        switch self {
        case .category: .category
        case .itemcf: .itemCF
        case .history: .history
        case .userknn: .userKNN
        case .als: .als
        case .bpr: .bpr
        }
    }

    /// How many candidates it proposes per request, at most.
    public func candidateLimit(_ config: RecsysConfig) -> Int {
        switch self {
        // Each of the visitor's top categories gets its own list.
        case .category: config.categoryCandidates * max(config.userCategories, 1)
        case .itemcf: config.cfCandidates
        case .history: config.historyCandidates
        case .userknn: config.userKNNCandidates
        case .als, .bpr: config.factorCandidates
        }
    }

    /// The feature columns it adds, for the optional ones.
    public var modelFeature: ModelFeature? {
        switch self {
        case .userknn: .userknn
        case .als: .als
        case .bpr: .bpr
        default: nil
        }
    }

    /// Parses "category,itemcf,history,als": known names, no repeats, at least one.
    public static func parseList(_ text: String) throws -> [GeneratorKind] {
        let names = text.split(separator: ",", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        var out: [GeneratorKind] = []
        for name in names {
            guard let g = GeneratorKind(rawValue: name) else {
                throw GeneratorListError(
                    "unknown generator \"\(name)\" in \"\(text)\"; expected a comma-separated list of \(allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            guard !out.contains(g) else {
                throw GeneratorListError("generator \"\(name)\" is listed twice in \"\(text)\"")
            }
            out.append(g)
        }
        return allCases.filter(out.contains)
    }
}

public struct GeneratorListError: Error, CustomStringConvertible {
    public let description: String
    init(_ d: String) { description = d }
}

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
}

/// Candidates → features → ranker → top N. The server and the offline
/// evaluation call the same `recommend`; a request costs O(candidates ×
/// features) plus the generators' lookups. A class: immutable once built,
/// and passing it around must not retain each of its dozens of arrays.
public final class TwoStagePipeline: Sendable {
    public let artifacts: ModelArtifacts
    public let generators: [GeneratorKind]
    public let builder: FeatureBuilder
    let category: CategoryPopularity
    let cf: ItemCF
    let history: RecentHistory
    /// The optional generators' structures, present only when enabled.
    let userKNN: UserKNN?
    let factorModels: [FactorCandidates]
    /// Room for every enabled generator's list, so a request's set never grows.
    let candidateCapacity: Int
    private let users: IdMap
    private let items: IdMap
    /// w·x of each item's own features, so a request only adds the pair features.
    private let itemScore: [Double]

    /// `generators` defaults to the model's own set; a subset is for the
    /// offline comparison. A generator whose structure the model lacks is skipped.
    public init(artifacts: ModelArtifacts, generators: [GeneratorKind]? = nil) {
        self.artifacts = artifacts
        let available = artifacts.generators
        self.generators = (generators ?? available).filter { g in
            switch g {
            case .userknn: artifacts.userKNN != nil
            case .als: artifacts.als != nil
            case .bpr: artifacts.bpr != nil
            default: true
            }
        }
        let config = artifacts.metadata.config
        builder = FeatureBuilder(
            schema: artifacts.metadata.schema, stats: artifacts.stats, config: config,
            categoryCount: artifacts.categoryRaw.count)
        category = artifacts.categoryPopularity
        cf = ItemCF(neighbours: artifacts.neighbours, config: config)
        history = RecentHistory(config: config)
        let enabled = self.generators
        userKNN = enabled.contains(.userknn) ? artifacts.userKNN : nil
        let pool = artifacts.stats.topItems(config.factorPool)
        factorModels = [(GeneratorKind.als, artifacts.als), (.bpr, artifacts.bpr)].compactMap { g, model in
            guard enabled.contains(g), let model else { return nil }
            return FactorCandidates(model: model, provenance: g.provenance, pool: pool)
        }
        candidateCapacity = enabled.reduce(0) { $0 + $1.candidateLimit(config) }
        users = IdMap(sortedUniqueRaw: artifacts.userRaw)
        items = IdMap(sortedUniqueRaw: artifacts.itemRaw)
        itemScore = builder.itemScores(weights: artifacts.ranker.weights)
    }

    public var config: RecsysConfig { artifacts.metadata.config }

    /// Dense id of a raw visitor id, when known.
    public func user(raw: Int) -> Int? { users.dense(raw).map(Int.init) }
    public func item(raw: Int) -> Int? { items.dense(raw).map(Int.init) }

    public func state(ofUser user: Int) -> UserState { artifacts.histories.state(of: user) }

    /// The union of the enabled generators' candidates, each with every score.
    public func candidates(for user: UserState, at time: Int64) -> CandidateSet {
        var set = CandidateSet(capacity: candidateCapacity)
        let cfScores = cf.scores(for: user, at: time)
        if generators.contains(.history) {
            history.generate(for: user, at: time, limit: config.historyCandidates, into: &set)
        }
        if generators.contains(.itemcf) {
            for (item, _) in cfScores.top(config.cfCandidates, ordered: false) { set.add(item, from: .itemCF) }
        }
        if generators.contains(.category) {
            category.generate(
                for: user, at: time, limit: config.categoryCandidates, categories: config.userCategories,
                config: config, into: &set)
        }
        let userKNNScores = userKNN?.scores(for: user)
        for (item, _) in userKNNScores?.top(config.userKNNCandidates, ordered: false) ?? [] {
            set.add(item, from: .userKNN)
        }
        let poolScores = factorModels.map { $0.poolScores(user: Int(user.id)) }
        for (m, scores) in zip(factorModels, poolScores) {
            for (item, _) in m.top(poolScores: scores, limit: config.factorCandidates, ordered: false) {
                set.add(item, from: m.provenance)
            }
        }
        // Every candidate gets every score of the enabled generators, whichever proposed it.
        var historyScore = IntMap<Float>(capacity: user.count)
        for (item, score) in history.scores(for: user, at: time, limit: config.historyLength) {
            historyScore[item] = Float(score)
        }
        // Through buffers: each subscript write to the set's arrays checked their uniqueness.
        let items = set.items
        set.cfScore.withUnsafeMutableBufferPointer { out in
            for k in out.indices { out[k] = Float(cfScores[items[k]] ?? 0) }
        }
        set.historyScore.withUnsafeMutableBufferPointer { out in
            for k in out.indices { out[k] = historyScore[items[k]] ?? 0 }
        }
        if let userKNNScores {
            set.userKNNScore.withUnsafeMutableBufferPointer { out in
                for k in out.indices { out[k] = userKNNScores[items[k]] ?? 0 }
            }
        }
        // The factor models share one pool, so one lookup per candidate serves both.
        let positions = factorModels.first?.poolPositions(of: set.items) ?? []
        for (m, pool) in zip(factorModels, poolScores) {
            let scores = m.scores(poolPositions: positions, poolScores: pool)
            if m.provenance == .als { set.alsScore = scores } else { set.bprScore = scores }
        }
        return set
    }

    /// The time recency is measured from: the request time, but never more
    /// than one label window after the model's data ends. A stale model (say
    /// the bundled demo, built on 2015 data) would otherwise see every
    /// interaction decayed to zero and rank as if the user had no history.
    public func recencyTime(for time: Int64) -> Int64 {
        min(time, artifacts.metadata.referenceTime + Int64(config.labelWindowDays * 86_400_000))
    }

    /// Ranks the candidates; pads with popular items when they are too few.
    public func recommend(user: UserState, at time: Int64, n: Int) -> Recommendation {
        guard !user.isEmpty else { return popular(n: n) }
        let recency = recencyTime(for: time)
        let set = candidates(for: user, at: recency)
        // Rank by the logit (monotone in the probability); only the n kept need the sigmoid.
        let logits = rankerLogits(user: user, candidates: set, at: time, recencyAt: recency)
        var scored = topN(items: set.items, scores: logits, n)
        for k in scored.indices { scored[k].score = sigmoid(scored[k].score) }
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
    public func rankerLogits(user: UserState, candidates set: CandidateSet, at time: Int64, recencyAt: Int64)
        -> [Double]
    {
        let weights = artifacts.ranker.weights
        var logits = builder.pairScores(
            user: user, candidates: set, at: time, recencyAt: recencyAt, weights: weights)
        let base = artifacts.ranker.intercept + builder.requestScore(at: time, weights: weights)
        let items = set.items
        // Item ids stay bounds-checked: they index a model-wide array.
        logits.withUnsafeMutableBufferPointer { z in
            for k in z.indices { z[k] += base + itemScore[Int(items[k])] }
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

/// The n best by score (ties by item id, so answers are deterministic).
/// A bounded insertion keeps it O(candidates × n) with no full sort.
func topN(items: [Int32], scores: [Double], _ n: Int) -> [ScoredItem] {
    guard n > 0 else { return [] }
    func better(_ a: ScoredItem, _ b: ScoredItem) -> Bool { a.score != b.score ? a.score > b.score : a.item < b.item }
    var best: [ScoredItem] = []
    best.reserveCapacity(n + 1)
    for k in 0..<min(items.count, scores.count) {
        let x = ScoredItem(item: items[k], score: scores[k])
        if best.count == n, let last = best.last, !better(x, last) { continue }
        var i = best.count
        while i > 0 && better(x, best[i - 1]) { i -= 1 }
        best.insert(x, at: i)
        if best.count > n { best.removeLast() }
    }
    return best
}
