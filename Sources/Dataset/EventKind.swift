import RecsysCore

/// The three RetailRocket event types, in funnel order.
public enum EventKind: UInt8, Sendable, CaseIterable, Codable {
    case view = 0
    case addToCart = 1
    case transaction = 2

    /// The spelling used in `events.csv`.
    public var csvName: String {
        switch self {
        case .view: return "view"
        case .addToCart: return "addtocart"
        case .transaction: return "transaction"
        }
    }
}
