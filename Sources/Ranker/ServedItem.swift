/// An answer item in raw (RetailRocket) ids, as the API and the backfill
/// write it: the score rounded to 6 decimals, the item's current category.
public struct ServedItem: Sendable, Equatable {
    public var itemID: Int
    public var score: Double
    public var categoryID: Int?

    /// `[{"category_id":…,"item_id":…,"score":…},…]`, written by hand: on the
    /// serving hot path Foundation's encoder costs more than the recommendation.
    public static func jsonArray(_ items: [ServedItem]) -> String {
        var out = JSONBytes(capacity: 2 + items.count * 64)
        out.array(items)
        return out.string
    }
}

/// JSON written as UTF-8 bytes: the serving answer goes to the socket
/// without building a `String` piece by piece.
public struct JSONBytes: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int) { bytes.reserveCapacity(capacity) }

    public var string: String { String(decoding: bytes, as: UTF8.self) }

    /// Text that needs no escaping (keys and punctuation).
    public mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    public mutating func int(_ value: Int) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        // Digits into a small stack buffer, then appended in order.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var n = 0
            repeat {
                digits[n] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                n += 1
            } while magnitude > 0
            for k in stride(from: n - 1, through: 0, by: -1) { bytes.append(digits[k]) }
        }
    }

    /// Swift's shortest round-trip form, as `"\(value)"` writes it.
    public mutating func double(_ value: Double) {
        bytes.append(contentsOf: value.description.utf8)
    }

    public mutating func string(_ value: String) {
        bytes.append(contentsOf: jsonString(value).utf8)
    }

    public mutating func array(_ items: [ServedItem]) {
        raw("[")
        for (k, item) in items.enumerated() {
            if k > 0 { raw(",") }
            raw("{\"category_id\":")
            if let c = item.categoryID { int(c) } else { raw("null") }
            raw(",\"item_id\":")
            int(item.itemID)
            raw(",\"score\":")
            double(item.score)
            raw("}")
        }
        raw("]")
    }
}

extension ModelArtifacts {
    /// The recommendation's items in raw ids.
    public func served(_ r: Recommendation) -> [ServedItem] {
        r.items.map { s in
            let c = Int(stats.category[Int(s.item)])
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
