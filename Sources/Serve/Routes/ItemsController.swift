import Dataset
import EventStore
import Foundation
import Hummingbird
import Pipeline

/// `POST /api/v1/items`: item updates (category, availability) in, acknowledged once durable;
/// `GET /items/<item_id>`: what the server knows of an item (the model's part and the live part).
struct ItemsController: UsesServeServices {
    let services: ServeServices

    func post(_ request: Request, context: some RequestContext) async throws -> Response {
        let key = try StoreWrites.idempotencyKey(request)
        let body = try await StoreWrites.body(request, noun: "item updates")
        let items = try ItemBatch.parse(
            body,
            clock: StoreWrites.clock(
                keyed: key != nil, modelEnd: store.current?.pipeline.artifacts.metadata.referenceTime))
        let result = try await StoreWrites.write(
            logger: context.logger, noun: "item updates", invalidCode: "invalid_item"
        ) {
            try await live.append(items: items, key: key)
        }
        return try jsonResponse(StoreWrites.Accepted(accepted: items.count, result: result))
    }

    struct ModelPart: Encodable {
        var categoryID: Int?
        enum CodingKeys: String, CodingKey { case categoryID = "category_id" }
    }

    struct LivePart: Encodable {
        var categoryID: Int
        var available: Bool
        var updatedAt: Int64
        enum CodingKeys: String, CodingKey {
            case available
            case categoryID = "category_id"
            case updatedAt = "updated_at"
        }
    }

    struct Interactions: Encodable {
        var views: Int32
        var carts: Int32
        var purchases: Int32
    }

    struct ItemInfo: Encodable {
        var itemID: Int
        /// The live category when there is one, else the model's.
        var categoryID: Int?
        /// From the newest live update; nil when none was sent.
        var available: Bool?
        var knownToModel: Bool
        var model: ModelPart?
        var live: LivePart?
        var liveInteractions: Interactions
        enum CodingKeys: String, CodingKey {
            case available, model, live
            case itemID = "item_id"
            case categoryID = "category_id"
            case knownToModel = "known_to_model"
            case liveInteractions = "live_interactions"
        }
    }

    func item(_ request: Request, context: some RequestContext) async throws -> Response {
        let raw = try RecommendQuery.parseUserID(context.parameters.get("item_id") ?? "", field: "item_id")
        _ = try QueryParameters(request.uri.query, allowed: [])
        guard let loaded = store.current else {
            throw APIError(.serviceUnavailable, code: "not_ready", "the model is not loaded yet")
        }
        _ = await live.replayed()
        let pipeline = loaded.pipeline
        let known = pipeline.item(raw: raw) != nil
        let facts = live.items.facts(of: raw)
        guard known || facts != nil else {
            throw APIError(
                .notFound, code: "unknown_item",
                "item \(raw) is not in the model and no update for it was posted (POST /api/v1/items)")
        }
        let modelCategory = pipeline.rawCategory(ofRawItem: raw)
        let counts = live.items.counts(of: raw)
        let info = ItemInfo(
            itemID: raw, categoryID: facts?.category ?? modelCategory, available: facts?.available,
            knownToModel: known, model: known ? ModelPart(categoryID: modelCategory) : nil,
            live: facts.map { LivePart(categoryID: $0.category, available: $0.available, updatedAt: $0.updatedAt) },
            liveInteractions: Interactions(views: counts.views, carts: counts.carts, purchases: counts.purchases))
        return try jsonResponse(info)
    }
}
