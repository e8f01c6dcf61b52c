import Dataset
import Foundation

/// The body of `POST /api/v1/items`, validated as a whole before anything is stored:
/// `{"items": [{"item_id", "category_id", "available", "timestamp"?}, …]}`. Same limits, error shapes and
/// timestamp rule as the events batch: without one, the update is stamped when the server receives it,
/// except in a batch with an idempotency key.
enum ItemBatch {
    static let fields: Set<String> = ["item_id", "category_id", "available", "timestamp"]

    static func parse(_ body: Data, clock: BatchClock) throws -> [StoredItem] {
        let values = try EventBatch.batchElements(
            body, key: "items", noun: "item updates",
            example:
                #"{"items": [{"item_id": 355908, "category_id": 1338, "available": true, "timestamp": 1442534400000}]}"#
        )
        return try values.enumerated().map { index, value in try item(value, index: index, clock: clock) }
    }

    static func item(_ value: JSONValue, index: Int, clock: BatchClock) throws -> StoredItem {
        let e = try BatchElement(value, label: "items[\(index)]", code: "invalid_item", allowed: fields)
        let timestamp = try e.timestamp(clock)
        guard case .bool(let available) = e.fields["available"] ?? .null else {
            throw e.bad("available", "true or false")
        }
        return StoredItem(
            timestamp: timestamp, item: try e.id("item_id"), category: try e.id("category_id"), available: available)
    }
}
