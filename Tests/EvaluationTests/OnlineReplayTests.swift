import Candidates
import Dataset
import Foundation
import Pipeline
import RecsysCore
import TestSupport
import Testing

@testable import Evaluation

/// The online replay on the shared tiny dataset: a model trained on the
/// events before the last 14 days, then those days replayed in time order.
struct OnlineReplayTests {
    static let dataset = TestModel.dataset
    static let cutoff = EventTime.testCutoff(maxTime: dataset.log.maxTime, days: 14)
    static let trainLog = dataset.log.before(cutoff)
    static let pipeline = OnlineReplay.trainPipeline(
        dataset: dataset, trainLog: trainLog, cutoff: cutoff, config: TestModel.config
    ).0
    static let report = OnlineReplay.replay(
        dataset: dataset, trainLog: trainLog, pipeline: pipeline, cutoff: cutoff)

    static func freshMethods() -> OnlineReplayMethods {
        let overlay = LiveOverlay()
        overlay.modelCovers(until: cutoff)
        return OnlineReplayMethods(
            pipeline: pipeline, overlay: overlay,
            coVisitation: CoVisitation(log: trainLog, itemCount: dataset.itemCount))
    }

    @Test func hitRateAndReciprocalRankOnAHandMadeRanking() {
        let list: [Int32] = [5, 3, 9, 7]
        #expect(RankTally.rank(of: 5, in: list, k: 10) == 1)
        #expect(RankTally.rank(of: 9, in: list, k: 3) == 3)
        #expect(RankTally.rank(of: 7, in: list, k: 3) == nil)  // below K
        #expect(RankTally.rank(of: 4, in: list, k: 10) == nil)
        var t = RankTally()
        t.add(target: 3, list: list, k: 3)  // rank 2
        t.add(target: 5, list: list, k: 3)  // rank 1
        t.add(target: 7, list: list, k: 3)  // miss
        t.add(target: 1, list: [], k: 3)  // empty list: miss
        #expect(t.targets == 4)
        #expect(t.hits == 2)
        #expect(abs(t.hitRate - 0.5) < 1e-12)
        #expect(abs(t.mrr - (0.5 + 1) / 4) < 1e-12)
        #expect(RankTally().mrr == 0 && RankTally().hitRate == 0)
        let sum = t + t
        #expect(sum.targets == 8 && abs(sum.mrr - t.mrr) < 1e-12)
    }

    @Test func samplingKeepsEveryKthTarget() {
        let targets = (0..<45).map { OnlineReplay.Target(position: $0, known: true) }
        let (kept, stride) = OnlineReplay.sample(targets, maxTargets: 20)
        #expect(stride == 3)
        #expect(kept.map(\.position) == Array(Swift.stride(from: 0, to: 45, by: 3)))
        #expect(OnlineReplay.sample(targets, maxTargets: 100).stride == 1)
    }

    @Test func coVisitationCountsVisitorsWithinAnHour() {
        let minute: Int64 = 60_000
        // Visitor 0: items 1, 2 ten minutes apart, 3 two hours later; visitor 1: 1, 2 (twice) within the hour.
        let log = InteractionLog(
            time: [0, 10 * minute, 130 * minute, 0, 30 * minute, 40 * minute],
            user: [0, 0, 0, 1, 1, 1], item: [1, 2, 3, 1, 2, 2], kind: [0, 0, 0, 0, 0, 1], userStart: [0, 3, 6])
        let c = CoVisitation(log: log, itemCount: 5)
        #expect(Array(c.neighbours(of: 1)) == [2])
        #expect(c.count(1, 2) == 2)  // two visitors, each counted once
        #expect(c.count(2, 1) == 2)
        #expect(Array(c.neighbours(of: 3)).isEmpty)  // 3 came two hours after 2
        #expect(Array(c.neighbours(of: 4)).isEmpty)
        #expect(Array(c.neighbours(of: 99)).isEmpty)
    }

    @Test func bothTasksHaveTargetsAndMetricsAreShares() throws {
        let r = Self.report
        #expect(r.replayedEvents > 0)
        #expect(r.trainEvents == Self.trainLog.count)
        #expect(r.tasks.map(\.task) == ["cart", "discover"])
        for t in r.tasks {
            #expect(t.eligibleTargets > 0, "\(t.task)")
            #expect(t.stride == 1, "\(t.task): the tiny window fits under the cap")
            for m in t.methods {
                let all = try #require(m.segment(.all))
                let known = try #require(m.segment(.known))
                let new = try #require(m.segment(.new))
                #expect(all.targets == t.eligibleTargets, "\(t.task) \(m.name)")
                #expect(known.targets + new.targets == all.targets)
                for s in m.segments {
                    #expect(s.hitRate >= 0 && s.hitRate <= 1, "\(t.task) \(m.name) \(s.segment)")
                    #expect(s.mrr >= 0 && s.mrr <= s.hitRate + 1e-12, "\(t.task) \(m.name) \(s.segment)")
                }
            }
        }
        let cart = try #require(r.task("cart"))
        #expect(
            cart.methods.map(\.name) == [
                OnlineReplay.twoStageLive, OnlineReplay.frozenModel, OnlineReplay.recentlyViewed,
                OnlineReplay.weightedHistory,
            ])
        #expect(
            try #require(r.task("discover")).methods.map(\.name) == [
                OnlineReplay.twoStageLive, OnlineReplay.coVisitation,
            ])
        // The live methods find the carted item for some targets in this small world.
        #expect(try #require(cart.method(OnlineReplay.recentlyViewed)?.segment(.all)).hitRate > 0)
        #expect(try #require(cart.method(OnlineReplay.twoStageLive)?.segment(.all)).hitRate > 0)
        #expect(r.ratios.contains { $0.task == "cart" && $0.segment == .all })
        #expect(r.ratios.contains { $0.task == "discover" && $0.segment == .all })
    }

    @Test func theFrozenModelAnswersNewVisitorsWithThePopularList() throws {
        // By construction: a new visitor has no model history, so the frozen model's list is the fallback; the
        // recently-viewed list of a new visitor's first cart is built from live events alone.
        let cart = try #require(Self.report.task("cart"))
        let frozenNew = try #require(cart.method(OnlineReplay.frozenModel)?.segment(.new))
        let recentNew = try #require(cart.method(OnlineReplay.recentlyViewed)?.segment(.new))
        #expect(frozenNew.targets == recentNew.targets)
        let popular = Array(Self.pipeline.artifacts.popular.prefix(OnlineReplay.cartK))
        let m = Self.freshMethods()
        let newVisitor = try #require(
            (0..<Self.dataset.userCount).first {
                Self.trainLog.events(of: $0).isEmpty && !Self.dataset.log.events(of: $0).isEmpty
            })
        let raw = Self.dataset.visitors.raw[newVisitor]
        #expect(m.frozen(rawUser: raw, at: Self.cutoff + 1, n: OnlineReplay.cartK) == popular)
    }

    @Test func aNewVisitorsAnswerChangesOnlyThroughTheOverlay() throws {
        let d = Self.dataset
        let log = d.log
        let u = try #require(
            (0..<d.userCount).first { Self.trainLog.events(of: $0).isEmpty && log.events(of: $0).count >= 2 })
        let raw = d.visitors.raw[u]
        let first = log.events(of: u).lowerBound
        let at = log.time[first] + 1
        let m = Self.freshMethods()
        let before = m.twoStageLive(rawUser: raw, at: at, n: 10, excludeSeen: false)
        #expect(before.strategy == "popular")
        #expect(before.items.map(\.item) == m.frozen(rawUser: raw, at: at, n: 10))
        #expect(m.recentlyViewed(rawUser: raw, at: at, n: 10).isEmpty)

        m.overlay.apply([
            LiveEvent(
                timestamp: log.time[first], visitor: raw, kind: EventKind(rawValue: log.kind[first])!,
                item: d.items.raw[Int(log.item[first])])
        ])
        let after = m.twoStageLive(rawUser: raw, at: at, n: 10, excludeSeen: false)
        #expect(after.strategy == "two-stage-live")
        #expect(after.items.map(\.item) != before.items.map(\.item))
        // The frozen model ignores the overlay; the live peers read it.
        #expect(m.frozen(rawUser: raw, at: at, n: 10) == before.items.map(\.item))
        #expect(m.recentlyViewed(rawUser: raw, at: at, n: 10) == [log.item[first]])
        #expect(m.weightedHistory(rawUser: raw, at: at, n: 10) == [log.item[first]])
        // Not visible before its own time.
        #expect(m.twoStageLive(rawUser: raw, at: log.time[first] - 1, n: 10, excludeSeen: false).strategy == "popular")
    }

    @Test func coVisitationPeerExcludesSeenItemsAndFollowsCounts() throws {
        let m = Self.freshMethods()
        let d = Self.dataset
        var checked = 0
        for u in 0..<d.userCount where !Self.trainLog.events(of: u).isEmpty {
            let raw = d.visitors.raw[u]
            let list = m.coVisited(rawUser: raw, at: Self.cutoff, n: 20)
            let seen = m.seen(rawUser: raw, at: Self.cutoff)
            #expect(seen.isDisjoint(with: list), "visitor \(raw)")
            #expect(Set(list).count == list.count)
            let last = try #require(m.history(rawUser: raw, at: Self.cutoff).items.last)
            let counts = list.map { m.coVisitation.count(last, $0) }
            #expect(counts.allSatisfy { $0 > 0 })
            #expect(zip(counts, counts.dropFirst()).allSatisfy { $0 >= $1 })
            if !list.isEmpty { checked += 1 }
            if checked >= 50 { break }
        }
        #expect(checked > 0)
    }

    @Test func discoverListsLeaveOutSeenItems() throws {
        let m = Self.freshMethods()
        let d = Self.dataset
        for u in (0..<d.userCount).filter({ !Self.trainLog.events(of: $0).isEmpty }).prefix(30) {
            let raw = d.visitors.raw[u]
            let seen = m.seen(rawUser: raw, at: Self.cutoff)
            let list = m.twoStageLive(rawUser: raw, at: Self.cutoff, n: 20, excludeSeen: true).items.map(\.item)
            #expect(list.count == 20)
            #expect(seen.isDisjoint(with: list))
        }
    }

    @Test func reportRoundTripsThroughJSON() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(Self.report)
        let back = try JSONDecoder().decode(OnlineReplayReport.self, from: data)
        #expect(back == Self.report)
        #expect(try encoder.encode(back) == data)
        let text = Self.report.table()
        #expect(text.contains("task cart") && text.contains("task discover"))
        #expect(Self.report.markdown(command: "x").contains("| \(OnlineReplay.coVisitation) | all |"))
    }
}
