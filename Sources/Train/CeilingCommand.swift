import ArgumentParser
import Candidates
import Dataset
import Foundation

/// `recsys-train ceiling`: how far above the history method any ranker could get on a generated world.
struct CeilingCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ceiling",
        abstract:
            "NDCG@10 of scorers that know how the generator makes visitors browse and cart, against the history method, on a generated world.",
        discussion: """
            Runs the generator in memory (the same world as `generate` with the same --scale and --seed) and
            applies the offline protocol: the same test users, relevant items and request times as `evaluate`.
            "hidden state" knows each visitor's taste categories and each item's true quality (no model can);
            "estimated" applies the same rules with estimates from the events before the cutoff. Their ratio to
            the history method bounds what a ranker can gain on that world (docs/evaluation/README.md).

            Examples:
              recsys-train ceiling --seed 1
              recsys-train ceiling --scale 0.1 --runs 50 --json | jq .estimated_ratio
            """
    )

    @Option(name: .long, help: "Size of the world relative to the Kaggle dataset, as `generate --scale`.")
    var scale: Double = 1

    @Option(name: .long, help: "Generator seed, as `generate --seed`.")
    var seed: UInt64 = 42

    @Option(name: .long, help: GeneratorWorld.help)
    var world: GeneratorWorld = .retailrocket

    @Option(name: .long, help: "Simulated continuations per test user.")
    var runs = 100

    @Option(name: .long, help: "Views simulated per continuation (one new session from the request time).")
    var futureViews = 10

    @Option(name: .long, help: "Days at the end of the log that form the test window, as `evaluate --test-days`.")
    var testDays: Double = 14

    @Flag(name: .long, help: "Print the result as JSON on stdout.")
    var json = false

    func validate() throws {
        guard scale > 0 && scale <= 20 else { throw ValidationError("--scale must be in (0, 20], got \(scale)") }
        guard testDays > 0 && testDays < 120 else { throw ValidationError("--test-days must be in (0, 120)") }
        guard (1...10_000).contains(runs) else { throw ValidationError("--runs must be in 1...10000, got \(runs)") }
        guard (1...1_000).contains(futureViews) else {
            throw ValidationError("--future-views must be in 1...1000, got \(futureViews)")
        }
    }

    func run() throws {
        let started = Date()
        let defaults = RecsysConfig()
        var options = GeneratorCeiling.Options()
        options.runs = runs
        options.futureViews = futureViews
        options.testDays = testDays
        options.kindWeight = defaults.kindWeight
        options.halfLifeHours = defaults.decayHalfLifeHours
        let r = GeneratorCeiling.measure(
            GeneratorConfig(scale: scale, seed: seed, world: world), options: options, progress: { Progress.line($0) })
        Progress.line("ceiling measured in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        if r.testUsers < 200 {
            // As `evaluate` warns: a few hundred test users are needed before ratios settle.
            Progress.line("warning: only \(r.testUsers) test users; ratios on so few move by tenths (use --scale 1)")
        }
        if json {
            print(try CLIJSON.text(r))
            return
        }
        func f(_ x: Double) -> String { String(format: "%.4f", x) }
        func ratio(_ x: Double) -> String { String(format: "%.3f", x) }
        print(
            """
            world: \(world.name), scale \(scale), seed \(seed); \(r.testUsers) test users, \(r.relevantItems) relevant items
            NDCG@10 user history \(f(r.historyNDCG))
            NDCG@10 hidden state \(f(r.hiddenStateNDCG)) (\(ratio(r.hiddenStateRatio)) x history; knows tastes and true quality)
            NDCG@10 estimated    \(f(r.estimatedNDCG)) (\(ratio(r.estimatedRatio)) x history; the generator's rules, estimated parameters)
            (\(r.runs) continuations of \(r.futureViews) views per test user)
            """)
    }
}
