import HTTPTypes
import Hummingbird

/// Which browser origins may call the API from their pages (`--cors-origins`, env `RECSYS_CORS_ORIGINS`):
/// none by default (same origin only), `*` for any, or a list of origins such as a shop's widgets on
/// `https://shop.example`.
public enum CORSPolicy: Sendable, Equatable {
    case off
    case anyOrigin
    case origins(Set<String>)

    /// Parses `*` or a comma-separated list of `scheme://host[:port]` origins; anything else is an error that
    /// names the bad entry (a path, a trailing slash, a missing scheme).
    public init(parsing text: String) throws(CORSPolicyError) {
        let entries = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !entries.isEmpty else { throw .init(message: "no origin given; use * or https://shop.example[,…]") }
        if entries == ["*"] {
            self = .anyOrigin
            return
        }
        for entry in entries {
            guard Self.isOrigin(entry) else {
                throw .init(
                    message:
                        "\"\(entry)\" is not an origin: write scheme://host[:port] with no path or trailing slash (e.g. https://shop.example), or * alone"
                )
            }
        }
        self = .origins(Set(entries.map { $0.lowercased() }))
    }

    /// `http(s)://host[:port]`, nothing after.
    static func isOrigin(_ s: String) -> Bool {
        let lower = s.lowercased()
        guard let scheme = ["https://", "http://"].first(where: lower.hasPrefix) else { return false }
        let rest = lower.dropFirst(scheme.count)
        guard !rest.isEmpty, !rest.contains("/"), !rest.contains("?"), !rest.contains("#"), !rest.contains("@") else {
            return false
        }
        let parts = rest.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count <= 2, let host = parts.first, !host.isEmpty,
            host.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" })
        else { return false }
        if parts.count == 2 {
            guard let port = Int(parts[1]), (1...65535).contains(port) else { return false }
        }
        return true
    }

    /// Whether a request from `origin` gets CORS headers.
    func allows(_ origin: String) -> Bool {
        switch self {
        case .off: false
        case .anyOrigin: true
        case .origins(let set): set.contains(origin.lowercased())
        }
    }
}

public struct CORSPolicyError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// CORS for the allowed origins, by Hummingbird's `CORSMiddleware` (preflight `OPTIONS` answered 204 with the
/// allowed methods and headers; answers get `Access-Control-Allow-Origin`). A request from any other origin
/// goes on without CORS headers, so the browser refuses it, exactly as with CORS off.
struct CORSAllowlistMiddleware<Context: RequestContext>: RouterMiddleware {
    let policy: CORSPolicy
    let cors: CORSMiddleware<Context>

    init(policy: CORSPolicy) {
        self.policy = policy
        cors = CORSMiddleware(
            allowOrigin: policy == .anyOrigin ? .all : .originBased,
            allowHeaders: [
                .accept, .authorization, .contentEncoding, .contentType, .origin, StoreWrites.idempotencyKeyHeader,
            ],
            allowMethods: [.get, .head, .post, .options],
            exposedHeaders: [RequestLogMiddleware.requestIDHeader.canonicalName],
            maxAge: .seconds(600))
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        guard let origin = request.headers[.origin], policy.allows(origin) else {
            var response = try await next(request, context)
            // The answer depends on Origin whenever a list decides: a shared cache must not hand this one
            // (without CORS headers) to an allowed origin.
            if case .origins = policy { response.headers[values: .vary].append("Origin") }
            return response
        }
        return try await cors.handle(request, context: context, next: next)
    }
}
