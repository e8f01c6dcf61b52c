import Foundation
import Hummingbird
import Pipeline

/// `GET /items/<item_id>/similar?n=10[&category=<id>][&exclude=<id>,<id>…]`:
/// the item's neighbours from the model, for product pages.
struct SimilarItemsController: UsesServeServices {
    let services: ServeServices

    static let allowedParameters = ["n", "category", "exclude"]

    func similar(_ request: Request, context: some RequestContext) throws -> Response {
        let raw = try RecommendQuery.parseUserID(context.parameters.get("item_id") ?? "", field: "item_id")
        var n = 10
        var categoryRaw: Int?
        var excludeRaw: [Int] = []
        var given = Set<String>()
        for pair in (request.uri.query ?? "").split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = RecommendQuery.decoded(parts[0])
            let value = parts.count > 1 ? RecommendQuery.decoded(parts[1]) : ""
            guard given.insert(key).inserted else { throw RecommendQuery.repeated(key) }
            switch key {
            case "n":
                n =
                    try RecommendQuery.parsed(value, "n", "an integer in 1...\(configuration.maxN)") { t in
                        Int(t).flatMap { (1...configuration.maxN).contains($0) ? $0 : nil }
                    } ?? n
            case "category":
                categoryRaw = try RecommendQuery.parsed(value, "category", "a non-negative integer category id") {
                    UInt64($0).map { Int(truncatingIfNeeded: $0) }
                }
            case "exclude":
                excludeRaw =
                    try RecommendQuery.parsed(value, "exclude", "at most 100 comma-separated item ids") { t in
                        let ids = t.split(separator: ",").compactMap { Int($0) }
                        return ids.count == t.split(separator: ",").count && ids.count <= 100
                            && ids.allSatisfy { $0 >= 0 }
                            ? ids : nil
                    } ?? []
            default:
                throw APIError(
                    .badRequest, code: "unknown_parameter",
                    "unknown query parameter '\(truncated(key, 40))'; allowed: \(Self.allowedParameters.joined(separator: ", "))"
                )
            }
        }
        guard let loaded = store.current else {
            throw APIError(.serviceUnavailable, code: "not_ready", "the model is not loaded yet")
        }
        let pipeline = loaded.pipeline
        guard let item = pipeline.item(raw: raw) else {
            throw APIError(.notFound, code: "unknown_item", "item \(raw) is not in the model")
        }
        var category: Int32?
        if let c = categoryRaw {
            guard let dense = pipeline.category(raw: c) else {
                throw APIError(
                    .badRequest, code: "unknown_category", "category \(c) is not in the model's category tree")
            }
            category = dense
        }
        let excluded = Set(excludeRaw.compactMap { pipeline.item(raw: $0).map(Int32.init) })
        let (items, strategy) = pipeline.similarItems(to: Int32(item), n: n, excluding: excluded, category: category)
        let served = pipeline.artifacts.served(Recommendation(items: items, strategy: strategy, candidates: 0))
        var out = JSONBytes(capacity: 128 + served.count * 64)
        out.raw("{\"item_id\":")
        out.int(raw)
        out.raw(",\"items\":")
        out.array(served)
        out.raw(",\"model_version\":")
        out.string(pipeline.artifacts.metadata.modelVersion)
        out.raw(",\"strategy\":")
        out.string(strategy)
        out.raw("}")
        return Response(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: out.bytes)))
    }
}
