import Foundation
import RecsysCore

/// How high offline NDCG@10 can go on a generated world: the ranking of a scorer that knows how the generator
/// makes visitors browse and cart, next to the kind- and recency-weighted history method of the evaluation.
///
/// The generator is run again in memory with the same seed (the same log as `generate` writes), keeping what
/// the log does not show. For each test user of the offline protocol (an event before the cutoff, a cart or
/// purchase after it; the request at their first event after it) the scorer simulates `futureViews` views of
/// one new session from the request time, `runs` times, with the generator's own rules for the next item and
/// the cart weight, and ranks items by their estimated chance of being carted. Two scorers:
/// - **hidden state**: knows the visitor's taste categories and the items' true quality and the categories'
///   conversion. No model can know these: an upper bound.
/// - **estimated**: the same rules with what a model could estimate from the events before the cutoff: an
///   item's quality as its carts per view (shrunk to the mean with 20 pseudo-views), the visitor's tastes as
///   the categories of their past views. A ranker that learnt the generator's mechanism exactly, and nothing
///   more, would rank about this well.
/// Neither knows how many views really followed or when.
public enum GeneratorCeiling {
    public struct Options: Sendable {
        public var runs = 100
        public var futureViews = 10
        public var testDays = 14.0
        /// The history method: kind weights (view, cart, purchase) and half-life, as `RecsysConfig`.
        public var kindWeight: [Double] = [1, 4, 6]
        public var halfLifeHours = 168.0
        public var seed: UInt64 = 1

        public init() {}
    }

    public struct Result: Codable, Sendable, Equatable {
        public var testUsers: Int
        public var relevantItems: Int
        public var historyNDCG: Double
        public var hiddenStateNDCG: Double
        public var estimatedNDCG: Double
        /// Each scorer's NDCG@10 over the history method's.
        public var hiddenStateRatio: Double
        public var estimatedRatio: Double
        public var runs: Int
        public var futureViews: Int
        /// The generator world measured (`GeneratorWorld.name`).
        public var world: String

        /// Keys that survive the CLI's snake_case round trip (`history_ndcg`, not `history_n_d_c_g`).
        enum CodingKeys: String, CodingKey {
            case testUsers, relevantItems, hiddenStateRatio, estimatedRatio, runs, futureViews, world
            case historyNDCG = "historyNdcg"
            case hiddenStateNDCG = "hiddenStateNdcg"
            case estimatedNDCG = "estimatedNdcg"
        }
    }

    public static func measure(
        _ config: GeneratorConfig, options: Options = Options(), progress: ((String) -> Void)? = nil
    ) -> Result {
        var rng = SplitMix64(seed: config.seed)
        let catalog = Catalog(config: config, rng: &rng)
        var simulation = Simulation(config: config, catalog: catalog)
        simulation.recordsHidden = true
        let log = simulation.run(rng: &rng)
        guard let hidden = log.hidden else { preconditionFailure("the simulation records its hidden state") }
        progress?("simulated \(log.time.count) events of \(config.visitors) visitors")
        let cutoff = EventTime.testCutoff(maxTime: log.time.max() ?? 0, days: options.testDays)
        let lambda = cartRate(weights: hidden.viewWeight, carts: config.carts)
        let quality = Estimates(log: log, before: cutoff, items: catalog.itemRaw.count)
        var byVisitor = [[Int]](repeating: [], count: config.visitors)
        for e in log.time.indices { byVisitor[Int(log.visitor[e])].append(e) }
        let views = hidden.viewWeight.count
        var mc = SplitMix64(seed: options.seed)
        var sums = (history: 0.0, hidden: 0.0, estimated: 0.0)
        var tests = 0
        var relevantItems = 0
        for v in byVisitor.indices {
            let events = byVisitor[v]
            guard events.contains(where: { log.time[$0] < cutoff }) else { continue }
            var relevant = Set<Int32>()
            var request = Int64.max
            for e in events where log.time[e] >= cutoff {
                request = min(request, log.time[e])
                if log.kind[e] != EventKind.view.rawValue { relevant.insert(log.item[e]) }
            }
            guard !relevant.isEmpty else { continue }
            tests += 1
            relevantItems += relevant.count
            let past = events.filter { $0 < views && log.time[$0] < cutoff }.map { log.item[$0] }
            let history = historyRanking(
                events.filter { log.time[$0] < cutoff }, log: log, at: request, options: options)
            sums.history += ndcg(history, relevant)
            let visitor = Visitor(
                past: past, tastes: hidden.tastes[v], propensity: hidden.propensity[v], request: request)
            for estimated in [false, true] {
                let scores = visitor.cartChances(
                    simulation, quality: estimated ? quality : nil, lambda: lambda, options: options, rng: &mc)
                let list = top(scores, 10)
                if estimated { sums.estimated += ndcg(list, relevant) } else { sums.hidden += ndcg(list, relevant) }
            }
        }
        let n = Double(max(tests, 1))
        let history = max(sums.history, 1e-12)
        return Result(
            testUsers: tests, relevantItems: relevantItems, historyNDCG: sums.history / n,
            hiddenStateNDCG: sums.hidden / n, estimatedNDCG: sums.estimated / n,
            hiddenStateRatio: sums.hidden / history, estimatedRatio: sums.estimated / history, runs: options.runs,
            futureViews: options.futureViews, world: config.world.name)
    }

    /// λ with Σ (1 − exp(−λ w)) = carts: the funnel's weighted sampling without replacement picks a view
    /// of weight w with about that chance.
    static func cartRate(weights: [Float], carts: Int) -> Double {
        func expected(_ l: Double) -> Double { weights.reduce(0) { $0 + (1 - exp(-l * Double($1))) } }
        var lo = 0.0
        var hi = 1.0
        while expected(hi) < Double(carts) && hi < 1e12 { hi *= 2 }
        for _ in 0..<60 {
            let mid = (lo + hi) / 2
            if expected(mid) < Double(carts) { lo = mid } else { hi = mid }
        }
        return (lo + hi) / 2
    }

    /// Carts per view of each item before the cutoff, shrunk to the mean, relative to the mean.
    struct Estimates {
        var quality: [Double]

        init(log: SimulatedLog, before cutoff: Int64, items: Int) {
            var views = [Double](repeating: 0, count: items)
            var carts = [Double](repeating: 0, count: items)
            for e in log.time.indices where log.time[e] < cutoff {
                if log.kind[e] == EventKind.view.rawValue { views[Int(log.item[e])] += 1 }
                if log.kind[e] == EventKind.addToCart.rawValue { carts[Int(log.item[e])] += 1 }
            }
            let mean = carts.reduce(0, +) / max(views.reduce(0, +), 1)
            let prior = 20.0
            quality = zip(carts, views).map { c, v in (c + prior * mean) / (v + prior) / max(mean, 1e-12) }
        }
    }

    /// A test user as the scorers see them at the request.
    struct Visitor {
        var past: [Int32]
        var tastes: [Int]
        var propensity: Double
        var request: Int64

        /// Each item's estimated chance of being carted in the next `futureViews` views.
        func cartChances(
            _ simulation: Simulation, quality estimates: Estimates?, lambda: Double, options: Options,
            rng: inout SplitMix64
        ) -> [Int32: Double] {
            let catalog = simulation.catalog
            // Estimated tastes: the categories of the past views, drawn by count.
            let pastCategories = past.map { catalog.category(of: Int($0), at: request) }
            var chances: [Int32: Double] = [:]
            for _ in 0..<options.runs {
                var history = past
                let category =
                    estimates == nil || pastCategories.isEmpty
                    ? simulation.sessionCategory(tastes: tastes, rng: &rng)
                    : (rng.chance(simulation.config.world.tasteSessionChance)
                        ? pastCategories[rng.below(pastCategories.count)] : simulation.pickLeaf(&rng))
                var previous: Int32 = -1
                var notCarted: [Int32: Double] = [:]
                for k in 0..<options.futureViews {
                    let item = simulation.nextItem(after: previous, history: history, category: category, rng: &rng)
                    let t = request + Int64(k) * 75_000
                    let c = catalog.category(of: Int(item), at: t)
                    let w = Simulation.cartWeight(
                        propensity: propensity,
                        quality: estimates?.quality[Int(item)] ?? Double(catalog.itemQuality[Int(item)]),
                        at: t, categoryConversion: estimates == nil ? catalog.categoryConversion[c] : 1,
                        inTaste: estimates == nil ? tastes.contains(c) : pastCategories.contains(c),
                        repeated: history.contains(item), available: catalog.isAvailable(Int(item), at: t),
                        world: simulation.config.world)
                    notCarted[item, default: 1] *= exp(-lambda * w)
                    history.append(item)
                    previous = item
                }
                for (item, q) in notCarted { chances[item, default: 0] += 1 - q }
            }
            return chances
        }
    }

    /// The evaluation's user-history method: kind weight × half-life decay to the request, summed per item.
    static func historyRanking(_ events: [Int], log: SimulatedLog, at request: Int64, options: Options) -> [Int32] {
        var score: [Int32: Double] = [:]
        let halfLife = options.halfLifeHours * 3_600_000
        for e in events {
            let kind = Int(log.kind[e])
            let weight = kind < options.kindWeight.count ? options.kindWeight[kind] : 1
            score[log.item[e], default: 0] += weight * pow(0.5, Double(request - log.time[e]) / halfLife)
        }
        return top(score, 10)
    }

    /// Best first, ties by item id.
    static func top(_ scores: [Int32: Double], _ k: Int) -> [Int32] {
        scores.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(k).map(\.key)
    }

    /// Binary gains, as `RankingMetrics`.
    static func ndcg(_ list: [Int32], _ relevant: Set<Int32>) -> Double {
        var dcg = 0.0
        for (r, item) in list.prefix(10).enumerated() where relevant.contains(item) { dcg += 1 / log2(Double(r + 2)) }
        var ideal = 0.0
        for r in 0..<min(10, relevant.count) { ideal += 1 / log2(Double(r + 2)) }
        return ideal > 0 ? dcg / ideal : 0
    }
}
