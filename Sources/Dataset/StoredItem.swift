/// What a shop says about an item as it happens (`POST /api/v1/items`): its category and whether it is for
/// sale, at a time. The same two facts `item_properties_part*.csv` carries as `categoryid` and `available` rows.
public struct StoredItem: Sendable, Hashable, Codable {
    /// Unix time in milliseconds.
    public var timestamp: Int64
    /// The RetailRocket item id.
    public var item: Int
    /// The RetailRocket category id.
    public var category: Int
    public var available: Bool

    public init(timestamp: Int64, item: Int, category: Int, available: Bool) {
        self.timestamp = timestamp
        self.item = item
        self.category = category
        self.available = available
    }

    /// The record an event store keeps for it: stores hold one fixed record shape, so an item update rides
    /// in a separate stream of the store with the category in the visitor slot and availability (0/1) in the
    /// transaction slot. Only `StoredItem(record:)` reads such records back.
    public var record: StoredEvent {
        StoredEvent(timestamp: timestamp, visitor: category, kind: .view, item: item, transaction: available ? 1 : 0)
    }

    public init(record: StoredEvent) {
        self.init(
            timestamp: record.timestamp, item: record.item, category: record.visitor, available: record.transaction == 1
        )
    }
}

extension RawProperties {
    /// Item updates as property rows, so the loader merges them with the files' (a row in both counts once
    /// in the timelines).
    public init(items: [StoredItem], source: String) {
        self.init(report: FileReport(file: source))
        for update in items {
            categoryTime.append(update.timestamp)
            categoryItem.append(update.item)
            categoryValue.append(update.category)
            availableTime.append(update.timestamp)
            availableItem.append(update.item)
            availableValue.append(update.available ? 1 : 0)
            describedItems.insert(update.item)
        }
        report.rows = items.count * 2
    }
}
