import Foundation
import Hummingbird
import Ranker

/// `GET /recommend/<user_id>`: the two-stage pipeline, the same object the
/// offline evaluation scores with.
struct RecommendController {
    let store: ModelStore
    let metrics: ServeMetrics
    let configuration: ServeConfiguration

    struct Item: Encodable {
        var item_id: Int
        var score: Double
        var category_id: Int?
    }

    struct Answer: Encodable {
        var user_id: Int
        var items: [Item]
        var strategy: String
        var model_version: String
        var request_time: Int64
    }

    func recommend(_ request: Request, context: some RequestContext) throws -> Response {
        let raw = context.parameters.get("user_id") ?? ""
        let query = try RecommendQuery.parse(
            userID: raw, query: request.uri.query, defaultN: configuration.defaultN, maxN: configuration.maxN)
        guard let loaded = store.current else {
            throw APIError(.serviceUnavailable, code: "not_ready", "the model is not loaded yet")
        }
        let at = query.at ?? Int64(Date().timeIntervalSince1970 * 1000)
        let answer = Self.answer(loaded.pipeline, user: query.userID, at: at, n: query.n)
        metrics.recordRecommendation(candidates: answer.candidates, fallback: answer.body.strategy != "two-stage")
        return try jsonResponse(answer.body)
    }

    /// Shared by every route that recommends.
    static func answer(_ pipeline: TwoStagePipeline, user: Int, at: Int64, n: Int) -> (body: Answer, candidates: Int) {
        let r = pipeline.recommend(rawUser: user, at: at, n: n)
        let a = pipeline.artifacts
        let items = r.items.map { s in
            let c = Int(a.stats.category[Int(s.item)])
            return Item(
                item_id: a.itemRaw[Int(s.item)], score: (s.score * 1e6).rounded() / 1e6,
                category_id: c >= 0 ? a.categoryRaw[c] : nil)
        }
        return (
            Answer(
                user_id: user, items: items, strategy: r.strategy, model_version: a.metadata.modelVersion,
                request_time: at), r.candidates
        )
    }
}

func jsonResponse(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    let data = try encoder.encode(value)
    return Response(
        status: status, headers: [.contentType: "application/json; charset=utf-8"],
        body: .init(byteBuffer: ByteBuffer(bytes: data)))
}
