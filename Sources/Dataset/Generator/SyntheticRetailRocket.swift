import Dispatch
import Foundation
import RecsysCore

/// Writes RetailRocket-format files (`events.csv`, `item_properties_part1.csv`,
/// `item_properties_part2.csv`, `category_tree.csv`) with plausible shopper
/// behaviour. Deterministic for a seed; full scale takes well under a minute
/// on two cores (the property parts are written in parallel).
public enum SyntheticRetailRocket {
    public static func generate(
        _ config: GeneratorConfig, to directory: String, progress: (@Sendable (String) -> Void)? = nil
    ) throws -> GeneratorSummary {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var rng = SplitMix64(seed: config.seed)
        progress?("catalogue: \(config.items) items, \(GeneratorConfig.categories) categories")
        let catalog = Catalog(config: config, rng: &rng)
        progress?("behaviour (\(config.world.name) world): \(config.visitors) visitors, \(config.views) views")
        let log = Simulation(config: config, catalog: catalog).run(rng: &rng)
        let visitorRaw = shuffledIds(config.visitors, rng: &rng)
        let order = shuffledIds(log.time.count, rng: &rng)

        let eventsPath = (directory as NSString).appendingPathComponent("events.csv")
        let treePath = (directory as NSString).appendingPathComponent("category_tree.csv")
        let itemOrder = shuffledIds(catalog.itemRaw.count, rng: &rng)
        let parts = max(1, config.propertyParts)
        let partRows = PartCounters(parts: parts)
        let partErrors = PartCounters(parts: parts)
        let messages = ErrorBox()
        progress?("writing events, category tree and \(parts) property files")
        DispatchQueue.concurrentPerform(iterations: parts + 1) { job in
            do {
                if job == parts {
                    try writeEvents(log, visitorRaw: visitorRaw, order: order, catalog: catalog, path: eventsPath)
                    try writeTree(catalog, path: treePath)
                } else {
                    let lo = itemOrder.count * job / parts
                    let hi = itemOrder.count * (job + 1) / parts
                    let path = (directory as NSString).appendingPathComponent("item_properties_part\(job + 1).csv")
                    var partRng = SplitMix64(seed: config.seed &* 31 &+ UInt64(job) &+ 7)
                    let rows = try PropertyWriter.write(
                        items: itemOrder[lo..<hi], catalog: catalog, path: path, rng: &partRng)
                    partRows.set(job, rows)
                }
            } catch {
                partErrors.set(min(job, parts - 1), 1)
                messages.set(error)
            }
        }
        if let error = messages.error { throw error }

        var itemsInEvents = Set<Int32>()
        for i in log.item { itemsInEvents.insert(i) }
        var changing = 0
        for i in 0..<catalog.itemRaw.count where catalog.itemChangeWeek[i] >= 0 { changing += 1 }
        let kinds = log.kind
        return GeneratorSummary(
            events: log.time.count,
            views: kinds.filter { $0 == EventKind.view.rawValue }.count,
            carts: kinds.filter { $0 == EventKind.addToCart.rawValue }.count,
            transactions: kinds.filter { $0 == EventKind.transaction.rawValue }.count,
            duplicateEvents: log.duplicates,
            visitors: config.visitors,
            itemsInEvents: itemsInEvents.count,
            propertyRows: partRows.values.reduce(0, +),
            describedItems: catalog.itemDescribed.filter { $0 }.count,
            categories: GeneratorConfig.categories,
            eventItemsWithoutProperties: itemsInEvents.filter { !catalog.itemDescribed[Int($0)] }.count,
            itemsChangingCategory: changing,
            world: config.world.name,
            repeatViewShare: Double(log.repeatedViews) / Double(max(1, config.views - log.duplicates)))
    }

    private static func shuffledIds(_ n: Int, rng: inout SplitMix64) -> [Int] {
        var ids = Array(0..<n)
        ids.shuffle(using: &rng)
        return ids
    }

    private static func writeEvents(
        _ log: SimulatedLog, visitorRaw: [Int], order: [Int], catalog: Catalog, path: String
    ) throws {
        let out = try ByteWriter(path: path)
        out.text(EventsReader.header)
        out.byte(0x0A)
        for i in order {
            out.int(Int(log.time[i]))
            out.byte(0x2C)
            out.int(visitorRaw[Int(log.visitor[i])])
            out.byte(0x2C)
            switch EventKind(rawValue: log.kind[i]) ?? .view {
            case .view: out.text("view")
            case .addToCart: out.text("addtocart")
            case .transaction: out.text("transaction")
            }
            out.byte(0x2C)
            out.int(catalog.itemRaw[Int(log.item[i])])
            out.byte(0x2C)
            if log.transaction[i] >= 0 { out.int(log.transaction[i]) }
            out.byte(0x0A)
        }
        try out.commit()
    }

    private static func writeTree(_ catalog: Catalog, path: String) throws {
        let out = try ByteWriter(path: path)
        out.text(CategoryTreeReader.header)
        out.byte(0x0A)
        for c in 0..<catalog.categoryRaw.count {
            out.int(catalog.categoryRaw[c])
            out.byte(0x2C)
            let p = Int(catalog.categoryParent[c])
            if p >= 0 { out.int(catalog.categoryRaw[p]) }
            out.byte(0x0A)
        }
        try out.commit()
    }
}

/// Weekly snapshots of every described item: all properties in the first
/// week, then the changes (categoryid, available and hashed properties).
enum PropertyWriter {
    static func write(items: ArraySlice<Int>, catalog: Catalog, path: String, rng: inout SplitMix64) throws -> Int {
        let out = try ByteWriter(path: path)
        out.text(PropertiesReader.header)
        out.byte(0x0A)
        var rows = 0
        let week: Int64 = 7 * 86_400_000
        var names: [Int] = []
        for item in items where catalog.itemDescribed[item] {
            let raw = catalog.itemRaw[item]
            let k = 20 + rng.below(16)
            names.removeAll(keepingCapacity: true)
            for _ in 0..<k {
                // Zipf-like property names: a few are on every item.
                names.append(Int(pow(rng.unit(), 2.5) * 1100))
            }
            for w in 0..<GeneratorConfig.snapshotWeeks {
                let t = GeneratorConfig.firstSnapshot + Int64(w) * week
                let availableNow = catalog.itemAvailable[item] & (1 << UInt32(w)) != 0
                let availableBefore = w > 0 && catalog.itemAvailable[item] & (1 << UInt32(w - 1)) != 0
                let change = Int(catalog.itemChangeWeek[item])
                if w == 0 || w == change || rng.chance(0.05) {
                    let c = w >= change && change >= 0 ? catalog.itemNewCategory[item] : catalog.itemCategory[item]
                    row(out, t, raw) {
                        $0.text("categoryid,")
                        $0.int(catalog.categoryRaw[Int(c)])
                    }
                    rows += 1
                }
                if w == 0 || availableNow != availableBefore || rng.chance(0.1) {
                    row(out, t, raw) { $0.text(availableNow ? "available,1" : "available,0") }
                    rows += 1
                }
                var changed = 0
                if w == 0 {
                    changed = k
                } else {
                    changed = (rng.chance(0.55) ? 1 : 0) + (rng.chance(0.25) ? 1 : 0) + (rng.chance(0.05) ? 1 : 0)
                }
                for j in 0..<changed {
                    let name = w == 0 ? names[j] : names[rng.below(k)]
                    row(out, t, raw) { o in
                        o.int(name)
                        o.byte(0x2C)
                        // The random value is drawn either way, so the rest of the data does not move.
                        let line = lineValue(name: name, item: item, catalog: catalog)
                        hashedValue(o, &rng, write: line == nil)
                        if let line { o.text(line) }
                    }
                    rows += 1
                }
            }
        }
        try out.commit()
        return rows
    }

    @inline(__always)
    private static func row(_ out: ByteWriter, _ t: Int64, _ item: Int, _ rest: (ByteWriter) -> Void) {
        out.int(Int(t))
        out.byte(0x2C)
        out.int(item)
        out.byte(0x2C)
        rest(out)
        out.byte(0x0A)
    }

    /// The value of a "product line" property, or nil for the others.
    ///
    /// In a real catalogue items that are viewed together often share
    /// brand-like values (the Kaggle files have properties whose values recur
    /// across many items); here the eight most common property names carry
    /// the item's line: its category and its block of 8 neighbours in the
    /// category's ranking (names 4–7 shift the blocks by 4, so lines
    /// overlap). Every other property stays random, unique to its item.
    static func lineValue(name: Int, item: Int, catalog: Catalog) -> String? {
        guard name < 8 else { return nil }
        let c = UInt64(catalog.itemCategory[item])
        let rank = Int(catalog.rankInCategory[item])
        let block = UInt64((rank + (name < 4 ? 0 : 4)) / 8)
        var mix = SplitMix64(seed: UInt64(name) << 48 ^ c << 24 ^ block)
        let h = mix.next()
        return name < 4 ? String(100_000 + Int(h % 900_000)) : "n\(h % 100_000).000"
    }

    /// Values look like Kaggle's hashed tokens: `n552.000 639502 n720.000`.
    /// `write: false` draws the same numbers and writes nothing.
    private static func hashedValue(_ out: ByteWriter, _ rng: inout SplitMix64, write: Bool = true) {
        let r = rng.unit()
        let tokens = r < 0.5 ? 1 : r < 0.75 ? 2 : r < 0.9 ? 3 : 4
        for t in 0..<tokens {
            if t > 0 && write { out.byte(0x20) }
            if rng.chance(0.5) {
                let v = 100_000 + rng.below(900_000)
                if write { out.int(v) }
            } else {
                let v = rng.below(100_000)
                let frac = rng.chance(0.7) ? 0 : rng.below(1000)
                guard write else { continue }
                out.byte(0x6E)
                out.int(v)
                out.byte(0x2E)
                out.byte(UInt8(48 + frac / 100))
                out.byte(UInt8(48 + frac / 10 % 10))
                out.byte(UInt8(48 + frac % 10))
            }
        }
    }
}

/// One counter per parallel part; each job writes only its own slot.
final class PartCounters: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var values: [Int]
    init(parts: Int) { values = Array(repeating: 0, count: parts) }
    func set(_ i: Int, _ v: Int) { lock.withLock { values[i] = v } }
}

final class ErrorBox: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var error: (any Error)?
    func set(_ e: any Error) { lock.withLock { error = error ?? e } }
}
