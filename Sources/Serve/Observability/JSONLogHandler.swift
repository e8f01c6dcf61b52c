import Foundation
import Logging

/// One JSON object per line on stdout: time, level, message, label, metadata.
struct JSONLogHandler: LogHandler {
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info
    let label: String

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(
        level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?, source: String,
        file: String, function: String, line: UInt
    ) {
        let merged = metadata.merging(explicit ?? [:], uniquingKeysWith: { $1 })
        guard let data = Self.line(level: level, message: message, metadata: merged, label: label, at: Date())
        else { return }
        FileHandle.standardOutput.write(data)
    }

    /// The JSON line of one entry. Hummingbird tags each request's logger
    /// with its own `hb.request.id`; the line carries one id, `request_id`:
    /// ours (the `X-Request-ID` echoed to the client) when set, else Hummingbird's.
    static func line(
        level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata, label: String, at date: Date
    ) -> Data? {
        var fields: [String: String] = [:]
        for (k, v) in metadata { fields[k] = "\(v)" }
        if let framework = fields.removeValue(forKey: "hb.request.id"), fields["request_id"] == nil {
            fields["request_id"] = framework
        }
        fields["ts"] = ISO8601DateFormatter.withFractions.string(from: date)
        fields["level"] = level.rawValue
        fields["msg"] = message.description
        fields["logger"] = label
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard var data = try? encoder.encode(fields) else { return nil }
        data.append(0x0A)
        return data
    }
}

extension ISO8601DateFormatter {
    nonisolated(unsafe) static let withFractions: ISO8601DateFormatter = {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f
    }()
}
