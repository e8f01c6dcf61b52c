import Dataset
import EventStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import TestSupport
import Testing

@testable import Serve

/// `Idempotency-Key` on the write routes: a retried batch is stored once, even across a restart, and the
/// retry is answered like the first call with `"replayed": true`.
struct IdempotentWritesTests {
    let live = LiveEventsTests()
    let keyHeader = HTTPField.Name("Idempotency-Key")!

    func viewEvents(visitor: Int, items: [Int]) -> [[String: Any]] {
        items.enumerated().map { k, item in
            ["timestamp": live.reference + Int64(k), "visitor_id": visitor, "event": "view", "item_id": item]
        }
    }

    func liveEventCount(_ client: some TestClientProtocol, visitor: Int) async throws -> Int {
        try await client.execute(uri: "/api/v1/visitors/\(visitor)/events", method: .get) { r in
            (live.json(r.body)["events"] as? [[String: Any]])?.filter { $0["source"] as? String == "live" }.count ?? -1
        }
    }

    @Test func aRetriedBatchIsStoredOnceAndAnsweredAsReplayed() async throws {
        let visitor = 9_300_000_001
        let batch = try live.body(viewEvents(visitor: visitor, items: live.knownItems(3)))
        let (app, _) = try live.app()
        try await app.test(.router) { client in
            for attempt in 0..<3 {
                try await client.execute(
                    uri: "/api/v1/events", method: .post, headers: [keyHeader: "order-42-views"], body: batch
                ) { r in
                    #expect(r.status == .ok)
                    let b = live.json(r.body)
                    #expect(b["accepted"] as? Int == 3)
                    #expect(b["replayed"] as? Bool == (attempt == 0 ? nil : true))
                }
            }
            #expect(try await liveEventCount(client, visitor: visitor) == 3)
            // Without a key the same body is new events: keys, not contents, mark a retry.
            try await client.execute(uri: "/api/v1/events", method: .post, body: batch) { r in
                #expect(r.status == .ok)
                #expect(live.json(r.body)["replayed"] == nil)
            }
            #expect(try await liveEventCount(client, visitor: visitor) == 6)
            try await client.execute(uri: "/metrics", method: .get) { r in
                #expect(String(buffer: r.body).contains("recsys_batches_replayed_total 2"))
            }
        }
    }

    @Test func aKeyReusedForOtherEventsIs422AndStoresNothing() async throws {
        let visitor = 9_300_000_002
        let items = live.knownItems(4)
        let (app, _) = try live.app()
        try await app.test(.router) { client in
            try await client.execute(
                uri: "/api/v1/events", method: .post, headers: [keyHeader: "k-1"],
                body: try live.body(viewEvents(visitor: visitor, items: Array(items.prefix(2))))
            ) { r in #expect(r.status == .ok) }
            try await client.execute(
                uri: "/api/v1/events", method: .post, headers: [keyHeader: "k-1"],
                body: try live.body(viewEvents(visitor: visitor, items: items))
            ) { r in
                #expect(r.status == .unprocessableContent)
                let error = live.json(r.body)["error"] as? [String: Any]
                #expect(error?["code"] as? String == "idempotency_key_reused")
                #expect((error?["message"] as? String)?.contains("\"k-1\"") == true)
            }
            #expect(try await liveEventCount(client, visitor: visitor) == 2)
            try await client.execute(uri: "/metrics", method: .get) { r in
                #expect(String(buffer: r.body).contains("recsys_events_rejected_total 1"))
            }
        }
    }

    @Test(arguments: ["has space", String(repeating: "x", count: 256), "naïve"])
    func aMalformedKeyIs400BeforeAnythingIsStored(key: String) async throws {
        let visitor = 9_300_000_003
        let (app, _) = try live.app()
        try await app.test(.router) { client in
            try await client.execute(
                uri: "/api/v1/events", method: .post, headers: [keyHeader: key],
                body: try live.body(viewEvents(visitor: visitor, items: live.knownItems(1)))
            ) { r in
                #expect(r.status == .badRequest)
                #expect((live.json(r.body)["error"] as? [String: Any])?["code"] as? String == "invalid_idempotency_key")
            }
            #expect(try await liveEventCount(client, visitor: visitor) == 0)
        }
    }

    @Test func aRetryAfterARestartIsStillReplayed() async throws {
        let visitor = 9_300_000_004
        let batch = try live.body(viewEvents(visitor: visitor, items: live.knownItems(2)))
        let (app, first, folder) = try live.restartableApp()
        try await app.test(.router) { client in
            try await client.execute(
                uri: "/api/v1/events", method: .post, headers: [keyHeader: "crash-retry"], body: batch
            ) { r in #expect(r.status == .ok) }
        }
        first.close()
        let (second, _) = try live.app(events: folder)
        try await second.test(.router) { client in
            try await client.execute(
                uri: "/api/v1/events", method: .post, headers: [keyHeader: "crash-retry"], body: batch
            ) { r in
                #expect(r.status == .ok)
                #expect(live.json(r.body)["replayed"] as? Bool == true)
            }
            #expect(try await liveEventCount(client, visitor: visitor) == 2)
        }
    }

    @Test func itemUpdatesTakeKeysToo() async throws {
        let items = LiveItemsTests()
        let body = try items.itemsBody([items.update(items.newItem, category: items.knownItem.category)])
        let (app, _) = try live.app()
        try await app.test(.router) { client in
            for attempt in 0..<2 {
                try await client.execute(
                    uri: "/api/v1/items", method: .post, headers: [keyHeader: "catalogue-sync-1"], body: body
                ) { r in
                    #expect(r.status == .ok)
                    #expect(live.json(r.body)["replayed"] as? Bool == (attempt == 0 ? nil : true))
                }
            }
            // The same key on the events stream is not the item update's: streams keep their own keys.
            try await client.execute(
                uri: "/api/v1/events", method: .post, headers: [keyHeader: "catalogue-sync-1"],
                body: try live.body(viewEvents(visitor: 9_300_000_005, items: live.knownItems(1)))
            ) { r in #expect(live.json(r.body)["replayed"] == nil) }
        }
    }
}
