import Foundation
import Testing

@testable import Ranker

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
}
