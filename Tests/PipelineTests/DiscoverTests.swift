import Candidates
import Dataset
import Pipeline
import TestSupport
import Testing

/// `exclude=seen` answers: neighbours of the visitor's newest items, never what they touched.
struct DiscoverTests {
    static let withCovisit = TestModel.trained(generators: ["category", "itemcf", "history", "covisit"])

    /// A visitor known only from live views of `items`, oldest first.
    func state(_ p: TwoStagePipeline, viewing items: [Int32]) -> LiveState {
        let a = p.artifacts
        let t0 = a.metadata.referenceTime
        let live = items.enumerated().map { k, item in
            LiveEvent(timestamp: t0 + Int64(k), visitor: 9_300_000_001, kind: .view, item: a.itemRaw[Int(item)])
        }
        return p.state(rawUser: 9_300_000_001, live: live, at: t0 + 1000)
    }

    @Test(arguments: [false, true])
    func neighboursOfTheNewestItemsComeFirstAndSeenItemsNever(covisit: Bool) {
        let p = TwoStagePipeline(artifacts: covisit ? Self.withCovisit : TestModel.artifacts)
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

    @Test func aVisitorWithoutHistoryGetsTheTwoStageAnswer() {
        let p = TwoStagePipeline(artifacts: TestModel.artifacts)
        let empty = p.state(rawUser: 9_300_000_002, live: [], at: p.artifacts.metadata.referenceTime)
        let r = p.discover(live: empty, at: p.artifacts.metadata.referenceTime, n: 5, excluding: [])
        #expect(r.strategy == "popular")
        #expect(r.items.count == 5)
    }
}
