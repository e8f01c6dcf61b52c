import Foundation
import RecsysCore
import Testing

@testable import Dataset

/// The generator's worlds change how shoppers behave, each in the direction its description says, and
/// never the log's shape.
struct GeneratorWorldTests {
    static func simulate(_ world: GeneratorWorld, scale: Double = 0.02, seed: UInt64 = 5) -> SimulatedLog {
        let config = GeneratorConfig(scale: scale, seed: seed, world: world)
        var rng = SplitMix64(seed: config.seed)
        let catalog = Catalog(config: config, rng: &rng)
        return Simulation(config: config, catalog: catalog).run(rng: &rng)
    }

    /// How much more often a (visitor, item) pair viewed more than once is carted than one viewed once.
    static func repeatConversionLift(_ log: SimulatedLog) -> Double {
        var views: [Int64: Int] = [:]
        var carted = Set<Int64>()
        for e in log.time.indices {
            let key = Int64(log.visitor[e]) << 32 | Int64(log.item[e])
            if log.kind[e] == EventKind.view.rawValue { views[key, default: 0] += 1 }
            if log.kind[e] == EventKind.addToCart.rawValue { carted.insert(key) }
        }
        var once = (pairs: 0, carted: 0)
        var more = (pairs: 0, carted: 0)
        for (key, n) in views {
            let c = carted.contains(key) ? 1 : 0
            if n == 1 { once = (once.pairs + 1, once.carted + c) } else { more = (more.pairs + 1, more.carted + c) }
        }
        return (Double(more.carted) / Double(max(more.pairs, 1))) / (Double(once.carted) / Double(max(once.pairs, 1)))
    }

    @Test func everyWorldWritesTheSameCounts() throws {
        let base = try TempFolder()
        let expected = try SyntheticRetailRocket.generate(GeneratorConfig(scale: 0.003, seed: 2), to: base.path)
        #expect(expected.world == "retailrocket")
        for world in GeneratorWorld.all.dropFirst() {
            let folder = try TempFolder()
            let summary = try SyntheticRetailRocket.generate(
                GeneratorConfig(scale: 0.003, seed: 2, world: world), to: folder.path)
            #expect(summary.world == world.name)
            #expect(summary.events == expected.events, "\(world.name)")
            #expect(summary.views == expected.views && summary.carts == expected.carts, "\(world.name)")
            #expect(summary.transactions == expected.transactions && summary.visitors == expected.visitors)
            #expect(summary.describedItems == expected.describedItems, "the catalogue does not depend on the world")
            let events = try Data(contentsOf: URL(fileURLWithPath: folder.file("events.csv")))
            let baseEvents = try Data(contentsOf: URL(fileURLWithPath: base.file("events.csv")))
            #expect(events != baseEvents, "\(world.name) browses like the default world")
        }
    }

    @Test func worldsChangeTheHabitsTheyName() {
        let share = Dictionary(
            uniqueKeysWithValues: GeneratorWorld.all.map { world in
                let log = Self.simulate(world)
                let views = log.kind.filter { $0 == EventKind.view.rawValue }.count - log.duplicates
                return (world.name, (Double(log.repeatedViews) / Double(views), Self.repeatConversionLift(log)))
            })
        let rr = share["retailrocket"]!
        let wanderers = share["wanderers"]!
        let returners = share["returners"]!
        let explorers = share["explorers"]!
        // Returners go back to items more, wanderers and explorers less, than the default world's shoppers.
        #expect(returners.0 > rr.0 + 0.03)
        #expect(wanderers.0 < rr.0 - 0.02 && explorers.0 < rr.0 - 0.02)
        // A second look converts far more for returners (5 x) than for wanderers (1.3 x).
        #expect(returners.1 > 1.5 * wanderers.1, "lift returners \(returners.1), wanderers \(wanderers.1)")
        #expect(rr.1 > wanderers.1)
    }

    @Test func namesFindTheirWorlds() {
        #expect(Set(GeneratorWorld.all.map(\.name)).count == GeneratorWorld.all.count)
        for world in GeneratorWorld.all { #expect(GeneratorWorld.named(world.name) == world) }
        #expect(GeneratorWorld.named("RetailRocket") == nil)
        #expect(GeneratorConfig(scale: 1, seed: 1).world == .retailrocket)
    }
}
