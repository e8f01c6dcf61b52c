import Dataset
import Foundation

/// The body of `POST /api/v1/items`, validated as a whole before anything is stored:
/// `{"items": [{"item_id", "category_id", "available", "timestamp"}, …]}` (all four required).
/// Same limits and error shapes as the events batch.
enum ItemBatch {
    static let fields: Set<String> = ["item_id", "category_id", "available", "timestamp"]

    static func parse(_ body: Data, now: Int64) throws -> [StoredItem] {
        let values = try EventBatch.batchElements(
            body, key: "items", noun: "item updates",
            example:
                #"{"items": [{"item_id": 355908, "category_id": 1338, "available": true, "timestamp": 1442534400000}]}"#
        )
        return try values.enumerated().map { index, value in try item(value, index: index, now: now) }
    }

    static func item(_ value: JSONValue, index: Int, now: Int64) throws -> StoredItem {
        func bad(_ field: String, _ expected: String, _ got: JSONValue?) -> APIError {
            APIError(
                .badRequest, code: "invalid_item",
                "items[\(index)].\(field) must be \(expected), got \(got?.shown ?? "nothing (the field is missing)")")
        }
        guard case .object(let o) = value else {
            throw APIError(.badRequest, code: "invalid_item", "items[\(index)] must be an object, got \(value.shown)")
        }
        if let extra = o.keys.sorted().first(where: { !fields.contains($0) }) {
            throw APIError(
                .badRequest, code: "invalid_item",
                "items[\(index)] has the unknown field \"\(extra)\"; allowed: \(fields.sorted().joined(separator: ", "))"
            )
        }
        func id(_ field: String) throws -> Int {
            guard case .int(let v) = o[field] ?? .null, v >= 0, let id = Int(exactly: v) else {
                throw bad(field, "a non-negative integer", o[field])
            }
            return id
        }
        guard case .int(let timestamp) = o["timestamp"] ?? .null, timestamp >= 0 else {
            throw bad("timestamp", "a unix time in milliseconds", o["timestamp"])
        }
        guard timestamp <= now + EventBatch.futureSlackMs else {
            throw APIError(
                .badRequest, code: "invalid_item",
                "items[\(index)].timestamp \(timestamp) is more than an hour in the future (now \(now))")
        }
        guard case .bool(let available) = o["available"] ?? .null else {
            throw bad("available", "true or false", o["available"])
        }
        return StoredItem(
            timestamp: timestamp, item: try id("item_id"), category: try id("category_id"), available: available)
    }
}
