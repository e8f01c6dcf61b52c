import Foundation
import Hummingbird
import Pipeline

/// `POST /api/v1/recs/batch` with `{"visitor_ids": [257597, 8283], "n": 5,
/// "exclude": "seen", "category": 1230, "at": 1442534400000}`: one
/// `GET /recommend` answer per visitor, in request order, from one model and
/// one request time. The options go through `RecommendQuery`'s rules (the
/// same 400 bodies) and each answer through `RecommendController.answer`.
/// Costs one pipeline call per id (about a millisecond each).
struct BatchRecommendController: UsesServeServices {
    let services: ServeServices

    static let maxVisitors = 1000
    /// 1000 ids of 18 digits with generous whitespace fit in well under this.
    static let maxBodyBytes = 64 * 1024
    static let allowedFields = ["visitor_ids"] + RecommendQuery.allowedParameters

    func batch(_ request: Request, context: some RequestContext) async throws -> Response {
        // Over the limit: NIOTooManyBytesError, a 413 from JSONErrorMiddleware.
        let buffer = try await request.body.collect(upTo: Self.maxBodyBytes)
        let (ids, options) = try Self.parse(
            Data(buffer: buffer), defaultN: configuration.defaultN, maxN: configuration.maxN)
        guard let loaded = store.current else {
            throw APIError(.serviceUnavailable, code: "not_ready", "the model is not loaded yet")
        }
        let pipeline = loaded.pipeline
        let at = options.at ?? live.requestTime()
        var out: [UInt8] = []
        out.reserveCapacity(64 + ids.count * (200 + options.n * 64))
        out.append(contentsOf: #"{"results":["#.utf8)
        for (index, id) in ids.enumerated() {
            var query = options
            query.userID = id
            let answer = try RecommendController.answer(pipeline, query: query, at: at, live: live)
            metrics.recordRecommendation(
                candidates: answer.candidates, fallback: !answer.body.strategy.hasPrefix("two-stage"))
            if index > 0 { out.append(UInt8(ascii: ",")) }
            // The /recommend answer with `visitor_id` added (keys stay sorted).
            out.append(contentsOf: answer.body.json().dropLast())
            out.append(contentsOf: #","visitor_id":\#(id)}"#.utf8)
        }
        out.append(contentsOf: "]}".utf8)
        return ResponseCompression.response(out, type: "application/json; charset=utf-8", for: request)
    }

    /// The ids (in order) and the shared options; every problem is a 400 naming the field.
    static func parse(_ data: Data, defaultN: Int, maxN: Int) throws -> (ids: [Int], options: RecommendQuery) {
        try JSONDuplicateKeys.refuse(data)
        let example = "{\"visitor_ids\": [257597, 8283], \"n\": 5}"
        guard let fields = try? JSONDecoder().decode([String: JSONValue].self, from: data) else {
            throw APIError(.badRequest, code: "invalid_body", "the body must be a JSON object like \(example)")
        }
        for key in fields.keys.sorted() where !allowedFields.contains(key) {
            throw APIError(
                .badRequest, code: "unknown_parameter",
                "unknown field '\(truncated(key, 40))'; allowed: \(allowedFields.joined(separator: ", "))")
        }
        guard case .array(let values) = fields["visitor_ids"] else {
            throw APIError(
                .badRequest, code: "invalid_visitor_ids",
                "visitor_ids must be an array of visitor ids, as in \(example)"
            )
        }
        guard values.count <= maxVisitors else {
            throw APIError(
                .badRequest, code: "too_many_visitors",
                "visitor_ids holds \(values.count) ids; the limit is \(maxVisitors) per call")
        }
        guard !values.isEmpty else {
            throw APIError(
                .badRequest, code: "invalid_visitor_ids", "visitor_ids is empty; send 1...\(maxVisitors) ids")
        }
        var ids: [Int] = []
        ids.reserveCapacity(values.count)
        for (i, value) in values.enumerated() {
            guard case .int(let raw) = value, let id = Int(exactly: raw), (0...RecommendQuery.maxUserID).contains(id)
            else {
                throw APIError(
                    .badRequest, code: "invalid_visitor_ids",
                    "visitor_ids[\(i)] must be an integer in 0...\(RecommendQuery.maxUserID), got \(truncated(value.shown, 40))"
                )
            }
            ids.append(id)
        }
        let options = try RecommendQuery.options(defaultN: defaultN, maxN: maxN) { fields[$0]?.parameterText }
        return (ids, options)
    }
}

extension JSONValue {
    /// The text a query parameter would carry (`null` is an absent parameter),
    /// so the query's parsers and error messages apply unchanged.
    fileprivate var parameterText: String? {
        switch self {
        case .null: nil
        case .string(let s): s
        case .bool(let b): "\(b)"
        case .int(let i): "\(i)"
        case .double(let d): "\(d)"
        case .array, .object: shown
        }
    }
}
