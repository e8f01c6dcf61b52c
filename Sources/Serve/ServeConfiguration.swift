import Foundation
import Logging
import Pipeline

/// Everything `recsys-serve` can be told, from flags or the environment.
public struct ServeConfiguration: Sendable {
    public var modelPath: String
    public var host: String
    public var port: Int
    public var logLevel: Logger.Level
    /// Bearer token for `/admin/*`; admin routes answer 403 when unset.
    public var adminToken: String?
    /// Seconds `/ready` reports 503 before the listener closes on SIGTERM,
    /// so a load balancer stops routing here first.
    public var drainSeconds: Double
    public var defaultN: Int
    public var maxN: Int
    /// Shared by all replicas: retrain task records and the trainer lock.
    public var stateFolder: String?
    /// What `POST /api/v1/recs/train` runs; nil: `recsys-train train` next to this binary.
    public var trainCommand: [String]?
    /// Data folder for the default retrain command.
    public var trainData: String = "data/sample"
    /// How often the model file is checked for changes (0: never).
    public var watchSeconds: Double = 2
    /// Where live events are kept: a folder for the embedded log (default
    /// `events/` in the state folder), or `memory` (lost on exit; tests).
    public var eventsStore: String?
    /// Bearer key `POST /api/v1/events` requires when set; reads stay open.
    public var apiKey: String?
    /// Browser origins allowed to call the API (CORS); off by default.
    public var cors = CORSPolicy.off
    /// Live events kept per visitor and in all (the oldest are evicted).
    public var liveLimits = LiveOverlay.Limits()
    /// Seconds a connection may stay idle (no complete request) before it is closed.
    public var idleTimeoutSeconds: Double = 60
    /// Seconds a request body may go without a byte before the request is
    /// answered `408` (at most 80% of the idle timeout, which would close the
    /// connection without an answer).
    public var bodyTimeoutSeconds: Double = 30
    /// Open connections at most; more wait in the listen backlog.
    public var maxConnections = 4096

    /// The event store location.
    public var resolvedEventsStore: String { eventsStore ?? resolvedStateFolder + "/events" }

    /// The state folder, by default next to the model file.
    public var resolvedStateFolder: String {
        stateFolder ?? (URL(fileURLWithPath: modelPath).deletingLastPathComponent().path + "/recsys-state")
    }

    public var resolvedTrainCommand: [String] {
        if let trainCommand { return trainCommand }
        let here = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        // Retraining reads the live events too (read-only: this server keeps appending).
        let events = resolvedEventsStore == "memory" ? [] : ["--events", resolvedEventsStore]
        return [
            here.appendingPathComponent("recsys-train").path, "train", "--data", trainData, "--out", modelPath,
            "--quiet",
        ] + events
    }

    public init(
        modelPath: String = "models/model.rrm", host: String = "127.0.0.1", port: Int = 8080,
        logLevel: Logger.Level = .info, adminToken: String? = nil, drainSeconds: Double = 0, defaultN: Int = 5,
        maxN: Int = 100
    ) {
        self.modelPath = modelPath
        self.host = host
        self.port = port
        self.logLevel = logLevel
        self.adminToken = adminToken
        self.drainSeconds = drainSeconds
        self.defaultN = defaultN
        self.maxN = maxN
    }
}
