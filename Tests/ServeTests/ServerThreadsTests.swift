import Foundation
import NIOCore
import NIOPosix
import Testing

@testable import Serve

struct ServerThreadsTests {
    @Test func noMoreEventLoopsThanAllowedCPUs() {
        #expect(ServerThreads.loopCount(coreCount: 2, allowedCPUs: 1) == 1)
        #expect(ServerThreads.loopCount(coreCount: 8, allowedCPUs: 3) == 3)
        // A CPU quota below the mask (NIO's count) stays the limit.
        #expect(ServerThreads.loopCount(coreCount: 1, allowedCPUs: 2) == 1)
        #expect(ServerThreads.loopCount(coreCount: 4, allowedCPUs: nil) == 4)
    }

    /// The affinity mask as the kernel reports it in /proc/self/status ("0-1,4").
    @Test func allowedCPUsMatchTheKernelsList() throws {
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("Cpus_allowed_list:") })
        let list = line.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)
        var count = 0
        for part in list.split(separator: ",") {
            let bounds = part.split(separator: "-").compactMap { Int($0) }
            count += bounds.count == 2 ? bounds[1] - bounds[0] + 1 : 1
        }
        #expect(ServerThreads.allowedCPUs() == count)
    }

    /// Runs a task's jobs on one event loop: an executor with one thread, as
    /// a one-core machine's global pool.
    final class LoopTaskExecutor: TaskExecutor {
        let loop: any EventLoop
        init(_ loop: any EventLoop) { self.loop = loop }
        func enqueue(_ job: consuming ExecutorJob) {
            let job = UnownedJob(job)
            loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
        }
    }

    @Test func blockingWorkLeavesTheCallersThreadFree() async throws {
        // A loop of its own: the shared group also runs other tests' servers, whose work would delay the probe.
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let blocked = Task(executorPreference: LoopTaskExecutor(loop)) {
            try await runBlocking { Thread.sleep(forTimeInterval: 3) }
        }
        // Give the blocking call time to start, then ask the loop for a trivial job.
        try await Task.sleep(for: .milliseconds(200))
        // The probe reads the clock on the loop: the time this task takes to resume afterwards depends on
        // Swift's shared pool, which the other tests running in parallel can keep busy for seconds.
        let asked = ContinuousClock.now
        let ran = try await loop.submit { ContinuousClock.now }.get()
        let waited = ran - asked
        try await blocked.value
        try await group.shutdownGracefully()
        // Run on the caller's executor, the sleep would have held the job for about 2.8 s.
        #expect(waited < .milliseconds(1_400), "the loop waited \(waited) for the blocking work")
    }
}
