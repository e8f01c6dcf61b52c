import Foundation

/// The one JSON style of `recsys-train`'s outputs (`--json`, the report
/// files): snake_case keys like the HTTP API, sorted, pretty-printed, dates
/// in ISO 8601. The library types stay camelCase in Swift and in the model
/// file; only what the CLI prints or writes is converted.
enum CLIJSON {
    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    static func data(_ value: some Encodable) throws -> Data { try encoder.encode(value) }

    static func text(_ value: some Encodable) throws -> String { String(decoding: try data(value), as: UTF8.self) }
}
