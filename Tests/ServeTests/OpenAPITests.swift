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
                // HEAD is answered wherever GET is (the router generates it).
                let answered = methods.contains("GET") ? methods.union(["HEAD"]) : methods
                for method in ["GET", "POST", "HEAD", "PUT", "DELETE"] {
                    try await client.execute(
                        uri: uri, method: .init(method)!, body: ByteBuffer(string: "{\"user_id\":1}")
                    ) {
                        response in
                        if answered.contains(method) {
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

extension OpenAPITests {
    /// HEAD of a GET route: the GET answer's status and headers, no body; a 405 lists HEAD where GET is.
    @Test func headIsAnsweredWhereverGetIs() async throws {
        let app = try buildApplication(try ServeConfiguration.forTests())
        try await app.test(.router) { client in
            let get = try await client.execute(uri: "/recommend/8283?n=3&at=1442534400000", method: .get) { $0 }
            let head = try await client.execute(uri: "/recommend/8283?n=3&at=1442534400000", method: .head) { $0 }
            #expect(get.status == .ok && head.status == .ok)
            #expect(head.headers[.contentType] == get.headers[.contentType])
            #expect(get.body.readableBytes > 0)
            #expect(head.body.readableBytes == 0)
            let bad = try await client.execute(uri: "/recommend/abc", method: .head) { $0.status }
            #expect(bad == .badRequest)
            try await client.execute(uri: "/recommend/8283", method: .delete) { r in
                #expect(r.status == .methodNotAllowed)
                #expect(r.headers[.allow] == "GET, HEAD")
            }
            try await client.execute(uri: "/api/v1/events", method: .delete) { r in
                #expect(r.headers[.allow] == "POST")
            }
        }
    }
}
