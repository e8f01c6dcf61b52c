import Candidates
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Pipeline
import TestSupport
import Testing

@testable import Serve

/// docs/openapi.yaml documents exactly the routes the application registers.
struct OpenAPITests {
    /// Paths and methods from the document (two-space path keys, four-space methods).
    func documented() throws -> [String: Set<String>] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "../../docs/openapi.yaml")
        let text = try String(contentsOf: url, encoding: .utf8)
        var out: [String: Set<String>] = [:]
        var inPaths = false
        var current: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "paths:" {
                inPaths = true
                continue
            }
            if inPaths && !line.hasPrefix(" ") && !line.isEmpty { break }
            guard inPaths else { continue }
            if line.hasPrefix("  /") && line.hasSuffix(":") {
                current = String(line.dropFirst(2).dropLast())
                out[current!] = []
            } else if let c = current, line.hasPrefix("    "), !line.hasPrefix("     "), line.hasSuffix(":") {
                out[c]!.insert(String(line.dropFirst(4).dropLast()).uppercased())
            }
        }
        return out
    }

    @Test func everyRouteIsDocumentedAndNothingElse() throws {
        var registered: [String: Set<String>] = [:]
        let c = try ServeConfiguration.forTests()
        let routes = RouteTable()
        let metrics = ServeMetrics()
        let live = try LiveEvents.open(c, metrics: metrics, logger: Logger(label: "test"))
        routes.fill(from: buildRouter(c, store: ModelStore(), metrics: metrics, live: live))
        for route in routes.routes {
            registered["/" + route.pattern.joined(separator: "/"), default: []].formUnion(route.methods)
        }
        // The admin group's routes are in the router's list too.
        #expect(registered["/admin/reload"] == ["POST"])
        #expect(try documented() == registered)
    }
}

extension OpenAPITests {
    /// The real router answers every documented (path, method) and refuses the rest.
    @Test func theRouterServesExactlyTheDocumentedRoutes() async throws {
        let c = try ServeConfiguration.forTests()
        let app = try buildApplication(c)
        let documented = try documented()
        try await app.test(.router) { client in
            for (path, methods) in documented {
                let uri = path.replacingOccurrences(of: "{user_id}", with: "1")
                    .replacingOccurrences(of: "{task_id}", with: "00000000-0000-0000-0000-000000000000")
                    .replacingOccurrences(of: "{visitor_id}", with: "1")
                for method in ["GET", "POST", "HEAD", "PUT", "DELETE"] {
                    try await client.execute(
                        uri: uri, method: .init(method)!, body: ByteBuffer(string: "{\"user_id\":1}")
                    ) {
                        response in
                        if methods.contains(method) {
                            #expect(
                                response.status != .notFound && response.status != .methodNotAllowed,
                                "\(method) \(path)")
                        } else {
                            #expect(response.status == .methodNotAllowed, "\(method) \(path) should be 405")
                        }
                    }
                }
            }
        }
    }
}
