import Foundation

/// Reading the CLI's snake_case JSON back into the library's camelCase types,
/// and checking that a document has no other key style.
enum SnakeCaseJSON {
    /// A decoder for `CLIJSON`'s output: snake_case keys to the Swift names,
    /// including the two acronyms (`userKNN…`, `…AUC`) that `.convertFromSnakeCase` would miss.
    static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        decoder.keyDecodingStrategy = .custom { path in
            let key = path.last?.stringValue ?? ""
            let words = key.split(separator: "_", omittingEmptySubsequences: false)
            guard words.count > 1 else { return AnyKey(key) }
            var camel = String(words[0])
            for w in words.dropFirst() {
                switch w {
                case "knn": camel += "KNN"
                case "auc": camel += "AUC"
                default: camel += w.prefix(1).uppercased() + w.dropFirst()
                }
            }
            return AnyKey(camel)
        }
        return decoder
    }

    /// Every object key in `data` (with its path) that is not snake_case: one
    /// with an uppercase letter. Dictionary keys that are data (generator
    /// names, stage names) are lowercase too, so they pass.
    static func nonSnakeKeys(in data: Data) throws -> [String] {
        var found: [String] = []
        func walk(_ value: Any, _ path: String) {
            if let object = value as? [String: Any] {
                for (key, child) in object {
                    if key != key.lowercased() { found.append(path + "." + key) }
                    walk(child, path + "." + key)
                }
            } else if let array = value as? [Any] {
                for (i, child) in array.enumerated() { walk(child, path + "[\(i)]") }
            }
        }
        walk(try JSONSerialization.jsonObject(with: data), "$")
        return found.sorted()
    }

    /// The number of object keys in `data` (so a test knows it checked something).
    static func keyCount(in data: Data) throws -> Int {
        func count(_ value: Any) -> Int {
            if let object = value as? [String: Any] { return object.count + object.values.map(count).reduce(0, +) }
            if let array = value as? [Any] { return array.map(count).reduce(0, +) }
            return 0
        }
        return count(try JSONSerialization.jsonObject(with: data))
    }

    struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ s: String) { stringValue = s }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
