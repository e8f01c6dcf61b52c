import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

@testable import Serve

/// The example answers in README.md are the bundled model's: the block
/// between `<!-- example: METHOD PATH [BODY] -->` and `<!-- /example -->` is
/// the request's `curl` line and what the server answers it, the examples
/// sent in README order to one server (as `scripts/readme_examples.py`, which
/// writes the blocks, sends them). When this fails, run
/// `python3 scripts/readme_examples.py`.
struct ReadmeExamplesTests {
    struct Example {
        var line: Int
        var method: HTTPRequest.Method
        var path: String
        var body: String?
        /// The block without its fences: the command, then the answer.
        var shown: [String]

        /// The command line the block starts with (the script's `curl`).
        var command: String {
            if let body { return "$ curl localhost:8080\(path) -d '\(body)'" }
            if method != .get { return "$ curl -X \(method) 'localhost:8080\(path)'" }
            return "$ curl 'localhost:8080\(path)'"
        }
    }

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../..").standardized
    static let model = root.appendingPathComponent("models/model.rrm").path
    /// Fields that change with every start, shown as "…" (the script's `VOLATILE`).
    static let volatile: Set<String> = ["loaded_at", "load_seconds"]

    /// The README's examples, in order.
    static func examples() throws -> [Example] {
        let text = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        var out: [Example] = []
        var open: (line: Int, request: [Substring])?
        var block: [String] = []
        for (i, line) in lines.enumerated() {
            if line.hasPrefix("<!-- example: ") && line.hasSuffix(" -->") {
                #expect(open == nil, "README.md:\(i + 1): an example opens inside another")
                let request = line.dropFirst("<!-- example: ".count).dropLast(" -->".count)
                open = (i + 1, request.split(separator: " ", maxSplits: 2))
                block = []
            } else if line == "<!-- /example -->", let o = open {
                let method = try #require(HTTPRequest.Method(String(o.request[0])), "README.md:\(o.line)")
                let body = o.request.count > 2 ? String(o.request[2]) : nil
                let shown = block.filter { !$0.hasPrefix("```") }
                out.append(Example(line: o.line, method: method, path: String(o.request[1]), body: body, shown: shown))
                open = nil
            } else if open != nil {
                block.append(line)
            }
        }
        #expect(open == nil, "README.md: an example without <!-- /example -->")
        return out
    }

    /// A JSON text with sorted keys, so two texts of the same value compare
    /// equal whatever their layout; an answer's volatile fields as the README shows them.
    static func canonical(_ data: Data, answer: Bool = false) throws -> String {
        func shown(_ value: Any) -> Any {
            if let object = value as? [String: Any] {
                return object.reduce(into: [String: Any]()) { out, field in
                    out[field.key] = volatile.contains(field.key) ? "…" : shown(field.value)
                }
            }
            if let array = value as? [Any] { return array.map(shown) }
            // The script serves models/model.rrm from the package folder.
            if let path = value as? String, path == model { return "models/model.rrm" }
            return value
        }
        let value = try JSONSerialization.jsonObject(with: data, options: .fragmentsAllowed)
        let text = try JSONSerialization.data(
            withJSONObject: answer ? shown(value) : value, options: [.sortedKeys, .fragmentsAllowed])
        return String(decoding: text, as: UTF8.self)
    }

    @Test func everyExampleIsTheBundledModelsAnswer() async throws {
        let examples = try Self.examples()
        #expect(examples.count >= 8)
        var c = try ServeConfiguration.forTests(model: Self.model)
        c.stateFolder = Scratch.folder("readme-", create: false)
        c.watchSeconds = 0
        try await buildApplication(c).test(.router) { client in
            for e in examples {
                let body = e.body.map { ByteBuffer(string: $0) }
                let answer = try await client.execute(uri: e.path, method: e.method, body: body) {
                    Data(buffer: $0.body)
                }
                #expect(e.shown.first == e.command, "README.md:\(e.line): the block's command is not its request")
                let shown = try Self.canonical(Data(e.shown.dropFirst().joined(separator: "\n").utf8))
                #expect(
                    try Self.canonical(answer, answer: true) == shown,
                    """
                    README.md:\(e.line): \(e.method) \(e.path) answers otherwise; \
                    python3 scripts/readme_examples.py --check shows how, and without --check rewrites the README
                    """
                )
            }
        }
    }
}
