import Hummingbird

/// The bearer token that guards admin and retrain routes (403 when none is configured).
enum AdminToken {
    static func check(_ request: Request, _ configuration: ServeConfiguration) throws {
        guard let token = configuration.adminToken, !token.isEmpty else {
            throw APIError(.forbidden, code: "admin_disabled", "admin endpoints are disabled: set RECSYS_ADMIN_TOKEN")
        }
        guard request.headers[.authorization] == "Bearer \(token)" else {
            throw APIError(
                .unauthorized, code: "unauthorized", "missing or wrong bearer token",
                headers: [.wwwAuthenticate: "Bearer"])
        }
    }
}
