import Hummingbird

/// Liveness (`/health`, no work) and readiness (`/ready`, 503 while starting
/// or draining) for load balancers.
struct HealthController: UsesServeServices {
    let services: ServeServices

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

    func ready(_ request: Request, context: some RequestContext) async throws -> Response {
        // A fresh server replays its event log first; a short wait spares a
        // load balancer one 503 when the log is small.
        for _ in 0..<20 where !live.isReplayed { try await Task.sleep(for: .milliseconds(5)) }
        let phase = store.phase
        let version = store.current?.version
        guard live.isReplayed || phase == .draining else {
            return try jsonResponse(Status(status: "starting", modelVersion: version), status: .serviceUnavailable)
        }
        if phase == .ready && version != nil {
            return try jsonResponse(Status(status: "ready", modelVersion: version))
        }
        return try jsonResponse(Status(status: phase.rawValue, modelVersion: version), status: .serviceUnavailable)
    }
}
