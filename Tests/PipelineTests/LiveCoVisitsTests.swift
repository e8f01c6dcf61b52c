import Candidates
import Dataset
import Pipeline
import TestSupport
import Testing

/// Co-visitation counted from live events: what shoppers browse together today, before any retrain.
struct LiveCoVisitsTests {
    static let minute: Int64 = 60_000
    static let t0: Int64 = 1_500_000_000_000

    func view(_ visitor: Int, _ item: Int, at minutes: Int64) -> LiveEvent {
        LiveEvent(timestamp: Self.t0 + minutes * Self.minute, visitor: visitor, kind: .view, item: item)
    }

    func counts(_ overlay: LiveOverlay, _ item: Int, notAfter: Int64? = nil) -> [Int: Int32] {
        Dictionary(uniqueKeysWithValues: overlay.coVisits(of: item, notAfter: notAfter).map { ($0.item, $0.count) })
    }

    @Test func itemsTouchedWithinAnHourAreCountedOncePerVisit() {
        let overlay = LiveOverlay()
        overlay.apply([
            view(1, 100, at: 0), view(1, 200, at: 1),
            // A repeat of 200 within the hour adds nothing.
            view(1, 200, at: 2),
            // Two hours later: a new session, no pair with 100 or 200.
            view(1, 300, at: 180),
            view(2, 100, at: 0), view(2, 200, at: 30),
            // Ninety minutes apart: not a co-visit.
            view(3, 100, at: 0), view(3, 200, at: 90),
        ])
        #expect(counts(overlay, 100) == [200: 2])
        #expect(counts(overlay, 200) == [100: 2])
        #expect(counts(overlay, 300).isEmpty)
        // Most co-visited first.
        overlay.apply([view(4, 100, at: 300), view(4, 400, at: 301), view(5, 400, at: 300), view(5, 100, at: 302)])
        overlay.apply([view(6, 100, at: 300), view(6, 400, at: 303)])
        #expect(overlay.coVisits(of: 100).map(\.item) == [400, 200])
    }

    @Test func anAnswerForAnEarlierTimeDoesNotSeeLaterCounts() {
        let overlay = LiveOverlay()
        overlay.apply([view(1, 100, at: 0), view(1, 200, at: 1)])
        #expect(counts(overlay, 100, notAfter: Self.t0 + Self.minute) == [200: 1])
        #expect(counts(overlay, 100, notAfter: Self.t0).isEmpty)
    }

    @Test func aReloadRecountsWithoutTheEventsTheModelCovers() {
        let overlay = LiveOverlay()
        overlay.apply([view(1, 100, at: 0), view(1, 200, at: 1), view(2, 100, at: 100), view(2, 200, at: 101)])
        #expect(counts(overlay, 100) == [200: 2])
        // The new model has visitor 1's events: only visitor 2's pair stays live.
        overlay.modelCovers(until: Self.t0 + 50 * Self.minute)
        #expect(counts(overlay, 100) == [200: 1])
        overlay.modelCovers(until: Self.t0 + 200 * Self.minute)
        #expect(counts(overlay, 100).isEmpty)
    }

    @Test func aRowKeepsItsEstablishedNeighboursWhenFull() {
        let overlay = LiveOverlay()
        // 100 co-visited with 200 by three visitors, then with 40 different one-off items.
        overlay.apply((1...3).flatMap { v in [view(v, 100, at: 0), view(v, 200, at: 1)] })
        overlay.apply((0..<40).flatMap { k in [view(10 + k, 100, at: 0), view(10 + k, 1000 + k, at: 1)] })
        let row = overlay.coVisits(of: 100)
        #expect(row.count == 32)
        #expect(row.first?.item == 200)
        #expect(row.first?.count == 3)
    }

    /// Discovery adds the live counts to the model's: a pair browsed together by many visitors today leads.
    @Test func discoveryRanksWhatIsBrowsedTogetherToday() throws {
        let p = TwoStagePipeline(artifacts: TestModel.artifacts)
        let a = p.artifacts
        let table = try #require((a.generator("covisit") as? CoVisitCandidates)?.coVisitation)
        let seed = a.popular[0]
        let known = Set(table.neighbours(of: seed))
        let fresh = try #require(a.popular.dropFirst().first { !known.contains($0) && $0 != seed })
        let (seedRaw, freshRaw) = (a.itemRaw[Int(seed)], a.itemRaw[Int(fresh)])
        let t = a.metadata.referenceTime
        let overlay = LiveOverlay()
        overlay.modelCovers(until: t)
        overlay.apply(
            (0..<20).flatMap { v in
                [
                    LiveEvent(timestamp: t + Int64(v), visitor: 9_400_000_000 + v, kind: .view, item: seedRaw),
                    LiveEvent(timestamp: t + 100 + Int64(v), visitor: 9_400_000_000 + v, kind: .view, item: freshRaw),
                ]
            })
        let visitor = 9_400_100_000
        let own = [LiveEvent(timestamp: t + 200, visitor: visitor, kind: .view, item: seedRaw)]
        let state = p.state(rawUser: visitor, live: own, at: t + 300)
        let without = p.discover(live: state, at: t + 300, n: 10, excluding: [seed])
        let with = p.discover(
            live: state, at: t + 300, n: 10, excluding: [seed],
            liveCoVisits: { overlay.coVisits(of: $0, notAfter: t + 300) })
        #expect(without.items.first?.item != fresh)
        #expect(with.items.first?.item == fresh)
    }
}
