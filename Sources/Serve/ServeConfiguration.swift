import Logging

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
