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
        let at = query.at ?? live.requestTime()
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
        let overlay = live.overlay(for: pipeline)
        let events = overlay.events(of: query.userID)
        let overrides = live.overrides(for: pipeline)
        let state = pipeline.state(rawUser: query.userID, live: events, at: at, overrides: overrides)
        let excluded: Set<Int32> =
            query.exclude == .none
            ? []
            : pipeline.touchedItems(
                rawUser: query.userID, live: events, at: at, purchasesOnly: query.exclude == .purchased)
        // Items the shop marked unavailable live are dropped: ask for a few more so the list stays full.
        let spare = live.items.isEmpty ? 0 : 10
        // exclude=seen asks for discovery: what follows the visitor's newest items, not their own items.
        var r =
            query.exclude == .seen
            ? pipeline.discover(
                live: state, at: at, n: query.n + spare, excluding: excluded, category: category,
                // Without `at` the answer is for now: every live co-visit counts, even one stamped a little ahead.
                liveCoVisits: { [at = query.at] in overlay.coVisits(of: $0, notAfter: at) }, overrides: overrides)
            : pipeline.recommend(
                live: state, at: at, n: query.n + spare, excluding: excluded, category: category, overrides: overrides)
        if state.unknownItems > 0 && state.liveEvents == 0 && r.strategy == "popular" {
            // Only unknown items so far: they shape nothing until the next model.
            r.strategy = "popular-live-unknown-items"
        }
        let a = pipeline.artifacts
        var items = a.served(r, overrides: overrides)
        if spare > 0 {
            items = Array(items.lazy.filter { live.items.facts(of: $0.itemID)?.available != false }.prefix(query.n))
        }
        var strategy = r.strategy
        if !live.items.isEmpty,
            Self.addLiveItems(
                to: &items, n: query.n, pipeline, state: state, events: events, at: at, query: query,
                category: category,
                live: live.items)
        {
            strategy += "+live-items"
        }
        return (
            Answer(
                userID: query.userID, items: items, strategy: strategy, modelVersion: a.metadata.modelVersion,
                requestTime: at), r.candidates
        )
    }

    /// Items the model has never seen but the shop announced (`POST /api/v1/items`) take up to one slot in
    /// five (at least one) at the end of the list: available items of the visitor's current category (the
    /// category of their newest event, live or in the model), most live interactions first (views 1,
    /// carts 5, purchases 10), never an item the visitor touched when `exclude` is set, and inside the
    /// `category` filter. Their score is 0: they are not ranked by the model. True when any was added.
    static func addLiveItems(
        to items: inout [ServedItem], n: Int, _ pipeline: TwoStagePipeline, state: LiveState, events: [LiveEvent],
        at: Int64, query: RecommendQuery, category filter: Int32?, live: LiveItems
    ) -> Bool {
        var current: Int?
        for e in events.reversed() where e.timestamp <= at {
            current = live.facts(of: e.item)?.category ?? pipeline.rawCategory(ofRawItem: e.item)
            if current != nil { break }
        }
        if current == nil, let c = state.state.categories.last(where: { $0 >= 0 }) {
            current = pipeline.artifacts.categoryRaw[Int(c)]
        }
        guard let current else { return false }
        if let filter {
            guard let dense = pipeline.category(raw: current), pipeline.category(dense, isIn: filter) else {
                return false
            }
        }
        let touched = query.exclude == .none ? [] : Set(events.filter { $0.timestamp <= at }.map(\.item))
        let listed = Set(items.map(\.itemID))
        let slots = max(1, n / 5)
        let fresh = live.newItems(in: current, limit: slots) { item in
            pipeline.item(raw: item) == nil && !touched.contains(item) && !listed.contains(item)
        }
        guard !fresh.isEmpty else { return false }
        let keep = min(items.count, n - fresh.count)
        items.removeLast(items.count - keep)
        items += fresh.map { ServedItem(itemID: $0.item, score: 0, categoryID: current) }
        return true
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
