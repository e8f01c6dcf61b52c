import Hummingbird

/// Liveness (`/health`, no work) and readiness (`/ready`, 503 while starting
/// or draining) for load balancers.
struct HealthController {
    let store: ModelStore

    struct Status: Encodable {
        var status: String
        var modelVersion: String?

        enum CodingKeys: String, CodingKey {
            case status
            case modelVersion = "model_version"
        }
    }

    func health(_ request: Request, context: some RequestContext) throws -> Response {
        try jsonResponse(Status(status: "ok"))
    }

    func ready(_ request: Request, context: some RequestContext) throws -> Response {
        let phase = store.phase
        let version = store.current?.version
        if phase == .ready && version != nil {
            return try jsonResponse(Status(status: "ready", modelVersion: version))
        }
        return try jsonResponse(Status(status: phase.rawValue, modelVersion: version), status: .serviceUnavailable)
    }
}
