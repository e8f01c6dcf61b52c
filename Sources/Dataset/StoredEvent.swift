/// One visitor action as stored: raw RetailRocket ids, exactly as posted (no dense re-indexing, so the log
/// survives model retrains that renumber items).
public struct StoredEvent: Sendable, Hashable, Codable {
    /// Unix time in milliseconds.
    public var timestamp: Int64
    /// The RetailRocket visitor id.
    public var visitor: Int
    /// View, add-to-cart or transaction.
    public var kind: EventKind
    /// The RetailRocket item id.
    public var item: Int
    /// The RetailRocket transaction id, or -1 when the event has none.
    public var transaction: Int

    /// A plain value; costs nothing beyond the copy.
    public init(timestamp: Int64, visitor: Int, kind: EventKind, item: Int, transaction: Int = -1) {
        self.timestamp = timestamp
        self.visitor = visitor
        self.kind = kind
        self.item = item
        self.transaction = transaction
    }
}
