import Candidates
import Dataset
import Pipeline
import TestSupport
import Testing

/// The items a visitor is looking at right now lead `recommend`'s answer.
struct SessionTests {
    static let minute: Int64 = 60_000

    /// A history of (minutes before `now`, dense item, kind), oldest first.
    func history(_ events: [(Int64, Int32, EventKind)], now: Int64) -> UserState {
        UserState(
            items: events.map(\.1), times: events.map { now - $0.0 * Self.minute },
            kinds: events.map(\.2.rawValue), categories: events.map { _ in -1 })
    }

    @Test func theSessionIsTheRunOfEventsLessThanAnHourApartEndingWithinAnHour() {
        let now: Int64 = 1_442_000_000_000
        let user = history(
            [
                (300, 1, .view),  // an earlier session: 300 − 200 > 60 minutes before the next event
                (200, 2, .view), (150, 3, .view), (100, 4, .view), (95, 5, .view),
                (90, 5, .addToCart),  // carted in the session: not boosted
                (45, 2, .view),  // viewed in this session and the previous one
                (40, 6, .view), (39, 6, .view),
            ], now: now)
        #expect(TwoStagePipeline.sessionItems(of: user, at: now) == [6, 2, 4, 3])
        // 61 minutes after the newest event the session is over.
        #expect(TwoStagePipeline.sessionItems(of: user, at: now + 22 * Self.minute).isEmpty)
        #expect(TwoStagePipeline.sessionItems(of: user, at: now + 20 * Self.minute) == [6, 2, 4, 3])
        #expect(TwoStagePipeline.sessionItems(of: UserState(), at: now).isEmpty)
        // A purchase ends the boost for its item as a cart does.
        let bought = history([(10, 7, .view), (5, 8, .view), (2, 7, .transaction)], now: now)
        #expect(TwoStagePipeline.sessionItems(of: bought, at: now) == [8])
    }

    /// The ranker's order of `state`'s candidates at `time`, with `boost` added to each item's logit.
    func ranked(_ p: TwoStagePipeline, _ state: UserState, at time: Int64, boost: [Int32: Double] = [:]) -> [Int32] {
        let recency = p.recencyTime(for: time)
        let set = p.candidates(for: state, at: recency)
        let logits = p.rankerLogits(user: state, candidates: set, at: time, recencyAt: recency)
        return zip(set.items, logits).map { ($0, $1 + (boost[$0] ?? 0)) }
            .sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }.map(\.0)
    }

    /// Two rarely bought items viewed minutes ago climb above the ranker's order by the session boost (the
    /// newer one more); once the session is over the ranker's order is the answer again.
    @Test func itemsViewedInTheSessionClimbTheAnswer() throws {
        let p = TwoStagePipeline(artifacts: TestModel.artifacts)
        let a = p.artifacts
        try #require(a.popular.count > 60)
        let (carted, x, z) = (a.popular[0], a.popular[50], a.popular[60])
        let visitor = 9_300_000_077
        let t0 = a.metadata.referenceTime
        let events: [(Int64, Int32, EventKind)] = [
            (0, carted, .view), (1, carted, .addToCart), (5, x, .view), (6, z, .view),
        ]
        let live = events.map {
            LiveEvent(timestamp: t0 + $0.0 * Self.minute, visitor: visitor, kind: $0.2, item: a.itemRaw[Int($0.1)])
        }
        let now = t0 + 10 * Self.minute
        let state = p.state(rawUser: visitor, live: live, at: now)
        #expect(TwoStagePipeline.sessionItems(of: state.state, at: now) == [z, x])

        let plain = ranked(p, state.state, at: now)
        let boost = TwoStagePipeline.sessionBoost
        let boosted = ranked(
            p, state.state, at: now,
            boost: [
                z: boost + TwoStagePipeline.sessionRecencyBoost, x: boost + TwoStagePipeline.sessionRecencyBoost / 2,
            ])
        let during = p.recommend(live: state, at: now, n: 5).items.map(\.item)
        #expect(during == Array(boosted.prefix(5)))
        let rank = { (list: [Int32], item: Int32) in list.firstIndex(of: item) ?? .max }
        #expect(rank(during, x) < rank(plain, x))
        #expect(rank(during, z) == 0)

        let later = now + 120 * Self.minute
        let after = p.recommend(live: p.state(rawUser: visitor, live: live, at: later), at: later, n: 5)
        #expect(after.items.map(\.item) == Array(ranked(p, state.state, at: later).prefix(5)))
    }
}
