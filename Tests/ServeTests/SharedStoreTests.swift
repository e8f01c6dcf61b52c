import Foundation
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

@testable import Serve

/// Two replicas on one PostgreSQL store: what one accepts, the other answers from (within a second), and
/// each replica's own events are in its next answer at once. Runs when `RECSYS_TEST_POSTGRES_URL` is set.
@Suite(.enabled(if: PostgresTestServer.url != nil))
struct SharedStoreTests {
    let live = LiveEventsTests()

    func replica(_ url: String) throws -> RecsysApplication {
        var c = try ServeConfiguration.forTests()
        c.eventsStore = url
        return try buildApplication(c)
    }

    /// The visitor's events as replica `client` lists them.
    func listed(_ client: some TestClientProtocol, _ visitor: Int) async throws -> [[String: Any]] {
        try await client.execute(uri: "/api/v1/visitors/\(visitor)/events?limit=50", method: .get) { r in
            (live.json(r.body)["events"] as? [[String: Any]] ?? []).filter { $0["source"] as? String == "live" }
        }
    }

    @Test func anEventPostedToOneReplicaShapesTheOthersAnswers() async throws {
        let url = "\(try await PostgresTestServer.freshDatabase())?sslmode=disable"
        let visitor = 9_100_000_007
        let items = live.knownItems(2)
        let at = live.reference + 10_000
        try await replica(url).test(.router) { a in
            try await replica(url).test(.router) { b in
                let events = items.enumerated().map { k, item -> [String: Any] in
                    ["timestamp": live.reference + Int64(k), "visitor_id": visitor, "event": "view", "item_id": item]
                }
                try await a.execute(uri: "/api/v1/events", method: .post, body: try live.body(events)) { r in
                    #expect(r.status == .ok)
                }
                // The accepting replica: at once.
                #expect(try await listed(a, visitor).count == 2)
                try await a.execute(uri: "/recommend/\(visitor)?n=10&at=\(at)", method: .get) { r in
                    #expect(live.json(r.body)["strategy"] as? String == "two-stage-live")
                }
                // The other one: soon (it polls every 250 ms; the 1 s bound is timed by
                // scripts/replicas_postgres.sh, a loaded parallel test run cannot time it).
                let started = ContinuousClock.now
                var seen = 0
                while ContinuousClock.now - started < .seconds(30) {
                    seen = try await listed(b, visitor).count
                    if seen == 2 { break }
                    try await Task.sleep(for: .milliseconds(20))
                }
                #expect(seen == 2)
                try await b.execute(uri: "/recommend/\(visitor)?n=10&exclude=seen&at=\(at)", method: .get) { r in
                    let body = live.json(r.body)
                    #expect((body["strategy"] as? String)?.hasSuffix("-live") == true)
                    #expect(Set(live.items(body)).isDisjoint(with: Set(items)))
                }
            }
        }
    }

    @Test func anItemUpdatePostedToOneReplicaIsKnownToTheOther() async throws {
        let url = "\(try await PostgresTestServer.freshDatabase())?sslmode=disable"
        let item = 987_600_001
        let update = ByteBuffer(
            string:
                #"{"items": [{"item_id": \#(item), "category_id": 12, "available": true, "timestamp": 1442534400000}]}"#
        )
        try await replica(url).test(.router) { a in
            try await replica(url).test(.router) { b in
                try await a.execute(uri: "/api/v1/items", method: .post, body: update) { r in #expect(r.status == .ok) }
                let started = ContinuousClock.now
                var status = 0
                while ContinuousClock.now - started < .seconds(30) {
                    status = try await b.execute(uri: "/items/\(item)", method: .get) { Int($0.status.code) }
                    if status == 200 { break }
                    try await Task.sleep(for: .milliseconds(20))
                }
                #expect(status == 200)
            }
        }
    }
}
