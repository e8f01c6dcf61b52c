/// What the route controllers share: the served model, the metrics, the
/// configuration and the live events. Built once per application.
struct ServeServices: Sendable {
    let store: ModelStore
    let metrics: ServeMetrics
    let configuration: ServeConfiguration
    let live: LiveEvents
}

/// A controller that reads the shared services by name.
protocol UsesServeServices {
    var services: ServeServices { get }
}

extension UsesServeServices {
    var store: ModelStore { services.store }
    var metrics: ServeMetrics { services.metrics }
    var configuration: ServeConfiguration { services.configuration }
    var live: LiveEvents { services.live }
}
