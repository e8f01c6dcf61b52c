import Foundation
import HTTPTypes
import Hummingbird

/// `POST /api/v1/recs/predict` with `{"user_id": 257597, "n": 5, "time": 1442534400000}`:
/// the seeds' JSON API, answered exactly like `GET /recommend/<user_id>?n=n&at=time`.
/// `k` is the deprecated name of `n` (answers then carry `Deprecation: true`).
struct PredictController: UsesServeServices {
    let services: ServeServices

    struct Body: Decodable {
        var userID: Int?
        var n: Int?
        var k: Int?
        var time: Int64?

        enum CodingKeys: String, CodingKey {
            case userID = "user_id"
            case n
            case k
            case time
        }
    }

    static let deprecationHeader = HTTPField.Name("Deprecation")!
    static let allowedFields = ["user_id", "n", "k", "time"]

    func predict(_ request: Request, context: some RequestContext) async throws -> Response {
        let buffer = try await request.body.collect(upTo: 64 * 1024)
        let (query, usedK) = try Self.parse(
            Data(buffer: buffer), defaultN: configuration.defaultN, maxN: configuration.maxN)
        guard let loaded = store.current else {
            throw APIError(.serviceUnavailable, code: "not_ready", "the model is not loaded yet")
        }
        var response = try RecommendController.respond(
            loaded.pipeline, query: query, live: live, metrics: metrics)
        if usedK { response.headers[Self.deprecationHeader] = "true" }
        return response
    }

    /// The body as the query `GET /recommend` would get, and whether it
    /// used the deprecated `k`; a 400 `APIError` says what is wrong.
    /// (The fuzz target `predict-body` calls this too.)
    static func parse(_ data: Data, defaultN: Int, maxN: Int) throws -> (query: RecommendQuery, usedK: Bool) {
        try JSONDuplicateKeys.refuse(data)
        let fields = try? JSONDecoder().decode([String: JSONValue].self, from: data)
        // A misspelt field would otherwise be dropped silently (`"N": 10` answering 5 items), as
        // /recommend refuses an unknown query parameter and the batch route an unknown field.
        if let key = fields?.keys.sorted().first(where: { !Self.allowedFields.contains($0) }) {
            throw APIError(
                .badRequest, code: "unknown_parameter",
                "unknown field '\(truncated(key, 40))'; allowed: \(Self.allowedFields.joined(separator: ", "))")
        }
        let body: Body
        do {
            body = try JSONDecoder().decode(Body.self, from: data)
        } catch {
            // An object with a field of the wrong type (`"user_id": "8283"`): name the field.
            if let fields, let key = Self.allowedFields.first(where: { fields[$0].map(Self.isNotAnInteger) ?? false }) {
                throw APIError(
                    .badRequest, code: "invalid_\(key)", "\(key) must be an integer, got \(fields[key]!.shown)")
            }
            throw APIError(
                .badRequest, code: "invalid_body",
                "the body must be JSON like {\"user_id\": 257597, \"n\": 5, \"time\": 1442534400000}")
        }
        // One rule for both routes: /recommend takes at most 18 digits.
        guard let user = body.userID, (0...RecommendQuery.maxUserID).contains(user) else {
            throw APIError(
                .badRequest, code: "invalid_user_id", "user_id must be an integer in 0...\(RecommendQuery.maxUserID)")
        }
        let n = try count(n: body.n, k: body.k, defaultN: defaultN, maxN: maxN)
        if let t = body.time, !(0...9_999_999_999_999).contains(t) {
            throw APIError(.badRequest, code: "invalid_time", "time must be a unix time in milliseconds, got \(t)")
        }
        return (RecommendQuery(userID: user, n: n, at: body.time), body.k != nil)
    }

    private static func isNotAnInteger(_ value: JSONValue) -> Bool {
        switch value {
        case .int, .null: false
        default: true
        }
    }

    /// `n`, or its deprecated alias `k`; both given and different is a 400.
    static func count(n: Int?, k: Int?, defaultN: Int, maxN: Int) throws -> Int {
        if let n, let k, n != k {
            throw APIError(
                .badRequest, code: "conflicting_count",
                "n and k (the deprecated name of n) differ: n=\(n), k=\(k); send n only")
        }
        let (name, value) = n.map { ("n", $0) } ?? k.map { ("k", $0) } ?? ("n", defaultN)
        guard (1...maxN).contains(value) else {
            throw APIError(
                .badRequest, code: "invalid_\(name)", "\(name) must be an integer in 1...\(maxN), got \(value)")
        }
        return value
    }
}
