/// A request's query parameters, checked once for every route: each name
/// known to the route and given at most once (a 400 naming it otherwise),
/// each value percent-decoded. A handful of names: arrays, no dictionary.
struct QueryParameters {
    let allowed: [String]
    private var values: [String?]

    init(_ query: String?, allowed: [String]) throws {
        self.allowed = allowed
        values = Array(repeating: nil, count: allowed.count)
        for pair in (query ?? "").split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = RecommendQuery.decoded(parts[0])
            guard let k = allowed.firstIndex(of: key) else {
                throw APIError(
                    .badRequest, code: "unknown_parameter",
                    "unknown query parameter '\(truncated(key, 40))'; allowed: \(allowed.joined(separator: ", "))")
            }
            guard values[k] == nil else { throw RecommendQuery.repeated(key) }
            values[k] = parts.count > 1 ? RecommendQuery.decoded(parts[1]) : ""
        }
    }

    /// The value given for `name` (one of `allowed`), or nil.
    subscript(name: String) -> String? { allowed.firstIndex(of: name).flatMap { values[$0] } }
}
