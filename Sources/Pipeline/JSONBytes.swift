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
