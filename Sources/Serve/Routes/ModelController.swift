import Foundation
import Hummingbird
import Logging
import ModelFile
import Pipeline
import RecsysCore

/// `GET /model`: what is loaded; `POST /admin/reload`: load the file again.
struct ModelController {
    let store: ModelStore
    let metrics: ServeMetrics
    let configuration: ServeConfiguration

    struct Info: Encodable {
        var modelVersion: String
        var createdAt: String
        var fingerprint: String
        var referenceTime: Int64
        var path: String
        var loadedAt: String
        var loadSeconds: Double
        var counts: ModelMetadata.Counts
        var generators: [String]
        var features: [String]
        var training: TrainingSummary?

        enum CodingKeys: String, CodingKey {
            case modelVersion = "model_version"
            case createdAt = "created_at"
            case fingerprint
            case referenceTime = "reference_time"
            case path
            case loadedAt = "loaded_at"
            case loadSeconds = "load_seconds"
            case counts
            case generators
            case features
            case training
        }
    }

    func info(_ request: Request, context: some RequestContext) throws -> Response {
        guard let loaded = store.current else {
            throw APIError(.serviceUnavailable, code: "not_ready", "the model is not loaded yet")
        }
        let m = loaded.pipeline.artifacts.metadata
        let iso = ISO8601DateFormatter()
        return try jsonResponse(
            Info(
                modelVersion: m.modelVersion, createdAt: iso.string(from: m.createdAt), fingerprint: m.fingerprint,
                referenceTime: m.referenceTime, path: loaded.path, loadedAt: iso.string(from: loaded.loadedAt),
                loadSeconds: loaded.loadSeconds, counts: m.counts, generators: m.generators, features: m.schema.names,
                training: m.training),
            // The nested counts and training summary are camelCase in the model file; the API is snake_case.
            keys: .convertToSnakeCase)
    }

    struct Reloaded: Encodable {
        var status: String
        var modelVersion: String
        var previousVersion: String?
        var loadSeconds: Double

        enum CodingKeys: String, CodingKey {
            case status
            case modelVersion = "model_version"
            case previousVersion = "previous_version"
            case loadSeconds = "load_seconds"
        }
    }

    func reload(_ request: Request, context: some RequestContext) async throws -> Response {
        try AdminToken.check(request, configuration)
        let previous = store.current?.version
        let loaded = try await Self.reload(
            store: store, metrics: metrics, path: configuration.modelPath, logger: context.logger)
        return try jsonResponse(
            Reloaded(
                status: "reloaded", modelVersion: loaded.version, previousVersion: previous,
                loadSeconds: loaded.loadSeconds))
    }

    /// Loads off the event loop; a bad file is rejected and the old model keeps serving.
    static func reload(store: ModelStore, metrics: ServeMetrics, path: String, logger: Logger) async throws
        -> ModelStore.Loaded
    {
        do {
            let loaded = try await Task.detached { try store.load(path: path) }.value
            metrics.recordModel(version: loaded.version, loadSeconds: loaded.loadSeconds, loadedAt: loaded.loadedAt)
            logger.info("model reloaded", metadata: ["model_version": .string(loaded.version), "path": .string(path)])
            return loaded
        } catch {
            logger.error(
                "model reload rejected; the previous model keeps serving",
                metadata: ["error": .string("\(error)"), "path": .string(path)])
            throw APIError(
                .unprocessableContent, code: "reload_failed",
                "could not load \(path): \(error); the previous model keeps serving")
        }
    }
}
