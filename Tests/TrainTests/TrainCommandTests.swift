import ArgumentParser
import Candidates
import Dataset
import Evaluation
import Features
import Foundation
import ModelFile
import Pipeline
import RecsysCore
import TestSupport
import Testing

@testable import Train

/// Each `recsys-train` command run in-process on the shared tiny dataset
/// (or the shared model), checked by what it writes. Every command that
/// prints runs inside `StandardOutput.capture`, so no test's output lands in
/// another's capture.
struct TrainCommandTests {
    /// The shared fixture's generated RetailRocket folder.
    static var data: String {
        _ = TestModel.dataset
        return TestModel.folder + "/data"
    }

    /// A new empty folder for one test's outputs.
    static func scratch(_ name: String) throws -> String {
        let path = TestModel.folder + "/train-tests/\(name)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func run(_ arguments: [String]) throws {
        var command = try RecsysTrain.parseAsRoot(arguments)
        try command.run()
    }

    /// The JSON has keys, and every one is snake_case.
    static func expectSnakeCase(_ json: Data, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(try SnakeCaseJSON.keyCount(in: json) > 0, sourceLocation: sourceLocation)
        #expect(try SnakeCaseJSON.nonSnakeKeys(in: json) == [], sourceLocation: sourceLocation)
    }

    /// Parsing (with validation) fails with a usage error.
    static func rejects(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try RecsysTrain.parseAsRoot(arguments)
            Issue.record("\(arguments) was accepted", sourceLocation: sourceLocation)
        } catch {
            #expect(
                RecsysTrain.exitCode(for: error) == .validationFailure, "\(arguments): \(error)",
                sourceLocation: sourceLocation)
        }
    }

    /// `ceiling --json` prints the library's result for the same world, in snake_case; bad options are usage errors.
    @Test func ceilingPrintsTheLibrarysResult() throws {
        let output = try StandardOutput.capture {
            try Self.run(["ceiling", "--scale", "0.01", "--seed", "3", "--runs", "5", "--json"])
        }
        try Self.expectSnakeCase(jsonObject(in: output))
        let printed = try SnakeCaseJSON.decoder.decode(GeneratorCeiling.Result.self, from: jsonObject(in: output))
        var options = GeneratorCeiling.Options()
        options.runs = 5
        let direct = GeneratorCeiling.measure(GeneratorConfig(scale: 0.01, seed: 3), options: options)
        #expect(printed == direct)
        #expect(printed.testUsers > 0 && printed.runs == 5 && printed.futureViews == 10)
        Self.rejects(["ceiling", "--runs", "0"])
        Self.rejects(["ceiling", "--future-views", "0"])
        Self.rejects(["ceiling", "--scale", "0"])
        Self.rejects(["ceiling", "--test-days", "200"])
        Self.rejects(["ceiling", "--world", "nowhere"])
        // Another world: the scorers follow that world's rules.
        let explorers = try StandardOutput.capture {
            try Self.run(["ceiling", "--scale", "0.01", "--seed", "3", "--runs", "5", "--world", "explorers", "--json"])
        }
        let printedExplorers = try SnakeCaseJSON.decoder.decode(
            GeneratorCeiling.Result.self, from: jsonObject(in: explorers))
        #expect(
            printedExplorers
                == GeneratorCeiling.measure(
                    GeneratorConfig(scale: 0.01, seed: 3, world: .explorers), options: options))
        #expect(printedExplorers != printed)
        #expect(printed.world == "retailrocket" && printedExplorers.world == "explorers")
    }

    @Test func generateWritesTheSameFilesAsTheGenerator() throws {
        let folder = try Self.scratch("generate")
        let output = try StandardOutput.capture {
            try Self.run(["generate", "--out", folder + "/cli", "--scale", "0.002", "--seed", "9", "--json"])
        }
        try Self.expectSnakeCase(jsonObject(in: output))
        let summary = try SnakeCaseJSON.decoder.decode(GeneratorSummary.self, from: jsonObject(in: output))
        let direct = try SyntheticRetailRocket.generate(GeneratorConfig(scale: 0.002, seed: 9), to: folder + "/lib")
        #expect(summary == direct)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder + "/cli").sorted()
        #expect(files == ["category_tree.csv", "events.csv", "item_properties_part1.csv", "item_properties_part2.csv"])
        for f in files {
            let a = try Data(contentsOf: URL(fileURLWithPath: folder + "/cli/" + f))
            let b = try Data(contentsOf: URL(fileURLWithPath: folder + "/lib/" + f))
            #expect(a == b, "\(f) differs from the library's")
        }
        let dataset = try DatasetLoader.load(DatasetFiles(directory: folder + "/cli"))
        // The reader drops the exact duplicate rows the generator plants.
        #expect(dataset.log.count == summary.events - summary.duplicateEvents)
        #expect(dataset.log.count > 0)
        Self.rejects(["generate", "--out", folder, "--scale", "0"])
        Self.rejects(["generate", "--out", folder, "--scale", "21"])
        Self.rejects(["generate", "--out", folder, "--world", "Returners"])
        let returners = try StandardOutput.capture {
            try Self.run([
                "generate", "--out", folder + "/returners", "--scale", "0.002", "--seed", "9", "--world", "returners",
                "--json",
            ])
        }
        let returnersSummary = try SnakeCaseJSON.decoder.decode(GeneratorSummary.self, from: jsonObject(in: returners))
        #expect(returnersSummary.world == "returners")
        #expect(
            returnersSummary
                == (try SyntheticRetailRocket.generate(
                    GeneratorConfig(scale: 0.002, seed: 9, world: .returners), to: folder + "/returners-lib")))
    }

    @Test func statsJSONDescribesTheFolder() throws {
        let output = try StandardOutput.capture { try Self.run(["stats", "--data", Self.data, "--quiet", "--json"]) }
        try Self.expectSnakeCase(jsonObject(in: output))
        #expect(String(decoding: jsonObject(in: output), as: UTF8.self).contains("\"add_to_carts\""))
        let stats = try SnakeCaseJSON.decoder.decode(DatasetStats.self, from: jsonObject(in: output))
        let log = TestModel.dataset.log
        #expect(stats.events == log.count)
        #expect(stats.views + stats.addToCarts + stats.transactions == stats.events)
        #expect(stats.visitors == Set(log.user).count)
        #expect(stats.eventsByHour.count == 24)
        #expect(stats.eventsByHour.reduce(0, +) == stats.events)
        #expect(stats.eventsByWeekday.reduce(0, +) == stats.events)
        #expect(stats.badRows == 0)

        let text = try StandardOutput.capture { try Self.run(["stats", "--data", Self.data, "--quiet"]) }
        #expect(text.contains("== files\n"))
        #expect(text.contains("events \(stats.events) "))
        #expect(text.contains("== events by weekday"))
    }

    @Test func statsOfAMissingFolderFails() throws {
        let missing = TestModel.folder + "/no-such-folder"
        do {
            try Self.run(["stats", "--data", missing, "--quiet"])
            Issue.record("stats read a missing folder")
        } catch {
            #expect(RecsysTrain.exitCode(for: error) == .failure)
            #expect("\(error)".contains("no-such-folder"))
        }
    }

    @Test func trainWritesALoadableModel() throws {
        let folder = try Self.scratch("train")
        let out = folder + "/model.rrm"
        let printed = try StandardOutput.capture {
            try Self.run([
                "train", "--data", Self.data, "--out", out, "--quiet", "--training-windows", "1",
                "--generators", "history,userknn,category", "--model-version", "cli-v7",
            ])
        }
        #expect(printed.contains("model \(out) (cli-v7), "))
        let a = try ModelBundle.read(path: out)
        #expect(a.metadata.modelVersion == "cli-v7")
        // Registry order, not the order given.
        #expect(a.metadata.generators == ["category", "history", "userknn"])
        // Co-visitation is saved too, as a lookup (the default `--lookups`).
        #expect(a.generators.map(\.name) == ["category", "history", "userknn", "covisit"])
        #expect(a.metadata.lookups == ["covisit"])
        #expect(a.metadata.schema.index(of: "userknn_score") != nil)
        #expect(a.metadata.config.trainingWindows == 1)
        let training = try #require(a.metadata.training)
        #expect(training.windows.count == 1)
        #expect(training.positives > 0)
        let dataset = TestModel.dataset
        #expect(a.metadata.counts.events == dataset.log.count)
        #expect(a.metadata.referenceTime == dataset.log.maxTime + 1)
        #expect(a.userRaw.count == dataset.userCount)
        // Written atomically: no temp file left beside it.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["model.rrm"])

        Self.rejects(["train", "--data", Self.data, "--out", out, "--training-windows", "0"])
        Self.rejects(["train", "--data", Self.data, "--out", out, "--generators", "itemcf,nosuch"])
        Self.rejects(["train", "--data", Self.data, "--out", out, "--generators", "itemcf,itemcf"])
        Self.rejects(["train", "--data", Self.data, "--out", out, "--l2", "-1"])
        Self.rejects(["train", "--data", Self.data, "--out", out, "--lookups", "nosuch"])
        Self.rejects(["train", "--data", Self.data, "--out", out, "--compression-level", "10"])
        Self.rejects(["train", "--data", Self.data, "--out", out, "--compression-level", "-1"])
    }

    @Test func trainWithOptionalFeaturesStoresTheirColumns() throws {
        let out = try Self.scratch("train-features") + "/model.rrm"
        _ = try StandardOutput.capture {
            try Self.run([
                "train", "--data", Self.data, "--out", out, "--quiet", "--training-windows", "1", "--features",
                "shape,ranks",
            ])
        }
        let schema = try ModelBundle.read(path: out).metadata.schema
        #expect(
            schema.enabled.contains(.shape) && schema.enabled.contains(.ranks) && !schema.enabled.contains(.crosses))
        #expect(!schema.bins.isEmpty)
        #expect(schema.index(of: "rank_category_inverse") != nil)
        #expect(schema.index(of: "cross_carted_recency") == nil)
        // inspect shows the learned edges.
        let shown = try StandardOutput.capture { try Self.run(["inspect", out]) }
        #expect(shown.contains("== feature bins"))
        #expect(shown.contains("  \(schema.bins[0].source): "))
        Self.rejects(["train", "--data", Self.data, "--out", out, "--features", "shape,nosuch"])
        // A standard group is not optional.
        Self.rejects(["train", "--data", Self.data, "--out", out, "--features", "history"])
    }

    @Test func trainWithoutLookupsSavesOnlyItsGenerators() throws {
        let out = try Self.scratch("train-no-lookups") + "/model.rrm"
        try Self.run([
            "train", "--data", Self.data, "--out", out, "--quiet", "--training-windows", "1", "--lookups", "none",
        ])
        let a = try ModelBundle.read(path: out)
        #expect(a.metadata.lookups == nil)
        #expect(a.generators.map(\.name) == ["category", "itemcf", "history"])
    }

    @Test func evaluateWritesTheReportFiles() throws {
        let folder = try Self.scratch("evaluate")
        _ = try StandardOutput.capture {
            try Self.run([
                "evaluate", "--data", Self.data, "--quiet", "--no-ablations", "--k", "5,10", "--training-windows", "1",
                "--generators", "category,itemcf,history", "--report", folder,
            ])
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        #expect(files == ["evaluation.json", "evaluation.md", "evaluation.svg"])
        let json = try Data(contentsOf: URL(fileURLWithPath: folder + "/evaluation.json"))
        try Self.expectSnakeCase(json)
        let report = try SnakeCaseJSON.decoder.decode(EvaluationReport.self, from: json)
        #expect(report.ks == [5, 10])
        #expect(report.config.trainingWindows == 1)
        #expect(report.methods.contains { $0.name == "two-stage" })
        #expect(!report.methods.contains { $0.kind == "ablation" })
        #expect(report.methods.allSatisfy { $0.metrics.map(\.k) == [5, 10] })
        let md = try String(contentsOfFile: folder + "/evaluation.md", encoding: .utf8)
        #expect(md == report.markdown())
        let svg = try String(contentsOfFile: folder + "/evaluation.svg", encoding: .utf8)
        #expect(svg.hasPrefix("<svg"))
        #expect(svg == report.svg())
        // The tiny world has too few test users: a warning, and intervals at K = 10 only.
        #expect(report.testUsers < OfflineEvaluation.minimumTestUsers)
        let warnings = try #require(report.warnings)
        #expect(warnings.count == 1)
        #expect(warnings.first?.contains("only \(report.testUsers) test users") == true)
        #expect(report.bootstrap == BootstrapSettings(k: 10))
        let twoStage = try #require(report.methods.first { $0.name == "two-stage" })
        let at10 = try #require(twoStage.at(10))
        let ndcg = try #require(at10.ndcgInterval)
        let recall = try #require(at10.recallInterval)
        #expect(ndcg.low <= at10.ndcg && at10.ndcg <= ndcg.high)
        #expect(recall.low <= at10.recall && at10.recall <= recall.high)
        #expect(twoStage.at(5)?.ndcgInterval == nil)
        let text = String(decoding: json, as: UTF8.self)
        for key in ["\"ndcg_interval\"", "\"recall_interval\"", "\"warnings\"", "\"milliseconds_per_user\""] {
            #expect(text.contains(key), "\(key)")
        }
        #expect(md.contains("NDCG 95% CI"))
        #expect(md.contains("**Warning:** only \(report.testUsers) test users"))
        #expect(svg.contains("class=\"error-bar\""))

        Self.rejects(["evaluate", "--data", Self.data, "--k", "0"])
        Self.rejects(["evaluate", "--data", Self.data, "--k", "5,,10"])
        Self.rejects(["evaluate", "--data", Self.data, "--k", "five"])
        Self.rejects(["evaluate", "--data", Self.data, "--test-days", "0"])
    }

    @Test func evaluateOnlineWritesSnakeCaseJSON() throws {
        let folder = try Self.scratch("online")
        _ = try StandardOutput.capture {
            try Self.run([
                "evaluate", "--data", Self.data, "--quiet", "--online", "--online-max-targets", "50",
                "--training-windows", "1", "--report", folder,
            ])
        }
        let json = try Data(contentsOf: URL(fileURLWithPath: folder + "/online.json"))
        try Self.expectSnakeCase(json)
        let text = String(decoding: json, as: UTF8.self)
        #expect(text.contains("\"milliseconds_per_request\""))
        #expect(text.contains("\"hit_rate\""))
        #expect(!text.contains("\"hitRate\""))
    }

    @Test func inspectPrintsTheModelsMetadata() throws {
        let file = try TestModel.file(version: "inspect-v9")
        let output = try StandardOutput.capture { try Self.run(["inspect", file, "--json"]) }
        try Self.expectSnakeCase(jsonObject(in: output))
        let metadata = try SnakeCaseJSON.decoder.decode(ModelMetadata.self, from: jsonObject(in: output))
        let expected = TestModel.artifacts.metadata
        #expect(metadata.modelVersion == "inspect-v9")
        #expect(metadata.generators == expected.generators)
        #expect(metadata.schema == expected.schema)
        #expect(metadata.fingerprint == expected.fingerprint)

        let text = try StandardOutput.capture { try Self.run(["inspect", file]) }
        #expect(text.contains("version inspect-v9,"))
        // Each section's CRC-32, computed here from the file's bytes, is on its line.
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file)))
        for s in try SectionSource(path: file).sections {
            let crc = ModelContainer.crc(Array(bytes[s.offset..<s.offset + s.packedLength]))
            let line = "  \(s.tag): \(s.rawLength) → \(s.packedLength), crc32 \(String(format: "%08x", crc))\n"
            #expect(text.contains(line), "\(s.tag)")
        }
        // One line per feature weight, under the features heading.
        for name in expected.schema.names { #expect(text.contains("  \(name) "), "\(name)") }
    }

    @Test func inspectOfAMissingFileFailsWithoutUsage() throws {
        let missing = TestModel.folder + "/missing.rrm"
        do {
            try Self.run(["inspect", missing])
            Issue.record("inspect read a missing file")
        } catch let error as CommandFailure {
            #expect(error.description.hasPrefix("cannot load \(missing)"))
            #expect(RecsysTrain.exitCode(for: error) == .failure)
        }
    }

    @Test func similarPrintsThePipelinesSimilarItems() throws {
        let model = try TestModel.file(version: "similar-v3")
        let a = try ModelBundle.read(path: model)
        let pipeline = TwoStagePipeline(artifacts: a)
        // An item with item-CF neighbours, so the answer is not a fallback.
        let dense = try #require(
            (0..<Int32(a.itemRaw.count)).first { pipeline.similarItems(to: $0, n: 5).strategy == "item-cf" })
        let raw = a.itemRaw[Int(dense)]
        let (items, strategy) = pipeline.similarItems(to: dense, n: 5)
        let expected = a.served(Recommendation(items: items, strategy: strategy, candidates: 0))
        #expect(expected.count > 0)

        let output = try StandardOutput.capture {
            try Self.run(["similar", "--model", model, "--item", "\(raw)", "--n", "5", "--json"])
        }
        let line = try #require(output.split(separator: "\n").last { $0.hasPrefix("{\"item_id\":\(raw),") })
        #expect(String(line) == SimilarCommand.json((expected, strategy), item: raw, modelVersion: "similar-v3"))
        try Self.expectSnakeCase(Data(line.utf8))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["strategy"] as? String == "item-cf")
        #expect(object["model_version"] as? String == "similar-v3")
        let ids = try #require(object["items"] as? [[String: Any]]).compactMap { $0["item_id"] as? Int }
        #expect(ids == expected.map(\.itemID))
        #expect(!ids.contains(raw))

        let text = try StandardOutput.capture {
            try Self.run(["similar", "--model", model, "--item", "\(raw)", "--n", "5"])
        }
        #expect(text.contains("similar to item \(raw) (strategy item-cf, model similar-v3)"))
        for s in expected { #expect(text.contains(" \(s.itemID) "), "\(s.itemID)") }

        // A category filter: only items of that category's subtree.
        if let c = expected.first?.categoryID {
            let denseCategory = try #require(pipeline.category(raw: c))
            let filtered = pipeline.similarItems(to: dense, n: 5, category: denseCategory)
            let out = try StandardOutput.capture {
                try Self.run([
                    "similar", "--model", model, "--item", "\(raw)", "--n", "5", "--category", "\(c)", "--json",
                ])
            }
            let l = try #require(out.split(separator: "\n").last { $0.hasPrefix("{\"item_id\":") })
            let served = a.served(Recommendation(items: filtered.items, strategy: filtered.strategy, candidates: 0))
            #expect(
                String(l) == SimilarCommand.json((served, filtered.strategy), item: raw, modelVersion: "similar-v3"))
        }

        // An unknown item (or category) is a failure with a message, not an empty list.
        let unknown = (a.itemRaw.max() ?? 0) + 1
        do {
            _ = try StandardOutput.capture { try Self.run(["similar", "--model", model, "--item", "\(unknown)"]) }
            Issue.record("similar answered for an unknown item")
        } catch let error as CommandFailure {
            #expect(error.description == "item \(unknown) is not in the model")
            #expect(RecsysTrain.exitCode(for: error) == .failure)
        }
        do {
            _ = try StandardOutput.capture {
                try Self.run(["similar", "--model", model, "--item", "\(raw)", "--category", "999999999"])
            }
            Issue.record("similar accepted an unknown category")
        } catch let error as CommandFailure {
            #expect(error.description.contains("category 999999999"))
        }
        Self.rejects(["similar", "--model", model, "--item", "\(raw)", "--n", "0"])
        Self.rejects(["similar", "--model", model, "--item", "\(raw)", "--n", "101"])
        Self.rejects(["similar", "--model", model])
    }

    @Test func backfillWritesTopKForEveryVisitorAsTheServerWould() throws {
        let model = try TestModel.file()
        let out = try Self.scratch("backfill") + "/top.jsonl"
        _ = try StandardOutput.capture {
            try Self.run(["backfill", "--model", model, "--out", out, "--k", "3", "--quiet"])
        }
        let a = try ModelBundle.read(path: model)
        let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines.count == a.userRaw.count)
        let pipeline = TwoStagePipeline(artifacts: a)
        try Self.expectSnakeCase(Data(lines[0].utf8))
        for (u, line) in lines.enumerated() {
            let object = try #require(
                try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "line \(u)")
            #expect(object["user_id"] as? Int == a.userRaw[u])
            let items = try #require(object["items"] as? [[String: Any]])
            #expect(items.count == 3, "line \(u)")
            #expect(Set(items.compactMap { $0["item_id"] as? Int }).count == 3, "line \(u)")
            // Every 50th visitor: exactly the pipeline's answer at the model's reference time.
            if u % 50 == 0 {
                let r = pipeline.recommend(user: pipeline.state(ofUser: u), at: a.metadata.referenceTime, n: 3)
                #expect(line == RecommendationLine.json(r, user: a.userRaw[u], artifacts: a))
            }
        }
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: (out as NSString).deletingLastPathComponent)
                == ["top.jsonl"])

        Self.rejects(["backfill", "--model", model, "--out", out, "--k", "0"])
        Self.rejects(["backfill", "--model", model, "--out", out, "--k", "101"])
        Self.rejects(["backfill", "--model", model])
    }

    @Test func factorizeExportsTheMatrixAndTheTestUsers() throws {
        let folder = try Self.scratch("factorize")
        _ = try StandardOutput.capture {
            try Self.run([
                "factorize", "--data", Self.data, "--quiet", "--model", "bpr", "--factors", "4", "--iterations", "2",
                "--export", folder,
            ])
        }
        func raw<T: BitwiseCopyable>(_ name: String, as: T.Type) throws -> [T] {
            let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name))
            #expect(data.count % MemoryLayout<T>.stride == 0, "\(name)")
            return data.withUnsafeBytes { Array($0.bindMemory(to: T.self)) }
        }
        // The matrix and the test users of the offline protocol (14 test days).
        let log = TestModel.dataset.log
        let cutoff = EventTime.testCutoff(maxTime: log.maxTime, days: 14)
        let trainLog = log.before(cutoff)
        let tests = OfflineEvaluation.testUsers(log: log, trainLog: trainLog, cutoff: cutoff)
        let matrix = InteractionMatrix(
            log: trainLog, itemCount: TestModel.dataset.itemCount, kindWeight: RecsysConfig().kindWeight)
        #expect(try raw("matrix_indptr.bin", as: Int64.self) == matrix.start.map(Int64.init))
        #expect(try raw("matrix_indices.bin", as: Int32.self) == matrix.column)
        #expect(try raw("matrix_data.bin", as: Float.self) == matrix.value)
        #expect(try raw("test_users.bin", as: Int32.self) == tests.map { Int32($0.user) })
        let start = try raw("test_indptr.bin", as: Int64.self)
        let items = try raw("test_items.bin", as: Int32.self)
        #expect(start.count == tests.count + 1)
        #expect(start.last.map(Int.init) == items.count)
        for (t, test) in tests.enumerated() where t + 1 < start.count {
            #expect(Array(items[Int(start[t])..<Int(start[t + 1])]) == test.relevant.sorted())
        }
        let ours = try Data(contentsOf: URL(fileURLWithPath: folder + "/ours_bpr.json"))
        try Self.expectSnakeCase(ours)
        let info = try #require(try JSONSerialization.jsonObject(with: ours) as? [String: Any])
        #expect(info["model"] as? String == "bpr")
        #expect(info["factors"] as? Int == 4)
        #expect(info["iterations"] as? Int == 2)
        #expect(info["non_zeros"] as? Int == matrix.nonZeros)
        let ndcg = try #require(info["ndcg10"] as? Double)
        #expect(ndcg >= 0 && ndcg <= 1)

        Self.rejects(["factorize", "--data", Self.data, "--model", "svd"])
        Self.rejects(["factorize", "--data", Self.data, "--factors", "0"])
        Self.rejects(["factorize", "--data", Self.data, "--threads", "0"])
    }
}
