import Logging
import ServiceLifecycle
import UnixSignals

/// On graceful shutdown: readiness turns 503 at once, then waits
/// `drainSeconds` so load balancers stop sending, then lets the server stop
/// (it finishes requests in flight).
struct DrainService: Service {
    let store: ModelStore
    let drainSeconds: Double
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        store.beginDrain()
        logger.info("draining: /ready answers 503", metadata: ["drain_seconds": .stringConvertible(drainSeconds)])
        if drainSeconds > 0 { try? await Task.sleep(for: .milliseconds(Int(drainSeconds * 1000))) }
    }
}

/// SIGHUP reloads the model file; a bad file is logged and the old model stays.
struct ReloadOnHangupService: Service {
    let store: ModelStore
    let metrics: ServeMetrics
    let path: String
    let logger: Logger

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        await withGracefulShutdownHandler {
            for await _ in signals.cancelOnGracefulShutdown() {
                _ = try? await store.reload(path: path, metrics: metrics, logger: logger, reason: "SIGHUP")
            }
        } onGracefulShutdown: {
        }
    }
}
