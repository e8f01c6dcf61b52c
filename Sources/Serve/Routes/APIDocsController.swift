import Foundation
import Hummingbird

/// `GET /openapi.yaml`, `GET /openapi.json`, `GET /docs` and the index `GET /`: the API's
/// description, served from the copy compiled into the binary
/// (`OpenAPISpec`, generated from docs/openapi.yaml), so a clean clone's
/// `swift run recsys-serve` and the Docker image serve it without files.
/// Every page is built (and gzip'd) once, at first use.
struct APIDocsController {
    static let yamlBody = StaticBody(OpenAPISpec.yaml)
    static let jsonBody = StaticBody(OpenAPISpec.json)
    static let docsBody = StaticBody(DocsPage.html(specJSON: OpenAPISpec.json))
    static let indexBody: StaticBody = {
        let operations = SpecOperations(json: OpenAPISpec.json).operations.map {
            ["method": $0.method, "path": $0.path, "summary": $0.summary]
        }
        let index: [String: Any] = [
            "service": "recsys-serve", "docs": "/docs", "openapi": "/openapi.yaml", "operations": operations,
        ]
        let data =
            (try? JSONSerialization.data(withJSONObject: index, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data("{}".utf8)
        return StaticBody(String(decoding: data, as: UTF8.self))
    }()

    /// `GET /`: a first curl of the server's address finds the way instead of a 404.
    func index(_ request: Request, context: some RequestContext) -> Response {
        Self.page(Self.indexBody, type: "application/json; charset=utf-8", for: request)
    }

    func yaml(_ request: Request, context: some RequestContext) -> Response {
        Self.page(Self.yamlBody, type: "application/yaml; charset=utf-8", for: request)
    }

    func json(_ request: Request, context: some RequestContext) -> Response {
        Self.page(Self.jsonBody, type: "application/json; charset=utf-8", for: request)
    }

    func docs(_ request: Request, context: some RequestContext) -> Response {
        Self.page(Self.docsBody, type: "text/html; charset=utf-8", for: request)
    }

    static func page(_ body: StaticBody, type: String, for request: Request) -> Response {
        ResponseCompression.response(body, type: type, for: request, headers: [.cacheControl: "no-cache"])
    }
}

/// The operations of an OpenAPI document (JSON), in a stable order.
struct SpecOperations {
    struct Operation: Equatable {
        var method: String
        var path: String
        var summary: String

        /// The anchor of the operation's section on /docs (the page's script makes the same).
        var anchor: String { DocsPage.anchor(method: method, path: path) }
    }

    var operations: [Operation]

    init(json: String) {
        let spec = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any]
        let paths = spec?["paths"] as? [String: Any] ?? [:]
        var out: [Operation] = []
        for path in paths.keys.sorted() {
            let item = paths[path] as? [String: Any] ?? [:]
            for method in ["get", "head", "post", "put", "patch", "delete"] {
                guard let op = item[method] as? [String: Any] else { continue }
                out.append(Operation(method: method.uppercased(), path: path, summary: op["summary"] as? String ?? ""))
            }
        }
        operations = out
    }
}

/// Text for HTML element content and attribute values.
func htmlEscaped(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for c in text {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default: out.append(c)
        }
    }
    return out
}

/// JSON text safe inside `<script type="application/json">`: no `<` at all
/// (so no `</script>` or `<!--`); JSON has `<` only inside strings, where `\u003c` means the same.
func scriptSafeJSON(_ json: String) -> String {
    json.replacingOccurrences(of: "<", with: "\\u003c")
}
