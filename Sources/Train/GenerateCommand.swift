import ArgumentParser
import Dataset
import Foundation

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write synthetic data in the exact RetailRocket format (scale 1 = the Kaggle size).",
        discussion: """
            Examples:
              recsys-train generate --out data/synthetic --scale 0.05
              recsys-train generate --out data/full --scale 1 --seed 7
              recsys-train generate --out /tmp/tiny --scale 0.002 --json | jq .events
              recsys-train generate --out data/wanderers --world wanderers
            """
    )

    @Option(name: .long, help: "Output folder (created if missing).")
    var out: String

    @Option(name: .long, help: "Size relative to the Kaggle dataset: 1 = 2.76 M events, 20.3 M property rows.")
    var scale: Double = 1

    @Option(name: .long, help: "Random seed; the same seed gives the same files.")
    var seed: UInt64 = 42

    @Option(name: .long, help: GeneratorWorld.help)
    var world: GeneratorWorld = .retailrocket

    @Flag(name: .long, help: "Print the generator's own counts as JSON on stdout.")
    var json = false

    func validate() throws {
        guard scale > 0 && scale <= 20 else { throw ValidationError("--scale must be in (0, 20], got \(scale)") }
    }

    func run() throws {
        let started = Date()
        let summary = try SyntheticRetailRocket.generate(
            GeneratorConfig(scale: scale, seed: seed, world: world), to: out, progress: { Progress.line($0) })
        Progress.line("generated in \(String(format: "%.1f", Date().timeIntervalSince(started))) s into \(out)")
        if json {
            print(try CLIJSON.text(summary))
        } else {
            print(
                """
                events \(summary.events) (views \(summary.views), add-to-carts \(summary.carts), transactions \(summary.transactions), duplicates \(summary.duplicateEvents))
                visitors \(summary.visitors), items in events \(summary.itemsInEvents) (\(summary.eventItemsWithoutProperties) without properties)
                property rows \(summary.propertyRows) over \(summary.describedItems) items, \(summary.itemsChangingCategory) change category
                categories \(summary.categories)
                world \(summary.world): \(String(format: "%.1f", 100 * summary.repeatViewShare)) % of views return to an item the visitor viewed before
                """)
        }
    }
}
