import Dataset
import EventStore
import Foundation

/// Any JSON value, decoded without loss, so a bad event can be named by
/// index and field instead of by a decoder's generic message.
indirect enum JSONValue: Decodable, Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let i = try? c.decode(Int64.self) {
            self = .int(i)
        } else if let d = try? c.decode(Double.self) {
            self = .double(d)
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else if let a = try? c.decode([JSONValue].self) {
            self = .array(a)
        } else {
            self = .object(try c.decode([String: JSONValue].self))
        }
    }

    /// How a value is named in an error message.
    var shown: String {
        switch self {
        case .null: "null"
        case .bool(let b): "\(b)"
        case .int(let i): "\(i)"
        case .double(let d): "\(d)"
        case .string(let s): "\"\(s.count > 40 ? String(s.prefix(40)) + "…" : s)\""
        case .array: "an array"
        case .object: "an object"
        }
    }
}

/// The body of `POST /api/v1/events`, validated as a whole before anything
/// is stored: `{"events": [{"timestamp"?, "visitor_id", "event", "item_id", "transaction_id"?}, …]}`.
/// An event without a timestamp happened when the server received it, unless the batch has an
/// `Idempotency-Key`: a retry must carry the very same events, so a keyed batch states its times.
enum EventBatch {
    static let maxEvents = 10_000
    /// Bytes a body may have: 10,000 events of generous width.
    static let maxBodyBytes = 4 << 20
    static let fields: Set<String> = ["timestamp", "visitor_id", "event", "item_id", "transaction_id"]
    static let kinds = Dictionary(uniqueKeysWithValues: EventKind.allCases.map { ($0.csvName, $0) })

    /// The strict decode's "not as expected"; never shown (the slow path names the problem).
    struct Mismatch: Error {}

    /// Every event, or the first problem as a 400 (413 for too many events).
    /// Well-formed batches take a strict typed decode; only a batch that
    /// fails it is decoded again value by value, to name the bad field.
    static func parse(_ body: Data, clock: BatchClock) throws -> [StoredEvent] {
        if let fast = try? JSONDecoder().decode(StrictBody.self, from: body), !fast.events.isEmpty,
            fast.events.count <= maxEvents,
            let events = try? fast.events.map({ try $0.validated(clock) })
        {
            return events
        }
        return try parseNamingTheProblem(body, clock: clock)
    }

    static func parseNamingTheProblem(_ body: Data, clock: BatchClock) throws -> [StoredEvent] {
        let values = try batchElements(
            body, key: "events", noun: "events",
            example:
                #"{"events": [{"timestamp": 1442534400000, "visitor_id": 257597, "event": "view", "item_id": 355908}]}"#
        )
        return try values.enumerated().map { index, item in try event(item, index: index, clock: clock) }
    }

    /// The array under `key` of a batch body, or the first problem with the body's shape as a 400 (413 for
    /// more than `maxEvents` elements). Shared by the events and the item-updates batches.
    static func batchElements(_ body: Data, key: String, noun: String, example: String) throws -> [JSONValue] {
        let root: JSONValue
        do {
            root = try JSONDecoder().decode(JSONValue.self, from: body)
        } catch {
            throw APIError(.badRequest, code: "invalid_body", "the body must be JSON like \(example)")
        }
        guard case .object(let top) = root else {
            throw APIError(.badRequest, code: "invalid_body", "the body must be a JSON object with an \"\(key)\" array")
        }
        if let extra = top.keys.first(where: { $0 != key }) {
            throw APIError(
                .badRequest, code: "invalid_body", "unknown field \"\(extra)\"; the body has only \"\(key)\"")
        }
        guard case .array(let values) = top[key] ?? .null else {
            throw APIError(.badRequest, code: "invalid_body", "\"\(key)\" must be an array of \(noun)")
        }
        guard !values.isEmpty else { throw APIError(.badRequest, code: "invalid_body", "\"\(key)\" is empty") }
        guard values.count <= maxEvents else {
            throw APIError(
                .contentTooLarge, code: "too_many_\(key)",
                "a batch holds at most \(maxEvents) \(noun), got \(values.count); split it")
        }
        return values
    }

    static func event(_ value: JSONValue, index: Int, clock: BatchClock) throws -> StoredEvent {
        let e = try BatchElement(value, label: "events[\(index)]", code: "invalid_event", allowed: fields)
        let timestamp = try e.timestamp(clock)
        let visitor = try e.id("visitor_id")
        let item = try e.id("item_id")
        guard case .string(let name) = e.fields["event"] ?? .null,
            let kind = EventKind.allCases.first(where: { $0.csvName == name })
        else { throw e.bad("event", "one of \"view\", \"addtocart\", \"transaction\"") }
        var transaction = -1
        switch e.fields["transaction_id"] {
        case nil, .null?: break
        case .int(let v)? where v >= 0: transaction = Int(v)
        default: throw e.bad("transaction_id", "a non-negative integer or null")
        }
        return StoredEvent(timestamp: timestamp, visitor: visitor, kind: kind, item: item, transaction: transaction)
    }
}

/// One element of a write batch (an event, an item update) as a JSON object, with the checks and the error
/// wording both batches share: unknown fields, non-negative ids, a timestamp within the clock's bounds.
struct BatchElement {
    let fields: [String: JSONValue]
    /// How the element is named in errors, e.g. `events[3]`.
    let label: String
    let code: String

    init(_ value: JSONValue, label: String, code: String, allowed: Set<String>) throws {
        guard case .object(let o) = value else {
            throw APIError(.badRequest, code: code, "\(label) must be an object, got \(value.shown)")
        }
        if let extra = o.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw APIError(
                .badRequest, code: code,
                "\(label) has the unknown field \"\(extra)\"; allowed: \(allowed.sorted().joined(separator: ", "))")
        }
        (fields, self.label, self.code) = (o, label, code)
    }

    func bad(_ field: String, _ expected: String) -> APIError {
        APIError(
            .badRequest, code: code,
            "\(label).\(field) must be \(expected), got \(fields[field]?.shown ?? "nothing (the field is missing)")")
    }

    func id(_ field: String) throws -> Int {
        guard case .int(let v) = fields[field] ?? .null, v >= 0, let id = Int(exactly: v) else {
            throw bad(field, "a non-negative integer")
        }
        return id
    }

    /// The element's time: its `timestamp`, or `now` when it has none and its batch has no idempotency key.
    func timestamp(_ clock: BatchClock) throws -> Int64 {
        switch fields["timestamp"] {
        case nil, .null?:
            guard clock.keyed else { return clock.now }
            throw APIError(
                .badRequest, code: code,
                "\(label).timestamp is required in a batch with an Idempotency-Key (a retry must carry the same events); leave the key out to have the server stamp the time it receives the batch"
            )
        default: break
        }
        guard case .int(let timestamp) = fields["timestamp"] ?? .null, timestamp >= 0 else {
            throw bad("timestamp", "a unix time in milliseconds")
        }
        if let problem = clock.problem(timestamp, label: label) {
            throw APIError(.badRequest, code: code, problem)
        }
        return timestamp
    }
}

/// A key for any field name, so unknown fields are seen (and refused).
private struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
    static let events = AnyKey(stringValue: "events")
    static let timestamp = AnyKey(stringValue: "timestamp")
    static let visitor = AnyKey(stringValue: "visitor_id")
    static let event = AnyKey(stringValue: "event")
    static let item = AnyKey(stringValue: "item_id")
    static let transaction = AnyKey(stringValue: "transaction_id")
}

/// The batch as it should be; any deviation throws and the caller falls
/// back to the value-by-value decode that names it.
private struct StrictBody: Decodable {
    var events: [StrictEvent]

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyKey.self)
        guard c.allKeys.count == 1 else { throw EventBatch.Mismatch() }
        events = try c.decode([StrictEvent].self, forKey: .events)
    }
}

private struct StrictEvent: Decodable {
    var timestamp: Int64?
    var visitor: Int
    var event: String
    var item: Int
    var transaction: Int?
    var extraFields: Bool

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyKey.self)
        timestamp = try c.decodeIfPresent(Int64.self, forKey: .timestamp)
        visitor = try c.decode(Int.self, forKey: .visitor)
        event = try c.decode(String.self, forKey: .event)
        item = try c.decode(Int.self, forKey: .item)
        transaction = try c.decodeIfPresent(Int.self, forKey: .transaction)
        let known = 3 + (c.contains(.transaction) ? 1 : 0) + (c.contains(.timestamp) ? 1 : 0)
        extraFields = c.allKeys.count > known
    }

    func validated(_ clock: BatchClock) throws -> StoredEvent {
        // A keyed batch without times takes the slow path, which says why it is refused.
        guard !clock.keyed || timestamp != nil else { throw EventBatch.Mismatch() }
        let timestamp = self.timestamp ?? clock.now
        guard !extraFields, clock.admits(timestamp), visitor >= 0, item >= 0,
            (transaction ?? 0) >= 0, let kind = EventBatch.kinds[event]
        else { throw EventBatch.Mismatch() }
        return StoredEvent(
            timestamp: timestamp, visitor: visitor, kind: kind, item: item, transaction: transaction ?? -1)
    }
}
