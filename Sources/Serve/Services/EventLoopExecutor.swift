import NIOCore
import NIOPosix

/// Where the server's async work runs.
///
/// By default Swift Concurrency's global pool is replaced by SwiftNIO's event
/// loops, so a request's handler runs on the thread that read it and writes
/// its answer there too. Without it, every request crosses threads twice
/// (event loop -> pool -> event loop), and on a busy core those switches cost
/// more than a recommendation: `scripts/bench_scale.sh` measured it (docs/benchmarks.md).
///
/// The price: nothing may block inside a task, since it would stall every
/// connection of that loop. Blocking work (model loads, the retrain process)
/// goes through ``offLoop(_:)``.
enum EventLoopExecutor {
    /// Installs the event loops as the global executor unless
    /// `RECSYS_EVENT_LOOP_EXECUTOR=0`; true when installed. Call once, first thing.
    static func installUnlessDisabled(environment: [String: String]) -> Bool {
        guard environment["RECSYS_EVENT_LOOP_EXECUTOR"] != "0" else { return false }
        return NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }
}

/// Runs blocking `work` on NIO's thread pool, never on an event loop: a
/// model load takes seconds and must not hold up the connections of the loop
/// that asked for it.
func offLoop<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await NIOThreadPool.singleton.runIfActive(work)
}
