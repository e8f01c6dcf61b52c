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
        let q = try QueryParameters(request.uri.query, allowed: Self.allowedParameters)
        let maxN = configuration.maxN
        let n =
            try RecommendQuery.parsed(q["n"], "n", "an integer in 1...\(maxN)") { t in
                Int(t).flatMap { (1...maxN).contains($0) ? $0 : nil }
            } ?? 10
        let categoryRaw: Int? = try RecommendQuery.parsed(
            q["category"], "category", "a non-negative integer category id"
        ) {
            UInt64($0).map { Int(truncatingIfNeeded: $0) }
        }
        let excludeRaw: [Int] =
            try RecommendQuery.parsed(q["exclude"], "exclude", "at most 100 comma-separated item ids") { t in
                let parts = t.split(separator: ",")
                let ids = parts.compactMap { Int($0) }
                return ids.count == parts.count && ids.count <= 100 && ids.allSatisfy { $0 >= 0 } ? ids : nil
            } ?? []
        guard let loaded = store.current else {
            throw APIError(.serviceUnavailable, code: "not_ready", "the model is not loaded yet")
        }
        let pipeline = loaded.pipeline
        var category: Int32?
        if let c = categoryRaw {
            guard let dense = pipeline.category(raw: c) else {
                throw APIError(
                    .badRequest, code: "unknown_category", "category \(c) is not in the model's category tree")
            }
            category = dense
        }
        let excluded = Set(excludeRaw.compactMap { pipeline.item(raw: $0).map(Int32.init) })
        let overrides = live.overrides(for: pipeline)
        let items: [ScoredItem]
        let strategy: String
        if let item = pipeline.item(raw: raw) {
            (items, strategy) = pipeline.similarItems(
                to: Int32(item), n: n, excluding: excluded, category: category, overrides: overrides)
        } else if let facts = live.items.facts(of: raw), let own = pipeline.category(raw: facts.category) {
            // Announced live, unknown to the model: its category's popular items until a retrain learns it.
            items = pipeline.categoryPopular(own, n: n, excluding: excluded, within: category, overrides: overrides)
            strategy = "category-popular-live-item"
        } else {
            throw APIError(
                .notFound, code: "unknown_item",
                "item \(raw) is not in the model (and no live update gives it a category the model knows)")
        }
        let served = pipeline.artifacts.served(
            Recommendation(items: items, strategy: strategy, candidates: 0), overrides: overrides)
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
