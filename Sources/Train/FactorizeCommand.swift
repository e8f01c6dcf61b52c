import ArgumentParser
import Candidates
import Dataset
import Evaluation
import Foundation
import ModelFile
import Pipeline
import RecsysCore

enum FactorKind: String, ExpressibleByArgument, CaseIterable {
    case als, bpr
}

/// Fits one factor model alone and scores it as a pure-CF recommender over
/// the whole catalogue, under the offline protocol (the last `testDays` are
/// held out). `--export` also writes the exact matrix and test users, for
/// scripts/bench_factors.sh to feed to `implicit`.
struct FactorizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "factorize",
        abstract:
            "Fit implicit ALS or BPR on the events before the test window and report NDCG/recall (whole catalogue).",
        discussion: """
            Examples:
              recsys-train factorize --data data/sample
              recsys-train factorize --data data/retailrocket --model bpr --factors 32 --iterations 50
              recsys-train factorize --data data/retailrocket --model als --export /tmp/factors
            """
    )

    @OptionGroup var dataOptions: DataOptions

    /// The stand-alone defaults (not the pipeline's: `train --factors` and friends tune those).
    static let als = ALSOptions()
    static let bpr = BPROptions()

    @Option(help: "Which model: als or bpr.") var model: FactorKind = .als
    @Option(help: defaultHelp("Latent factors", Self.both(\.factors, \.factors))) var factors: Int?
    @Option(help: defaultHelp("Iterations (ALS sweeps, or BPR epochs)", Self.both(\.iterations, \.iterations)))
    var iterations: Int?
    @Option(help: defaultHelp("ALS confidence scale: c = 1 + alpha·w", als.alpha)) var alpha: Double?
    @Option(help: defaultHelp("L2 regularisation", Self.both(\.regularization, \.regularization)))
    var regularization: Double?
    @Option(help: defaultHelp("BPR learning rate", bpr.learningRate)) var learningRate: Double?
    @Option(
        help: defaultHelp(
            "BPR negatives: popularity (as implicit) or uniform (as Rendle et al.)", bpr.negatives.rawValue))
    var negatives: NegativeSampling?
    @Option(help: defaultHelp("ALS conjugate-gradient steps per row", als.cgSteps)) var cgSteps: Int?
    @Option(help: defaultHelp("Random seed of the initial factors and of BPR's sampling", Self.both(\.seed, \.seed)))
    var seed: UInt64?
    @Option(help: "ALS: 1 runs on one thread, more on every core (the same model either way).") var threads: Int = 2
    @Option(help: defaultHelp("BPR user/item blocks trained concurrently (the model depends on it)", bpr.blocks))
    var blocks: Int?
    @Option(help: "Days at the end of the log that form the test window.") var testDays: Double = 14
    @Option(help: "Folder for the matrix, the test users and our figures (raw arrays + ours.json).")
    var export: String?

    /// One default when ALS and BPR share it, else both.
    static func both<T: Equatable>(_ a: KeyPath<ALSOptions, T>, _ b: KeyPath<BPROptions, T>) -> String {
        als[keyPath: a] == bpr[keyPath: b] ? "\(als[keyPath: a])" : "ALS \(als[keyPath: a]), BPR \(bpr[keyPath: b])"
    }

    func validate() throws {
        if let f = factors, !(1...1024).contains(f) { throw ValidationError("--factors must be in 1...1024") }
        if let i = iterations, !(1...10_000).contains(i) { throw ValidationError("--iterations must be in 1...10000") }
        if let s = cgSteps, !(1...1024).contains(s) { throw ValidationError("--cg-steps must be in 1...1024") }
        for (name, v) in [("alpha", alpha), ("regularization", regularization), ("learning-rate", learningRate)] {
            if let v, !(v >= 0 && v.isFinite) { throw ValidationError("--\(name) must be a non-negative number") }
        }
        guard (1...256).contains(threads) else { throw ValidationError("--threads must be in 1...256") }
        if let b = blocks, !(1...64).contains(b) { throw ValidationError("--blocks must be in 1...64") }
        guard testDays > 0 && testDays < 120 else { throw ValidationError("--test-days must be in (0, 120)") }
    }

    var alsOptions: ALSOptions {
        var o = ALSOptions()
        if let v = factors { o.factors = v }
        if let v = iterations { o.iterations = v }
        if let v = alpha { o.alpha = v }
        if let v = regularization { o.regularization = v }
        if let v = cgSteps { o.cgSteps = v }
        if let v = seed { o.seed = v }
        return o
    }

    var bprOptions: BPROptions {
        var o = BPROptions()
        if let v = factors { o.factors = v }
        if let v = iterations { o.iterations = v }
        if let v = regularization { o.regularization = v }
        if let v = learningRate { o.learningRate = v }
        if let v = seed { o.seed = v }
        if let v = blocks { o.blocks = v }
        if let v = negatives { o.negatives = v }
        return o
    }

    func run() throws {
        let dataset = try dataOptions.load()
        let config = RecsysConfig()
        let log = dataset.log
        let cutoff = EventTime.testCutoff(maxTime: log.maxTime, days: testDays)
        let trainLog = log.before(cutoff)
        let matrix = InteractionMatrix(log: trainLog, itemCount: dataset.itemCount, kindWeight: config.kindWeight)
        let say: (String) -> Void = dataOptions.quiet ? { _ in } : { Progress.line($0) }
        say("matrix \(matrix.rows) users × \(matrix.columns) items, \(matrix.nonZeros) non-zeros")
        let started = Date()
        var last = started
        let iterations = model == .als ? alsOptions.iterations : bprOptions.iterations
        let meter = ProgressMeter(label: "\(model.rawValue) fit", total: Double(iterations), unit: "iterations")
        func tick(_ i: Int, _: FactorModel) {
            let line = String(format: "iteration %d: %.2f s", i + 1, Date().timeIntervalSince(last))
            if !dataOptions.quiet { meter.update(to: Double(i + 1), plain: line) }
            last = Date()
        }
        let fitted: FactorModel
        switch model {
        case .als: fitted = ImplicitALS.fit(matrix, options: alsOptions, threads: threads, onIteration: tick)
        case .bpr: fitted = BPR.fit(matrix, options: bprOptions, onIteration: tick)
        }
        let seconds = Date().timeIntervalSince(started)
        if !dataOptions.quiet && meter.terminal { meter.finish() }
        let tests = OfflineEvaluation.testUsers(log: log, trainLog: trainLog, cutoff: cutoff)
        let everything = FactorCandidates(
            name: model.rawValue, model: fitted, pool: (0..<Int32(dataset.itemCount)).map { $0 }, limit: 20)
        let lists = tests.map { t in everything.top(user: t.user, limit: 20).map(\.item) }
        let catalogue = Set(trainLog.item).count
        let metrics = [10, 20].map {
            RankingMetrics.measure(lists: lists, tests: tests, k: $0, catalogue: catalogue)
        }
        print(
            String(
                format:
                    "%@ fit %.2f s (%d factors, %d iterations, %d threads); %d test users: NDCG@10 %.4f, Recall@10 %.4f, NDCG@20 %.4f",
                model.rawValue, seconds, fitted.factors, model == .als ? alsOptions.iterations : bprOptions.iterations,
                model == .als ? threads : bprOptions.blocks, tests.count, metrics[0].ndcg, metrics[0].recall,
                metrics[1].ndcg))
        if let folder = export {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try BenchmarkExport.raw(matrix.start.map(Int64.init), folder + "/matrix_indptr.bin")
            try BenchmarkExport.raw(matrix.column, folder + "/matrix_indices.bin")
            try BenchmarkExport.raw(matrix.value, folder + "/matrix_data.bin")
            try BenchmarkExport.raw(tests.map { Int32($0.user) }, folder + "/test_users.bin")
            var start: [Int64] = [0]
            var relevant: [Int32] = []
            for t in tests {
                relevant += t.relevant.sorted()
                start.append(Int64(relevant.count))
            }
            try BenchmarkExport.raw(start, folder + "/test_indptr.bin")
            try BenchmarkExport.raw(relevant, folder + "/test_items.bin")
            let info: [String: Any] = [
                "model": model.rawValue, "fit_seconds": seconds, "threads": model == .als ? threads : bprOptions.blocks,
                "users": matrix.rows, "items": matrix.columns, "non_zeros": matrix.nonZeros,
                "factors": fitted.factors,
                "iterations": model == .als ? alsOptions.iterations : bprOptions.iterations,
                "alpha": alsOptions.alpha,
                "regularization": model == .als ? alsOptions.regularization : bprOptions.regularization,
                "learning_rate": bprOptions.learningRate, "cg_steps": alsOptions.cgSteps,
                "ndcg10": metrics[0].ndcg, "recall10": metrics[0].recall, "catalogue": catalogue,
            ]
            try JSONSerialization.data(withJSONObject: info, options: [.sortedKeys, .prettyPrinted])
                .write(to: URL(fileURLWithPath: folder + "/ours_\(model.rawValue).json"))
            say("exported to \(folder)")
        }
    }
}
