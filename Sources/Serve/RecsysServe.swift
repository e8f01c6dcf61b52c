import ArgumentParser
import Foundation
import Hummingbird
import Logging
import Pipeline
import ServiceLifecycle

/// `recsys-serve`: flags, else environment variables, else defaults.
@main
struct RecsysServe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recsys-serve",
        abstract: "Serve recommendations over HTTP from a model file.",
        discussion: """
            Environment variables (used when the flag is absent): RECSYS_MODEL, RECSYS_HOST, RECSYS_PORT,
            RECSYS_LOG_LEVEL, RECSYS_DRAIN_SECONDS, RECSYS_WATCH_SECONDS, RECSYS_STATE_DIR, RECSYS_TRAIN_DATA,
            and RECSYS_ADMIN_TOKEN (enables POST /admin/reload and the retrain API).
            SIGHUP reloads the model file; SIGTERM and SIGINT drain and stop gracefully.
            """
    )

    @Option(name: .long, help: "Model file to serve (env RECSYS_MODEL; default models/model.rrm).")
    var model: String?

    @Option(name: .long, help: "Address to bind (env RECSYS_HOST; default 127.0.0.1; use 0.0.0.0 in containers).")
    var host: String?

    @Option(name: .long, help: "Port (env RECSYS_PORT; default 8080).")
    var port: Int?

    @Option(
        name: .long,
        help: "trace, debug, info, notice, warning, error or critical (env RECSYS_LOG_LEVEL; default info).")
    var logLevel: String?

    @Option(
        name: .long,
        help: "Seconds /ready answers 503 before the listener closes on SIGTERM (env RECSYS_DRAIN_SECONDS; default 0).")
    var drainSeconds: Double?

    @Option(
        name: .long,
        help: "Seconds between checks of the model file for changes; 0 disables (env RECSYS_WATCH_SECONDS; default 2).")
    var watchSeconds: Double?

    @Option(
        name: .long,
        help:
            "Folder shared by replicas for retrain tasks and the trainer lock (env RECSYS_STATE_DIR; default next to the model)."
    )
    var stateDir: String?

    @Option(
        name: .long, help: "Data folder POST /api/v1/recs/train trains on (env RECSYS_TRAIN_DATA; default data/sample)."
    )
    var trainData: String?

    @Option(
        name: .long,
        help:
            "Live events store: a folder for the embedded append-only log (one writer), a postgres://user:password@host:5432/db URL shared by every replica, or 'memory' (lost on exit) (env RECSYS_EVENTS_STORE; default events/ in the state folder)."
    )
    var eventsStore: String?

    @Option(
        name: .long,
        help:
            "Browser origins whose pages may call the API (CORS): * for any, or a comma-separated list such as https://shop.example,https://www.shop.example (env RECSYS_CORS_ORIGINS; default none: same origin only)."
    )
    var corsOrigins: String?

    @Option(
        name: .long,
        help:
            "Live events kept in memory per visitor, the oldest evicted first (env RECSYS_LIVE_PER_VISITOR; default 200)."
    )
    var livePerVisitor: Int?

    @Option(
        name: .long,
        help:
            "Live events kept in memory in all, the least recently active visitors evicted first (env RECSYS_LIVE_MAX; default 10000000)."
    )
    var liveMax: Int?

    func resolved() throws -> ServeConfiguration {
        let env = ProcessInfo.processInfo.environment
        var c = ServeConfiguration()
        c.modelPath = model ?? env["RECSYS_MODEL"] ?? c.modelPath
        c.host = host ?? env["RECSYS_HOST"] ?? c.host
        if let p = port ?? env["RECSYS_PORT"].flatMap({ Int($0) }) { c.port = p }
        if env["RECSYS_PORT"] != nil && port == nil && Int(env["RECSYS_PORT"]!) == nil {
            throw ValidationError("RECSYS_PORT must be an integer, got \"\(env["RECSYS_PORT"]!)\"")
        }
        guard (0...65535).contains(c.port) else { throw ValidationError("port must be in 0...65535, got \(c.port)") }
        let level = logLevel ?? env["RECSYS_LOG_LEVEL"] ?? "info"
        guard let parsed = Logger.Level(rawValue: level.lowercased()) else {
            throw ValidationError(
                "log level must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(level)\""
            )
        }
        c.logLevel = parsed
        if let d = drainSeconds ?? env["RECSYS_DRAIN_SECONDS"].flatMap({ Double($0) }) {
            guard d >= 0 && d <= 300 else { throw ValidationError("drain seconds must be in 0...300") }
            c.drainSeconds = d
        }
        c.adminToken = env["RECSYS_ADMIN_TOKEN"]
        if let w = watchSeconds ?? env["RECSYS_WATCH_SECONDS"].flatMap({ Double($0) }) {
            guard w >= 0 && w <= 3600 else { throw ValidationError("watch seconds must be in 0...3600") }
            c.watchSeconds = w
        }
        c.stateFolder = stateDir ?? env["RECSYS_STATE_DIR"]
        if let d = trainData ?? env["RECSYS_TRAIN_DATA"] { c.trainData = d }
        c.eventsStore = eventsStore ?? env["RECSYS_EVENTS_STORE"]
        if let t = env["RECSYS_IDLE_TIMEOUT_SECONDS"] {
            guard let v = Double(t), v >= 1, v <= 3600 else {
                throw ValidationError("RECSYS_IDLE_TIMEOUT_SECONDS must be in 1...3600, got \"\(t)\"")
            }
            c.idleTimeoutSeconds = v
        }
        if let m = env["RECSYS_MAX_CONNECTIONS"] {
            guard let v = Int(m), v >= 1 else {
                throw ValidationError("RECSYS_MAX_CONNECTIONS must be a positive integer, got \"\(m)\"")
            }
            c.maxConnections = v
        }
        c.apiKey = env["RECSYS_API_KEY"]
        // Empty means unset, so a compose file can pass `${RECSYS_CORS_ORIGINS:-}` through.
        if let origins = corsOrigins ?? env["RECSYS_CORS_ORIGINS"], !origins.allSatisfy(\.isWhitespace) {
            do {
                c.cors = try CORSPolicy(parsing: origins)
            } catch {
                throw ValidationError("--cors-origins / RECSYS_CORS_ORIGINS: \(error.message)")
            }
        }
        func limit(_ flag: Int?, _ name: String, _ fallback: Int) throws -> Int {
            guard let text = flag.map(String.init) ?? env[name] else { return fallback }
            guard let v = Int(text), v >= 1 else {
                throw ValidationError("\(name) must be a positive integer, got \"\(text)\"")
            }
            return v
        }
        c.liveLimits = LiveOverlay.Limits(
            perVisitor: try limit(livePerVisitor, "RECSYS_LIVE_PER_VISITOR", c.liveLimits.perVisitor),
            total: try limit(liveMax, "RECSYS_LIVE_MAX", c.liveLimits.total))
        return c
    }

    func run() async throws {
        let eventLoops = ServerThreads.configure(environment: ProcessInfo.processInfo.environment)
        let configuration = try resolved()
        LoggingSystem.bootstrap { label in
            var h = JSONLogHandler(label: label)
            h.logLevel = configuration.logLevel
            return h
        }
        var logger = Logger(label: "recsys-serve")
        logger.logLevel = configuration.logLevel
        logger.debug("threads", metadata: ["event_loops": .stringConvertible(eventLoops)])
        let store = ModelStore()
        let metrics = ServeMetrics()
        let app: RecsysApplication
        do {
            app = try buildApplication(configuration, store: store, metrics: metrics, logger: logger)
        } catch {
            logger.critical("cannot start: \(error)", metadata: ["path": .string(configuration.modelPath)])
            FileHandle.standardError.write(
                Data("recsys-serve: cannot load model \(configuration.modelPath): \(error)\n".utf8))
            throw ExitCode(2)
        }
        // Reverse order on shutdown: SIGHUP listener, then drain (503), then the server.
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: app),
                    .init(
                        service: DrainService(store: store, drainSeconds: configuration.drainSeconds, logger: logger)),
                    .init(
                        service: ReloadOnHangupService(
                            store: store, metrics: metrics, path: configuration.modelPath, logger: logger)),
                    .init(
                        service: ModelFileWatcher(
                            path: configuration.modelPath, intervalSeconds: configuration.watchSeconds
                        ) {
                            [path = configuration.modelPath, logger] in
                            _ = try? await store.reload(
                                path: path, metrics: metrics, logger: logger, reason: "file changed")
                        }),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
        logger.info("stopped")
    }
}
