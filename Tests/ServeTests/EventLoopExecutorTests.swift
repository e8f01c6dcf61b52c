import Foundation
import NIOCore
import NIOPosix
import Testing

@testable import Serve

/// The server runs its tasks on the event loops (`EventLoopExecutor`), so
/// blocking work must leave the loop: these check `offLoop` does.
struct EventLoopExecutorTests {
    /// Runs a task's jobs on one event loop, as the server runs every task
    /// once the loops are the global executor.
    final class LoopTaskExecutor: TaskExecutor {
        let loop: any EventLoop
        init(_ loop: any EventLoop) { self.loop = loop }
        func enqueue(_ job: consuming ExecutorJob) {
            let job = UnownedJob(job)
            loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
        }
    }

    @Test func blockingWorkLeavesTheLoopFreeForOtherConnections() async throws {
        // The shared group, as the server's: it lives as long as the process.
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let blocked = Task(executorPreference: LoopTaskExecutor(loop)) {
            try await offLoop { Thread.sleep(forTimeInterval: 1.5) }
        }
        // Give the blocking call time to start, then ask the loop for a trivial job.
        try await Task.sleep(for: .milliseconds(100))
        let asked = ContinuousClock.now
        try await loop.submit {}.get()
        let waited = ContinuousClock.now - asked
        try await blocked.value
        // Run on the loop itself, the sleep would have held the job for about 1.4 s.
        #expect(waited < .milliseconds(700), "the loop waited \(waited) for the blocking work")
    }

    @Test func theEnvironmentCanKeepSwiftsGlobalPool() {
        #expect(!EventLoopExecutor.installUnlessDisabled(environment: ["RECSYS_EVENT_LOOP_EXECUTOR": "0"]))
    }
}
