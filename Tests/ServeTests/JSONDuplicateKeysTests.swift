import Foundation
import Testing

@testable import Serve

struct JSONDuplicateKeysTests {
    func found(_ text: String) -> JSONDuplicateKeys.Found? { JSONDuplicateKeys.first(in: Data(text.utf8)) }

    @Test func findsTheRepeatedKeyAndWhereItIs() {
        #expect(found(#"{"a": 1, "b": 2}"#) == nil)
        #expect(found(#"{"a": 1, "a": 2}"#) == .init(key: "a", path: ""))
        #expect(
            found(#"{"events": [{"x": 1}, {"x": 1, "y": 2, "x": 3}]}"#) == .init(key: "x", path: "events[1]"))
        #expect(found(#"{"o": {"p": {"q": 1, "q": 2}}}"#) == .init(key: "q", path: "o.p"))
        #expect(found(#"[[1], {"k": [0, {"z": 1, "z": 1}]}]"#) == .init(key: "z", path: "[1].k[1]"))
        // The same key in sibling or nested objects, and values equal to keys, are fine.
        #expect(found(#"[{"a": 1}, {"a": 2}]"#) == nil)
        #expect(found(#"{"a": {"a": {"a": 1}}, "b": "a", "c": ["a", "a"]}"#) == nil)
        // Braces, quotes, commas and colons inside strings are text.
        #expect(found(#"{"a": "}{\"a\": 1, \\", "b": ":,[{", "c\"": 1, "c": 2}"#) == nil)
        // Keys are compared as the decoders read them: an escape can spell a key again.
        #expect(found(#"{"a": 1, "\u0061": 2}"#) == .init(key: #"\u0061"#, path: ""))
        #expect(found(#"{"q\"": 1, "q\u0022": 2}"#) == .init(key: #"q\u0022"#, path: ""))
        #expect(found(#"{"a\\": 1, "a\\\\": 2, "a": 3}"#) == nil)
        // A bad escape is malformed JSON, the decoder's to name.
        #expect(found(#"{"\x": 1, "\x": 2}"#) == nil)
        // Malformed or cut short: not this check's to name.
        #expect(found(#"{"a": 1, "a"#) == nil)
        #expect(found("") == nil)
        #expect(found("}}]]{") == nil)
        // Nesting deeper than the decoders read is left to them; within it, a repeat is found.
        let deep = JSONDuplicateKeys.maxDepth
        #expect(found(String(repeating: "[", count: deep) + #"{"a": 1, "a": 2}"#) == nil)
        #expect(
            found(String(repeating: "[", count: deep - 1) + #"{"a": 1, "a": 2}"#)
                == .init(key: "a", path: String(repeating: "[0]", count: deep - 1)))
    }

    /// An object with very many keys is checked through a set, not by comparing every pair.
    @Test func manyKeysStayLinear() {
        let keys = (0..<60_000).map { "\"k\($0)\": \($0)" }
        let unique = "{" + keys.joined(separator: ",") + "}"
        #expect(found(unique) == nil)
        let repeated = "{" + keys.joined(separator: ",") + ", \"k17\": 0}"
        #expect(found(repeated) == .init(key: "k17", path: ""))
    }

    /// Random documents (keys from a small alphabet, so repeats are common, strings with JSON's own
    /// punctuation and escapes) against the first repeat recorded while writing them, in document order.
    @Test func agreesWithTheRepeatsOfRandomDocuments() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            var first: JSONDuplicateKeys.Found?
            func string() -> String {
                let pieces = ["a", "{", "}", "[", "]", ",", ":", "\\\"", "\\\\", " ", "é"]
                return "\""
                    + (0..<Int.random(in: 0...4, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }
                    .joined() + "\""
            }
            func value(_ depth: Int, _ path: String) -> String {
                switch depth > 3 ? 0 : Int.random(in: 0..<6, using: &rng) {
                case 0: return "\(Int.random(in: -9...99, using: &rng))"
                case 1: return string()
                case 2, 3:
                    var keys: [String] = []
                    var parts: [String] = []
                    for _ in 0..<Int.random(in: 0...5, using: &rng) {
                        let key = ["a", "b", "c", "id"].randomElement(using: &rng)!
                        if keys.contains(key) && first == nil { first = .init(key: key, path: path) }
                        keys.append(key)
                        let inner = path.isEmpty ? key : path + "." + key
                        parts.append("\"\(key)\": " + value(depth + 1, inner))
                    }
                    return "{" + parts.joined(separator: ", ") + "}"
                default:
                    let items = (0..<Int.random(in: 0...4, using: &rng)).map { value(depth + 1, path + "[\($0)]") }
                    return "[" + items.joined(separator: ",") + "]"
                }
            }
            let text = value(0, "")
            // The writer's record is right only for a valid document.
            #expect((try? JSONSerialization.jsonObject(with: Data(text.utf8), options: .fragmentsAllowed)) != nil)
            #expect(found(text) == first, "\(text)")
        }
    }
}
