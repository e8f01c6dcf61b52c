import Candidates
import Foundation
import Hummingbird
import ModelFile
import Pipeline
import RecsysCore

/// `GET /recommend/<user_id>`: the two-stage pipeline, the same object the
/// offline evaluation scores with.
struct RecommendController: UsesServeServices {
    let services: ServeServices

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
        return try Self.respond(loaded.pipeline, query: query, live: live, metrics: metrics)
    }

    /// The 200 answer of every route that recommends.
    static func respond(_ pipeline: TwoStagePipeline, query: RecommendQuery, live: LiveEvents, metrics: ServeMetrics)
        throws -> Response
    {
        let at = query.at ?? Int64(Date().timeIntervalSince1970 * 1000)
        let answer = try Self.answer(pipeline, query: query, at: at, live: live)
        metrics.recordRecommendation(
            candidates: answer.candidates, fallback: !answer.body.strategy.hasPrefix("two-stage"))
        return Response(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: answer.body.json())))
    }

    /// Shared by every route that recommends: the visitor's model history
    /// with their live events, the exclusions and the category filter.
    static func answer(_ pipeline: TwoStagePipeline, query: RecommendQuery, at: Int64, live: LiveEvents) throws
        -> (body: Answer, candidates: Int)
    {
        var category: Int32?
        if let raw = query.category {
            guard let c = pipeline.category(raw: raw) else {
                throw APIError(
                    .badRequest, code: "unknown_category", "category \(raw) is not in the model's category tree")
            }
            category = c
        }
        let events = live.overlay(for: pipeline).events(of: query.userID)
        let state = pipeline.state(rawUser: query.userID, live: events, at: at)
        let excluded: Set<Int32> =
            query.exclude == .none
            ? []
            : pipeline.touchedItems(
                rawUser: query.userID, live: events, at: at, purchasesOnly: query.exclude == .purchased)
        var r = pipeline.recommend(live: state, at: at, n: query.n, excluding: excluded, category: category)
        if state.unknownItems > 0 && state.liveEvents == 0 && r.strategy == "popular" {
            // Only unknown items so far: they shape nothing until the next model.
            r.strategy = "popular-live-unknown-items"
        }
        let a = pipeline.artifacts
        return (
            Answer(
                userID: query.userID, items: a.served(r), strategy: r.strategy,
                modelVersion: a.metadata.modelVersion, requestTime: at), r.candidates
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
