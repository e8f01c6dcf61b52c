import ArgumentParser
import Foundation
import ModelFile
import Pipeline

/// `recsys-train similar`: the server's `GET /items/<id>/similar`, offline,
/// from a model file (the same library call, `TwoStagePipeline.similarItems`).
struct SimilarCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "similar",
        abstract: "Print the items similar to an item, as the server's GET /items/<id>/similar answers.",
        discussion: """
            Item-CF neighbours (plus the co-visitation share when the model has the covisit
            generator), best first; an item without neighbours gets its category's popular
            items (strategy category-popular). An item the model does not know is an error.

            Examples:
              recsys-train similar --model models/model.rrm --item 355908
              recsys-train similar --model models/model.rrm --item 355908 --n 5 --category 1051
              recsys-train similar --item 355908 --json | jq '.items[].item_id'
            """
    )

    @Option(name: .long, help: "The model file.")
    var model: String = "models/model.rrm"

    @Option(name: .long, help: "The item's RetailRocket id.")
    var item: Int

    @Option(name: .long, help: "Items to print, 1...100.")
    var n: Int = 10

    @Option(name: .long, help: "Only items of this category or below it in the tree (a RetailRocket category id).")
    var category: Int?

    @Flag(name: .long, help: "Print the server's JSON answer (snake_case keys) instead of a table.")
    var json = false

    func validate() throws {
        guard (1...100).contains(n) else { throw ValidationError("--n must be in 1...100, got \(n)") }
    }

    func run() throws {
        let artifacts: ModelArtifacts
        do {
            artifacts = try ModelBundle.read(path: model)
        } catch {
            throw CommandFailure("cannot load \(model): \(error)")
        }
        let pipeline = TwoStagePipeline(artifacts: artifacts)
        let answer = try Self.answer(pipeline, item: item, n: n, category: category)
        if json {
            print(Self.json(answer, item: item, modelVersion: artifacts.metadata.modelVersion))
        } else {
            print(Self.table(answer, item: item, modelVersion: artifacts.metadata.modelVersion), terminator: "")
        }
    }

    /// The served items (raw ids) and the strategy, or a failure naming the unknown item or category.
    static func answer(_ pipeline: TwoStagePipeline, item raw: Int, n: Int, category rawCategory: Int?) throws
        -> (items: [ServedItem], strategy: String)
    {
        guard let item = pipeline.item(raw: raw) else {
            throw CommandFailure("item \(raw) is not in the model")
        }
        var category: Int32?
        if let c = rawCategory {
            guard let dense = pipeline.category(raw: c) else {
                throw CommandFailure("category \(c) is not in the model's category tree")
            }
            category = dense
        }
        let (items, strategy) = pipeline.similarItems(to: Int32(item), n: n, category: category)
        let served = pipeline.artifacts.served(Recommendation(items: items, strategy: strategy, candidates: 0))
        return (served, strategy)
    }

    /// The server's response body, byte for byte (keys sorted, as it writes them).
    static func json(_ answer: (items: [ServedItem], strategy: String), item: Int, modelVersion: String) -> String {
        var out = JSONBytes(capacity: 128 + answer.items.count * 64)
        out.raw("{\"item_id\":")
        out.int(item)
        out.raw(",\"items\":")
        out.array(answer.items)
        out.raw(",\"model_version\":")
        out.string(modelVersion)
        out.raw(",\"strategy\":")
        out.string(answer.strategy)
        out.raw("}")
        return out.string
    }

    static func table(_ answer: (items: [ServedItem], strategy: String), item: Int, modelVersion: String) -> String {
        var out = "similar to item \(item) (strategy \(answer.strategy), model \(modelVersion))\n"
        out += "rank     item_id     score  category_id\n"
        for (rank, s) in answer.items.enumerated() {
            out += String(
                format: "%4d %11d %9.6f  %@\n", rank + 1, s.itemID, s.score,
                (s.categoryID.map(String.init) ?? "-") as NSString)
        }
        return out
    }
}
