import Foundation
import Hummingbird
import ModelFile
import Pipeline
import Synchronization

/// `GET /dashboard` (one self-contained page) and `GET /dashboard/data.json`
/// (what it polls every few seconds): the loaded model, live figures from the
/// server's own metrics, the retrain tasks and the evaluation report next to
/// the model. Read-only and without a token: task records are shown without
/// their command line and error text (those name server paths; the admin
/// status route has them).
final class DashboardController: UsesServeServices, Sendable {
    let services: ServeServices
    let tasks: RetrainTasks
    let sampler: DashboardSampler
    let started: Date
    private let spans = Mutex<(key: String, span: ModelSummary.Span?)?>(nil)

    init(services: ServeServices, tasks: RetrainTasks, started: Date = Date()) {
        self.services = services
        self.tasks = tasks
        self.started = started
        sampler = DashboardSampler(started: started)
    }

    static let pageBody = StaticBody(DashboardPage.html)

    func page(_ request: Request, context: some RequestContext) -> Response {
        APIDocsController.page(Self.pageBody, type: "text/html; charset=utf-8", for: request)
    }

    struct ModelSummary: Encodable {
        struct Span: Encodable, Equatable {
            var firstEvent: Int64
            var lastEvent: Int64
            var days: Double
        }
        struct Weight: Encodable {
            var feature: String
            var weight: Double
        }
        struct Training: Encodable {
            var validationAUC: Double
            var validationLogLoss: Double
            var pairs: Int
            var positives: Int
            var negatives: Int
            var trainPairs: Int
            var validationPairs: Int
            var negativeSampling: String
            var iterations: Int
            var converged: Bool
            var fitSeconds: Double
            var windows: [TrainingSummary.Window]
        }

        var modelVersion: String
        var createdAt: String
        var fingerprint: String
        var referenceTime: Int64
        var path: String
        var loadedAt: String
        var loadSeconds: Double
        /// The first and last events of the users' kept histories.
        var dataSpan: Span?
        var counts: ModelMetadata.Counts
        var generators: [String]
        var training: Training?
        var intercept: Double
        var featureWeights: [Weight]
    }

    /// A retrain task as the dashboard shows it: no command, no error text.
    struct TaskSummary: Encodable {
        var taskID: String
        var status: String
        var createdAt: Int64
        var startedAt: Int64?
        var finishedAt: Int64?
        var durationSeconds: Double?
        var modelVersion: String?
        var validationAUC: Double?
        var trainingPairs: Int?
        var failed: Bool
    }

    struct Payload: Encodable {
        var generatedAt: String
        var uptimeSeconds: Double
        var status: String
        var model: ModelSummary?
        var live: DashboardSampler.Figures
        var tasks: [TaskSummary]
        var tasksNote: String?
        var evaluation: EvaluationSummary?
        var evaluationNote: String
    }

    func data(_ request: Request, context: some RequestContext) throws -> Response {
        let now = Date()
        let iso = ISO8601DateFormatter()
        let loaded = store.current
        let (taskList, tasksNote) = recentTasks()
        let (evaluation, evaluationNote) =
            loaded.map { EvaluationSummary.near(model: $0.path) }
            ?? (nil, "no evaluation report")
        return try jsonResponse(
            Payload(
                generatedAt: iso.string(from: now), uptimeSeconds: now.timeIntervalSince(started),
                status: store.phase.rawValue, model: loaded.map(summary), live: sampler.figures(text: metrics.text()),
                tasks: taskList, tasksNote: tasksNote, evaluation: evaluation, evaluationNote: evaluationNote),
            keys: .convertToSnakeCase)
    }

    func summary(_ loaded: ModelStore.Loaded) -> ModelSummary {
        let a = loaded.pipeline.artifacts
        let m = a.metadata
        let iso = ISO8601DateFormatter()
        let names = m.schema.names
        let weights = zip(names, a.ranker.weights).map { ModelSummary.Weight(feature: $0, weight: $1) }
        let training = m.training.map { t in
            ModelSummary.Training(
                validationAUC: t.validationAUC, validationLogLoss: t.validationLogLoss, pairs: t.pairs,
                positives: t.positives, negatives: t.negatives, trainPairs: t.trainPairs,
                validationPairs: t.validationPairs, negativeSampling: t.negativeSampling,
                iterations: t.fit.iterations, converged: t.fit.converged, fitSeconds: t.fit.seconds,
                windows: t.windows)
        }
        return ModelSummary(
            modelVersion: m.modelVersion, createdAt: iso.string(from: m.createdAt), fingerprint: m.fingerprint,
            referenceTime: m.referenceTime, path: (loaded.path as NSString).lastPathComponent,
            loadedAt: iso.string(from: loaded.loadedAt), loadSeconds: loaded.loadSeconds, dataSpan: span(loaded),
            counts: m.counts, generators: m.generators, training: training, intercept: a.ranker.intercept,
            featureWeights: weights)
    }

    /// One pass over the kept histories per loaded model.
    func span(_ loaded: ModelStore.Loaded) -> ModelSummary.Span? {
        let key = "\(ObjectIdentifier(loaded)) \(loaded.loadedAt.timeIntervalSince1970)"
        if let cached = spans.withLock({ $0 }), cached.key == key { return cached.span }
        let times = loaded.pipeline.artifacts.histories.time
        var span: ModelSummary.Span?
        if let first = times.min(), let last = times.max() {
            span = .init(firstEvent: first, lastEvent: last, days: Double(last - first) / 86_400_000)
        }
        spans.withLock { $0 = (key, span) }
        return span
    }

    /// The newest task records from the shared state folder.
    func recentTasks(limit: Int = 10) -> ([TaskSummary], String?) {
        let folder = tasks.folder + "/tasks"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else {
            return ([], "no retrain tasks yet")
        }
        let records = names.filter { $0.hasSuffix(".json") }.compactMap { tasks.record(String($0.dropLast(5))) }
            .sorted { $0.createdAt > $1.createdAt }.prefix(limit)
        let out = records.map {
            TaskSummary(
                taskID: $0.taskID, status: $0.status, createdAt: $0.createdAt, startedAt: $0.startedAt,
                finishedAt: $0.finishedAt, durationSeconds: $0.durationSeconds, modelVersion: $0.modelVersion,
                validationAUC: $0.validationAUC, trainingPairs: $0.trainingPairs, failed: $0.error != nil)
        }
        return (out, out.isEmpty ? "no retrain tasks yet" : nil)
    }
}

/// The offline evaluation report (`recsys-train evaluate --report DIR` writes
/// `evaluation.json`) when one sits next to the served model.
struct EvaluationSummary: Codable {
    struct Metric: Codable {
        var k: Int
        var precision: Double?
        var recall: Double?
        var ndcg: Double?
        var hitRate: Double?
        var map: Double?
        var coverage: Double?
    }
    struct Method: Codable {
        var name: String
        var kind: String?
        var metrics: [Metric]
    }

    var file: String?
    var testUsers: Int?
    var testDays: Int?
    var cutoff: Int64?
    var ks: [Int]?
    var methods: [Method]

    /// Where a report is looked for, beside `model`.
    static func candidates(model: String) -> [String] {
        let folder = (model as NSString).deletingLastPathComponent
        let stem = (model as NSString).deletingPathExtension
        let dir = folder.isEmpty ? "." : folder
        return [stem + ".evaluation.json", dir + "/evaluation.json", dir + "/evaluation/evaluation.json"]
    }

    static func near(model: String) -> (EvaluationSummary?, String) {
        for path in candidates(model: model) {
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            let name = (path as NSString).lastPathComponent
            // `evaluate` writes snake_case keys; reports from before it did are camelCase, which the
            // conversion leaves as they are.
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            guard var report = try? decoder.decode(EvaluationSummary.self, from: data) else {
                return (nil, "the evaluation report \(name) next to the model cannot be read")
            }
            report.file = name
            return (report, "evaluation report \(name) next to the model")
        }
        return (nil, "no evaluation report")
    }
}
