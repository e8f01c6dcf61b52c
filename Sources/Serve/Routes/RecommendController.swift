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

        /// The hot path's JSON, written by hand (Foundation's encoder costs
        /// more than the recommendation itself); keys sorted like `jsonResponse`.
        func json() -> String {
            var out = "{\"items\":["
            out.reserveCapacity(64 + items.count * 64)
            for (k, item) in items.enumerated() {
                if k > 0 { out += "," }
                out += "{\"category_id\":"
                out += item.category_id.map(String.init) ?? "null"
                out += ",\"item_id\":\(item.item_id),\"score\":\(item.score)}"
            }
            out += "],\"model_version\":\(jsonString(model_version)),\"request_time\":\(request_time)"
            out += ",\"strategy\":\(jsonString(strategy)),\"user_id\":\(user_id)}"
            return out
        }
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
        return Response(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: answer.body.json())))
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

/// A JSON string literal with the escapes RFC 8259 requires.
func jsonString(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}
