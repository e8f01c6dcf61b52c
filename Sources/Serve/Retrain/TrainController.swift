import Foundation
import Hummingbird
import Logging
import Pipeline

/// `POST /api/v1/recs/train` starts a retrain (202 + task id, 409 while one
/// runs on any replica); `GET /api/v1/recs/status/<id>` reads any task from
/// the shared state folder. Both need the admin token.
struct TrainController: UsesServeServices {
    let services: ServeServices
    let tasks: RetrainTasks

    struct Accepted: Encodable {
        var taskID: String
        var status: String
        var statusURL: String

        enum CodingKeys: String, CodingKey {
            case taskID = "task_id"
            case status
            case statusURL = "status_url"
        }
    }

    /// What a default retrain keeps of the serving model: its generators and its lookups (a model saved
    /// without lookups stays without).
    static func keptArguments(_ metadata: ModelMetadata) -> [String] {
        let lookups = metadata.lookups ?? []
        return [
            "--generators", metadata.generators.joined(separator: ","),
            "--lookups", lookups.isEmpty ? "none" : lookups.joined(separator: ","),
        ]
    }

    func train(_ request: Request, context: some RequestContext) async throws -> Response {
        let record: RetrainTasks.Record
        do {
            // The default command retrains with the serving model's generators and lookups;
            // a configured command is run as given.
            let keep =
                configuration.trainCommand == nil
                ? store.current.map { Self.keptArguments($0.pipeline.artifacts.metadata) } ?? [] : []
            record = try tasks.start(extraArguments: keep)
        } catch RetrainTasks.StartError.busy(let id) {
            throw APIError(.conflict, code: "training_in_progress", "a retrain is already running (task \(id))")
        } catch {
            // The reason names server paths: it goes to the log, not to the client.
            context.logger.error(
                "retrain refused: the state folder cannot be used",
                metadata: ["error": .string("\(error)"), "state_dir": .string(tasks.folder)])
            throw APIError(
                .serviceUnavailable, code: "state_unavailable",
                "the retrain state folder cannot be written (read-only, full or not a folder); the server log says why")
        }
        let (tasks, store, metrics, path, logger) = (
            self.tasks, self.store, self.metrics, configuration.modelPath, context.logger
        )
        // Minutes of waiting for the train process: a thread of its own, never an event loop.
        Thread.detachNewThread {
            let final = tasks.run(record) { r in
                let loaded = try store.load(path: path)
                metrics.recordModel(version: loaded.version, loadSeconds: loaded.loadSeconds, loadedAt: loaded.loadedAt)
                logger.info("model loaded", metadata: ["model_version": .string(loaded.version), "reason": "retrain"])
                let training = loaded.pipeline.artifacts.metadata.training
                r.modelVersion = loaded.version
                r.validationAUC = training?.validationAUC
                r.trainingPairs = training?.pairs
            }
            logger.info(
                "retrain finished",
                metadata: [
                    "task_id": .string(final.taskID), "status": .string(final.status),
                    "error": .string(final.error ?? ""),
                ])
        }
        return try jsonResponse(
            Accepted(
                taskID: record.taskID, status: record.status, statusURL: "/api/v1/recs/status/\(record.taskID)"),
            status: .accepted)
    }

    func status(_ request: Request, context: some RequestContext) throws -> Response {
        let id = context.parameters.get("task_id") ?? ""
        guard UUID(uuidString: id) != nil else {
            throw APIError(.badRequest, code: "invalid_task_id", "task ids are UUIDs, got \"\(truncated(id, 40))\"")
        }
        guard let record = tasks.record(id) else {
            throw APIError(.notFound, code: "unknown_task", "no task \(id)")
        }
        return try jsonResponse(record)
    }

}
