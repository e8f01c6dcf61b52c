import Candidates
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Pipeline
import Ranker
import TestSupport
import Testing

@testable import Serve

struct RoutesTests {
    func app(_ path: String? = nil, token: String? = nil, store: ModelStore = ModelStore()) throws -> RecsysApplication
    {
        var c = try ServeConfiguration.forTests(model: path)
        c.adminToken = token
        c.logLevel = .error
        return try buildApplication(c, store: store)
    }

    func json(_ buffer: ByteBuffer) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(buffer: buffer)) as? [String: Any])
    }

    @Test func recommendKnownUser() async throws {
        let user = TestModel.knownUser
        let at = TestModel.artifacts.metadata.referenceTime
        try await app().test(.router) { client in
            try await client.execute(uri: "/recommend/\(user)?n=7&at=\(at)", method: .get) { response in
                #expect(response.status == .ok)
                let body = try json(response.body)
                #expect(body["user_id"] as? Int == user)
                #expect(body["strategy"] as? String == "two-stage")
                #expect(body["model_version"] as? String == "test-v1")
                let items = try #require(body["items"] as? [[String: Any]])
                #expect(items.count == 7)
                let scores = items.compactMap { $0["score"] as? Double }
                #expect(scores == scores.sorted(by: >))
                #expect(Set(items.compactMap { $0["item_id"] as? Int }).count == 7)
                #expect(response.headers[HTTPField.Name("X-Request-ID")!] != nil)
            }
        }
    }

    /// A model trained with every optional generator serves through the same routes.
    @Test func serveAModelWithEveryGenerator() async throws {
        var a = TestModel.trained(generators: GeneratorRegistry.standard.names)
        a.metadata.modelVersion = "test-all"
        let path = TestModel.folder + "/all-\(UUID().uuidString).rrm"
        try ModelBundle.write(a, to: path)
        let user = TestModel.knownUser
        let at = a.metadata.referenceTime
        let expected = TwoStagePipeline(artifacts: a).recommend(rawUser: user, at: at, n: 5).items.map {
            a.itemRaw[Int($0.item)]
        }
        try await app(path).test(.router) { client in
            try await client.execute(uri: "/recommend/\(user)?n=5&at=\(at)", method: .get) { response in
                #expect(response.status == .ok)
                let body = try json(response.body)
                #expect(body["strategy"] as? String == "two-stage")
                #expect(body["model_version"] as? String == "test-all")
                let items = try #require(body["items"] as? [[String: Any]])
                #expect(items.compactMap { $0["item_id"] as? Int } == expected)
            }
            try await client.execute(uri: "/model", method: .get) { response in
                let body = try json(response.body)
                #expect(body["generators"] as? [String] == GeneratorRegistry.standard.names)
                #expect(body["lookups"] as? [String] == [])
                #expect((body["features"] as? [String])?.contains("als_pool_score") == true)
            }
        }
    }

    @Test func sameAnswerAsThePipelineTheEvaluationUses() async throws {
        let user = TestModel.knownUser
        let at = TestModel.artifacts.metadata.referenceTime
        let a = TestModel.artifacts
        // The offline evaluation's own call: what is measured is what is served.
        let expected = TwoStagePipeline(artifacts: a).recommend(rawUser: user, at: at, n: 5).items.map {
            a.itemRaw[Int($0.item)]
        }
        try await app().test(.router) { client in
            try await client.execute(uri: "/recommend/\(user)?at=\(at)", method: .get) { response in
                let items = try #require(try json(response.body)["items"] as? [[String: Any]])
                #expect(items.compactMap { $0["item_id"] as? Int } == expected)
            }
        }
    }

    @Test func unknownVisitorGetsPopularFallback() async throws {
        try await app().test(.router) { client in
            try await client.execute(uri: "/recommend/123456789012", method: .get) { response in
                #expect(response.status == .ok)
                let body = try json(response.body)
                #expect(body["strategy"] as? String == "popular")
                #expect((body["items"] as? [[String: Any]])?.count == 5)
            }
        }
    }

    @Test func healthReadyModelMetrics() async throws {
        try await app().test(.router) { client in
            try await client.execute(uri: "/health", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/health", method: .head) { #expect($0.status == .ok) }
            try await client.execute(uri: "/ready", method: .head) { #expect($0.status == .ok) }
            try await client.execute(uri: "/ready", method: .get) { response in
                let body = try self.json(response.body)
                #expect(body["model_version"] as? String == "test-v1")
            }
            try await client.execute(uri: "/model", method: .get) { response in
                let body = try json(response.body)
                #expect(body["model_version"] as? String == "test-v1")
                #expect((body["features"] as? [String])?.contains("cf_score_log") == true)
                #expect(body["generators"] as? [String] == ["category", "itemcf", "history"])
                #expect(body["lookups"] as? [String] == ["covisit"])
                // Nested keys are snake_case like the top level.
                let counts = try #require(body["counts"] as? [String: Any])
                #expect(counts["neighbour_pairs"] is Int && counts["neighbourPairs"] == nil)
                let training = try #require(body["training"] as? [String: Any])
                #expect(training["validation_auc"] is Double && training["train_pairs"] is Int)
            }
            try await client.execute(uri: "/recommend/123456789012", method: .get) { _ in }
            try await client.execute(uri: "/metrics", method: .get) { response in
                let text = String(buffer: response.body)
                #expect(text.contains("recsys_http_requests_total{route=\"/recommend/{user_id}\",status=\"200\"} 1"))
                #expect(text.contains("recsys_model_info{version=\"test-v1\"} 1"))
                #expect(text.contains("recsys_fallbacks_total 1"))
                #expect(text.contains("recsys_http_request_duration_seconds_bucket"))
            }
        }
    }

    @Test func requestIDIsEchoed() async throws {
        try await app().test(.router) { client in
            try await client.execute(
                uri: "/health", method: .get, headers: [HTTPField.Name("X-Request-ID")!: "abc-123"]
            ) {
                #expect($0.headers[HTTPField.Name("X-Request-ID")!] == "abc-123")
            }
        }
    }

    @Test func readinessDuringDrain() async throws {
        let store = ModelStore()
        try await app(store: store).test(.router) { client in
            try await client.execute(uri: "/ready", method: .get) { #expect($0.status == .ok) }
            store.beginDrain()
            try await client.execute(uri: "/ready", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                let body = try self.json(response.body)
                #expect(body["status"] as? String == "draining")
            }
            // Requests are still answered while draining.
            try await client.execute(uri: "/recommend/1", method: .get) { #expect($0.status == .ok) }
        }
    }

    @Test func missingOrCorruptModelFailsAtStartup() throws {
        #expect(throws: (any Error).self) { _ = try app(TestModel.folder + "/does-not-exist.rrm") }
        let path = TestModel.folder + "/corrupt.rrm"
        try Data("RRECSYS\0garbage".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: (any Error).self) { _ = try app(path) }
    }

    @Test func reloadWithGoodAndCorruptFiles() async throws {
        let path = try TestModel.file(version: "v1")
        try await app(path, token: "s3cret").test(.router) { client in
            let auth: HTTPFields = [.authorization: "Bearer s3cret"]
            // A new good file is swapped in.
            var next = TestModel.artifacts
            next.metadata.modelVersion = "v2"
            try ModelBundle.write(next, to: path)
            try await client.execute(uri: "/admin/reload", method: .post, headers: auth) { response in
                #expect(response.status == .ok)
                let body = try self.json(response.body)
                #expect(body["previous_version"] as? String == "v1")
            }
            try await client.execute(uri: "/recommend/1", method: .get) { response in
                let body = try self.json(response.body)
                #expect(body["model_version"] as? String == "v2")
            }
            // A corrupt file is rejected and v2 keeps serving.
            var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
            bytes[bytes.count / 2] ^= 0xFF
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            try await client.execute(uri: "/admin/reload", method: .post, headers: auth) { response in
                #expect(response.status == .unprocessableContent)
                let error = try #require(try json(response.body)["error"] as? [String: Any])
                #expect(error["code"] as? String == "reload_failed")
            }
            try await client.execute(uri: "/ready", method: .get) { response in
                let body = try self.json(response.body)
                #expect(body["model_version"] as? String == "v2")
            }
            // Wrong or missing token.
            try await client.execute(uri: "/admin/reload", method: .post, headers: [.authorization: "Bearer nope"]) {
                #expect($0.status == .unauthorized)
            }
            try await client.execute(uri: "/admin/reload", method: .post) { #expect($0.status == .unauthorized) }
        }
    }

    @Test func adminDisabledWithoutToken() async throws {
        try await app().test(.router) { client in
            try await client.execute(uri: "/admin/reload", method: .post) { #expect($0.status == .forbidden) }
        }
    }

    @Test func liveServerAnswers() async throws {
        try await app().test(.live) { client in
            try await client.execute(uri: "/recommend/\(TestModel.knownUser)?n=3", method: .get) { response in
                #expect(response.status == .ok)
                let body = try self.json(response.body)
                #expect((body["items"] as? [[String: Any]])?.count == 3)
            }
        }
    }
}

struct PredictTests {
    @Test func predictAnswersLikeRecommend() async throws {
        let c = try ServeConfiguration.forTests()
        let app = try buildApplication(c)
        let user = TestModel.knownUser
        let at = TestModel.artifacts.metadata.referenceTime
        try await app.test(.router) { client in
            var viaGet = ""
            try await client.execute(uri: "/recommend/\(user)?n=4&at=\(at)", method: .get) {
                viaGet = String(buffer: $0.body)
            }
            try await client.execute(
                uri: "/api/v1/recs/predict", method: .post,
                body: ByteBuffer(string: "{\"user_id\": \(user), \"k\": 4, \"time\": \(at)}")
            ) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == viaGet)
            }
            for bad in ["{", "{\"user_id\": -1}", "{\"user_id\": 1, \"k\": 0}", "{\"user_id\": \"x\"}", ""] {
                try await client.execute(uri: "/api/v1/recs/predict", method: .post, body: ByteBuffer(string: bad)) {
                    #expect($0.status == .badRequest, "body \(bad)")
                }
            }
        }
    }
}
