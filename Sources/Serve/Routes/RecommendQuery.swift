import Foundation

/// The validated inputs of `GET /recommend/<user_id>?n=&at=&exclude=&category=`.
struct RecommendQuery: Equatable {
    /// Which of the visitor's own items an answer leaves out.
    enum Exclude: String, Equatable {
        /// Nothing (the default: in this domain people mostly buy what they looked at).
        case none
        /// Every item the visitor touched (model history and live events).
        case seen
        /// Items the visitor bought.
        case purchased
    }

    var userID: Int
    var n: Int
    /// Request time in unix ms; nil means now.
    var at: Int64?
    var exclude: Exclude = .none
    /// Only items of this category (raw id) or its subtree.
    var category: Int?

    static let allowedParameters = ["n", "at", "exclude", "category"]
    /// The largest visitor id the API takes (18 digits).
    static let maxUserID = 999_999_999_999_999_999

    /// Parses and validates; every problem is a 400 naming the parameter.
    static func parse(userID raw: String, query: String?, defaultN: Int, maxN: Int) throws -> RecommendQuery {
        let userID = try parseUserID(raw)
        let q = try QueryParameters(query, allowed: allowedParameters)
        var parsed = try options(defaultN: defaultN, maxN: maxN) { q[$0] }
        parsed.userID = userID
        return parsed
    }

    /// Everything but the visitor, from the texts of `allowedParameters` (a
    /// query string's or a JSON body's): one set of rules and error bodies for
    /// `GET /recommend` and `POST /api/v1/recs/batch`. The user id is 0.
    static func options(defaultN: Int, maxN: Int, _ value: (String) -> String?) throws -> RecommendQuery {
        let (nText, atText, excludeText, categoryText) = (value("n"), value("at"), value("exclude"), value("category"))
        let n =
            try parsed(nText, "n", "an integer in 1...\(maxN)") { t in
                Int(t).flatMap { (1...maxN).contains($0) && t.allSatisfy(\.isASCII) ? $0 : nil }
            } ?? defaultN
        // Up to year 2286 in unix ms; a number of seconds is a likely mistake, so no lower bound is guessed.
        let at = try parsed(atText, "at", "a unix time in milliseconds (0...9999999999999)") { t in
            Int64(t).flatMap { (0...9_999_999_999_999).contains($0) && t.allSatisfy(\.isASCII) ? $0 : nil }
        }
        let exclude =
            try parsed(excludeText, "exclude", "one of none, seen, purchased") { Exclude(rawValue: $0) } ?? .none
        let category = try parsed(categoryText, "category", "a non-negative integer category id") { t in
            t.utf8.count <= 18 && t.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) ? Int(t) : nil
        }
        return RecommendQuery(userID: 0, n: n, at: at, exclude: exclude, category: category)
    }

    /// `parse(text)` when a parameter is given; a 400 `invalid_<name>` saying what was expected when it fails.
    static func parsed<T>(_ text: String?, _ name: String, _ expected: String, _ parse: (String) -> T?) throws -> T? {
        guard let text else { return nil }
        guard let value = parse(text) else {
            throw APIError(
                .badRequest, code: "invalid_\(name)", "\(name) must be \(expected), got \"\(truncated(text, 40))\"")
        }
        return value
    }

    static func repeated(_ key: String) -> APIError {
        APIError(.badRequest, code: "repeated_parameter", "query parameter '\(key)' is given more than once")
    }

    /// Percent-decoding is slow in Foundation; most parameters have no '%'.
    static func decoded(_ part: Substring) -> String {
        // A byte check: `contains("%")` would go through Foundation's substring search.
        part.utf8.contains(UInt8(ascii: "%")) ? (String(part).removingPercentEncoding ?? String(part)) : String(part)
    }

    /// A path id (visitor or item): digits only, at most 18 of them.
    static func parseUserID(_ raw: String, field: String = "user_id") throws -> Int {
        let text = decoded(Substring(raw))
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            throw APIError(
                .badRequest, code: "invalid_\(field)",
                "\(field) must be a non-negative integer, got \"\(truncated(text, 40))\"")
        }
        guard text.utf8.count <= 18, let id = Int(text) else {
            throw APIError(
                .badRequest, code: "invalid_\(field)",
                "\(field) is out of range (at most 18 digits), got \"\(truncated(text, 40))\"")
        }
        return id
    }
}
