import Dataset
import EventStore
import Foundation
import Hummingbird
import NIOCore
import Pipeline

/// `POST /api/v1/events`: visitors' actions in, acknowledged once durable;
/// `GET /api/v1/visitors/<id>/events`: what the server knows of a visitor.
struct EventsController: UsesServeServices {
    let services: ServeServices

    func post(_ request: Request, context: some RequestContext) async throws -> Response {
        let key = try StoreWrites.idempotencyKey(request)
        let body = try await StoreWrites.body(request, noun: "events")
        let modelEnd = store.current?.pipeline.artifacts.metadata.referenceTime
        let clock = StoreWrites.clock(keyed: key != nil, modelEnd: modelEnd)
        let refused = { metrics.recordEvents(accepted: 0, rejected: 1, appendDuration: nil) }
        let events: [StoredEvent]
        do {
            events = try EventBatch.parse(body, clock: clock)
        } catch {
            refused()
            throw error
        }
        let result = try await StoreWrites.write(
            logger: context.logger, noun: "events", invalidCode: "invalid_event", onRefused: refused
        ) {
            try await live.append(events, key: key)
        }
        return try jsonResponse(
            StoreWrites.Accepted(
                accepted: events.count, result: result,
                beforeModel: events.count { $0.timestamp < modelEnd ?? .min }))
    }

    struct VisitorEvent: Encodable {
        var timestamp: Int64
        var event: String
        var itemID: Int
        var transactionID: Int?
        /// "model" (in the served model's history) or "live".
        var source: String
        var knownItem: Bool

        enum CodingKeys: String, CodingKey {
            case timestamp, event, source
            case itemID = "item_id"
            case transactionID = "transaction_id"
            case knownItem = "known_item"
        }
    }

    struct VisitorEvents: Encodable {
        var visitorID: Int
        var events: [VisitorEvent]
        enum CodingKeys: String, CodingKey {
            case visitorID = "visitor_id"
            case events
        }
    }

    /// Newest first: the model's kept history of the visitor and their live events.
    func visitorEvents(_ request: Request, context: some RequestContext) async throws -> Response {
        _ = await live.replayed()
        let visitor = try RecommendQuery.parseUserID(context.parameters.get("visitor_id") ?? "", field: "visitor_id")
        let limit =
            try RecommendQuery.parsed(
                QueryParameters(request.uri.query, allowed: ["limit"])["limit"], "limit", "an integer in 1...1000"
            ) { Int($0).flatMap { (1...1000).contains($0) ? $0 : nil } } ?? 50
        guard let loaded = store.current else {
            throw APIError(.serviceUnavailable, code: "not_ready", "the model is not loaded yet")
        }
        let pipeline = loaded.pipeline
        let a = pipeline.artifacts
        var out: [VisitorEvent] = []
        for e in live.overlay(for: pipeline).events(of: visitor) {
            out.append(
                VisitorEvent(
                    timestamp: e.timestamp, event: e.kind.csvName, itemID: e.item,
                    transactionID: e.transaction >= 0 ? e.transaction : nil, source: "live",
                    knownItem: pipeline.item(raw: e.item) != nil))
        }
        out.reverse()
        if let u = pipeline.user(raw: visitor) {
            let s = pipeline.state(ofUser: u)
            for k in stride(from: s.count - 1, through: 0, by: -1) {
                out.append(
                    VisitorEvent(
                        timestamp: s.times[k], event: EventKind(rawValue: s.kinds[k])?.csvName ?? "view",
                        itemID: a.itemRaw[Int(s.items[k])], transactionID: nil, source: "model", knownItem: true))
            }
        }
        return try jsonResponse(VisitorEvents(visitorID: visitor, events: Array(out.prefix(limit))))
    }
}
