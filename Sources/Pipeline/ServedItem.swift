/// An answer item in raw (RetailRocket) ids, as the API and the backfill
/// write it: the score rounded to 6 decimals, the item's current category.
public struct ServedItem: Sendable, Equatable {
    public var itemID: Int
    public var score: Double
    public var categoryID: Int?

    public init(itemID: Int, score: Double, categoryID: Int?) {
        self.itemID = itemID
        self.score = score
        self.categoryID = categoryID
    }

    /// `[{"category_id":…,"item_id":…,"score":…},…]`, written by hand: on the
    /// serving hot path Foundation's encoder costs more than the recommendation.
    public static func jsonArray(_ items: [ServedItem]) -> String {
        var out = JSONBytes(capacity: 2 + items.count * 64)
        out.array(items)
        return out.string
    }
}

extension ModelArtifacts {
    /// The recommendation's items in raw ids, with their live category where `overrides` has one.
    public func served(_ r: Recommendation, overrides: ItemOverrides = .none) -> [ServedItem] {
        r.items.map { s in
            let c = Int((overrides.isEmpty ? nil : overrides.category[s.item]) ?? stats.category[Int(s.item)])
            return ServedItem(
                itemID: itemRaw[Int(s.item)], score: (s.score * 1e6).rounded() / 1e6,
                categoryID: c >= 0 ? categoryRaw[c] : nil)
        }
    }
}

/// A JSON string literal with the escapes RFC 8259 requires.
public func jsonString(_ s: String) -> String {
    // Most strings (versions, strategies) need no escape: one byte scan, no per-scalar appends.
    if !s.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
        return "\"" + s + "\""
    }
    var out = "\""
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where scalar.value < 0x20:
            let hex = String(scalar.value, radix: 16)
            out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}
