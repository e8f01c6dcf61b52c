import Hummingbird
import Synchronization

/// The routes the router holds, read from the router itself once every
/// route is registered (a list kept beside it drifts): the 405 answers and
/// the OpenAPI check use it.
final class RouteTable: Sendable {
    struct Route: Sendable, Equatable {
        /// Path components; captures as `{name}`.
        var pattern: [String]
        var methods: [String]

        /// The pattern as Hummingbird names an endpoint (`/recommend/{user_id}`): the request log's route label.
        var path: String { "/" + pattern.joined(separator: "/") }

        /// The methods answered: the registered ones, and HEAD wherever GET is (the router generates those
        /// endpoints, `RouterOptions.autoGenerateHeadEndpoints`, as RFC 9110 asks of every server).
        var answered: [String] {
            methods.contains("GET") && !methods.contains("HEAD") ? (methods + ["HEAD"]).sorted() : methods
        }
    }

    private let stored = Mutex<[Route]>([])

    var routes: [Route] { stored.withLock { $0 } }

    /// Takes the router's routes, grouped by path.
    func fill<Context>(from router: Router<Context>) {
        var byPath: [String: [String]] = [:]
        var order: [String] = []
        for route in router.routes {
            let path = route.path.description
            if byPath[path] == nil { order.append(path) }
            byPath[path, default: []].append(route.method.rawValue)
        }
        let routes = order.map { path in
            Route(
                pattern: path.split(separator: "/", omittingEmptySubsequences: true).map(String.init),
                methods: byPath[path]!.sorted())
        }
        stored.withLock { $0 = routes }
    }

    /// The methods a concrete path allows, when some route matches it.
    func allowedMethods(for path: String) -> [String]? { route(matching: path)?.methods }

    /// The route whose pattern matches a concrete path, whatever the method.
    func route(matching path: String) -> Route? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        for route in routes where route.pattern.count == parts.count {
            if zip(route.pattern, parts).allSatisfy({ $0.hasPrefix("{") || $0 == $1 }) { return route }
        }
        return nil
    }
}
