import Foundation
import Hummingbird

/// `POST /api/v1/recs/predict` with `{"user_id": 257597, "k": 5, "time": 1442534400000}`:
/// the seeds' JSON API, answered exactly like `GET /recommend/<user_id>?n=k&at=time`.
struct PredictController: UsesServeServices {
    let services: ServeServices

    struct Body: Decodable {
        var userID: Int?
        var k: Int?
        var time: Int64?

        enum CodingKeys: String, CodingKey {
            case userID = "user_id"
            case k
            case time
        }
    }

    func predict(_ request: Request, context: some RequestContext) async throws -> Response {
        let buffer = try await request.body.collect(upTo: 64 * 1024)
        let body: Body
        do {
            body = try JSONDecoder().decode(Body.self, from: Data(buffer: buffer))
        } catch {
            throw APIError(
                .badRequest, code: "invalid_body",
                "the body must be JSON like {\"user_id\": 257597, \"k\": 5, \"time\": 1442534400000}")
        }
        // One rule for both routes: /recommend takes at most 18 digits.
        guard let user = body.userID, (0...RecommendQuery.maxUserID).contains(user) else {
            throw APIError(
                .badRequest, code: "invalid_user_id", "user_id must be an integer in 0...\(RecommendQuery.maxUserID)")
        }
        let k = body.k ?? configuration.defaultN
        guard (1...configuration.maxN).contains(k) else {
            throw APIError(
                .badRequest, code: "invalid_k", "k must be an integer in 1...\(configuration.maxN), got \(k)")
        }
        if let t = body.time, !(0...9_999_999_999_999).contains(t) {
            throw APIError(.badRequest, code: "invalid_time", "time must be a unix time in milliseconds, got \(t)")
        }
        guard let loaded = store.current else {
            throw APIError(.serviceUnavailable, code: "not_ready", "the model is not loaded yet")
        }
        return try RecommendController.respond(
            loaded.pipeline, query: RecommendQuery(userID: user, n: k, at: body.time), live: live, metrics: metrics)
    }
}
