import ArgumentParser
import Candidates
import Dispatch
import Evaluation
import Foundation
import ModelFile
import Pipeline
import RecsysCore

struct BackfillCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backfill",
        abstract: "Write the top-k items of every known visitor as JSON lines (for batch exports and caches).",
        discussion: """
            Examples:
              recsys-train backfill --out exports/top20.jsonl
              recsys-train backfill --model models/model.rrm --out exports/top5.jsonl --k 5
              recsys-train backfill --out exports/at.jsonl --at 1442545187788 --quiet
            """
    )

    @Option(name: .long, help: "The model file.")
    var model: String = "models/model.rrm"

    @Option(name: .long, help: "Output file (JSON lines; written to a temp file, then renamed).")
    var out: String

    @Option(name: .long, help: "Items per visitor, 1...100.")
    var k: Int = 20

    @Option(name: .long, help: "Request time in unix ms (default: the model's reference time).")
    var at: Int64?

    @Flag(name: .long, help: "No progress on stderr.")
    var quiet = false

    func validate() throws {
        guard (1...100).contains(k) else { throw ValidationError("--k must be in 1...100, got \(k)") }
    }

    func run() throws {
        let started = Date()
        let artifacts: ModelArtifacts
        do {
            artifacts = try ModelBundle.read(path: model)
        } catch {
            throw CommandFailure("cannot load \(model): \(error)")
        }
        let pipeline = TwoStagePipeline(artifacts: artifacts)
        let time = at ?? artifacts.metadata.referenceTime
        let users = artifacts.userRaw.count
        let temp = out + ".tmp-\(ProcessInfo.processInfo.processIdentifier)"
        guard FileManager.default.createFile(atPath: temp, contents: nil),
            let handle = FileHandle(forWritingAtPath: temp)
        else { throw CommandFailure("cannot create \(temp)") }
        // Blocks of users are scored on both cores and written in order.
        let block = 20_000
        var written = 0
        let meter = ProgressMeter(label: "backfill", total: Double(users), unit: "visitors")
        for lo in stride(from: 0, to: users, by: block * 2) {
            let parts = BackfillParts()
            DispatchQueue.concurrentPerform(iterations: 2) { half in
                let start = lo + half * block
                let end = min(users, start + block)
                var text = ""
                if start < end {
                    for u in start..<end {
                        let r = pipeline.recommend(user: pipeline.state(ofUser: u), at: time, n: k)
                        text += RecommendationLine.json(r, user: artifacts.userRaw[u], artifacts: artifacts)
                        text += "\n"
                    }
                }
                parts.set(half, text)
            }
            for text in parts.values { handle.write(Data(text.utf8)) }
            written = min(users, lo + 2 * block)
            if !quiet {
                meter.update(
                    to: Double(written),
                    plain: (written / (block * 2)) % 10 == 0 ? "backfill: \(written) of \(users) visitors" : nil)
            }
        }
        if !quiet && meter.terminal { meter.finish() }
        try handle.synchronize()
        try handle.close()
        guard rename(temp, out) == 0 else { throw CommandFailure("cannot rename \(temp) to \(out)") }
        let seconds = Date().timeIntervalSince(started)
        print(
            "wrote \(users) visitors × top \(k) to \(out) in \(String(format: "%.1f", seconds)) s (\(String(format: "%.0f", Double(users) / seconds)) visitors/s, model load included)"
        )
    }
}

/// One JSON line per visitor: the same item objects as the HTTP answer.
enum RecommendationLine {
    static func json(_ r: Recommendation, user: Int, artifacts a: ModelArtifacts) -> String {
        "{\"user_id\":\(user),\"strategy\":\(jsonString(r.strategy)),\"items\":\(ServedItem.jsonArray(a.served(r)))}"
    }
}

private final class BackfillParts: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var values = ["", ""]
    func set(_ i: Int, _ v: String) { lock.withLock { values[i] = v } }
}
