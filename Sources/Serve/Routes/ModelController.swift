import Foundation
import Hummingbird
import Logging
import ModelFile
import Pipeline
import RecsysCore

/// `GET /model`: what is loaded; `POST /admin/reload`: load the file again.
struct ModelController: UsesServeServices {
    let services: ServeServices

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
        /// Generators saved only as lookup tables (discovery, similar items).
        var lookups: [String]
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
            case lookups
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
                loadSeconds: loaded.loadSeconds, counts: m.counts, generators: m.generators, lookups: m.lookups ?? [],
                features: m.schema.names,
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
        let previous = store.current?.version
        let path = configuration.modelPath
        let loaded: ModelStore.Loaded
        do {
            loaded = try await store.reload(path: path, metrics: metrics, logger: context.logger, reason: "admin")
        } catch {
            throw APIError(
                .unprocessableContent, code: "reload_failed",
                "could not load \(path): \(error); the previous model keeps serving")
        }
        return try jsonResponse(
            Reloaded(
                status: "reloaded", modelVersion: loaded.version, previousVersion: previous,
                loadSeconds: loaded.loadSeconds))
    }
}
