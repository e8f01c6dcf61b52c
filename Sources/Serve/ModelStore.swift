import Foundation
import Logging
import ModelFile
import Pipeline
import RecsysCore
import Synchronization

/// The model being served, swapped atomically on reload, and the
/// readiness phase a load balancer sees.
public final class ModelStore: Sendable {
    public enum Phase: String, Sendable { case starting, ready, draining }

    /// One loaded model file. A class: requests share it by reference, and
    /// a reload swaps one pointer under the lock.
    public final class Loaded: Sendable {
        public let pipeline: TwoStagePipeline
        public let path: String
        public let loadedAt: Date
        public let loadSeconds: Double
        public var version: String { pipeline.artifacts.metadata.modelVersion }

        init(pipeline: TwoStagePipeline, path: String, loadedAt: Date, loadSeconds: Double) {
            self.pipeline = pipeline
            self.path = path
            self.loadedAt = loadedAt
            self.loadSeconds = loadSeconds
        }
    }

    private let state = Mutex<(loaded: Loaded?, phase: Phase)>((nil, .starting))

    public init() {}

    public var current: Loaded? { state.withLock { $0.loaded } }
    public var phase: Phase { state.withLock { $0.phase } }

    /// Reads and validates `path`; the old model keeps serving if this throws.
    @discardableResult
    public func load(path: String) throws -> Loaded {
        let started = Date()
        let artifacts = try ModelBundle.read(path: path)
        let loaded = Loaded(
            pipeline: TwoStagePipeline(artifacts: artifacts), path: path, loadedAt: Date(),
            loadSeconds: Date().timeIntervalSince(started))
        state.withLock {
            $0.loaded = loaded
            if $0.phase == .starting { $0.phase = .ready }
        }
        return loaded
    }

    /// Loads `path` off the caller's thread, records it in `metrics` and
    /// logs it; a bad file is logged and rejected (the old model keeps
    /// serving). Every reload (admin route, SIGHUP, file watcher, retrain) comes here.
    @discardableResult
    public func reload(path: String, metrics: ServeMetrics, logger: Logger, reason: String) async throws -> Loaded {
        do {
            let loaded = try await runBlocking { try self.load(path: path) }
            metrics.recordModel(version: loaded.version, loadSeconds: loaded.loadSeconds, loadedAt: loaded.loadedAt)
            logger.info(
                "model loaded",
                metadata: [
                    "model_version": .string(loaded.version), "path": .string(path), "reason": .string(reason),
                    "load_seconds": .stringConvertible(loaded.loadSeconds),
                ])
            return loaded
        } catch {
            logger.error(
                "model reload rejected; the previous model keeps serving",
                metadata: ["error": .string("\(error)"), "path": .string(path), "reason": .string(reason)])
            throw error
        }
    }

    /// Readiness turns 503 from now on; requests in flight still finish.
    public func beginDrain() { state.withLock { $0.phase = .draining } }
}
