import ArgumentParser
import Candidates
import Dataset
import Evaluation
import Features
import Foundation
import ModelFile
import Pipeline
import RecsysCore

/// The configuration whose values the tuning options' help shows.
private let defaultConfig = TuningOptions.defaults

/// "text (default: value)." — the form swift-argument-parser gives options with a default.
func defaultHelp(_ text: String, _ value: Any) -> ArgumentHelp { ArgumentHelp("\(text) (default: \(value)).") }

/// Options that tune the recommender. Each is nil unless given, and then
/// `config` keeps `RecsysConfig`'s default, which the help text shows.
struct TuningOptions: ParsableArguments {
    /// The defaults every option's help names.
    static let defaults = RecsysConfig()

    @Option(help: defaultHelp("Candidates from category popularity", defaultConfig.categoryCandidates))
    var categoryCandidates: Int?
    @Option(
        help: defaultHelp(
            "The visitor's categories that category popularity draws from (the strongest first)",
            defaultConfig.userCategories))
    var userCategories: Int?
    @Option(help: defaultHelp("Candidates from item-CF", defaultConfig.cfCandidates)) var cfCandidates: Int?
    @Option(help: defaultHelp("Candidates from the user's history", defaultConfig.historyCandidates))
    var historyCandidates: Int?
    @Option(
        help: defaultHelp(
            "Interactions kept per visitor (the most recent), for candidates and features", defaultConfig.historyLength)
    )
    var historyLength: Int?
    @Option(help: defaultHelp("Neighbours kept per item", defaultConfig.cfNeighbours)) var cfNeighbours: Int?
    @Option(help: defaultHelp("Number of sliding label windows for training pairs", defaultConfig.trainingWindows))
    var trainingWindows: Int?
    @Option(help: defaultHelp("Days in each label window", defaultConfig.labelWindowDays)) var labelWindowDays: Double?
    @Option(help: defaultHelp("L2 strength of the ranker (scikit-learn's 1/C)", defaultConfig.l2)) var l2: Double?
    @Option(help: defaultHelp("Half-life of popularity and recency decay, hours", defaultConfig.decayHalfLifeHours))
    var decayHalfLifeHours: Double?
    @Option(help: defaultHelp("Candidates from user-kNN (when it is a generator)", defaultConfig.userKNNCandidates))
    var userknnCandidates: Int?
    @Option(
        help: defaultHelp(
            "Candidates from each factor model, ALS and BPR (when they are generators)", defaultConfig.factorCandidates)
    )
    var factorCandidates: Int?
    @Option(help: defaultHelp("Most popular items each factor model scores per request", defaultConfig.factorPool))
    var factorPool: Int?
    @Option(
        help: defaultHelp(
            "Latent factors of ALS and BPR in the pipeline",
            defaultConfig.als.factors == defaultConfig.bpr.factors
                ? "\(defaultConfig.als.factors)" : "ALS \(defaultConfig.als.factors), BPR \(defaultConfig.bpr.factors)")
    )
    var factors: Int?
    @Option(help: defaultHelp("ALS iterations in the pipeline", defaultConfig.als.iterations)) var alsIterations: Int?
    @Option(help: defaultHelp("ALS confidence scale: c = 1 + alpha·w", defaultConfig.als.alpha)) var alsAlpha: Double?
    @Option(help: defaultHelp("ALS L2 regularisation", defaultConfig.als.regularization)) var alsRegularization: Double?
    @Option(help: defaultHelp("BPR epochs in the pipeline", defaultConfig.bpr.iterations)) var bprIterations: Int?
    @Option(
        help: defaultHelp(
            "BPR negatives: popularity (as implicit) or uniform (as Rendle et al.)",
            defaultConfig.bpr.negatives.rawValue))
    var bprNegatives: NegativeSampling?

    @Option(
        name: .customLong("features"),
        help: ArgumentHelp(
            "Optional ranker feature groups to add, comma separated: \(FeatureGroup.optional.map(\.rawValue).joined(separator: ",")) (default: none). shape: quantile bins of the numeric features; crosses: products such as carted × recency; ranks: the candidate's rank in each generator's list.",
            valueName: "list"),
        transform: TuningOptions.parseFeatureGroups)
    var extraFeatures: [FeatureGroup] = []

    /// The ranker's feature groups: the standard ones and those asked for.
    var featureGroups: [FeatureGroup] { FeatureGroup.standard + extraFeatures }

    static func parseFeatureGroups(_ text: String) throws -> [FeatureGroup] {
        let names = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if names == ["none"] { return [] }
        return try names.map { name in
            guard let g = FeatureGroup(rawValue: name), FeatureGroup.optional.contains(g) else {
                throw ValidationError(
                    "unknown optional feature group \"\(name)\"; expected \(FeatureGroup.optional.map(\.rawValue).joined(separator: ", ")) or none"
                )
            }
            return g
        }.reduce(into: []) { if !$0.contains($1) { $0.append($1) } }
    }

    func validate() throws {
        for (name, v) in [
            ("category-candidates", categoryCandidates), ("user-categories", userCategories),
            ("cf-candidates", cfCandidates),
            ("history-candidates", historyCandidates), ("history-length", historyLength),
            ("cf-neighbours", cfNeighbours),
            ("training-windows", trainingWindows), ("userknn-candidates", userknnCandidates),
            ("factor-candidates", factorCandidates), ("als-iterations", alsIterations),
            ("bpr-iterations", bprIterations),
        ] {
            if let v, v < 1 || v > 10_000 { throw ValidationError("--\(name) must be in 1...10000, got \(v)") }
        }
        if let p = factorPool, !(1...10_000_000).contains(p) {
            throw ValidationError("--factor-pool must be in 1...10000000, got \(p)")
        }
        if let f = factors, !(1...1024).contains(f) { throw ValidationError("--factors must be in 1...1024, got \(f)") }
        for (name, v) in [("als-alpha", alsAlpha), ("als-regularization", alsRegularization)] {
            if let v, !(v >= 0 && v.isFinite) { throw ValidationError("--\(name) must be a non-negative number") }
        }
        if let l2, !(l2 >= 0 && l2.isFinite) { throw ValidationError("--l2 must be a non-negative number") }
        if let d = labelWindowDays, !(d > 0 && d <= 60) {
            throw ValidationError("--label-window-days must be in (0, 60]")
        }
        if let h = decayHalfLifeHours, !(h > 0 && h.isFinite) {
            throw ValidationError("--decay-half-life-hours must be > 0")
        }
    }

    var config: RecsysConfig {
        var c = Self.defaults
        if let v = categoryCandidates { c.categoryCandidates = v }
        if let v = userCategories { c.userCategories = v }
        if let v = cfCandidates { c.cfCandidates = v }
        if let v = historyCandidates { c.historyCandidates = v }
        if let v = historyLength { c.historyLength = v }
        if let v = cfNeighbours { c.cfNeighbours = v }
        if let v = trainingWindows { c.trainingWindows = v }
        if let v = labelWindowDays { c.labelWindowDays = v }
        if let v = l2 { c.l2 = v }
        if let v = decayHalfLifeHours { c.decayHalfLifeHours = v }
        if let v = userknnCandidates { c.userKNNCandidates = v }
        if let v = factorCandidates { c.factorCandidates = v }
        if let v = factorPool { c.factorPool = v }
        if let v = factors {
            c.als.factors = v
            c.bpr.factors = v
        }
        if let v = alsIterations { c.als.iterations = v }
        if let v = alsAlpha { c.als.alpha = v }
        if let v = alsRegularization { c.als.regularization = v }
        if let v = bprIterations { c.bpr.iterations = v }
        if let v = bprNegatives { c.bpr.negatives = v }
        return c
    }
}

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Build candidates, fit the ranker on sliding windows, and write one model file.",
        discussion: """
            Examples:
              recsys-train train --data data/sample --out models/model.rrm
              recsys-train train --data data/retailrocket --generators category,itemcf,history,als --factors 32
              recsys-train train --data data/sample --events models/recsys-state/events --training-windows 2
            """
    )

    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var tuning: TuningOptions

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Candidate generators, comma separated: \(GeneratorRegistry.standard.names.joined(separator: ",")) (default: \(GeneratorRegistry.standard.defaults.joined(separator: ","))).",
            valueName: "list"),
        transform: GeneratorRegistry.standard.parseList)
    var generators: [String] = GeneratorRegistry.standard.defaults

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Generators saved only as lookup tables for `exclude=seen` discovery and similar items, without proposing to the ranker, comma separated, or none (default: \(GeneratorRegistry.standard.defaultLookups.joined(separator: ","))). `content` (similar items of items nobody co-viewed, from the property values) reads the property files a second time.",
            valueName: "list"),
        transform: GeneratorRegistry.standard.parseOptionalList)
    var lookups: [String] = GeneratorRegistry.standard.defaultLookups

    @Option(
        name: .long,
        help: ArgumentHelp(
            "zlib level of the model's sections, 0-9: 0 stores them (2.2 x the bytes, the fastest load and write), 2 compresses (default: \(ModelContainer.compressionLevel)).",
            valueName: "level"))
    var compressionLevel: Int32 = ModelContainer.compressionLevel

    @Option(name: .long, help: "Model file to write (atomically).")
    var out: String = "models/model.rrm"

    @Option(name: .long, help: "Version label stored in the model (default: the creation time).")
    var modelVersion: String?

    @Option(
        name: .long,
        help: "Also write the training pairs and the CF matrix as raw arrays here (for scripts/bench_train.sh).")
    var exportBenchmark: String?

    func validate() throws {
        guard (0...9).contains(compressionLevel) else {
            throw ValidationError("--compression-level must be in 0...9, got \(compressionLevel)")
        }
    }

    func run() throws {
        let quiet = dataOptions.quiet
        func say(_ s: String) { if !quiet { Progress.line(s) } }
        var clock = Date()
        var stages: [(String, Double)] = []
        func lap(_ name: String) {
            stages.append((name, Date().timeIntervalSince(clock)))
            clock = Date()
        }
        let dataset = try dataOptions.load(
            propertyTokens: (generators + lookups).contains(ContentCandidates.factory.name))
        lap("ingest")
        let config = tuning.config
        let end = dataset.log.maxTime + 1
        say(
            "building candidate structures (\(generators.joined(separator: ", "))) from all \(dataset.log.count) events"
        )
        var artifacts = ModelArtifacts.build(
            dataset: dataset, log: dataset.log, reference: end, config: config, generators: generators,
            lookups: lookups, features: tuning.featureGroups)
        lap("candidates")
        say("collecting training pairs from \(config.trainingWindows) windows of \(config.labelWindowDays) days")
        let examples = RankerTrainer.collect(
            dataset: dataset, log: dataset.log, end: end, config: config, generators: generators, progress: say)
        lap("training pairs")
        let (ranker, summary, schema) = RankerTrainer.fit(
            examples, schema: artifacts.metadata.schema, config: config, categoryCount: dataset.categoryCount)
        lap("fit")
        artifacts.ranker = ranker
        artifacts.metadata.schema = schema
        artifacts.metadata.training = summary
        let created = Date()
        artifacts.metadata.createdAt = created
        artifacts.metadata.modelVersion = modelVersion ?? "rr-" + ISO8601DateFormatter().string(from: created)
        let bytes = try ModelBundle.write(artifacts, to: out, level: compressionLevel)
        lap("write")
        if let folder = exportBenchmark {
            try BenchmarkExport.write(
                to: folder, dataset: dataset, examples: examples, schema: artifacts.metadata.schema, config: config,
                summary: summary)
            say("benchmark inputs written to \(folder)")
        }
        print(
            """
            model \(out) (\(artifacts.metadata.modelVersion)), \(String(format: "%.1f", Double(bytes) / 1_048_576)) MB
            pairs \(summary.pairs): \(summary.positives) positive, \(summary.negatives) negative (class weights \(String(format: "%.2f", summary.fit.positiveWeight)) / \(String(format: "%.3f", summary.fit.negativeWeight)))
            validation AUC \(String(format: "%.4f", summary.validationAUC)), log loss \(String(format: "%.4f", summary.validationLogLoss)); Newton iterations \(summary.fit.iterations), converged \(summary.fit.converged)
            stages: \(stages.map { "\($0.0) \(String(format: "%.2f", $0.1)) s" }.joined(separator: ", "))
            total \(String(format: "%.2f", stages.reduce(0) { $0 + $1.1 })) s
            """)
    }
}
