import ArgumentParser
import RecsysCore

@main
struct RecsysTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recsys-train",
        abstract: "Generate, explore, train and evaluate the two-stage recommender.",
        subcommands: [
            GenerateCommand.self, StatsCommand.self, TrainCommand.self, EvaluateCommand.self, InspectCommand.self,
            BackfillCommand.self, FactorizeCommand.self, SimilarCommand.self, EventsCommand.self, CeilingCommand.self,
        ]
    )

    static func main() {
        // Training and evaluation fill gigabytes of arrays: 2 MiB pages cut their page faults and TLB misses
        // (docs/benchmarks.md, "Scale"). Starts the program again once, before anything else happens.
        HugePageMalloc.relaunchIfUseful()
        main(nil)
    }
}
