import ArgumentParser
import Candidates
import Dataset
import Evaluation
import Foundation
import ModelFile
import Pipeline
import RecsysCore

struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract:
            "Offline comparison: popularity, category popularity, item-CF, history, user-kNN, ALS, BPR and the two-stage pipeline.",
        discussion: """
            NDCG@10 and recall@10 come with bootstrap 95 % intervals (1000 resamples of the test
            users, seeded); fewer than 200 test users gives a warning on stderr and in the report.
            The report also compares the two-stage pipeline with the best single method (ratio and
            a paired bootstrap interval of the NDCG@10 difference) and gives the share of two-stage
            answers made only of the visitor's own history. scripts/eval_seeds.sh runs this over
            several generated worlds.

            Examples:
              recsys-train evaluate --data data/sample --report docs/evaluation
              recsys-train evaluate --data data/retailrocket --k 10 --generators als,bpr --no-ablations
              recsys-train evaluate --data data/retailrocket --online --report docs/evaluation
            """
    )

    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var tuning: TuningOptions

    @Option(name: .long, help: "Cutoffs K, comma separated.")
    var k: String = "5,10,20"

    @Option(name: .long, help: "Days at the end of the log that form the test window.")
    var testDays: Double = 14

    @Option(name: .long, help: "Folder for evaluation.json, evaluation.md and evaluation.svg.")
    var report: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Generators to evaluate alone and added to the default two-stage set (which is always evaluated); default: all.",
            valueName: "list"),
        transform: GeneratorRegistry.standard.parseList)
    var generators: [String] = GeneratorRegistry.standard.names

    @Flag(name: .long, help: "Skip the generator and feature-group ablations.")
    var noAblations = false

    @Flag(
        name: .long,
        help:
            "Run only the online replay instead: the test window in time order through the pipeline and its live overlay (tasks cart and discover; writes online.json and online.md to --report)."
    )
    var online = false

    @Option(
        name: .long,
        help: "Online replay: at most this many scored targets per task (every k-th target in time order).")
    var onlineMaxTargets: Int = 20_000

    @Option(
        name: .long,
        help: ArgumentHelp(
            "With --online: the generators of the replayed pipeline (default: the default set).", valueName: "list"),
        transform: GeneratorRegistry.standard.parseList)
    var onlineGenerators: [String]?

    var ks: [Int] { k.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) } }

    func validate() throws {
        let parts = k.split(separator: ",", omittingEmptySubsequences: false)
        guard !parts.isEmpty, parts.count == ks.count, ks.allSatisfy({ $0 >= 1 && $0 <= 1000 }) else {
            throw ValidationError("--k must be a comma-separated list of integers in 1...1000, got \"\(k)\"")
        }
        guard testDays > 0 && testDays < 120 else { throw ValidationError("--test-days must be in (0, 120)") }
        guard onlineMaxTargets >= 1 else { throw ValidationError("--online-max-targets must be at least 1") }
    }

    func run() throws {
        // `content` needs the property tokens (a second pass over the property files).
        let used = online ? (onlineGenerators ?? GeneratorRegistry.standard.defaults) : generators
        let dataset = try dataOptions.load(propertyTokens: used.contains(ContentCandidates.factory.name))
        if online { return try runOnline(dataset) }
        let result = OfflineEvaluation.run(
            dataset: dataset, config: tuning.config, ks: ks, testDays: testDays,
            generators: generators, features: tuning.featureGroups, ablations: !noAblations,
            progress: dataOptions.quiet ? nil : { Progress.line($0) })
        // Warnings go to stderr even with --quiet: they qualify the numbers.
        for w in result.warnings ?? [] { Progress.write("warning: \(w)\n") }
        print(result.table())
        print(
            "candidate recall: "
                + result.candidateRecall.sorted { $0.key < $1.key }.map {
                    "\($0.key) \(String(format: "%.4f", $0.value))"
                }.joined(separator: ", "))
        if let line = result.rareItemLine() { print(line) }
        if let summary = result.summaryLine() { print(summary) }
        if let folder = report {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try AtomicFile.write(try CLIJSON.data(result), to: folder + "/evaluation.json")
            try AtomicFile.write(text: result.markdown(), to: folder + "/evaluation.md")
            try AtomicFile.write(text: result.svg(), to: folder + "/evaluation.svg")
            Progress.line("report written to \(folder)/evaluation.{json,md,svg}")
        }
    }

    /// `--online`: the replay only (the offline protocol is long).
    func runOnline(_ dataset: Dataset) throws {
        let result = OnlineReplay.run(
            dataset: dataset, config: tuning.config, testDays: testDays, maxTargets: onlineMaxTargets,
            generators: onlineGenerators,
            progress: dataOptions.quiet ? nil : { Progress.line($0) })
        print(result.table(), terminator: "")
        if let folder = report {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try AtomicFile.write(try CLIJSON.data(result), to: folder + "/online.json")
            let command = (["recsys-train"] + CommandLine.arguments.dropFirst()).joined(separator: " ")
            try AtomicFile.write(text: result.markdown(command: command), to: folder + "/online.md")
            Progress.line("report written to \(folder)/online.{json,md}")
        }
    }
}
