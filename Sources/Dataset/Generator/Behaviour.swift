import Foundation
import RecsysCore

/// Shoppers' behaviour: sessions, views, the funnel. All rates are relative
/// weights; the totals are fixed exactly by `Funnel` afterwards.
enum Behaviour {
    /// Traffic by UTC hour: quiet mornings, an evening peak.
    static let hourTraffic: [Double] = [
        0.9, 0.7, 0.5, 0.4, 0.35, 0.3, 0.3, 0.3, 0.35, 0.4, 0.5, 0.6,
        0.7, 0.8, 0.9, 1.0, 1.1, 1.3, 1.5, 1.6, 1.6, 1.5, 1.3, 1.1,
    ]
    /// Traffic by weekday, Monday first.
    static let weekdayTraffic: [Double] = [1.05, 1.08, 1.06, 1.02, 0.95, 0.85, 0.95]
    /// Conversion by weekday, Monday first.
    static let weekdayConversion: [Double] = [1.1, 1.15, 1.1, 1.0, 0.9, 0.75, 0.9]

    /// Conversion peaks in the afternoon.
    static func hourConversion(_ hour: Int) -> Double {
        0.6 + 0.8 * exp(-Double((hour - 15) * (hour - 15)) / 18)
    }

    static func hour(_ t: Int64) -> Int { EventTime.hour(t) }
    /// 0 = Monday (1970-01-01 was a Thursday).
    static func weekday(_ t: Int64) -> Int { EventTime.weekday(t) }
}

/// The simulated log before writing.
struct SimulatedLog {
    var time: [Int64] = []
    var visitor: [Int32] = []
    var item: [Int32] = []
    var kind: [UInt8] = []
    var transaction: [Int] = []
    var duplicates = 0
    /// Views of an item the visitor had viewed before.
    var repeatedViews = 0
    /// What the log does not show, recorded on request (`Simulation.recordsHidden`) for `GeneratorCeiling`.
    var hidden: HiddenState?

    mutating func append(_ t: Int64, _ v: Int32, _ i: Int32, _ k: EventKind, _ tx: Int = -1) {
        time.append(t)
        visitor.append(v)
        item.append(i)
        kind.append(k.rawValue)
        transaction.append(tx)
    }
}

/// Visitors, their sessions and views, then the exact funnel.
struct Simulation {
    let config: GeneratorConfig
    let catalog: Catalog
    /// Keep `SimulatedLog.hidden` (about 12 bytes per view more).
    var recordsHidden = false

    func run(rng: inout SplitMix64) -> SimulatedLog {
        let duplicates = config.views / 4000
        let uniqueViews = config.views - duplicates
        let viewsPerVisitor = allocateViews(total: uniqueViews, visitors: config.visitors, rng: &rng)
        let dayCDF = dayWeights()
        var hourCDF: [Double] = []
        var acc = 0.0
        for w in Behaviour.hourTraffic {
            acc += w
            hourCDF.append(acc)
        }

        var log = SimulatedLog()
        log.time.reserveCapacity(config.views + 2 * config.carts)
        var weight: [Float] = []
        weight.reserveCapacity(uniqueViews)
        var history: [Int32] = []
        var hidden = recordsHidden ? HiddenState() : nil
        let days = dayCDF.count
        for v in 0..<config.visitors {
            let n = viewsPerVisitor[v]
            history.removeAll(keepingCapacity: true)
            let tasteCount = 1 + (rng.chance(0.5) ? 1 : 0) + (rng.chance(0.3) ? 1 : 0)
            let tastes = (0..<tasteCount).map { _ in pickLeaf(&rng) }
            let propensity = rng.logNormal(sigma: 1.0)
            hidden?.tastes.append(tastes)
            hidden?.propensity.append(propensity)
            let firstDay = dayCDF.withUnsafeBufferPointer { rng.pick(cdf: $0, lo: 0, hi: days) }
            let spanDays = n > 1 ? rng.exponential(mean: 25) : 0
            var sessionStarts: [Int64] = []
            var remaining = n
            var lengths: [Int] = []
            while remaining > 0 {
                var len = 1
                while rng.chance(config.world.sessionContinue) && len < remaining { len += 1 }
                lengths.append(len)
                remaining -= len
            }
            for _ in lengths {
                // A session past the log's end wraps round to its start, so every day
                // sees the same stream of returning visitors. Clamping such sessions to
                // the last day piled 6 % of all events (9 × a normal day) onto
                // 2015-09-17, inside the test window; cutting the span at the end
                // still crowded the last week with late visitors' sessions.
                let day = (Double(firstDay) + rng.unit() * spanDays)
                    .truncatingRemainder(dividingBy: Double(days))
                let dayIndex = min(Double(days - 1), day.rounded(.down))
                let hour = hourCDF.withUnsafeBufferPointer { rng.pick(cdf: $0, lo: 0, hi: 24) }
                let t =
                    GeneratorConfig.start + Int64(dayIndex) * 86_400_000 + Int64(hour) * 3_600_000
                    + Int64(rng.below(3_600_000))
                sessionStarts.append(t)
            }
            sessionStarts.sort()
            for (s, len) in lengths.enumerated() {
                var t = sessionStarts[s]
                let category = sessionCategory(tastes: tastes, rng: &rng)
                let session = Int32(hidden?.sessionCategory.count ?? 0)
                hidden?.sessionCategory.append(Int32(category))
                var previous: Int32 = -1
                for _ in 0..<len {
                    let item = nextItem(after: previous, history: history, category: category, rng: &rng)
                    let repeated = history.contains(item)
                    if repeated { log.repeatedViews += 1 }
                    t += Int64(5_000 + rng.exponential(mean: 70_000))
                    // A session running past the end of the log is moved back two days.
                    if t >= GeneratorConfig.end - 3_600_000 { t -= 2 * 86_400_000 }
                    let c = catalog.category(of: Int(item), at: t)
                    let w = Self.cartWeight(
                        propensity: propensity, quality: Double(catalog.itemQuality[Int(item)]), at: t,
                        categoryConversion: catalog.categoryConversion[c], inTaste: tastes.contains(c),
                        repeated: repeated, available: catalog.isAvailable(Int(item), at: t), world: config.world)
                    log.append(t, Int32(v), item, .view)
                    weight.append(Float(w))
                    hidden?.viewSession.append(session)
                    history.append(item)
                    previous = item
                }
            }
        }
        hidden?.viewWeight = weight
        log.hidden = hidden
        Funnel.addCartsAndPurchases(to: &log, viewWeight: weight, config: config, catalog: catalog, rng: &rng)
        // Exact duplicate rows, as real exports have.
        for _ in 0..<duplicates {
            let i = rng.below(uniqueViews)
            log.append(log.time[i], log.visitor[i], log.item[i], .view)
        }
        log.duplicates = duplicates
        return log
    }

    /// One view each, the rest spread with a heavy (Pareto) tail.
    private func allocateViews(total: Int, visitors: Int, rng: inout SplitMix64) -> [Int] {
        var counts = [Int](repeating: 1, count: visitors)
        let extra = total - visitors
        guard extra > 0 else { return counts }
        let weights = (0..<visitors).map { _ in rng.pareto(alpha: 1.15) - 1 }
        let sum = weights.reduce(0, +)
        var given = 0
        for v in 0..<visitors {
            let k = min(Int(Double(extra) * weights[v] / sum), 6000)
            counts[v] += k
            given += k
        }
        while given < extra {
            counts[rng.below(visitors)] += 1
            given += 1
        }
        return counts
    }

    private func dayWeights() -> [Double] {
        let days = Int((GeneratorConfig.end - GeneratorConfig.start) / 86_400_000)
        var acc = 0.0
        return (0..<days).map { d in
            acc += Behaviour.weekdayTraffic[Behaviour.weekday(GeneratorConfig.start + Int64(d) * 86_400_000)]
            return acc
        }
    }

    /// The category a session browses: one of the visitor's tastes, sometimes any leaf.
    func sessionCategory(tastes: [Int], rng: inout SplitMix64) -> Int {
        rng.chance(config.world.tasteSessionChance) ? tastes[rng.below(tastes.count)] : pickLeaf(&rng)
    }

    /// The item viewed next: a neighbour of the previous one, one of the newest few viewed again, or an
    /// item of the session's category by popularity (the chances are the world's).
    func nextItem(after previous: Int32, history: [Int32], category: Int, rng: inout SplitMix64) -> Int32 {
        let world = config.world
        if previous >= 0 && rng.chance(world.relatedChance) { return related(to: previous, rng: &rng) }
        if !history.isEmpty && rng.chance(world.revisitChance) {
            return history[max(0, history.count - 1 - rng.below(world.revisitWindow))]
        }
        return pickItem(in: category, rng: &rng)
    }

    /// How likely a view is to become an add-to-cart, relative to other views (the funnel samples by it).
    static func cartWeight(
        propensity: Double, quality: Double, at t: Int64, categoryConversion: Double, inTaste: Bool,
        repeated: Bool, available: Bool, world: GeneratorWorld
    ) -> Double {
        var w = propensity * quality
        w *= Behaviour.hourConversion(Behaviour.hour(t)) * Behaviour.weekdayConversion[Behaviour.weekday(t)]
        w *= categoryConversion
        w *= inTaste ? world.inTasteBoost : 1
        w *= repeated ? world.repeatBoost : 1
        w *= available ? 1 : 0.15
        return w
    }

    func pickLeaf(_ rng: inout SplitMix64) -> Int {
        while true {
            let leaf = catalog.leaves[
                catalog.leafCDF.withUnsafeBufferPointer { rng.pick(cdf: $0, lo: 0, hi: $0.count) }]
            if catalog.categoryItemStart[leaf + 1] > catalog.categoryItemStart[leaf] { return leaf }
        }
    }

    private func pickItem(in category: Int, rng: inout SplitMix64) -> Int32 {
        let lo = catalog.categoryItemStart[category]
        let hi = catalog.categoryItemStart[category + 1]
        let j = catalog.itemCDF.withUnsafeBufferPointer { rng.pick(cdf: $0, lo: lo, hi: hi) }
        return catalog.itemsByCategory[j]
    }

    /// Items that are viewed together: close neighbours in the category's ranking.
    private func related(to item: Int32, rng: inout SplitMix64) -> Int32 {
        let c = Int(catalog.itemCategory[Int(item)])
        let lo = catalog.categoryItemStart[c]
        let hi = catalog.categoryItemStart[c + 1]
        let rank = Int(catalog.rankInCategory[Int(item)])
        let offset = (1 + rng.below(3)) * (rng.chance(0.5) ? 1 : -1)
        let j = min(hi - 1, max(lo, lo + rank + offset))
        return catalog.itemsByCategory[j]
    }
}

/// A visitor's tastes and propensity, each view's session and cart weight, each session's category: what
/// drives the log but is not in it.
struct HiddenState {
    var tastes: [[Int]] = []
    var propensity: [Double] = []
    /// Per unique view (the log's first `viewWeight.count` rows).
    var viewSession: [Int32] = []
    var viewWeight: [Float] = []
    var sessionCategory: [Int32] = []
}

/// Picks exactly the configured number of add-to-carts among the views and
/// purchases among the carts, in proportion to their conversion weights
/// (weighted sampling without replacement, Efraimidis–Spirakis keys).
enum Funnel {
    static func addCartsAndPurchases(
        to log: inout SimulatedLog, viewWeight: [Float], config: GeneratorConfig, catalog: Catalog,
        rng: inout SplitMix64
    ) {
        let cartViews = weightedSample(weights: viewWeight, k: config.carts, rng: &rng)
        var cartIndex: [Int] = []
        var cartWeight: [Float] = []
        for v in cartViews {
            let t = min(log.time[v] + Int64(10_000 + rng.exponential(mean: 60_000)), GeneratorConfig.end - 1)
            cartIndex.append(log.time.count)
            log.append(t, log.visitor[v], log.item[v], .addToCart)
            // Purchases lean on the item's appeal and the hour more than the view did.
            let hour = Behaviour.hourConversion(Behaviour.hour(t))
            cartWeight.append(viewWeight[v] * Float(hour) * catalog.itemQuality[Int(log.item[v])])
        }
        let bought = weightedSample(weights: cartWeight, k: config.transactions, rng: &rng).sorted()
        var transactionId = 1000 + rng.below(5000)
        for b in bought {
            let c = cartIndex[b]
            let t = min(log.time[c] + Int64(30_000 + rng.exponential(mean: 400_000)), GeneratorConfig.end - 1)
            log.append(t, log.visitor[c], log.item[c], .transaction, transactionId)
            transactionId += 1 + rng.below(3)
        }
    }

    static func weightedSample(weights: [Float], k: Int, rng: inout SplitMix64) -> [Int] {
        guard k > 0 else { return [] }
        var keys = [(Double, Int)]()
        keys.reserveCapacity(weights.count)
        for (i, w) in weights.enumerated() where w > 0 {
            keys.append((log(max(rng.unit(), 1e-300)) / Double(w), i))
        }
        keys.sort { $0.0 > $1.0 }
        return keys.prefix(k).map(\.1).sorted()
    }
}
