import Dataset
import EventStore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// What the two write routes (`POST /api/v1/events`, `POST /api/v1/items`) share: the body limit and how a
/// store's refusal is answered.
enum StoreWrites {
    /// The request body, inflated when it comes with `Content-Encoding: gzip` (trackers compress their
    /// batches); a 413 naming the limits (which hold for the body as sent and as inflated), a 400 for a body
    /// that is not the gzip it says it is or that names a key twice in one object, a 415 for another encoding.
    static func body(_ request: Request, noun: String) async throws -> Data {
        let tooLarge = APIError(
            .contentTooLarge, code: "body_too_large",
            "the body is over \(EventBatch.maxBodyBytes) bytes; send at most \(EventBatch.maxEvents) \(noun) per call")
        let encoding = request.headers[values: .contentEncoding].flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { $0 != "identity" && !$0.isEmpty }
        guard encoding.isEmpty || encoding == ["gzip"] || encoding == ["x-gzip"] else {
            throw APIError(
                .unsupportedMediaType, code: "unsupported_content_encoding",
                "Content-Encoding \(encoding.joined(separator: ", ")) is not supported; send the body as is or gzip'd")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: EventBatch.maxBodyBytes)
        } catch is NIOTooManyBytesError {
            throw tooLarge
        }
        let data: Data
        if encoding.isEmpty {
            data = Data(buffer: buffer)
        } else {
            do {
                data = Data(try Gzip.decompress(Array(buffer: buffer), limit: EventBatch.maxBodyBytes))
            } catch .tooLarge {
                throw tooLarge
            } catch .corrupt(let reason) {
                throw APIError(
                    .badRequest, code: "invalid_body", "the body is not valid gzip (Content-Encoding: gzip): \(reason)")
            }
        }
        try JSONDuplicateKeys.refuse(data)
        return data
    }

    /// The request's `Idempotency-Key` header, or nil when it has none; a malformed key (or two of them) is a
    /// 400 before anything is read or stored.
    static func idempotencyKey(_ request: Request) throws -> BatchKey? {
        let values = request.headers[values: idempotencyKeyHeader]
        guard let value = values.first else { return nil }
        guard values.count == 1 else {
            throw APIError(
                .badRequest, code: "invalid_idempotency_key", "send one Idempotency-Key header, not \(values.count)")
        }
        do {
            return try BatchKey(value)
        } catch EventStoreError.invalid(let reason) {
            throw APIError(.badRequest, code: "invalid_idempotency_key", reason)
        }
    }

    static let idempotencyKeyHeader = HTTPField.Name("Idempotency-Key")!

    /// The bounds a batch's timestamps are checked against now, with the served model's data (ending at
    /// `modelEnd`, nil before a model is loaded) setting the floor.
    static func clock(keyed: Bool, modelEnd: Int64?) -> BatchClock {
        BatchClock(
            now: Int64(Date().timeIntervalSince1970 * 1000), keyed: keyed,
            earliest: BatchClock.earliest(modelEnd: modelEnd))
    }

    /// What both write routes answer: how many records the batch holds, and `replayed: true` when its key was
    /// stored before (nothing was stored again).
    struct Accepted: Encodable {
        var accepted: Int
        var replayed: Bool?
        /// Events older than the served model's data end: stored for the next retrain, but the overlay keeps
        /// only newer ones (the model's history stands for that time), so they do not shape answers now.
        /// Said, so a late tracker is not left wondering why its clicks change nothing; absent when 0.
        var beforeModel: Int?

        enum CodingKeys: String, CodingKey {
            case accepted, replayed
            case beforeModel = "before_model"
        }

        init(accepted: Int, result: AppendResult, beforeModel: Int = 0) {
            self.accepted = accepted
            replayed = result.replayed ? true : nil
            self.beforeModel = beforeModel > 0 ? beforeModel : nil
        }
    }

    /// Runs the durable write; a store error is logged and becomes a 400 (`invalidCode`), a 422 for a key
    /// reused with other records, or a 503: not acknowledged (a PostgreSQL connection lost during COMMIT
    /// leaves it unknown whether the batch was stored, hence the advice to retry with the same key).
    /// `onRefused` runs for a refusal of the caller's input (400, 422), to count it.
    static func write(
        logger: Logger, noun: String, invalidCode: String, onRefused: () -> Void = {},
        _ body: () async throws -> AppendResult
    ) async throws -> AppendResult {
        do {
            return try await body()
        } catch let error as EventStoreError {
            let metadata: Logger.Metadata = ["error": .string("\(error)")]
            switch error {
            case .invalid(let reason):
                logger.warning("\(noun) refused", metadata: metadata)
                onRefused()
                throw APIError(.badRequest, code: invalidCode, reason)
            case .conflict(let reason):
                logger.warning("\(noun) refused", metadata: metadata)
                onRefused()
                throw APIError(.unprocessableContent, code: "idempotency_key_reused", reason)
            case .unavailable, .corrupt:
                logger.error("\(noun) not stored", metadata: metadata)
                throw APIError(
                    .serviceUnavailable, code: "store_unavailable",
                    "the event store cannot take writes now; the batch is not acknowledged: retry it later with the same Idempotency-Key, so that a batch the store took before failing is not stored twice"
                )
            }
        }
    }
}
