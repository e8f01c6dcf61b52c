import Candidates
import Dataset
import EventStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Pipeline
import TestSupport
import Testing

@testable import Serve

/// `POST /api/v1/events` and what it changes: answers shaped by live
/// events at once, filters, the visitor's event list, validation, durability.
struct LiveEventsTests {
    /// An application with its own event store folder (or the given one).
    func app(events folder: String? = nil, apiKey: String? = nil) throws -> (RecsysApplication, String) {
        let folder = folder ?? Scratch.folder("live-", create: false)
        var c = try ServeConfiguration.forTests()
        c.eventsStore = folder
        c.apiKey = apiKey
        return (try buildApplication(c), folder)
    }

    /// An application on a fresh embedded events folder, with its live events opened here so a test can
    /// close them (releasing the log's writer lock) and start a second application on the same folder.
    func restartableApp(prefix: String = "live-") throws -> (
        app: RecsysApplication, live: LiveEvents, folder: String
    ) {
        let folder = Scratch.folder(prefix, create: false)
        var c = try ServeConfiguration.forTests()
        c.eventsStore = folder
        let metrics = ServeMetrics()
        let live = try LiveEvents.open(c, metrics: metrics, logger: Logger(label: "test"))
        return (try buildApplication(c, metrics: metrics, live: live), live, folder)
    }

    /// The body as a JSON object; empty when it is not one (the expectations then fail).
    func json(_ buffer: ByteBuffer) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(buffer: buffer))) as? [String: Any] ?? [:]
    }

    func body(_ events: [[String: Any]]) throws -> ByteBuffer {
        ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: ["events": events]))
    }

    var reference: Int64 { TestModel.artifacts.metadata.referenceTime }

    /// Known items with a category, from the model.
    func knownItems(_ n: Int) -> [Int] {
        let a = TestModel.artifacts
        return a.popular.prefix(n).map { a.itemRaw[Int($0)] }
    }

    func items(_ body: [String: Any]) -> [Int] {
        (body["items"] as? [[String: Any]])?.compactMap { $0["item_id"] as? Int } ?? []
    }

    /// An event older than the model's data is stored (for the next retrain) but does not shape answers;
    /// the acknowledgement says how many of the batch are such, so a late tracker learns why.
    @Test func eventsOlderThanTheModelAreStoredAndSaidNotToShapeAnswers() async throws {
        let visitor = 9_000_000_007
        let (old, new) = (knownItems(2)[0], knownItems(2)[1])
        let (app, _) = try app()
        try await app.test(.router) { client in
            let events: [[String: Any]] = [
                ["timestamp": reference - 60_000, "visitor_id": visitor, "event": "view", "item_id": old],
                ["timestamp": reference + 1_000, "visitor_id": visitor, "event": "view", "item_id": new],
            ]
            try await client.execute(uri: "/api/v1/events", method: .post, body: try body(events)) { r in
                #expect(r.status == .ok)
                #expect(json(r.body)["accepted"] as? Int == 2)
                #expect(json(r.body)["before_model"] as? Int == 1)
            }
            try await client.execute(uri: "/api/v1/visitors/\(visitor)/events", method: .get) { r in
                let list = try #require(json(r.body)["events"] as? [[String: Any]])
                #expect(list.compactMap { $0["item_id"] as? Int } == [new])
            }
        }
    }

    /// A bad id in the path is named as the path names it.
    @Test func aBadVisitorIdIsNamedAsThePathNamesIt() async throws {
        let (app, _) = try app()
        try await app.test(.router) { client in
            try await client.execute(uri: "/api/v1/visitors/abc/events", method: .get) { r in
                #expect(r.status == .badRequest)
                let error = json(r.body)["error"] as? [String: Any]
                #expect(error?["code"] as? String == "invalid_visitor_id")
                #expect((error?["message"] as? String)?.hasPrefix("visitor_id must be a non-negative integer") == true)
            }
        }
    }

    @Test func aNewVisitorIsAnsweredFromTheirLiveEvents() async throws {
        let visitor = 9_000_000_001
        let viewed = knownItems(3)
        let (app, _) = try app()
        try await app.test(.router) { client in
            // Unknown to the model: the popular fallback first.
            try await client.execute(uri: "/recommend/\(visitor)?at=\(reference + 10_000)", method: .get) { r in
                #expect(json(r.body)["strategy"] as? String == "popular")
            }
            let events = viewed.enumerated().map { k, item -> [String: Any] in
                ["timestamp": reference + Int64(k) * 1000, "visitor_id": visitor, "event": "view", "item_id": item]
            }
            try await client.execute(uri: "/api/v1/events", method: .post, body: try body(events)) { r in
                #expect(r.status == .ok)
                #expect(json(r.body)["accepted"] as? Int == 3)
                #expect(json(r.body)["before_model"] == nil)
            }
            try await client.execute(uri: "/recommend/\(visitor)?n=10&at=\(reference + 10_000)", method: .get) { r in
                let b = json(r.body)
                #expect(b["strategy"] as? String == "two-stage-live")
                // Their own recent items rank: the strongest signal this domain has.
                #expect(Set(items(b)).isSuperset(of: Set(viewed)))
            }
            // Reproducible: before the events, they did not exist.
            try await client.execute(uri: "/recommend/\(visitor)?at=\(reference - 1)", method: .get) { r in
                #expect(json(r.body)["strategy"] as? String == "popular")
            }
            try await client.execute(
                uri: "/recommend/\(visitor)?n=10&exclude=seen&at=\(reference + 10_000)", method: .get
            ) { r in
                let got = items(json(r.body))
                #expect(got.count == 10)
                #expect(Set(got).isDisjoint(with: Set(viewed)))
            }
            try await client.execute(uri: "/api/v1/visitors/\(visitor)/events?limit=2", method: .get) { r in
                let list = try #require(json(r.body)["events"] as? [[String: Any]])
                #expect(list.count == 2)
                #expect(list.compactMap { $0["item_id"] as? Int } == [viewed[2], viewed[1]])
                #expect(list.allSatisfy { $0["source"] as? String == "live" })
            }
        }
    }

    @Test func purchasesAreExcludedOnAskAndCategoriesFilter() async throws {
        let visitor = TestModel.knownUser
        let bought = knownItems(1)[0]
        let (app, _) = try app()
        let at = reference + 60_000
        try await app.test(.router) { client in
            let events: [[String: Any]] = [
                ["timestamp": reference + 1000, "visitor_id": visitor, "event": "addtocart", "item_id": bought],
                [
                    "timestamp": reference + 2000, "visitor_id": visitor, "event": "transaction", "item_id": bought,
                    "transaction_id": 77,
                ],
            ]
            try await client.execute(uri: "/api/v1/events", method: .post, body: try body(events)) { r in
                #expect(r.status == .ok)
            }
            try await client.execute(uri: "/recommend/\(visitor)?n=20&at=\(at)", method: .get) { r in
                let b = json(r.body)
                #expect(b["strategy"] as? String == "two-stage-live")
                #expect(items(b).contains(bought))
            }
            try await client.execute(uri: "/recommend/\(visitor)?n=20&exclude=purchased&at=\(at)", method: .get) { r in
                #expect(!items(json(r.body)).contains(bought))
            }
            // A category filter: every item is of that category (or below it).
            let a = TestModel.artifacts
            let pipeline = TwoStagePipeline(artifacts: a)
            let c = a.stats.category[Int(a.popular[0])]
            let raw = a.categoryRaw[Int(c)]
            try await client.execute(uri: "/recommend/\(visitor)?n=5&category=\(raw)&at=\(at)", method: .get) { r in
                let got = items(json(r.body))
                #expect(!got.isEmpty)
                for item in got {
                    #expect(pipeline.item(Int32(pipeline.item(raw: item)!), isIn: c), "\(item)")
                }
            }
            for bad in ["exclude=all", "category=x", "category=99999999", "exclude=seen&exclude=none"] {
                try await client.execute(uri: "/recommend/\(visitor)?\(bad)", method: .get) { r in
                    #expect(r.status == .badRequest, "\(bad)")
                }
            }
        }
    }

    @Test func acknowledgedEventsSurviveARestart() async throws {
        let visitor = 9_000_000_002
        let item = knownItems(2)[1]
        let (first, live, folder) = try restartableApp()
        try await first.test(.router) { client in
            let events: [[String: Any]] = [
                ["timestamp": reference + 5, "visitor_id": visitor, "event": "view", "item_id": item]
            ]
            try await client.execute(uri: "/api/v1/events", method: .post, body: try body(events)) { r in
                #expect(r.status == .ok)
            }
        }
        // One writer per log: a second server on the folder is refused while the first holds it.
        #expect(throws: (any Error).self) { _ = try app(events: folder) }
        live.close()
        // A second server on the same folder replays the log.
        let (second, _) = try app(events: folder)
        try await second.test(.router) { client in
            try await client.execute(uri: "/api/v1/visitors/\(visitor)/events", method: .get) { r in
                let list = try #require(json(r.body)["events"] as? [[String: Any]])
                #expect(list.compactMap { $0["item_id"] as? Int } == [item])
            }
        }
    }

    @Test func theAPIKeyGuardsWritesOnly() async throws {
        let (app, _) = try app(apiKey: "s3cret")
        let event = try body([["timestamp": reference, "visitor_id": 1, "event": "view", "item_id": 1]])
        try await app.test(.router) { client in
            try await client.execute(uri: "/api/v1/events", method: .post, body: event) { r in
                #expect(r.status == .unauthorized)
            }
            try await client.execute(
                uri: "/api/v1/events", method: .post, headers: [.authorization: "Bearer s3cret"], body: event
            ) { r in #expect(r.status == .ok) }
            try await client.execute(uri: "/api/v1/visitors/1/events", method: .get) { r in #expect(r.status == .ok) }
        }
    }

    /// Every malformed batch is refused whole: 4xx, and nothing of it is stored.
    @Test func malformedBatchesStoreNothing() async throws {
        let ok: [String: Any] = ["timestamp": reference, "visitor_id": 42, "event": "view", "item_id": 7]
        func with(_ key: String, _ value: Any?) -> [String: Any] {
            var e = ok
            e[key] = value
            return e
        }
        let future = Int64(Date().timeIntervalSince1970 * 1000) + 2 * 3_600_000
        var bodies: [(String, String)] = [
            ("not JSON", "{"), ("an array", "[]"), ("no events", "{}"), ("events not an array", "{\"events\": 3}"),
            ("empty", "{\"events\": []}"), ("extra top field", "{\"events\": [], \"x\": 1}"),
            ("deep nesting", String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000)),
        ]
        let events: [(String, [String: Any])] = [
            ("string timestamp", with("timestamp", "1442534400000")), ("negative visitor", with("visitor_id", -1)),
            ("fractional item", with("item_id", 1.5)), ("unknown kind", with("event", "click")),
            ("missing item", with("item_id", nil)), ("missing event", with("event", nil)),
            ("bool visitor", with("visitor_id", true)), ("future", with("timestamp", future)),
            ("unknown field", with("price", 3)), ("negative transaction", with("transaction_id", -5)),
            ("string transaction", with("transaction_id", "t1")), ("huge visitor", with("visitor_id", 1e30)),
            ("negative timestamp", with("timestamp", -1)), ("seconds timestamp", with("timestamp", reference / 1000)),
        ]
        for (name, e) in events {
            let data = try JSONSerialization.data(withJSONObject: ["events": [ok, e]])
            bodies.append((name, String(decoding: data, as: UTF8.self)))
        }
        // Decoders differ on a repeated key (JSONDecoder keeps the first, JSONSerialization the last).
        bodies.append(
            (
                "duplicate key",
                #"{"events": [{"timestamp": \#(reference), "visitor_id": 42, "event": "view", "item_id": 7}, "#
                    + #"{"timestamp": \#(reference), "visitor_id": 42, "event": "view", "item_id": 7, "visitor_id": 43}]}"#
            ))
        let many = (0..<10_001).map { _ in ok }
        bodies.append(
            (
                "10,001 events",
                String(decoding: try JSONSerialization.data(withJSONObject: ["events": many]), as: UTF8.self)
            ))
        #expect(bodies.count >= 20)
        let batches = bodies
        let (app, _) = try app()
        try await app.test(.router) { client in
            for (name, text) in batches {
                try await client.execute(uri: "/api/v1/events", method: .post, body: ByteBuffer(string: text)) { r in
                    #expect((400..<500).contains(Int(r.status.code)), "\(name): \(r.status)")
                    let error = json(r.body)["error"] as? [String: Any]
                    #expect(error?["message"] as? String != nil, "\(name)")
                    if name.hasPrefix("string timestamp") {
                        #expect((error?["message"] as? String)?.contains("events[1].timestamp") == true)
                    }
                    if name == "duplicate key" {
                        #expect(error?["code"] as? String == "duplicate_key")
                        let message = error?["message"] as? String ?? ""
                        #expect(message.contains("\"visitor_id\" is given twice in events[1]"), "\(message)")
                    }
                    if name.hasPrefix("seconds timestamp") {
                        let message = error?["message"] as? String ?? ""
                        #expect(message.contains("events[1].timestamp \(reference / 1000) is 1970-"), "\(message)")
                        #expect(message.contains("is seconds, send \(reference / 1000 * 1000)"), "\(message)")
                    }
                }
            }
            try await client.execute(uri: "/api/v1/visitors/42/events", method: .get) { r in
                let list = json(r.body)["events"] as? [[String: Any]]
                #expect(list != nil)
                #expect(list?.contains { $0["source"] as? String == "live" } == false)
            }
        }
    }
}

/// A store whose disk is full: every append fails, reads work.
final class FullDiskStore: EventStore {
    func append(_ batch: [StoredEvent], key: BatchKey?) async throws -> AppendResult {
        throw EventStoreError.unavailable("write failed: No space left on device")
    }
    func read(after position: StorePosition, limit: Int) async throws -> (events: [StoredEvent], last: StorePosition) {
        ([], position)
    }
    func head() async throws -> StorePosition { 0 }
    func follow(after position: StorePosition, _ body: @Sendable ([StoredEvent], StorePosition) async -> Void)
        async throws
    {}
    func close() {}
}

extension LiveEventsTests {
    /// A store that cannot write answers 503 with a JSON error, and the
    /// batch is not visible to anyone (it was not acknowledged).
    @Test func aStoreThatCannotWriteAnswers503AndKeepsNothing() async throws {
        let c = try ServeConfiguration.forTests()
        let metrics = ServeMetrics()
        let live = LiveEvents(
            store: FullDiskStore(), limits: .init(), metrics: metrics, logger: Logger(label: "test"))
        let app = try buildApplication(c, metrics: metrics, live: live)
        let event = try body([["timestamp": reference + 1, "visitor_id": 77, "event": "view", "item_id": 1]])
        try await app.test(.router) { client in
            try await client.execute(uri: "/api/v1/events", method: .post, body: event) { r in
                #expect(r.status == .serviceUnavailable)
                #expect((json(r.body)["error"] as? [String: Any])?["code"] as? String == "store_unavailable")
            }
            try await client.execute(uri: "/api/v1/visitors/77/events", method: .get) { r in
                let list = json(r.body)["events"] as? [[String: Any]]
                #expect(list?.contains { $0["source"] as? String == "live" } == false)
            }
        }
    }
}

extension LiveEventsTests {
    /// An old log replayed through the API without `at`: the request time is the newest live event's, so the
    /// visitor's session is current (their just-viewed item is boosted first), not eleven years old.
    @Test func aReplayWithoutAtIsAnsweredAtTheNewestEventsTime() async throws {
        let a = TestModel.artifacts
        let user = try #require((0..<a.userRaw.count).first { a.histories.state(of: $0).count >= 3 })
        let visitor = a.userRaw[user]
        let history = Set(a.histories.state(of: user).items.map { a.itemRaw[Int($0)] })
        let viewed = try #require(a.popular.lazy.map { a.itemRaw[Int($0)] }.first { !history.contains($0) })
        let (app, _) = try app()
        try await app.test(.router) { client in
            let wall = Int64(Date().timeIntervalSince1970 * 1000)
            try await client.execute(uri: "/recommend/\(visitor)?n=5", method: .get) { r in
                let t = try #require((json(r.body)["request_time"] as? NSNumber)?.int64Value)
                #expect(t >= wall, "no live events yet: the wall clock")
            }
            let newest = reference + 60_000
            let events: [[String: Any]] = [
                ["timestamp": newest, "visitor_id": visitor, "event": "view", "item_id": viewed]
            ]
            try await client.execute(uri: "/api/v1/events", method: .post, body: try body(events)) { r in
                #expect(r.status == .ok)
            }
            try await client.execute(uri: "/recommend/\(visitor)?n=5", method: .get) { r in
                let b = json(r.body)
                #expect((b["request_time"] as? NSNumber)?.int64Value == newest)
                #expect(b["strategy"] as? String == "two-stage-live")
                #expect(items(b).first == viewed, "\(items(b))")
            }
            // `at` still rules.
            try await client.execute(uri: "/recommend/\(visitor)?n=5&at=\(wall)", method: .get) { r in
                #expect((json(r.body)["request_time"] as? NSNumber)?.int64Value == wall)
            }
        }
    }

    @Test func theWallClockRulesWhileLiveEventsKeepUp() {
        let wall: Int64 = 1_800_000_000_000
        #expect(LiveEvents.requestTime(wall: wall, newestEvent: nil) == wall)
        #expect(LiveEvents.requestTime(wall: wall, newestEvent: wall - 3_600_000) == wall)
        #expect(LiveEvents.requestTime(wall: wall, newestEvent: wall - LiveEvents.replayLagMs) == wall)
        #expect(
            LiveEvents.requestTime(wall: wall, newestEvent: wall - LiveEvents.replayLagMs - 1) == wall
                - LiveEvents.replayLagMs - 1)
    }

    /// A tracker that does not know the time sends events without one: they happened when the server
    /// received them. With an Idempotency-Key the time is required, since a retry must carry the same events.
    @Test func anEventWithoutATimestampHappensWhenReceived() async throws {
        let visitor = 9_000_000_077
        let viewed = knownItems(2)
        let keyHeader = HTTPField.Name("Idempotency-Key")!
        let (app, _) = try app()
        try await app.test(.router) { client in
            let before = Int64(Date().timeIntervalSince1970 * 1000)
            let events: [[String: Any]] = [
                ["visitor_id": visitor, "event": "view", "item_id": viewed[0]],
                ["visitor_id": visitor, "event": "addtocart", "item_id": viewed[1], "timestamp": NSNull()],
            ]
            try await client.execute(uri: "/api/v1/events", method: .post, body: try body(events)) { r in
                #expect(r.status == .ok)
                #expect(json(r.body)["accepted"] as? Int == 2)
            }
            let after = Int64(Date().timeIntervalSince1970 * 1000)
            try await client.execute(uri: "/api/v1/visitors/\(visitor)/events", method: .get) { r in
                let list = try #require(json(r.body)["events"] as? [[String: Any]])
                #expect(list.count == 2)
                for e in list {
                    let t = try #require((e["timestamp"] as? NSNumber)?.int64Value)
                    #expect(t >= before && t <= after, "\(t) not in \(before)...\(after)")
                }
            }
            // Now is after the events: the answer is made from them.
            try await client.execute(uri: "/recommend/\(visitor)?n=10", method: .get) { r in
                let b = json(r.body)
                #expect((b["strategy"] as? String)?.hasPrefix("two-stage") == true)
                #expect(Set(items(b)).contains(viewed[0]))
            }
            let keyed = [["visitor_id": 9_000_000_078, "event": "view", "item_id": viewed[0]]] as [[String: Any]]
            try await client.execute(
                uri: "/api/v1/events", method: .post, headers: [keyHeader: "no-time-1"], body: try body(keyed)
            ) { r in
                #expect(r.status == .badRequest)
                let message = (json(r.body)["error"] as? [String: Any])?["message"] as? String ?? ""
                #expect(message.contains("events[0].timestamp is required"), "\(message)")
                #expect(message.contains("Idempotency-Key"), "\(message)")
            }
            try await client.execute(uri: "/api/v1/visitors/9000000078/events", method: .get) { r in
                #expect((json(r.body)["events"] as? [[String: Any]])?.isEmpty == true)
            }
        }
    }
}

/// The floor under a batch's timestamps follows the served model's world.
@Suite struct BatchClockTests {
    let now: Int64 = 1_800_000_000_000

    @Test func aModelOfRealDatesRefusesTimesBefore2000() throws {
        let clock = BatchClock(now: now, earliest: BatchClock.earliest(modelEnd: 1_442_534_400_000))
        #expect(clock.earliest == BatchClock.year2000)
        #expect(clock.admits(BatchClock.year2000) && !clock.admits(BatchClock.year2000 - 1))
        #expect(
            clock.problem(1_442_534_400, label: "events[0]")?.contains("if 1442534400 is seconds, send 1442534400000")
                == true)
        // Not a plausible time in seconds either: no hint.
        let tiny = try #require(clock.problem(5, label: "items[2]"))
        #expect(tiny.hasPrefix("items[2].timestamp 5 is 1970-01-01, before 2000-01-01") && !tiny.contains("is seconds"))
        #expect(clock.problem(now + 2 * 3_600_000, label: "events[0]")?.contains("in the future") == true)
        #expect(clock.problem(now, label: "events[0]") == nil)
    }

    /// A RetailRocket-format world whose clock starts near zero keeps every time its own model has.
    @Test func aWorldWhoseClockStartsNearZeroHasNoFloor() throws {
        let modelEnd: Int64 = 138 * 86_400_000
        let clock = BatchClock(now: now, earliest: BatchClock.earliest(modelEnd: modelEnd))
        #expect(clock.earliest == 0)
        let body = Data(#"{"events": [{"timestamp": 5, "visitor_id": 1, "event": "view", "item_id": 2}]}"#.utf8)
        #expect(try EventBatch.parse(body, clock: clock).map(\.timestamp) == [5])
        #expect(BatchClock.earliest(modelEnd: nil) == 0)
    }
}

/// Trackers gzip their batches: `Content-Encoding: gzip` bodies are inflated within the same limits.
extension LiveEventsTests {
    @Test func aGzippedBatchIsStoredAndBadEncodingsAreNamed() async throws {
        let visitor = 9_000_000_055
        let items = knownItems(2)
        let gzip: HTTPFields = [.contentEncoding: "gzip"]
        let events = (0..<2).map { k -> [String: Any] in
            ["timestamp": reference + Int64(k) + 1, "visitor_id": visitor, "event": "view", "item_id": items[k]]
        }
        let plain = Array(try JSONSerialization.data(withJSONObject: ["events": events]))
        let packed = try Gzip.compress(plain)
        let (app, _) = try app()
        try await app.test(.router) { client in
            func post(_ bytes: [UInt8], _ headers: HTTPFields, uri: String = "/api/v1/events") async throws -> (
                HTTPResponse.Status, [String: Any]
            ) {
                try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(bytes: bytes)) {
                    ($0.status, json($0.body))
                }
            }
            let (ok, body) = try await post(packed, gzip)
            #expect(ok == .ok && body["accepted"] as? Int == 2, "\(body)")
            try await client.execute(uri: "/api/v1/visitors/\(visitor)/events", method: .get) { r in
                let list = try #require(json(r.body)["events"] as? [[String: Any]])
                #expect(Set(list.compactMap { $0["item_id"] as? Int }) == Set(items))
            }
            func code(_ body: [String: Any]) -> String? { (body["error"] as? [String: Any])?["code"] as? String }
            func message(_ body: [String: Any]) -> String {
                (body["error"] as? [String: Any])?["message"] as? String ?? ""
            }
            // Said to be gzip, but plain JSON; and a gzip stream cut short.
            for bad in [plain, Array(packed.prefix(packed.count - 6))] {
                let (status, body) = try await post(bad, gzip)
                #expect(status == .badRequest && code(body) == "invalid_body", "\(body)")
                #expect(message(body).contains("not valid gzip"), "\(body)")
            }
            let (brotli, brBody) = try await post(plain, [.contentEncoding: "br"])
            #expect(brotli == .unsupportedMediaType && code(brBody) == "unsupported_content_encoding", "\(brBody)")
            // Small as sent, over the limit inflated.
            let bomb = try Gzip.compress([UInt8](repeating: 0x20, count: EventBatch.maxBodyBytes + 1))
            #expect(bomb.count < 100_000)
            let (big, bigBody) = try await post(bomb, gzip)
            #expect(big == .contentTooLarge && code(bigBody) == "body_too_large", "\(bigBody)")
            let update = #"{"items": [{"item_id": 987600009, "category_id": 12, "available": true}]}"#
            let (item, itemBody) = try await post(try Gzip.compress(Array(update.utf8)), gzip, uri: "/api/v1/items")
            #expect(item == .ok && itemBody["accepted"] as? Int == 1, "\(itemBody)")
        }
    }
}
