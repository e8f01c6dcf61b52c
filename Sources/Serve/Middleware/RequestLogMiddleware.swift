import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Synchronization

/// Takes or makes the request id, echoes it, records metrics and writes one
/// structured log line per request (method, path, status, latency, id).
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = RecsysRequestContext
    let metrics: ServeMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let started = ContinuousClock.now
        var context = context
        context.requestID = Self.requestID(from: request)
        // This request's lines, its own log line included, carry the id the client sees.
        context.logger[metadataKey: "request_id"] = .string(context.requestID)
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            response = APIError(.internalServerError, code: "internal", "internal error").response()
        }
        response.headers[Self.requestIDHeader] = context.requestID
        let elapsed = ContinuousClock.now - started
        let route = context.endpointPath ?? "unmatched"
        metrics.recordRequest(route: route, status: Int(response.status.code), duration: elapsed)
        let ms = Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000
        context.logger.info(
            "request",
            metadata: [
                "method": .string(request.method.rawValue),
                "path": .string(truncated(request.uri.path, 200)),
                "route": .string(route),
                "status": .stringConvertible(response.status.code),
                "latency_ms": .string(String(format: "%.3f", ms)),
            ])
        return response
    }

    static let requestIDHeader = HTTPField.Name("X-Request-ID")!

    /// A client's id is kept when it is short and printable; otherwise a new
    /// one is made: a random per-process prefix and a counter (no syscall per request).
    static func requestID(from request: Request) -> String {
        if let given = request.headers[requestIDHeader], !given.isEmpty, given.count <= 128,
            given.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
        {
            return given
        }
        let n = counter.add(1, ordering: .relaxed).newValue
        return processPrefix + String(n, radix: 16)
    }

    private static let counter = Atomic<UInt64>(0)
    private static let processPrefix: String = {
        var rng = SystemRandomNumberGenerator()
        let value: UInt64 = rng.next() & 0xFFFF_FFFF
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 8 - hex.count) + hex + "-"
    }()
}
