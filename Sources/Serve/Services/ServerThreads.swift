import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#endif

/// How many event loops the server starts.
///
/// SwiftNIO sizes its event loops by the machine's cores, or by a cgroup's
/// CPU quota or cpuset, but not by the process's CPU affinity: under
/// `taskset -c 0` (or any affinity mask narrower than the machine) it still
/// starts one loop per core, and the loops then take turns on the allowed
/// CPUs. The server asks for no more loops than CPUs it may run on:
/// pinned to one core, one loop answered `/recommend` 1.21 x faster than two
/// (`scripts/ab_serve.sh` with `PIN=1`, docs/benchmarks.md).
enum ServerThreads {
    /// Call once, first thing in `main`, before anything uses NIO's shared
    /// event loop group; returns the number of loops.
    static func configure(environment: [String: String]) -> Int {
        // NIO's own variable, when set, is the operator's choice.
        if environment["NIO_SINGLETON_GROUP_LOOP_COUNT"] == nil {
            NIOSingletons.groupLoopCountSuggestion = loopCount(
                coreCount: System.coreCount, allowedCPUs: allowedCPUs())
        }
        return NIOSingletons.groupLoopCountSuggestion
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

/// Runs blocking `work` on NIO's thread pool, not on the caller's executor:
/// Swift's global pool has one thread per core, and a model load that held
/// one for seconds would halve the threads left for requests.
func runBlocking<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await NIOThreadPool.singleton.runIfActive(work)
}
