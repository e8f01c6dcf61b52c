import Foundation
import ModelFile
import Ranker
import Testing

@testable import Pipeline

/// The hand-written JSON of the serving path must parse back to what was written.
struct JSONWritingTests {
    @Test(arguments: [
        "rr-2026-11-23T06:15:46Z", "two-stage", "", "quote \" inside", "back\\slash", "line\nbreak\ttab\r",
        "\u{01}\u{1F}", "ünïcødé ✓ 🛒", "\u{7F}",
    ])
    func stringsRoundTrip(_ text: String) throws {
        let literal = jsonString(text)
        let parsed = try JSONSerialization.jsonObject(with: Data("[\(literal)]".utf8)) as? [String]
        #expect(parsed == [text], "\(literal)")
    }

    @Test func itemArrayParses() throws {
        let items = [
            ServedItem(itemID: 461_686, score: 0.123457, categoryID: 1_051),
            ServedItem(itemID: 7, score: 1, categoryID: nil),
        ]
        let parsed = try JSONSerialization.jsonObject(with: Data(ServedItem.jsonArray(items).utf8)) as? [[String: Any]]
        #expect(parsed?.count == 2)
        #expect(parsed?[0]["item_id"] as? Int == 461_686)
        #expect(parsed?[0]["category_id"] as? Int == 1_051)
        #expect(parsed?[0]["score"] as? Double == 0.123457)
        #expect(parsed?[1]["category_id"] is NSNull)
    }

    @Test func integersAsSwiftPrintsThem() {
        var values = [0, 7, -1, 10, -10, 1_407_579, 2_000_000_000, Int.max, Int.min]
        var rng = SplitMix(seed: 7)
        for _ in 0..<1_000 {
            values.append(Int(bitPattern: UInt(truncatingIfNeeded: rng.next())) >> Int(rng.next() % 64))
        }
        for v in values {
            var out = JSONBytes(capacity: 0)
            out.int(v)
            #expect(out.string == "\(v)")
        }
    }

    /// The byte writer gives what the interpolated form it replaced gave.
    @Test func itemArrayMatchesInterpolation() {
        var rng = SplitMix(seed: 11)
        var items: [ServedItem] = []
        for k in 0..<200 {
            // Rounded to 6 decimals as served, with tiny and whole scores among them.
            let score = k < 4 ? [1e-06, 0.5, 1, 0][k] : Double(rng.next() % 2_000_001) / 1e6
            items.append(ServedItem(itemID: Int(rng.next() % 500_000), score: score, categoryID: k % 5 == 0 ? nil : k))
        }
        let expected =
            "["
            + items.map {
                "{\"category_id\":\($0.categoryID.map(String.init) ?? "null"),\"item_id\":\($0.itemID),\"score\":\($0.score)}"
            }.joined(separator: ",") + "]"
        #expect(ServedItem.jsonArray(items) == expected)
        #expect(ServedItem.jsonArray([]) == "[]")
    }
}

/// A small deterministic generator for the tests above.
private struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
