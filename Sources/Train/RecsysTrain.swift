import ArgumentParser

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
}
