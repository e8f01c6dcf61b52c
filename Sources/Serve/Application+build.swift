import Hummingbird
import HummingbirdCore
import Logging
import ModelFile
import Pipeline
import RecsysCore
import ServiceLifecycle

public typealias RecsysApplication = Application<RouterResponder<RecsysRequestContext>>

/// Builds the HTTP application; `main` and the tests both call this.
/// Loads the model first: a missing or corrupt file fails here, before the
/// server listens.
public func buildApplication(
    _ configuration: ServeConfiguration, store: ModelStore = ModelStore(), metrics: ServeMetrics = ServeMetrics(),
    logger: Logger? = nil, services: [any Service] = [], live: LiveEvents? = nil
) throws -> RecsysApplication {
    var logger = logger ?? Logger(label: "recsys-serve")
    logger.logLevel = configuration.logLevel
    if store.current == nil {
        let loaded = try store.load(path: configuration.modelPath)
        metrics.recordModel(version: loaded.version, loadSeconds: loaded.loadSeconds, loadedAt: loaded.loadedAt)
        logger.info(
            "model loaded",
            metadata: [
                "model_version": .string(loaded.version), "path": .string(configuration.modelPath),
                "load_seconds": .stringConvertible(loaded.loadSeconds), "reason": "startup",
            ])
    }
    let live = try live ?? LiveEvents.open(configuration, metrics: metrics, logger: logger)
    let router = buildRouter(configuration, store: store, metrics: metrics, live: live)
    var server = ApplicationConfiguration(
        address: .hostname(configuration.host, port: configuration.port), serverName: "recsys-serve")
    // A cap on open connections: past it, new ones wait in the backlog instead of growing memory.
    server.availableConnectionsDelegate = MaximumAvailableConnections(configuration.maxConnections)
    return Application(
        router: router,
        // Idle keep-alive (and half-sent) connections are closed, so they cannot pile up; a
        // stalled body is answered 408 first; HTTP/1.0 without keep-alive is closed after its answer.
        server: .guardedHTTP1(
            configuration: .init(idleTimeout: .seconds(Int64(configuration.idleTimeoutSeconds))),
            bodyTimeout: .milliseconds(
                Int64(1000 * min(configuration.bodyTimeoutSeconds, 0.8 * configuration.idleTimeoutSeconds)))),
        configuration: server,
        services: services,
        logger: logger)
}

/// The routes, in one place. The admin and retrain routes sit in a group
/// behind the admin token; 405 answers read the router's own route list.
func buildRouter(_ configuration: ServeConfiguration, store: ModelStore, metrics: ServeMetrics, live: LiveEvents)
    -> Router<RecsysRequestContext>
{
    // HEAD wherever GET is: the GET handler's headers without its body.
    let router = Router(context: RecsysRequestContext.self, options: .autoGenerateHeadEndpoints)
    let routes = RouteTable()
    router.add(middleware: RequestLogMiddleware(metrics: metrics))
    // Outside the error middleware, so error answers carry the CORS headers too.
    if configuration.cors != .off { router.add(middleware: CORSAllowlistMiddleware(policy: configuration.cors)) }
    router.add(middleware: JSONErrorMiddleware(routes: routes))
    let services = ServeServices(store: store, metrics: metrics, configuration: configuration, live: live)
    let recommend = RecommendController(services: services)
    let events = EventsController(services: services)
    let health = HealthController(services: services)
    let model = ModelController(services: services)
    let predict = PredictController(services: services)
    let tasks = RetrainTasks(folder: configuration.resolvedStateFolder, command: configuration.resolvedTrainCommand)
    let train = TrainController(services: services, tasks: tasks)
    router.get("/recommend/:user_id", use: recommend.recommend)
    router.get("/health", use: health.health)
    router.head("/health", use: health.health)
    router.get("/ready", use: health.ready)
    router.head("/ready", use: health.ready)
    router.get("/model", use: model.info)
    router.post("/api/v1/recs/predict", use: predict.predict)
    router.post("/api/v1/recs/batch", use: BatchRecommendController(services: services).batch)
    router.get("/metrics") { _, _ in
        Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: metrics.text())))
    }
    router.get("/api/v1/visitors/:visitor_id/events", use: events.visitorEvents)
    router.get("/items/:item_id/similar", use: SimilarItemsController(services: services).similar)
    let items = ItemsController(services: services)
    router.get("/items/:item_id", use: items.item)
    let docs = APIDocsController()
    router.get("/openapi.yaml", use: docs.yaml)
    router.get("/openapi.json", use: docs.json)
    router.get("/docs", use: docs.docs)
    router.get("/", use: docs.index)
    let dashboard = DashboardController(services: services, tasks: tasks)
    router.get("/dashboard", use: dashboard.page)
    router.get("/dashboard/data.json", use: dashboard.data)
    router.group()
        .add(middleware: BearerTokenMiddleware(token: configuration.apiKey, whenUnset: .allow))
        .post("/api/v1/events", use: events.post)
        .post("/api/v1/items", use: items.post)
    router.group()
        .add(middleware: BearerTokenMiddleware.admin(configuration))
        .post("/admin/reload", use: model.reload)
        .post("/api/v1/recs/train", use: train.train)
        .get("/api/v1/recs/status/:task_id", use: train.status)
    routes.fill(from: router)
    return router
}
