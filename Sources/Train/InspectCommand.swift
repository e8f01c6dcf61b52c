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
        abstract: "Print a readable summary of a model file: header, sections, configuration, weights, metrics.",
        discussion: """
            Examples:
              recsys-train inspect
              recsys-train inspect models/model.rrm --json | jq .training.validation_auc
              recsys-train inspect /tmp/candidate.rrm --json | jq .config
            """
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
            print(try CLIJSON.text(m))
            return
        }
        var out = """
            model \(file)
            version \(m.modelVersion), created \(ISO8601DateFormatter().string(from: m.createdAt)), format \(ModelContainer.formatVersion), fingerprint \(m.fingerprint)
            loaded in \(String(format: "%.3f", loadSeconds)) s
            generators \(m.generators.joined(separator: ", ")); lookups \(m.lookups?.joined(separator: ", ") ?? "none")
            users \(m.counts.users), items \(m.counts.items), categories \(m.counts.categories), events \(m.counts.events), neighbour pairs \(m.counts.neighbourPairs)
            == sections (raw → stored bytes, CRC-32 of the stored bytes: equal CRCs from one writer at one zlib level, same section)

            """
        for s in try ModelBundle.sectionSizes(path: file) {
            out += "  \(s.tag): \(s.raw) → \(s.compressed), crc32 \(String(format: "%08x", s.crc))\n"
        }
        out += "== configuration\n"
        out += try CLIJSON.text(m.config) + "\n"
        out += "== features (\(m.schema.version), groups: \(m.schema.enabled.map(\.rawValue).joined(separator: ",")))\n"
        out += String(format: "  %-32@ %10.4f\n", "intercept" as NSString, a.ranker.intercept)
        for (name, w) in zip(m.schema.names, a.ranker.weights) {
            out += String(format: "  %-32@ %10.4f\n", name as NSString, w)
        }
        if !m.schema.bins.isEmpty {
            out += "== feature bins (bin k: edge k-1 <= value < edge k)\n"
            for b in m.schema.bins {
                out += "  \(b.source): \(b.edges.map { String(format: "%.4g", $0) }.joined(separator: ", "))\n"
            }
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
