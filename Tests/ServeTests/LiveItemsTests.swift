import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Pipeline
import TestSupport
import Testing

@testable import Serve

/// `POST /api/v1/items` and what it changes: an item the model has never seen gets a category at once,
/// is listed in its category's slot of `/recommend`, has a `GET /items/<id>` and similar items.
struct LiveItemsTests {
    let live = LiveEventsTests()
    let newItem = 987_654_321

    func itemsBody(_ items: [[String: Any]]) throws -> ByteBuffer {
        ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: ["items": items]))
    }

    /// A known item and its raw category (the most popular item's).
    var knownItem: (item: Int, category: Int) {
        let a = TestModel.artifacts
        let dense = Int(a.popular[0])
        return (a.itemRaw[dense], a.categoryRaw[Int(a.stats.category[dense])])
    }

    func update(_ item: Int, category: Int, available: Bool = true, at offset: Int64 = 0) -> [String: Any] {
        ["item_id": item, "category_id": category, "available": available, "timestamp": live.reference + offset]
    }

    /// A known item the shop moves to another category: the category filter and the answer's category_id
    /// follow at once (the ranker's category features too, ItemOverridesTests).
    @Test func aKnownItemMovedLiveIsFilteredByItsNewCategory() async throws {
        let a = TestModel.artifacts
        let (item, category) = knownItem
        let pipeline = TwoStagePipeline(artifacts: a)
        let dense = try #require(pipeline.category(raw: category))
        let other = try #require(
            (0..<Int32(a.categoryRaw.count)).first { c in
                c != dense && !pipeline.category(dense, isIn: c) && !pipeline.category(c, isIn: dense)
            })
        let newCategory = a.categoryRaw[Int(other)]
        let visitor = TestModel.knownUser
        let at = live.reference + 60_000
        /// Items listed under `category`, with the category_id each is served with.
        @Sendable func listed(_ client: some TestClientProtocol, category: Int) async throws -> [Int: Int] {
            try await client.execute(
                uri: "/recommend/\(visitor)?n=100&category=\(category)&at=\(at)", method: .get
            ) { r in
                #expect(r.status == .ok)
                let items = (live.json(r.body)["items"] as? [[String: Any]]) ?? []
                return Dictionary(
                    items.compactMap { i in (i["item_id"] as? Int).map { ($0, i["category_id"] as? Int ?? -1) } },
                    uniquingKeysWith: { x, _ in x })
            }
        }
        let (app, _) = try live.app()
        try await app.test(.router) { client in
            let before = try await listed(client, category: category)
            #expect(before[item] == category)
            try await client.execute(
                uri: "/api/v1/items", method: .post,
                body: try itemsBody([update(item, category: newCategory, at: 10)])
            ) { r in #expect(r.status == .ok) }
            let oldList = try await listed(client, category: category)
            #expect(oldList[item] == nil)
            let newList = try await listed(client, category: newCategory)
            #expect(newList[item] == newCategory)
        }
    }

    @Test func aNewItemIsListedInItsCategoryAtOnce() async throws {
        let (app, _) = try live.app()
        let (item, category) = knownItem
        let visitor = 9_200_000_001
        let at = live.reference + 60_000
        try await app.test(.router) { client in
            let view: [[String: Any]] = [
                ["timestamp": live.reference + 10, "visitor_id": visitor, "event": "view", "item_id": item]
            ]
            try await client.execute(uri: "/api/v1/events", method: .post, body: try live.body(view)) { r in
                #expect(r.status == .ok)
            }
            // Before the shop announces it, the new item is nowhere.
            try await client.execute(uri: "/recommend/\(visitor)?n=10&at=\(at)", method: .get) { r in
                #expect(!live.items(live.json(r.body)).contains(newItem))
            }
            try await client.execute(
                uri: "/api/v1/items", method: .post, body: try itemsBody([update(newItem, category: category)])
            ) { r in
                #expect(r.status == .ok)
                #expect(live.json(r.body)["accepted"] as? Int == 1)
            }
            try await client.execute(uri: "/recommend/\(visitor)?n=10&at=\(at)", method: .get) { r in
                let body = live.json(r.body)
                let got = live.items(body)
                #expect(got.count == 10)
                #expect(got.last == newItem, "the new item takes the last slot")
                #expect((body["strategy"] as? String)?.hasSuffix("+live-items") == true)
            }
            // Seen: excluded with exclude=seen.
            let seen: [[String: Any]] = [
                ["timestamp": live.reference + 20, "visitor_id": visitor, "event": "view", "item_id": newItem]
            ]
            try await client.execute(uri: "/api/v1/events", method: .post, body: try live.body(seen)) { r in
                #expect(r.status == .ok)
            }
            try await client.execute(uri: "/recommend/\(visitor)?n=10&exclude=seen&at=\(at)", method: .get) { r in
                #expect(!live.items(live.json(r.body)).contains(newItem))
            }
            // Sold out: not listed any more.
            try await client.execute(
                uri: "/api/v1/items", method: .post,
                body: try itemsBody([update(newItem, category: category, available: false, at: 30)])
            ) { r in #expect(r.status == .ok) }
            try await client.execute(uri: "/recommend/\(visitor)?n=10&at=\(at)", method: .get) { r in
                #expect(!live.items(live.json(r.body)).contains(newItem))
            }
        }
    }

    @Test func itemInfoShowsTheModelAndTheLivePart() async throws {
        let (app, _) = try live.app()
        let (item, category) = knownItem
        try await app.test(.router) { client in
            try await client.execute(uri: "/items/\(item)", method: .get) { r in
                let body = live.json(r.body)
                #expect(r.status == .ok)
                #expect(body["known_to_model"] as? Bool == true)
                #expect((body["model"] as? [String: Any])?["category_id"] as? Int == category)
                #expect(body["live"] is NSNull || body["live"] == nil)
            }
            try await client.execute(uri: "/items/\(newItem)", method: .get) { r in
                #expect(r.status == .notFound)
                #expect((live.json(r.body)["error"] as? [String: Any])?["code"] as? String == "unknown_item")
            }
            try await client.execute(
                uri: "/api/v1/items", method: .post, body: try itemsBody([update(newItem, category: category)])
            ) { r in #expect(r.status == .ok) }
            try await client.execute(uri: "/items/\(newItem)", method: .get) { r in
                let body = live.json(r.body)
                #expect(body["known_to_model"] as? Bool == false)
                #expect(body["category_id"] as? Int == category)
                #expect(body["available"] as? Bool == true)
                #expect((body["live"] as? [String: Any])?["updated_at"] as? Int64 == live.reference)
            }
            // Its similar items: the category's popular list, labelled.
            try await client.execute(uri: "/items/\(newItem)/similar?n=5", method: .get) { r in
                let body = live.json(r.body)
                #expect(r.status == .ok)
                #expect(body["strategy"] as? String == "category-popular-live-item")
                #expect(live.items(body).contains(item))
            }
        }
    }

    @Test(arguments: [
        (#"[{"item_id": 1, "category_id": 2, "available": "yes", "timestamp": 1442534400000}]"#, "items[0].available"),
        (#"[{"item_id": -1, "category_id": 2, "available": true, "timestamp": 1442534400000}]"#, "items[0].item_id"),
        (#"[{"item_id": 1, "available": true, "timestamp": 1442534400000}]"#, "items[0].category_id"),
        (#"[{"item_id": 1, "category_id": 2, "available": true, "timestamp": "5"}]"#, "items[0].timestamp"),
        (
            #"[{"item_id": 1, "category_id": 2, "available": true, "timestamp": 1442534400000}, {"item_id": 1, "category_id": 2, "available": true, "timestamp": 1442534400000, "price": 3}]"#,
            #"items[1] has the unknown field "price""#
        ),
        (#"[]"#, #""items" is empty"#),
    ])
    func badBatchesAreRefusedWhole(items: String, expected: String) async throws {
        let (app, _) = try live.app()
        try await app.test(.router) { client in
            let body = ByteBuffer(string: #"{"items": "# + items + "}")
            try await client.execute(uri: "/api/v1/items", method: .post, body: body) { r in
                #expect(r.status == .badRequest)
                let message = (live.json(r.body)["error"] as? [String: Any])?["message"] as? String ?? ""
                #expect(message.contains(expected), "\(message)")
            }
            try await client.execute(uri: "/items/1", method: .get) { r in
                #expect(live.json(r.body)["live"] == nil || live.json(r.body)["live"] is NSNull)
            }
        }
    }

    @Test func itemUpdatesSurviveARestartOfTheEmbeddedStore() async throws {
        let (app, first, folder) = try live.restartableApp(prefix: "items-")
        try await app.test(.router) { client in
            try await client.execute(
                uri: "/api/v1/items", method: .post, body: try itemsBody([update(newItem, category: 7)])
            ) { r in #expect(r.status == .ok) }
        }
        first.close()
        let (second, _) = try live.app(events: folder)
        try await second.test(.router) { client in
            try await client.execute(uri: "/items/\(newItem)", method: .get) { r in
                #expect(r.status == .ok)
                #expect(live.json(r.body)["category_id"] as? Int == 7)
            }
        }
    }

    @Test func itemWritesNeedTheAPIKey() async throws {
        let (app, _) = try live.app(apiKey: "k3y")
        try await app.test(.router) { client in
            try await client.execute(
                uri: "/api/v1/items", method: .post, body: try itemsBody([update(newItem, category: 7)])
            ) { r in #expect(r.status == .unauthorized) }
        }
    }

    @Test func aKnownItemMarkedUnavailableLeavesTheList() async throws {
        let (app, _) = try live.app()
        let visitor = 9_200_000_002
        let at = live.reference + 60_000
        try await app.test(.router) { client in
            let view: [[String: Any]] = [
                ["timestamp": live.reference + 10, "visitor_id": visitor, "event": "view", "item_id": knownItem.item]
            ]
            try await client.execute(uri: "/api/v1/events", method: .post, body: try live.body(view)) { r in
                #expect(r.status == .ok)
            }
            let before = try await client.execute(uri: "/recommend/\(visitor)?n=5&at=\(at)", method: .get) { r in
                live.items(live.json(r.body))
            }
            let gone = try #require(before.first)
            try await client.execute(
                uri: "/api/v1/items", method: .post,
                body: try itemsBody([update(gone, category: knownItem.category, available: false)])
            ) { r in #expect(r.status == .ok) }
            try await client.execute(uri: "/recommend/\(visitor)?n=5&at=\(at)", method: .get) { r in
                let after = live.items(live.json(r.body))
                #expect(after.count == 5)
                #expect(!after.contains(gone))
                #expect(Array(after.prefix(4)) == Array(before.dropFirst().prefix(4)))
            }
        }
    }
}

extension LiveItemsTests {
    /// An item update without a timestamp is stamped when the server receives it, as an event is; a batch
    /// with an Idempotency-Key must state it.
    @Test func anUpdateWithoutATimestampIsStampedWhenReceived() async throws {
        let (app, _) = try live.app()
        let category = knownItem.category
        try await app.test(.router) { client in
            let before = Int64(Date().timeIntervalSince1970 * 1000)
            let update: [String: Any] = ["item_id": newItem, "category_id": category, "available": true]
            try await client.execute(uri: "/api/v1/items", method: .post, body: try itemsBody([update])) { r in
                #expect(r.status == .ok)
            }
            let after = Int64(Date().timeIntervalSince1970 * 1000)
            try await client.execute(uri: "/items/\(newItem)", method: .get) { r in
                let body = live.json(r.body)
                #expect(body["category_id"] as? Int == category)
                let t = try #require(((body["live"] as? [String: Any])?["updated_at"] as? NSNumber)?.int64Value)
                #expect(t >= before && t <= after)
            }
            try await client.execute(
                uri: "/api/v1/items", method: .post, headers: [HTTPField.Name("Idempotency-Key")!: "item-no-time"],
                body: try itemsBody([update])
            ) { r in
                #expect(r.status == .badRequest)
                let message = (live.json(r.body)["error"] as? [String: Any])?["message"] as? String ?? ""
                #expect(message.contains("items[0].timestamp is required"), "\(message)")
            }
        }
    }
}
