import Hummingbird

/// Guards a route group with a bearer token. Two policies: the admin and
/// retrain routes are closed until a token is configured (403), while a
/// write API with no key configured stays open (the embedded default).
struct BearerTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    enum WhenUnset: Sendable {
        /// 403 with this error code and message.
        case refuse(code: String, message: String)
        case allow
    }

    let token: String?
    let whenUnset: WhenUnset

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard let token, !token.isEmpty else {
            switch whenUnset {
            case .allow: return try await next(request, context)
            case .refuse(let code, let message): throw APIError(.forbidden, code: code, message)
            }
        }
        guard request.headers[.authorization] == "Bearer \(token)" else {
            throw APIError(
                .unauthorized, code: "unauthorized", "missing or wrong bearer token",
                headers: [.wwwAuthenticate: "Bearer"])
        }
        return try await next(request, context)
    }
}

extension BearerTokenMiddleware {
    /// The admin token: admin and retrain routes answer 403 until `RECSYS_ADMIN_TOKEN` is set.
    static func admin(_ configuration: ServeConfiguration) -> Self {
        Self(
            token: configuration.adminToken,
            whenUnset: .refuse(
                code: "admin_disabled", message: "admin endpoints are disabled: set RECSYS_ADMIN_TOKEN"))
    }
}
