import Foundation

/// Finds an object that names a key twice in a JSON body.
///
/// RFC 8259 leaves such an object's meaning open, and the decoders disagree: Foundation's `JSONDecoder`
/// keeps the first value (`{"visitor_id": 1, "visitor_id": 2}` decodes 1) and `JSONSerialization` the
/// last. A client that sends one has a bug, and storing either value would hide it, so the write and
/// query routes refuse such bodies. One pass over the bytes, no allocation per value or plain key; it
/// checks nothing else (a malformed or too deeply nested body is the decoder's to name) and never reads
/// past the end.
enum JSONDuplicateKeys {
    struct Found: Equatable {
        /// The key, as written between its quotes (`"\u0061"` and `"a"` are the same key, shown as the second).
        var key: String
        /// Where the object is: `events[3]`, `items[0].x`, or empty for the top level.
        var path: String
    }

    /// Deeper than JSONDecoder reads (it stops at 512 levels).
    static let maxDepth = 1024

    /// The first repeated key in document order, or nil when every object names its keys once.
    static func first(in data: Data) -> Found? {
        data.withUnsafeBytes { first(in: $0) }
    }

    /// A 400 (`duplicate_key`) naming the first repeated key and where it is, if any.
    static func refuse(_ data: Data) throws {
        guard let found = first(in: data) else { return }
        let place = found.path.isEmpty ? "the body's top-level object" : found.path
        throw APIError(
            .badRequest, code: "duplicate_key", "\"\(found.key)\" is given twice in \(place); send each key once")
    }

    /// A key as the decoders see it: its bytes as written, or decoded when it has an escape.
    private enum Key {
        case plain(Range<Int>)
        case decoded([UInt8])

        func withBytes<R>(_ b: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
            switch self {
            case .plain(let r): body(UnsafeBufferPointer(rebasing: b[r]))
            case .decoded(let bytes): bytes.withUnsafeBufferPointer(body)
            }
        }
    }

    private struct Frame {
        var isObject: Bool
        var expectKey = true
        /// Objects: the key whose value is being read (its byte range). Arrays: the element's index.
        var current: Range<Int> = 0..<0
        var index = 0
        var keys: [Key] = []
        var keySet: Set<[UInt8]>? = nil
    }

    static func first(in bytes: UnsafeRawBufferPointer) -> Found? {
        let b = bytes.assumingMemoryBound(to: UInt8.self)
        var stack: [Frame] = []
        var i = 0
        while i < b.count {
            switch b[i] {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                // The decoders refuse such depths anyway; past it, 4 MiB of "[" would hold 4 M frames.
                guard stack.count < maxDepth else { return nil }
                stack.append(Frame(isObject: b[i] == UInt8(ascii: "{")))
            case UInt8(ascii: "}"), UInt8(ascii: "]"): if !stack.isEmpty { stack.removeLast() }
            case UInt8(ascii: ","):
                if let top = stack.indices.last {
                    if stack[top].isObject { stack[top].expectKey = true } else { stack[top].index += 1 }
                }
            case UInt8(ascii: ":"):
                if let top = stack.indices.last { stack[top].expectKey = false }
            case UInt8(ascii: "\""):
                let start = i + 1
                var end = start
                var escaped = false
                while end < b.count && b[end] != UInt8(ascii: "\"") {
                    if b[end] == UInt8(ascii: "\\") { escaped = true }
                    end += b[end] == UInt8(ascii: "\\") ? 2 : 1
                }
                // An unterminated string: the body is malformed, which is the decoder's to say.
                guard end < b.count else { return nil }
                i = end
                guard let top = stack.indices.last, stack[top].isObject, stack[top].expectKey else { break }
                let written = start..<end
                let key: Key
                if escaped {
                    // As the decoders read it, so "\u0061" and "a" are one key; a bad escape is malformed JSON.
                    guard let text = try? JSONDecoder().decode(String.self, from: Data(b[(start - 1)...end])) else {
                        return nil
                    }
                    key = .decoded(Array(text.utf8))
                } else {
                    key = .plain(written)
                }
                if seen(key, in: &stack[top], b) {
                    return Found(key: text(written, b), path: path(stack.dropLast(), b))
                }
                stack[top].current = written
            default: break
            }
            i += 1
        }
        return nil
    }

    /// Whether the object already has `key`, adding it when not. A scan while the object is small (bodies'
    /// objects have a handful of keys); a set past that, so an object with very many keys stays linear.
    private static func seen(_ key: Key, in frame: inout Frame, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        if frame.keySet == nil {
            let known = key.withBytes(b) { new in
                frame.keys.contains { old in old.withBytes(b) { $0.elementsEqual(new) } }
            }
            if known { return true }
            frame.keys.append(key)
            if frame.keys.count > 16 { frame.keySet = Set(frame.keys.map { k in k.withBytes(b) { Array($0) } }) }
            return false
        }
        return !frame.keySet!.insert(key.withBytes(b) { Array($0) }).inserted
    }

    private static func path(_ frames: ArraySlice<Frame>, _ b: UnsafeBufferPointer<UInt8>) -> String {
        var out = ""
        for frame in frames {
            if frame.isObject {
                out += (out.isEmpty ? "" : ".") + text(frame.current, b)
            } else {
                out += "[\(frame.index)]"
            }
        }
        return out
    }

    private static func text(_ range: Range<Int>, _ b: UnsafeBufferPointer<UInt8>) -> String {
        let shown = String(decoding: b[range.prefix(60)], as: UTF8.self)
        return range.count > 60 ? shown + "…" : shown
    }
}
