import Candidates
import Dataset
import Foundation
import Pipeline
import RecsysCore
import TestSupport
import Testing

@testable import Evaluation

/// The offline protocol on the shared tiny dataset, without ablations.
struct OfflineEvaluationTests {
    static let ks = [5, 10, 20]
    static let testDays = 14.0
    static let defaults = GeneratorRegistry.standard.defaults
    /// Run once: the default generators only.
    static let report = OfflineEvaluation.run(
        dataset: TestModel.dataset, config: TestModel.config, ks: ks, testDays: testDays, generators: defaults,
        ablations: false)

    static func displayName(_ g: String) -> String { GeneratorRegistry.standard[g]!.displayName }

    @Test func methodsArePopularityEachGeneratorAloneAndTheTwoStagePipeline() {
        let r = Self.report
        let expected = ["global popularity"] + Self.defaults.map(Self.displayName) + ["two-stage"]
        #expect(r.methods.map(\.name) == expected)
        #expect(r.methods.map(\.kind) == Array(repeating: "single", count: expected.count - 1) + ["two-stage"])
        // No ablation without being asked, no addition without an optional generator.
        #expect(!r.methods.contains { $0.kind == "ablation" || $0.kind == "addition" })
        #expect(r.ks == Self.ks)
        #expect(r.testDays == Self.testDays)
        #expect(r.config == TestModel.config)
    }

    @Test func metricsAreSharesAndGrowWithK() throws {
        let r = Self.report
        for m in r.methods {
            #expect(m.metrics.map(\.k) == Self.ks, "\(m.name)")
            for x in m.metrics {
                for (name, v) in [
                    ("precision", x.precision), ("recall", x.recall), ("NDCG", x.ndcg), ("hit rate", x.hitRate),
                    ("MAP", x.map), ("coverage", x.coverage),
                ] {
                    #expect(v >= 0 && v <= 1, "\(m.name) \(name)@\(x.k) = \(v)")
                }
            }
            let at5 = try #require(m.at(5))
            let at20 = try #require(m.at(20))
            #expect(at20.recall >= at5.recall, "\(m.name)")
            #expect(at20.hitRate >= at5.hitRate, "\(m.name)")
            // Hits only accumulate down a longer list.
            #expect(at20.precision * 20 >= at5.precision * 5 - 1e-9, "\(m.name)")
            #expect(m.millisecondsPerUser >= 0)
        }
        // The tiny world still has signal: the pipeline finds something.
        let twoStage = try #require(r.methods.first { $0.name == "two-stage" })
        #expect(try #require(twoStage.at(20)).recall > 0)
    }

    @Test func unionOfCandidatesRecallsAtLeastEachGenerator() throws {
        let r = Self.report
        #expect(Set(r.candidateRecall.keys) == Set(Self.defaults + ["union"]))
        let union = try #require(r.candidateRecall["union"])
        for g in Self.defaults {
            let alone = try #require(r.candidateRecall[g])
            #expect(alone >= 0 && alone <= 1)
            #expect(union >= alone, "\(g): \(alone) > union \(union)")
        }
        #expect(union > 0 && union <= 1)
        // At most every generator's full list per user.
        let generators = TestModel.artifacts.generators.filter { Self.defaults.contains($0.name) }
        #expect(generators.count == Self.defaults.count)
        let limit = generators.reduce(0) { $0 + $1.candidateLimit }
        #expect(r.meanCandidates > 0 && r.meanCandidates <= Double(limit))
    }

    @Test func reportCountsTheTestUsersOfTheProtocol() {
        let r = Self.report
        let log = TestModel.dataset.log
        let cutoff = EventTime.testCutoff(maxTime: log.maxTime, days: Self.testDays)
        let tests = OfflineEvaluation.testUsers(log: log, trainLog: log.before(cutoff), cutoff: cutoff)
        #expect(r.cutoff == cutoff)
        #expect(r.testUsers == tests.count)
        #expect(r.testUsers > 0)
        #expect(r.relevantItems == tests.reduce(0) { $0 + $1.relevant.count })
        #expect(r.training.pairs > 0)
        #expect(r.training.positives > 0)
    }

    @Test func testUsersHaveHistoryBeforeAndACartOrPurchaseAfterTheCutoff() {
        let cutoff: Int64 = 1000
        let (view, cart, buy) = (EventKind.view.rawValue, EventKind.addToCart.rawValue, EventKind.transaction.rawValue)
        // Per user, oldest first: (time, item, kind).
        let events: [[(Int64, Int32, UInt8)]] = [
            // 0: history, then a view, a cart and a purchase in the test window.
            [(500, 1, view), (1100, 4, view), (1200, 2, cart), (1500, 3, buy)],
            // 1: nothing before the cutoff.
            [(1300, 5, cart)],
            // 2: only views after the cutoff.
            [(200, 1, view), (1400, 6, view)],
            // 3: a cart before the cutoff, nothing after.
            [(900, 5, cart)],
            // 4: a cart exactly at the cutoff is in the test window; the same item bought twice counts once.
            [(100, 1, view), (1000, 7, cart), (1700, 7, buy)],
        ]
        var log = InteractionLog(time: [], user: [], item: [], kind: [], userStart: [0])
        for (u, list) in events.enumerated() {
            for (t, i, k) in list {
                log.time.append(t)
                log.user.append(Int32(u))
                log.item.append(i)
                log.kind.append(k)
            }
            log.userStart.append(Int32(log.time.count))
        }
        let tests = OfflineEvaluation.testUsers(log: log, trainLog: log.before(cutoff), cutoff: cutoff)
        #expect(tests.map(\.user) == [0, 4])
        // The request time is the first event of the test window, whatever its kind.
        #expect(tests.map(\.time) == [1100, 1000])
        #expect(tests.map(\.relevant) == [[2, 3], [7]])
    }

    @Test func markdownHasATableRowPerMethodAndCutoff() throws {
        let r = Self.report
        let md = r.markdown()
        #expect(md.hasPrefix("# Offline evaluation"))
        for k in Self.ks { #expect(md.contains("## K = \(k)\n")) }
        let lines = md.split(separator: "\n").map(String.init)
        let intervalK = try #require(r.bootstrap?.k)
        #expect(Self.ks.contains(intervalK))
        for m in r.methods {
            let rows = lines.filter { $0.hasPrefix("| \(m.name) |") }
            #expect(rows.count == Self.ks.count, "\(m.name): \(rows.count) rows")
            // Eight columns: method, six metrics, ms/user; at the interval cutoff
            // also the NDCG and recall 95 % intervals.
            for (k, row) in zip(Self.ks, rows) {
                #expect(row.split(separator: "|").count == (k == intervalK ? 10 : 8), "\(m.name) at \(k)")
            }
            let at = try #require(m.at(intervalK))
            let ndcg = try #require(at.ndcgInterval)
            #expect(rows.contains { $0.contains(String(format: "[%.4f, %.4f]", ndcg.low, ndcg.high)) }, "\(m.name)")
        }
        for name in r.candidateRecall.keys {
            #expect(lines.contains { $0.hasPrefix("| \(name) | ") }, "candidate recall of \(name)")
        }
        let twoStage = r.methods.first { $0.name == "two-stage" }!.at(10)!
        #expect(md.contains(String(format: "| two-stage | %.4f | %.4f |", twoStage.precision, twoStage.recall)))
    }

    /// The report compares two-stage with its best single method on the same
    /// users, and says how many two-stage answers are only the visitor's history.
    @Test func reportComparesTwoStageWithTheBestSingleMethod() throws {
        let r = Self.report
        let c = try #require(r.twoStageVsBestSingle)
        let k = try #require(r.bootstrap?.k)
        #expect(c.k == k)
        let singles = r.methods.filter { $0.kind == "single" }
        let best = try #require(singles.max { $0.at(k)!.ndcg < $1.at(k)!.ndcg })
        #expect(c.bestSingle == best.name)
        let twoStage = try #require(r.twoStage?.at(k))
        #expect(c.twoStageNDCG == twoStage.ndcg)
        #expect(c.bestSingleNDCG == best.at(k)!.ndcg)
        #expect(abs(c.difference - (twoStage.ndcg - best.at(k)!.ndcg)) < 1e-12)
        if c.bestSingleNDCG > 0 { #expect(abs(c.ratio - twoStage.ndcg / c.bestSingleNDCG) < 1e-12) }
        #expect(c.differenceInterval.low <= c.difference + 1e-12 && c.difference <= c.differenceInterval.high + 1e-12)
        let share = try #require(r.allHistoryShare)
        #expect(share >= 0 && share <= 1)
        let md = r.markdown()
        #expect(md.contains("## Two-stage against the best single method (K = \(k))"))
        #expect(md.contains("| best single method (highest NDCG@\(k)) | \(c.bestSingle) |"))
        #expect(md.contains(String(format: "| ratio two-stage / best single | %.3f |", c.ratio)))
        #expect(md.contains(String(format: "only of the visitor's own history | %.1f %% |", share * 100)))
        let line = try #require(r.summaryLine())
        #expect(line.contains("two-stage vs best single (\(c.bestSingle))"))
        // Stored under snake_case keys by the CLI, and decoded back.
        let decoded = try JSONDecoder().decode(EvaluationReport.self, from: try JSONEncoder().encode(r))
        #expect(decoded.twoStageVsBestSingle == c)
        #expect(decoded.allHistoryShare == share)
        // The CLI's snake_case keys (`two_stage_ndcg`) come back with the standard conversion.
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let text = String(decoding: try encoder.encode(r), as: UTF8.self)
        for key in ["two_stage_vs_best_single", "two_stage_ndcg", "best_single_ndcg", "difference_interval"] {
            #expect(text.contains("\"\(key)\""), "\(key)")
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        #expect(try decoder.decode(BestSingleComparison.self, from: try encoder.encode(c)) == c)
    }

    /// A report written before the comparison decodes without it and renders without its section.
    @Test func aReportWithoutTheComparisonStillRenders() throws {
        var r = Self.report
        r.twoStageVsBestSingle = nil
        r.allHistoryShare = nil
        #expect(!r.markdown().contains("best single"))
        #expect(r.summaryLine()?.contains("best single") != true)
    }

    @Test func svgHasTwoBarsPerMethod() {
        let r = Self.report
        let svg = r.svg()
        #expect(svg.hasPrefix("<svg"))
        #expect(svg.hasSuffix("</svg>\n"))
        #expect(svg.components(separatedBy: "<rect").count - 1 == 2 * r.methods.count)
        for m in r.methods { #expect(svg.contains(">\(m.name)</text>"), "\(m.name)") }
        #expect(svg.contains("test users: \(r.testUsers)"))
    }

    @Test func reportSurvivesJSON() throws {
        let r = Self.report
        let decoded = try JSONDecoder().decode(EvaluationReport.self, from: try JSONEncoder().encode(r))
        #expect(decoded.methods.map(\.name) == r.methods.map(\.name))
        #expect(decoded.candidateRecall == r.candidateRecall)
        #expect(decoded.markdown() == r.markdown())
    }

    @Test func anOptionalGeneratorIsEvaluatedAloneAndAddedToTheDefaults() throws {
        let r = OfflineEvaluation.run(
            dataset: TestModel.dataset, config: TestModel.config, ks: [10], testDays: Self.testDays,
            generators: ["userknn"], ablations: false)
        let names = r.methods.map(\.name)
        #expect(names.filter { $0 == "two-stage" }.count == 1)
        #expect(names.contains("user-kNN"))
        for g in Self.defaults { #expect(names.contains(Self.displayName(g)), "\(g)") }
        let addition = try #require(r.methods.first { $0.name == "two-stage + userknn" })
        #expect(addition.kind == "addition")
        #expect(Set(r.candidateRecall.keys) == Set(Self.defaults + ["userknn", "union", "union + userknn"]))
        let union = try #require(r.candidateRecall["union"])
        let withKNN = try #require(r.candidateRecall["union + userknn"])
        #expect(withKNN >= union)
        #expect(withKNN >= r.candidateRecall["userknn"] ?? 2)
    }

    /// The rare-item segment is the test users whose last training item has fewer than 5 training events;
    /// the content generator, the one that needs no events, is reported on it.
    /// On a world four times the shared one's size: that one has only 7 test users, none of them rare.
    @Test func rareItemVisitorsGetTheirOwnRecall() throws {
        let data = Scratch.folder("rare-world-") + "/data"
        _ = try SyntheticRetailRocket.generate(GeneratorConfig(scale: 0.02, seed: 5), to: data)
        let world = try DatasetLoader.load(DatasetFiles(directory: data), propertyTokens: true)
        let r = OfflineEvaluation.run(
            dataset: world, config: TestModel.config, ks: [10], testDays: Self.testDays,
            generators: ["content"], ablations: false)
        let rare = try #require(r.rareItemRecall)
        let log = world.log
        let cutoff = EventTime.testCutoff(maxTime: log.maxTime, days: Self.testDays)
        let train = log.before(cutoff)
        var events = [Int: Int]()
        for e in 0..<train.count { events[Int(train.item[e]), default: 0] += 1 }
        let expected = OfflineEvaluation.testUsers(log: log, trainLog: train, cutoff: cutoff).filter {
            events[Int(train.item[train.events(of: $0.user).last!])]! < 5
        }
        #expect(rare.threshold == 5)
        #expect(rare.testUsers == expected.count)
        #expect(rare.testUsers > 0 && rare.testUsers < r.testUsers)
        #expect(rare.relevantItems == expected.reduce(0) { $0 + $1.relevant.count })
        #expect(Set(rare.recall.keys) == ["union", "union + content"])
        let union = try #require(rare.recall["union"])
        let withContent = try #require(rare.recall["union + content"])
        #expect(withContent >= union)
        #expect(r.markdown().contains("visitors whose last item had < 5 training events: \(rare.testUsers) test users"))
    }
}
