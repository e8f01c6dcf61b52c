import ArgumentParser
import Candidates
import Testing

@testable import Train

/// `--help` teaches: every tuning option names its default from `RecsysConfig`,
/// and every command shows worked examples.
struct HelpTests {
    /// The help text of a command, as `recsys-train <path> --help` prints it (columns wide enough for one line per option).
    static func help(_ command: ParsableCommand.Type) -> String {
        RecsysTrain.helpMessage(for: command, columns: 1000)
    }

    /// The help entry of `--name`: its line and the lines its help text
    /// wraps onto, up to the next option, joined.
    static func line(_ name: String, in help: String) -> String? {
        let lines = help.split(separator: "\n").map(String.init)
        guard let i = lines.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces).hasPrefix("--\(name) ") })
        else { return nil }
        let rest = lines[(i + 1)...].prefix { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("-") && !$0.isEmpty }
        return ([lines[i]] + rest).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
    }

    @Test(arguments: [TrainCommand.self, EvaluateCommand.self] as [ParsableCommand.Type])
    func tuningOptionsShowRecsysConfigDefaults(_ command: ParsableCommand.Type) throws {
        let c = RecsysConfig()
        let expected: [(String, String)] = [
            ("category-candidates", "\(c.categoryCandidates)"), ("cf-candidates", "\(c.cfCandidates)"),
            ("history-candidates", "\(c.historyCandidates)"), ("cf-neighbours", "\(c.cfNeighbours)"),
            ("training-windows", "\(c.trainingWindows)"), ("label-window-days", "\(c.labelWindowDays)"),
            ("l2", "\(c.l2)"), ("decay-half-life-hours", "\(c.decayHalfLifeHours)"),
            ("userknn-candidates", "\(c.userKNNCandidates)"), ("factor-candidates", "\(c.factorCandidates)"),
            ("factor-pool", "\(c.factorPool)"), ("als-iterations", "\(c.als.iterations)"),
            ("als-alpha", "\(c.als.alpha)"), ("als-regularization", "\(c.als.regularization)"),
            ("bpr-iterations", "\(c.bpr.iterations)"), ("bpr-negatives", c.bpr.negatives.rawValue),
        ]
        let text = Self.help(command)
        for (name, value) in expected {
            let line = try #require(Self.line(name, in: text), "--\(name) in \(command)")
            #expect(line.contains("(default: \(value))"), "\(line)")
        }
        let factors = try #require(Self.line("factors", in: text))
        #expect(factors.contains("(default: ") && factors.contains("\(c.als.factors)"), "\(factors)")
    }

    @Test func factorizeShowsItsDefaults() throws {
        let text = Self.help(FactorizeCommand.self)
        let als = ALSOptions()
        let bpr = BPROptions()
        for (name, value) in [
            ("alpha", "\(als.alpha)"), ("learning-rate", "\(bpr.learningRate)"), ("cg-steps", "\(als.cgSteps)"),
            ("blocks", "\(bpr.blocks)"), ("threads", "2"), ("test-days", "14.0"),
        ] {
            let line = try #require(Self.line(name, in: text), "--\(name)")
            #expect(line.contains("(default: \(value))"), "\(line)")
        }
        #expect(try #require(Self.line("model", in: text)).contains("default: als)"))
    }

    @Test(
        arguments: [
            GenerateCommand.self, StatsCommand.self, TrainCommand.self, EvaluateCommand.self, InspectCommand.self,
            BackfillCommand.self, FactorizeCommand.self, SimilarCommand.self, EventsCommand.self,
            EventsExportCommand.self, CeilingCommand.self,
        ] as [ParsableCommand.Type])
    func everyCommandHasWorkedExamples(_ command: ParsableCommand.Type) {
        let discussion = command.configuration.discussion
        #expect(discussion.contains("Examples:"), "\(command)")
        let examples = discussion.split(separator: "\n").filter {
            $0.trimmingCharacters(in: .whitespaces).hasPrefix("recsys-train ")
        }
        #expect(examples.count >= 2, "\(command): \(examples.count) examples")
        #expect(Self.help(command).contains("Examples:"), "\(command)")
    }

    /// Every example parses: the flags it shows exist and pass validation.
    @Test func everyExampleParses() throws {
        let commands: [ParsableCommand.Type] = [
            GenerateCommand.self, StatsCommand.self, TrainCommand.self, EvaluateCommand.self, InspectCommand.self,
            BackfillCommand.self, FactorizeCommand.self, SimilarCommand.self, EventsCommand.self,
            EventsExportCommand.self, CeilingCommand.self,
        ]
        var parsed = 0
        for command in commands {
            for line in command.configuration.discussion.split(separator: "\n") {
                let example = line.trimmingCharacters(in: .whitespaces)
                guard example.hasPrefix("recsys-train ") else { continue }
                let words = example.split(separator: "|")[0].split(separator: " ").dropFirst().map(String.init)
                if words.contains("--help") { continue }
                do {
                    _ = try RecsysTrain.parseAsRoot(words)
                    parsed += 1
                } catch {
                    Issue.record("\(example): \(error)")
                }
            }
        }
        #expect(parsed >= 20)
    }
}
