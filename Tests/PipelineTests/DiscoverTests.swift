import Candidates
import Dataset
import Pipeline
import TestSupport
import Testing

/// `exclude=seen` answers: neighbours of the visitor's newest items, never what they touched.
struct DiscoverTests {
    static let withCovisit = TestModel.trained(generators: ["category", "itemcf", "history", "covisit"])
    static let withoutCovisit = TestModel.trained(generators: GeneratorRegistry.standard.defaults, lookups: [])

    /// A visitor known only from live views of `items`, oldest first.
    func state(_ p: TwoStagePipeline, viewing items: [Int32], at time: Int64? = nil) -> LiveState {
        let a = p.artifacts
        let t0 = a.metadata.referenceTime
        let live = items.enumerated().map { k, item in
            LiveEvent(timestamp: t0 + Int64(k), visitor: 9_300_000_001, kind: .view, item: a.itemRaw[Int(item)])
        }
        return p.state(rawUser: 9_300_000_001, live: live, at: time ?? t0 + 1000)
    }

    /// Co-visitation as a generator, as a lookup only (the default), and absent.
    @Test(arguments: ["generator", "lookup", "none"])
    func neighboursOfTheNewestItemsComeFirstAndSeenItemsNever(covisitAs: String) {
        let artifacts =
            ["generator": Self.withCovisit, "lookup": TestModel.artifacts][covisitAs] ?? Self.withoutCovisit
        let p = TwoStagePipeline(artifacts: artifacts)
        let covisit = covisitAs != "none"
        #expect((p.artifacts.generator("covisit") != nil) == covisit)
        #expect(p.generators.contains("covisit") == (covisitAs == "generator"))
        let cf = try! #require(p.artifacts.generator("itemcf") as? ItemCF)
        // Two items with CF neighbours; the newest is the second.
        let seeds = p.artifacts.popular.filter { !cf.neighbours.neighbours(of: Int($0)).isEmpty }.prefix(2)
        #expect(seeds.count == 2)
        let live = state(p, viewing: Array(seeds))
        let seen = Set(seeds)
        let r = p.discover(live: live, at: p.artifacts.metadata.referenceTime + 1000, n: 10, excluding: seen)
        #expect(r.strategy == "discover-live")
        #expect(r.items.count == 10)
        #expect(seen.isDisjoint(with: r.items.map(\.item)))
        let newest = seeds.last!
        var neighbours = Set(cf.neighbours.neighbours(of: Int(newest)).map { cf.neighbours.neighbour[$0] })
        if covisit, let table = (p.artifacts.generator("covisit") as? CoVisitCandidates)?.coVisitation {
            let range = Int(table.start[Int(newest)])..<Int(table.start[Int(newest) + 1])
            neighbours.formUnion(range.map { table.neighbour[$0] })
        }
        // The best answer is a neighbour of the newest item (weight 1 against 0.3 for the older one).
        #expect(neighbours.contains(r.items[0].item))
        // Scores are best first.
        let ranked = r.items.prefix { $0.score > 0 }
        #expect(zip(ranked, ranked.dropFirst()).allSatisfy { $0.score >= $1.score })
    }

    /// A visitor back after more than an hour starts a new session: their category's popular items lead.
    @Test func aNewSessionLeadsWithTheVisitorsCategory() throws {
        let p = TwoStagePipeline(artifacts: TestModel.artifacts)
        let a = p.artifacts
        let lists = try #require(p.categoryPopularity)
        // One viewed item of a category whose list has at least two items.
        let item = try #require(
            a.popular.first { item in
                let c = a.stats.category[Int(item)]
                return c >= 0 && lists.list(of: Int(c)).count >= 2
            })
        let t0 = a.metadata.referenceTime
        let later = t0 + 2 * 3_600_000
        let favourite = lists.list(of: Int(a.stats.category[Int(item)])).map { lists.items[$0] }.first { $0 != item }
        let afterGap = p.discover(
            live: state(p, viewing: [item], at: later), at: later, n: 10, excluding: [item])
        #expect(afterGap.items.first?.item == favourite)
        // Within the session the same visitor gets the item's neighbours first, not the category list.
        let inSession = p.discover(live: state(p, viewing: [item]), at: t0 + 1000, n: 10, excluding: [item])
        let neighbours = Set(
            ((a.generator("itemcf") as? ItemCF).map { cf in
                cf.neighbours.neighbours(of: Int(item)).map { cf.neighbours.neighbour[$0] }
            } ?? []) + ((a.generator("covisit") as? CoVisitCandidates)?.coVisitation.neighbours(of: item) ?? []))
        if !neighbours.isEmpty {
            #expect(inSession.items.first.map { neighbours.contains($0.item) } == true)
        }
    }

    @Test func aVisitorWithoutHistoryGetsTheTwoStageAnswer() {
        let p = TwoStagePipeline(artifacts: TestModel.artifacts)
        let empty = p.state(rawUser: 9_300_000_002, live: [], at: p.artifacts.metadata.referenceTime)
        let r = p.discover(live: empty, at: p.artifacts.metadata.referenceTime, n: 5, excluding: [])
        #expect(r.strategy == "popular")
        #expect(r.items.count == 5)
    }
}
