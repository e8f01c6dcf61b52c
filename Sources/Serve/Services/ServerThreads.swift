import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// How many threads answer requests, and which.
///
/// SwiftNIO sizes its event loops by the machine's cores, or by a cgroup's
/// CPU quota or cpuset, but not by the process's CPU affinity: under
/// `taskset -c 0` (or any affinity mask narrower than the machine) it still
/// starts one loop per core, and the loops then take turns on the allowed
/// CPUs. The server asks for no more loops than CPUs it may run on:
/// `scripts/bench_scale.sh` pins the server to one core, where one loop
/// answered `/recommend` 1.2-1.3 x faster than two (docs/benchmarks.md).
enum ServerThreads {
    struct Choice: Equatable {
        var eventLoops: Int
        var onEventLoops: Bool
    }

    /// Call once, first thing in `main`, before anything uses NIO's shared
    /// event loop group. `RECSYS_EVENT_LOOP_EXECUTOR=1` also makes the loops
    /// Swift Concurrency's global executor, so handlers run on the loop that
    /// read the request: `/recommend` gained, `/health` and single-event
    /// `POST`s lost (docs/benchmarks.md), hence not the default.
    static func configure(environment: [String: String]) -> Choice {
        // NIO's own variable, when set, is the operator's choice.
        if environment["NIO_SINGLETON_GROUP_LOOP_COUNT"] == nil {
            NIOSingletons.groupLoopCountSuggestion = loopCount(
                coreCount: System.coreCount, allowedCPUs: allowedCPUs())
        }
        let loops = NIOSingletons.groupLoopCountSuggestion
        let takeOver =
            environment["RECSYS_EVENT_LOOP_EXECUTOR"] == "1"
            && NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        return Choice(eventLoops: loops, onEventLoops: takeOver)
    }

    /// NIO's count, never more than the CPUs of the affinity mask.
    static func loopCount(coreCount: Int, allowedCPUs: Int?) -> Int {
        max(1, min(coreCount, allowedCPUs ?? coreCount))
    }

    /// CPUs in this process's affinity mask (`sched_getaffinity`); nil where unknown.
    static func allowedCPUs() -> Int? {
        #if canImport(Glibc)
        // Swift's Glibc module leaves out the _GNU_SOURCE call, so it is looked up by name.
        typealias GetAffinity = @convention(c) (pid_t, Int, UnsafeMutableRawPointer) -> Int32
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "sched_getaffinity") else { return nil }
        let getAffinity = unsafeBitCast(symbol, to: GetAffinity.self)
        var mask = [UInt8](repeating: 0, count: 1024)  // room for 8192 CPUs
        let ok = mask.withUnsafeMutableBytes { getAffinity(0, $0.count, $0.baseAddress!) } == 0
        let count = mask.reduce(0) { $0 + $1.nonzeroBitCount }
        return ok && count > 0 ? count : nil
        #else
        return nil
        #endif
    }
}

/// Runs blocking `work` on NIO's thread pool, never on an event loop or on
/// Swift's small global pool: a model load takes seconds, and with
/// `RECSYS_EVENT_LOOP_EXECUTOR=1` every task runs on a loop, where it would
/// hold up that loop's connections.
func offLoop<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await NIOThreadPool.singleton.runIfActive(work)
}
