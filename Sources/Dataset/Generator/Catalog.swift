import Foundation
import RecsysCore

/// The synthetic shop: category tree, items, their categories over time,
/// availability per week and latent appeal.
struct Catalog {
    var categoryRaw: [Int]
    var categoryParent: [Int32]
    var categoryWeight: [Double]
    /// Leaf categories, and the cumulative weight over them.
    var leaves: [Int]
    var leafCDF: [Double]

    /// Items grouped by their initial category: `categoryItemStart[c]..<[c+1]`
    /// index `itemsByCategory`, most popular first.
    var categoryItemStart: [Int]
    var itemsByCategory: [Int32]
    /// Cumulative within-category Zipf weights, aligned with `itemsByCategory`.
    var itemCDF: [Double]
    var rankInCategory: [Int32]

    var itemRaw: [Int]
    var itemCategory: [Int32]
    /// Week from which the item sits in `itemNewCategory`, or -1.
    var itemChangeWeek: [Int8]
    var itemNewCategory: [Int32]
    /// Bit w set: available during snapshot week w (bit 0 also covers before).
    var itemAvailable: [UInt32]
    var itemQuality: [Float]
    var itemDescribed: [Bool]
    var categoryConversion: [Double]

    init(config: GeneratorConfig, rng: inout SplitMix64) {
        let c = GeneratorConfig.categories
        let roots = 25
        categoryRaw = Array(0..<(c + 30))
        categoryRaw.shuffle(using: &rng)
        categoryRaw = Array(categoryRaw.prefix(c))
        var parent = [Int32](repeating: -1, count: c)
        var depth = [Int](repeating: 0, count: c)
        for i in roots..<c {
            var p = rng.below(i)
            while depth[p] >= 4 { p = rng.below(i) }
            parent[i] = Int32(p)
            depth[i] = depth[p] + 1
        }
        categoryParent = parent
        var hasChild = [Bool](repeating: false, count: c)
        for p in parent where p >= 0 { hasChild[Int(p)] = true }
        leaves = (0..<c).filter { !hasChild[$0] }
        var ranks = Array(0..<c)
        ranks.shuffle(using: &rng)
        let weights = ranks.map { 1 / pow(Double($0 + 5), 0.9) }
        categoryWeight = weights
        var acc = 0.0
        leafCDF = leaves.map { leaf in
            acc += weights[leaf]
            return acc
        }
        categoryConversion = (0..<c).map { _ in rng.logNormal(sigma: 0.5) }

        let n = config.items
        itemRaw = Array(0..<n)
        itemRaw.shuffle(using: &rng)
        itemCategory = [Int32](repeating: 0, count: n)
        var counts = [Int](repeating: 0, count: c)
        let leafList = leaves
        for i in 0..<n {
            let leaf = leafList[leafCDF.withUnsafeBufferPointer { rng.pick(cdf: $0, lo: 0, hi: $0.count) }]
            itemCategory[i] = Int32(leaf)
            counts[leaf] += 1
        }
        var starts = [0]
        for k in 0..<c { starts.append(starts[k] + counts[k]) }
        categoryItemStart = starts
        var next = Array(starts.dropLast())
        itemsByCategory = [Int32](repeating: 0, count: n)
        rankInCategory = [Int32](repeating: 0, count: n)
        itemCDF = [Double](repeating: 0, count: n)
        for i in 0..<n {
            let k = Int(itemCategory[i])
            rankInCategory[i] = Int32(next[k] - starts[k])
            itemsByCategory[next[k]] = Int32(i)
            next[k] += 1
        }
        for k in 0..<c {
            var sum = 0.0
            for j in starts[k]..<starts[k + 1] {
                sum += 1 / pow(Double(j - starts[k] + 2), 1.1)
                itemCDF[j] = sum
            }
        }
        itemQuality = (0..<n).map { _ in Float(rng.logNormal(sigma: 0.8)) }
        itemDescribed = (0..<n).map { _ in !rng.chance(0.1) }
        itemChangeWeek = [Int8](repeating: -1, count: n)
        itemNewCategory = itemCategory
        itemAvailable = [UInt32](repeating: 0, count: n)
        let weeks = GeneratorConfig.snapshotWeeks
        for i in 0..<n {
            if itemDescribed[i] && rng.chance(0.03) {
                itemChangeWeek[i] = Int8(1 + rng.below(weeks - 1))
                itemNewCategory[i] = Int32(leafList[rng.below(leafList.count)])
            }
            var available = rng.chance(0.85)
            var mask: UInt32 = 0
            for w in 0..<weeks {
                if w > 0 && rng.chance(0.08) { available.toggle() }
                if available { mask |= 1 << UInt32(w) }
            }
            itemAvailable[i] = mask
        }
    }

    static func week(at time: Int64) -> Int {
        let w = Int((time - GeneratorConfig.firstSnapshot) / (7 * 86_400_000))
        return max(0, min(GeneratorConfig.snapshotWeeks - 1, w))
    }

    func category(of item: Int, at time: Int64) -> Int {
        let change = Int(itemChangeWeek[item])
        if change >= 0 && time >= GeneratorConfig.firstSnapshot && Catalog.week(at: time) >= change {
            return Int(itemNewCategory[item])
        }
        return Int(itemCategory[item])
    }

    func isAvailable(_ item: Int, at time: Int64) -> Bool {
        itemAvailable[item] & (1 << UInt32(Catalog.week(at: time))) != 0
    }
}
