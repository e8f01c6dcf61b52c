import Foundation
import Hummingbird
import ModelFile
import Pipeline
import RecsysCore

/// `GET /recommend/<user_id>`: the two-stage pipeline, the same object the
/// offline evaluation scores with.
struct RecommendController {
    let store: ModelStore
    let metrics: ServeMetrics
    let configuration: ServeConfiguration

    struct Answer {
        var userID: Int
        var items: [ServedItem]
        var strategy: String
        var modelVersion: String
        var requestTime: Int64

        /// Keys sorted like `jsonResponse`.
        func json() -> [UInt8] {
            var out = JSONBytes(capacity: 160 + items.count * 64)
            out.raw("{\"items\":")
            out.array(items)
            out.raw(",\"model_version\":")
            out.string(modelVersion)
            out.raw(",\"request_time\":")
            out.int(Int(requestTime))
            out.raw(",\"strategy\":")
            out.string(strategy)
            out.raw(",\"user_id\":")
            out.int(userID)
            out.raw("}")
            return out.bytes
        }
    }

    func recommend(_ request: Request, context: some RequestContext) throws -> Response {
        let raw = context.parameters.get("user_id") ?? ""
        let query = try RecommendQuery.parse(
            userID: raw, query: request.uri.query, defaultN: configuration.defaultN, maxN: configuration.maxN)
        guard let loaded = store.current else {
            throw APIError(.serviceUnavailable, code: "not_ready", "the model is not loaded yet")
        }
        return Self.respond(loaded.pipeline, user: query.userID, at: query.at, n: query.n, metrics: metrics)
    }

    /// The 200 answer of every route that recommends; `at` nil means now.
    static func respond(_ pipeline: TwoStagePipeline, user: Int, at: Int64?, n: Int, metrics: ServeMetrics) -> Response
    {
        let answer = Self.answer(pipeline, user: user, at: at ?? Int64(Date().timeIntervalSince1970 * 1000), n: n)
        metrics.recordRecommendation(candidates: answer.candidates, fallback: answer.body.strategy != "two-stage")
        return Response(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: answer.body.json())))
    }

    /// Shared by every route that recommends.
    static func answer(_ pipeline: TwoStagePipeline, user: Int, at: Int64, n: Int) -> (body: Answer, candidates: Int) {
        let r = pipeline.recommend(rawUser: user, at: at, n: n)
        let a = pipeline.artifacts
        let items = a.served(r)
        return (
            Answer(
                userID: user, items: items, strategy: r.strategy, modelVersion: a.metadata.modelVersion,
                requestTime: at), r.candidates
        )
    }
}

func jsonResponse(
    _ value: some Encodable, status: HTTPResponse.Status = .ok,
    keys: JSONEncoder.KeyEncodingStrategy = .useDefaultKeys
) throws -> Response {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    encoder.keyEncodingStrategy = keys
    let data = try encoder.encode(value)
    return Response(
        status: status, headers: [.contentType: "application/json; charset=utf-8"],
        body: .init(byteBuffer: ByteBuffer(bytes: data)))
}
