import EventStore
import Foundation
import Hummingbird
import Logging
import NIOCore

/// What the two write routes (`POST /api/v1/events`, `POST /api/v1/items`) share: the body limit and how a
/// store's refusal is answered.
enum StoreWrites {
    /// The request body, or a 413 naming the limits.
    static func body(_ request: Request, noun: String) async throws -> Data {
        do {
            return Data(buffer: try await request.body.collect(upTo: EventBatch.maxBodyBytes))
        } catch is NIOTooManyBytesError {
            throw APIError(
                .contentTooLarge, code: "body_too_large",
                "the body is over \(EventBatch.maxBodyBytes) bytes; send at most \(EventBatch.maxEvents) \(noun) per call"
            )
        }
    }

    /// Runs the durable write; a store error is logged and becomes a 400 (`invalidCode`) or a 503 saying
    /// nothing of the batch was stored.
    static func write(logger: Logger, noun: String, invalidCode: String, _ body: () async throws -> Void)
        async throws
    {
        do {
            try await body()
        } catch let error as EventStoreError {
            logger.error("\(noun) not stored", metadata: ["error": .string("\(error)")])
            switch error {
            case .invalid(let reason): throw APIError(.badRequest, code: invalidCode, reason)
            case .unavailable, .corrupt:
                throw APIError(
                    .serviceUnavailable, code: "store_unavailable",
                    "the event store cannot take writes now; nothing of this batch was stored, retry later")
            }
        }
    }
}
