import ArgumentParser
import Candidates
import Evaluation
import Foundation
import ModelFile
import Pipeline
import RecsysCore

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Print a readable summary of a model file: header, sections, configuration, weights, metrics."
    )

    @Argument(help: "The model file.")
    var file: String = "models/model.rrm"

    @Flag(name: .long, help: "Print the metadata as JSON.")
    var json = false

    func run() throws {
        let started = Date()
        let a: ModelArtifacts
        do {
            a = try ModelBundle.read(path: file)
        } catch let error as ModelFileError {
            throw CommandFailure("cannot load \(file): \(error)")
        }
        let loadSeconds = Date().timeIntervalSince(started)
        let m = a.metadata
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            encoder.dateEncodingStrategy = .iso8601
            print(String(decoding: try encoder.encode(m), as: UTF8.self))
            return
        }
        var out = """
            model \(file)
            version \(m.modelVersion), created \(ISO8601DateFormatter().string(from: m.createdAt)), format \(ModelContainer.formatVersion), fingerprint \(m.fingerprint)
            loaded in \(String(format: "%.3f", loadSeconds)) s
            generators \(m.generators.joined(separator: ", "))
            users \(m.counts.users), items \(m.counts.items), categories \(m.counts.categories), events \(m.counts.events), neighbour pairs \(m.counts.neighbourPairs)
            == sections (raw → compressed bytes)

            """
        for s in try ModelBundle.sectionSizes(path: file) { out += "  \(s.tag): \(s.raw) → \(s.compressed)\n" }
        out += "== configuration\n"
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        out += String(decoding: try encoder.encode(m.config), as: UTF8.self) + "\n"
        out += "== features (\(m.schema.version), groups: \(m.schema.enabled.map(\.rawValue).joined(separator: ",")))\n"
        out += String(format: "  %-32@ %10.4f\n", "intercept" as NSString, a.ranker.intercept)
        for (name, w) in zip(m.schema.names, a.ranker.weights) {
            out += String(format: "  %-32@ %10.4f\n", name as NSString, w)
        }
        if let t = m.training {
            out += "== training\n"
            out +=
                "  pairs \(t.pairs) (\(t.positives) positive), validation AUC \(String(format: "%.4f", t.validationAUC)), log loss \(String(format: "%.4f", t.validationLogLoss)), Newton iterations \(t.fit.iterations), converged \(t.fit.converged)\n"
            out += "  negative sampling: \(t.negativeSampling)\n"
        }
        print(out, terminator: "")
    }
}
