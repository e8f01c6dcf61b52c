import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Pipeline
import TestSupport
import Testing

@testable import Serve

/// `GET /dashboard` and `GET /dashboard/data.json`.
struct DashboardTests {
    /// The test model alone in a new folder (its state folder and neighbours are this test's).
    func isolatedConfiguration() throws -> (ServeConfiguration, String) {
        let folder = Scratch.folder("dashboard-")
        let model = folder + "/model.rrm"
        try ModelBundle.write(TestModel.artifacts, to: model)
        return (try ServeConfiguration.forTests(model: model), folder)
    }

    func json(_ buffer: ByteBuffer) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(buffer: buffer)) as? [String: Any])
    }

    @Test func pageIsSelfContained() async throws {
        let (c, _) = try isolatedConfiguration()
        try await buildApplication(c).test(.router) { client in
            try await client.execute(uri: "/dashboard", method: .get) { r in
                #expect(r.status == .ok)
                #expect(r.headers[.contentType]?.hasPrefix("text/html") == true)
                let page = String(buffer: r.body)
                for id in ["model-table", "metrics-table", "weights-chart", "rps-chart", "tasks-table", "js-errors"] {
                    #expect(page.contains("id=\"\(id)\""), "\(id)")
                }
                #expect(page.contains("/dashboard/data.json"))
                for external in ["<script src", "<link", "@import", "src=\"http", "href=\"http", "https://"] {
                    #expect(!page.contains(external), "\(external)")
                }
            }
        }
    }

    @Test func dataShowsTheModelAndTheTraffic() async throws {
        let (c, _) = try isolatedConfiguration()
        let a = TestModel.artifacts
        let at = a.metadata.referenceTime
        try await buildApplication(c).test(.router) { client in
            for user in a.userRaw.prefix(5) + [123_456_789] {
                try await client.execute(uri: "/recommend/\(user)?n=5&at=\(at)", method: .get) { _ in }
            }
            try await client.execute(uri: "/recommend/x", method: .get) { _ in }
            try await client.execute(uri: "/health", method: .get) { _ in }
            try await client.execute(uri: "/dashboard/data.json", method: .get) { r in
                #expect(r.status == .ok)
                let body = try json(r.body)
                #expect(body["status"] as? String == "ready")
                #expect(body["evaluation_note"] as? String == "no evaluation report")
                #expect(body["evaluation"] == nil)
                #expect((body["tasks"] as? [Any])?.isEmpty == true)

                let model = try #require(body["model"] as? [String: Any])
                #expect(model["model_version"] as? String == "test-v1")
                #expect((model["counts"] as? [String: Any])?["users"] as? Int == a.metadata.counts.users)
                let weights = try #require(model["feature_weights"] as? [[String: Any]])
                #expect(weights.compactMap { $0["feature"] as? String } == a.metadata.schema.names)
                // JSONSerialization may round the last digit.
                let served = weights.compactMap { $0["weight"] as? Double }
                #expect(served.count == a.ranker.weights.count)
                #expect(zip(served, a.ranker.weights).allSatisfy { abs($0 - $1) <= 1e-12 * max(1, abs($1)) })
                let span = try #require(model["data_span"] as? [String: Any])
                #expect(span["first_event"] as? Int == a.histories.time.min().map(Int.init))
                #expect(span["last_event"] as? Int == a.histories.time.max().map(Int.init))
                let training = try #require(model["training"] as? [String: Any])
                let auc = try #require(a.metadata.training?.validationAUC)
                #expect(abs((training["validation_auc"] as? Double ?? 0) - auc) < 1e-12)

                let live = try #require(body["live"] as? [String: Any])
                // Seven API requests (six answers, one 400); /health is a probe and not counted.
                #expect(live["requests"] as? Double == 7)
                #expect(live["recommendations"] as? Double == 6)
                #expect((live["fallbacks"] as? Double ?? 0) >= 1)  // the unknown visitor
                #expect((live["candidates_per_request"] as? Double ?? 0) > 0)
                #expect((live["p50_ms"] as? Double ?? -1) > 0)
                #expect((live["p99_ms"] as? Double ?? -1) >= (live["p50_ms"] as? Double ?? 0))
                #expect((live["requests_per_second"] as? Double ?? 0) > 0)
                let routes = try #require(live["routes"] as? [[String: Any]])
                let recommend = routes.first { $0["route"] as? String == "/recommend/{user_id}" }
                #expect(recommend?["requests"] as? Double == 7)
                #expect(routes.contains { $0["route"] as? String == "/health" })
            }
        }
    }

    @Test func anEvaluationReportNextToTheModelIsShown() async throws {
        let (c, folder) = try isolatedConfiguration()
        let report = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../docs/evaluation/evaluation.json")
        try FileManager.default.copyItem(atPath: report.path, toPath: folder + "/evaluation.json")
        try await buildApplication(c).test(.router) { client in
            try await client.execute(uri: "/dashboard/data.json", method: .get) { r in
                let body = try json(r.body)
                let evaluation = try #require(body["evaluation"] as? [String: Any])
                #expect(evaluation["file"] as? String == "evaluation.json")
                #expect((evaluation["test_users"] as? Int ?? 0) > 0)
                let methods = try #require(evaluation["methods"] as? [[String: Any]])
                #expect(methods.contains { $0["name"] as? String == "two-stage" })
                let metrics = try #require(methods.first?["metrics"] as? [[String: Any]])
                #expect(metrics.first?["hit_rate"] is Double)
                #expect((body["evaluation_note"] as? String)?.contains("evaluation.json") == true)
            }
        }
    }

    /// Tasks are listed newest first, without their command line or error text.
    @Test func retrainTasksAreReadOnlyAndRedacted() async throws {
        var (c, folder) = try isolatedConfiguration()
        c.stateFolder = folder + "/state"
        let tasks = RetrainTasks(folder: c.stateFolder!, command: ["/secret/path/recsys-train"])
        try FileManager.default.createDirectory(atPath: c.stateFolder! + "/tasks", withIntermediateDirectories: true)
        let old = RetrainTasks.Record(
            taskID: UUID().uuidString.lowercased(), status: "failed", createdAt: 1_000, startedAt: 1_001,
            finishedAt: 2_000, durationSeconds: 1, replica: "host:1", command: ["/secret/path/recsys-train"],
            modelVersion: nil, validationAUC: nil, trainingPairs: nil, error: "cannot read /secret/path/data")
        var new = old
        new.taskID = UUID().uuidString.lowercased()
        new.status = "succeeded"
        new.createdAt = 5_000
        new.error = nil
        new.modelVersion = "retrained-1"
        new.validationAUC = 0.75
        try tasks.write(old)
        try tasks.write(new)
        let ids = [new.taskID, old.taskID]
        try await buildApplication(c).test(.router) { client in
            try await client.execute(uri: "/dashboard/data.json", method: .get) { r in
                let text = String(buffer: r.body)
                #expect(!text.contains("/secret/path"))
                let list = try #require(try json(r.body)["tasks"] as? [[String: Any]])
                #expect(list.compactMap { $0["task_id"] as? String } == ids)
                #expect(list.compactMap { $0["status"] as? String } == ["succeeded", "failed"])
                #expect(list.compactMap { $0["failed"] as? Bool } == [false, true])
                #expect(list[0]["validation_auc"] as? Double == 0.75)
                #expect(list[0]["command"] == nil && list[1]["error"] == nil)
            }
            // Admin actions stay behind the token.
            try await client.execute(uri: "/api/v1/recs/status/\(old.taskID)", method: .get) { r in
                #expect(r.status == .forbidden || r.status == .unauthorized)
            }
        }
    }
}

/// The Prometheus text read back, and the sliding window.
struct DashboardFiguresTests {
    let text = """
        # TYPE recsys_http_requests_total counter
        recsys_http_requests_total{route="/recommend/{user_id}",status="200"} 90
        recsys_http_requests_total{route="/recommend/{user_id}",status="500"} 10
        recsys_http_requests_total{route="/dashboard/data.json",status="200"} 4
        recsys_http_requests_total{route="a \\"quoted\\" route",status="200"} 1
        recsys_http_request_duration_seconds_bucket{route="/recommend/{user_id}",le="0.001"} 50
        recsys_http_request_duration_seconds_bucket{route="/recommend/{user_id}",le="0.002"} 90
        recsys_http_request_duration_seconds_bucket{route="/recommend/{user_id}",le="+Inf"} 100
        recsys_http_request_duration_seconds_sum{route="/recommend/{user_id}"} 0.2
        recsys_http_request_duration_seconds_count{route="/recommend/{user_id}"} 100
        recsys_candidates_per_request_bucket{le="100"} 40
        recsys_candidates_per_request_bucket{le="+Inf"} 80
        recsys_candidates_per_request_sum 12000
        recsys_candidates_per_request_count 80
        recsys_fallbacks_total 8
        recsys_events_accepted_total 30
        recsys_live_overlay_events 25

        """

    @Test func parsesTheExposition() {
        let s = MetricsSnapshot(text: text, at: Date(timeIntervalSince1970: 100))
        let r = s.routes["/recommend/{user_id}"]
        #expect(r?.requests == 100)
        #expect(r?.serverErrors == 10)
        #expect(r?.latency.count == 100)
        #expect(r?.latency.buckets[.infinity] == 100)
        #expect(s.routes["a \"quoted\" route"]?.requests == 1)
        #expect(s.candidates.mean == 150)
        #expect(s.fallbacks == 8)
        #expect(s.eventsAccepted == 30)
        #expect(s.overlayEvents == 25)
        #expect(MetricsSnapshot.sample("broken{route=\"x} 1") == nil)
    }

    @Test func quantilesInterpolateInsideBuckets() throws {
        let h = try #require(MetricsSnapshot(text: text, at: Date()).routes["/recommend/{user_id}"]?.latency)
        #expect(h.quantile(0.5) == 0.001)
        #expect(abs(try #require(h.quantile(0.7)) - 0.0015) < 1e-12)
        // In the +Inf bucket: the largest finite bound.
        #expect(h.quantile(0.99) == 0.002)
        #expect(MetricsSnapshot.Histogram().quantile(0.5) == nil)
    }

    @Test func figuresCoverTheWindowAndLeaveOutTheDashboard() {
        let start = Date(timeIntervalSince1970: 1_000)
        let sampler = DashboardSampler(started: start)
        // Since the start: 100 API requests in 10 s; the dashboard's own polls are not traffic.
        let first = sampler.figures(text: text, now: start.addingTimeInterval(10))
        #expect(first.windowSeconds == 10)
        #expect(first.requests == 101)
        #expect(abs(first.requestsPerSecond - 10.1) < 1e-9)
        #expect(first.serverErrors == 10)
        #expect(first.fallbackShare == 0.1)
        #expect(first.p50Ms == 1)
        #expect(first.routes.map(\.route).contains("/dashboard/data.json"))
        // A minute later nothing new: the window starts at the last snapshot at least a minute old.
        let later = sampler.figures(text: text, now: start.addingTimeInterval(75))
        #expect(later.windowSeconds == 65)
        #expect(later.requests == 0)
        #expect(later.p50Ms == nil)
        #expect(later.totalRequests == 101)
        #expect(later.totalFallbacks == 8)
    }
}
