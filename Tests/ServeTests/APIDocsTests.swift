import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import TestSupport
import Testing

@testable import Serve

/// `GET /openapi.yaml`, `/openapi.json` and `/docs` against the router and docs/openapi.yaml.
struct APIDocsTests {
    /// Method and path of every route the application registers.
    func registered() throws -> [(method: String, path: String)] {
        let c = try ServeConfiguration.forTests()
        let routes = RouteTable()
        let metrics = ServeMetrics()
        let live = try LiveEvents.open(c, metrics: metrics, logger: Logger(label: "test"))
        routes.fill(from: buildRouter(c, store: ModelStore(), metrics: metrics, live: live))
        let out = routes.routes.flatMap { route in
            route.methods.map { (method: $0, path: "/" + route.pattern.joined(separator: "/")) }
        }
        #expect(out.count >= 15)
        return out
    }

    func get(_ uri: String) async throws -> (HTTPResponse.Status, String?, String) {
        let app = try buildApplication(try ServeConfiguration.forTests())
        return try await app.test(.router) { client in
            try await client.execute(uri: uri, method: .get) {
                ($0.status, $0.headers[.contentType], String(buffer: $0.body))
            }
        }
    }

    /// The compiled-in copy is the checked-in file; when this fails, run `python3 scripts/gen_openapi.py`.
    @Test func servedYAMLIsTheCheckedInDocument() async throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../docs/openapi.yaml")
        let file = try String(contentsOf: url, encoding: .utf8)
        let (status, type, body) = try await get("/openapi.yaml")
        #expect(status == .ok)
        #expect(type?.hasPrefix("application/yaml") == true)
        #expect(body == file, "docs/openapi.yaml changed: run python3 scripts/gen_openapi.py")
    }

    /// /openapi.json parses, and its paths and methods are the router's and the YAML's.
    @Test func servedJSONDescribesEveryRouterPath() async throws {
        let (status, type, body) = try await get("/openapi.json")
        #expect(status == .ok)
        #expect(type?.hasPrefix("application/json") == true)
        let spec = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        #expect(spec["openapi"] as? String == "3.0.3")
        let paths = try #require(spec["paths"] as? [String: [String: Any]])
        var fromJSON: [String: Set<String>] = [:]
        for (path, item) in paths {
            fromJSON[path] = Set(
                item.keys.filter { ["get", "head", "post", "put", "patch", "delete"].contains($0) }
                    .map { $0.uppercased() })
        }
        var fromRouter: [String: Set<String>] = [:]
        for route in try registered() { fromRouter[route.path, default: []].insert(route.method) }
        #expect(fromJSON == fromRouter)
        #expect(fromJSON == (try OpenAPITests().documented()))
        // Every $ref points somewhere.
        for ref in body.matches(of: /"\$ref": "#\/([^"]+)"/).map({ String($0.1) }) {
            var node: Any? = spec
            for part in ref.split(separator: "/") { node = (node as? [String: Any])?[String(part)] }
            #expect(node != nil, "dangling $ref #/\(ref)")
        }
    }

    /// The server's root lists every registered operation and where the documentation is.
    @Test func theRootIndexListsEveryRoute() async throws {
        let (status, type, page) = try await get("/")
        #expect(status == .ok)
        #expect(type?.hasPrefix("application/json") == true)
        #expect(page.contains("\"docs\":\"/docs\""), "slashes are not escaped")
        let index = try #require(JSONSerialization.jsonObject(with: Data(page.utf8)) as? [String: Any])
        #expect(index["docs"] as? String == "/docs")
        let operations = try #require(index["operations"] as? [[String: String]])
        let listed = Set(operations.map { "\($0["method"] ?? "") \($0["path"] ?? "")" })
        #expect(listed == Set(try registered().map { "\($0.method) \($0.path)" }))
        #expect(operations.allSatisfy { !($0["summary"] ?? "").isEmpty })
    }

    @Test func docsPageShowsEveryRouteAndLoadsNothingElse() async throws {
        let (status, type, page) = try await get("/docs")
        #expect(status == .ok)
        #expect(type?.hasPrefix("text/html") == true)
        for route in try registered() {
            let op = SpecOperations.Operation(method: route.method, path: route.path, summary: "")
            #expect(
                page.contains("<a href=\"#\(op.anchor)\" data-route=\"\(route.method) \(route.path)\">"),
                "\(route.method) \(route.path) is not on /docs")
        }
        // Self-contained: no external scripts, styles, images or fonts.
        for external in ["<script src", "<link", "@import", "url(", "src=\"http", "href=\"http", "https://", "http://"]
        {
            #expect(!page.contains(external), "\(external)")
        }
        #expect(page.contains("id=\"js-errors\""))
        #expect(page.contains("window.onerror"))
        // The embedded document is the served JSON.
        let open = try #require(page.range(of: "<script id=\"spec\" type=\"application/json\">"))
        let close = try #require(page.range(of: "</script>", range: open.upperBound..<page.endIndex))
        let embedded = String(page[open.upperBound..<close.lowerBound])
        #expect(!embedded.contains("<"))
        let a = try JSONSerialization.jsonObject(with: Data(embedded.utf8)) as? NSDictionary
        let b = try JSONSerialization.jsonObject(with: Data(OpenAPISpec.json.utf8)) as? NSDictionary
        #expect(a != nil && a == b)
    }

    @Test func anchorsAndEscaping() {
        #expect(DocsPage.anchor(method: "GET", path: "/recommend/{user_id}") == "op-get-recommend-user_id")
        #expect(DocsPage.anchor(method: "GET", path: "/dashboard/data.json") == "op-get-dashboard-data-json")
        #expect(htmlEscaped("<a href=\"x\">&'") == "&lt;a href=&quot;x&quot;&gt;&amp;&#39;")
        #expect(scriptSafeJSON("{\"a\": \"</script>\"}") == "{\"a\": \"\\u003c/script>\"}")
    }
}
