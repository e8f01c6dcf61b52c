import Candidates
import Dataset
import Features
import Foundation
import Pipeline
import Ranker
import RecsysCore

public struct MethodResult: Codable, Sendable {
    public var name: String
    /// "single", "two-stage", "addition" (the default set plus a generator) or "ablation".
    public var kind: String
    public var metrics: [RankingMetrics]
    public var millisecondsPerUser: Double

    public func at(_ k: Int) -> RankingMetrics? { metrics.first { $0.k == k } }
}

public struct EvaluationReport: Codable, Sendable {
    public var cutoff: Int64
    public var testDays: Double
    public var testUsers: Int
    public var relevantItems: Int
    public var ks: [Int]
    /// Share of relevant (user, item) pairs found by each generator and by the union.
    public var candidateRecall: [String: Double]
    public var meanCandidates: Double
    public var methods: [MethodResult]
    public var training: TrainingSummary
    public var config: RecsysConfig
    public var seconds: [String: Double]
    /// What makes the numbers less trustworthy (e.g. too few test users); empty when nothing does.
    public var warnings: [String]?
    /// How the NDCG and recall intervals of `methods` were drawn (nil in reports older than them).
    public var bootstrap: BootstrapSettings?
    /// Two-stage against the best single method at the interval cutoff, with
    /// a paired bootstrap interval of the NDCG difference (nil in older reports).
    public var twoStageVsBestSingle: BestSingleComparison?
    /// Share of test users whose two-stage answer (top `bootstrap.k`) holds only
    /// items from their own history before the cutoff (nil in older reports).
    public var allHistoryShare: Double?

    /// Candidate recall for the visitors whose last item before the cutoff is rare (nil in older reports).
    public var rareItemRecall: RareItemRecall?

    /// The two-stage pipeline's result (kind "two-stage"), if evaluated.
    public var twoStage: MethodResult? { methods.first { $0.kind == "two-stage" } }
}

/// Candidate recall of the union (and the union plus each optional generator) for the test users whose most
/// recent item had fewer than `threshold` training events: where collaborative signals are thin.
public struct RareItemRecall: Codable, Sendable {
    public var threshold: Int
    public var testUsers: Int
    public var relevantItems: Int
    public var recall: [String: Double]
}

/// A test user: state before the cutoff, request time, what they added to cart or bought after.
public struct TestUser: Sendable {
    public var user: Int
    public var time: Int64
    public var relevant: Set<Int32>
}

/// The offline protocol of docs/evaluation.md: last `testDays` are the test
/// window; every structure and the ranker see only events before it.
public enum OfflineEvaluation {
    /// Below this many test users the report warns: differences between
    /// methods are then mostly noise (see the bootstrap intervals).
    public static let minimumTestUsers = 200

    /// The report's warnings for `testUsers` test users.
    public static func warnings(testUsers: Int) -> [String] {
        guard testUsers < minimumTestUsers else { return [] }
        return [
            "only \(testUsers) test users (fewer than \(minimumTestUsers)): differences between methods may be noise; compare the 95 % intervals"
        ]
    }

    /// Evaluates every generator of `generators` alone, the two-stage
    /// pipeline with the default generators, the default set plus each
    /// optional generator, and (with `ablations`) the default pipeline
    /// without each generator and each feature group.
    public static func run(
        dataset: Dataset, config: RecsysConfig, ks: [Int], testDays: Double = 14,
        generators: [String]? = nil, features: [FeatureGroup] = FeatureGroup.standard,
        registry: GeneratorRegistry = .standard, ablations: Bool = true, progress: ((String) -> Void)? = nil
    ) -> EvaluationReport {
        let defaults = registry.defaults
        var seconds: [String: Double] = [:]
        var clock = Date()
        func lap(_ name: String) {
            seconds[name] = Date().timeIntervalSince(clock)
            clock = Date()
        }
        let evaluated = registry.ordered((generators ?? registry.names) + defaults)
        let log = dataset.log
        let cutoff = EventTime.testCutoff(maxTime: log.maxTime, days: testDays)
        let trainLog = log.before(cutoff)
        let artifacts = ModelArtifacts.build(
            dataset: dataset, log: trainLog, reference: cutoff, config: config, generators: evaluated,
            features: features, registry: registry)
        lap("build candidates")
        progress?(
            "candidate structures (\(evaluated.joined(separator: ", "))) built from \(trainLog.count) events before \(isoDate(cutoff))"
        )
        let examples = RankerTrainer.collect(
            dataset: dataset, log: trainLog, end: cutoff, config: config, generators: evaluated, registry: registry,
            progress: progress)
        lap("training pairs")

        /// The pipeline a model trained with only `subset` (and the enabled feature groups) would serve.
        func trainedPipeline(_ subset: [String], groups: [FeatureGroup] = features)
            -> (TwoStagePipeline, TrainingSummary)
        {
            var variant = artifacts
            variant.metadata.generators = subset
            variant.metadata.schema = FeatureSchema(
                categoryVocabulary: artifacts.metadata.schema.categoryVocabulary,
                categoryVocabularyRaw: artifacts.metadata.schema.categoryVocabularyRaw,
                models: ModelArtifacts.modelColumns(subset, registry: registry), enabled: groups)
            let (ranker, summary, schema) = RankerTrainer.fit(
                examples.restricted(to: subset), schema: variant.metadata.schema, config: config,
                categoryCount: dataset.categoryCount)
            variant.ranker = ranker
            variant.metadata.schema = schema
            return (TwoStagePipeline(artifacts: variant), summary)
        }
        let (pipeline, training) = trainedPipeline(defaults)
        lap("fit ranker")
        progress?(
            "ranker: \(training.pairs) pairs, \(training.positives) positives, validation AUC \(String(format: "%.4f", training.validationAUC))"
        )
        let tests = testUsers(log: log, trainLog: trainLog, cutoff: cutoff)
        let relevantCount = tests.reduce(0) { $0 + $1.relevant.count }
        progress?("\(tests.count) test users, \(relevantCount) relevant items")
        let catalogue = Set((0..<trainLog.count).map { trainLog.item[$0] }).count
        let maxK = ks.max() ?? 10
        let bootstrap = BootstrapSettings(k: ks.contains(10) ? 10 : ks.first ?? 10)
        // Per method, each test user's NDCG at the interval cutoff (for the paired
        // comparison), and the two-stage answers (for the all-history share).
        var perUserNDCG: [String: [Double]] = [:]
        var twoStageLists: [[Int32]] = []

        func measure(_ name: String, _ kind: String, _ recommend: (TestUser) -> [Int32]) -> MethodResult {
            let started = Date()
            let lists = tests.map { recommend($0) }
            let ms = Date().timeIntervalSince(started) * 1000 / Double(max(tests.count, 1))
            if kind == "two-stage" { twoStageLists = lists }
            let metrics = ks.map { k in
                var m = RankingMetrics.measure(lists: lists, tests: tests, k: k, catalogue: catalogue)
                if k == bootstrap.k {
                    let users = RankingMetrics.perUser(lists: lists, tests: tests, k: k)
                    func interval(_ values: [Double]) -> BootstrapInterval {
                        Bootstrap.interval(
                            values, resamples: bootstrap.resamples, confidence: bootstrap.confidence,
                            seed: bootstrap.seed)
                    }
                    perUserNDCG[name] = users.map(\.ndcg)
                    m.ndcgInterval = interval(users.map(\.ndcg))
                    m.recallInterval = interval(users.map(\.recall))
                }
                return m
            }
            return MethodResult(name: name, kind: kind, metrics: metrics, millisecondsPerUser: ms)
        }
        func ordered(_ set: CandidateSet, by score: [Float]) -> [Int32] {
            let keys = zip(score, set.items).map { FloatRankKey($0, $1) }
            return TopK.largest(keys, limit: maxK, ordered: true).map(\.id)
        }
        func ranked(_ p: TwoStagePipeline) -> (TestUser) -> [Int32] {
            { t in p.recommend(user: p.state(ofUser: t.user), at: t.time, n: maxK).items.map(\.item) }
        }
        var methods: [MethodResult] = []
        methods.append(measure("global popularity", "single") { _ in Array(artifacts.popular.prefix(maxK)) })
        for g in evaluated {
            let only = TwoStagePipeline(artifacts: artifacts, generators: [g])
            let slot = only.layout.slot(g)
            methods.append(
                measure(registry[g]?.displayName ?? g, "single") { t in
                    let set = only.candidates(for: only.state(ofUser: t.user), at: t.time)
                    return ordered(set, by: set.score(slot: slot))
                })
        }
        methods.append(measure("two-stage", "two-stage", ranked(pipeline)))
        var additions: [(String, TwoStagePipeline)] = []
        for g in evaluated where !defaults.contains(g) {
            let (p, _) = trainedPipeline(defaults + [g])
            additions.append((g, p))
            methods.append(measure("two-stage + \(g)", "addition", ranked(p)))
            progress?("two-stage + \(g) done")
        }
        if additions.count > 1 {
            let (p, _) = trainedPipeline(evaluated)
            methods.append(
                measure("two-stage + \(additions.map(\.0).joined(separator: " + "))", "addition", ranked(p)))
        }
        lap("evaluate methods")

        // Candidate recall: the ceiling of everything after candidate generation.
        var recall: [String: Double] = [:]
        var candidateTotal = 0
        for g in evaluated {
            let only = TwoStagePipeline(artifacts: artifacts, generators: [g])
            recall[g] = candidateRecall(tests) {
                only.candidates(for: only.state(ofUser: $0.user), at: $0.time)
            }
        }
        recall["union"] = candidateRecall(tests) {
            let set = pipeline.candidates(for: pipeline.state(ofUser: $0.user), at: $0.time)
            candidateTotal += set.count
            return set
        }
        for (g, p) in additions {
            recall["union + \(g)"] = candidateRecall(tests) {
                p.candidates(for: p.state(ofUser: $0.user), at: $0.time)
            }
        }
        let rareTests = lastItemIsRare(tests, trainLog: trainLog, itemCount: dataset.itemCount)
        var rareRecall = [
            "union": candidateRecall(rareTests) {
                pipeline.candidates(for: pipeline.state(ofUser: $0.user), at: $0.time)
            }
        ]
        for (g, p) in additions {
            rareRecall["union + \(g)"] = candidateRecall(rareTests) {
                p.candidates(for: p.state(ofUser: $0.user), at: $0.time)
            }
        }
        let rare = RareItemRecall(
            threshold: rareItemEvents, testUsers: rareTests.count,
            relevantItems: rareTests.reduce(0) { $0 + $1.relevant.count }, recall: rareRecall)

        if ablations {
            for g in defaults {
                let without = TwoStagePipeline(
                    artifacts: pipeline.artifacts, generators: defaults.filter { $0 != g })
                methods.append(measure("two-stage without \(g)", "ablation", ranked(without)))
            }
            for group in FeatureGroup.allCases where group != .models {
                // A group in use is taken out; an optional group left out is tried in.
                let using = features.contains(group)
                guard using || FeatureGroup.optional.contains(group) else { continue }
                let (p, _) = trainedPipeline(
                    defaults, groups: using ? features.filter { $0 != group } : features + [group])
                let name = "two-stage \(using ? "without" : "with") \(group.rawValue) features"
                methods.append(measure(name, "ablation", ranked(p)))
                progress?("ablation \(name) done")
            }
            lap("ablations")
        }
        return EvaluationReport(
            cutoff: cutoff, testDays: testDays, testUsers: tests.count, relevantItems: relevantCount, ks: ks,
            candidateRecall: recall, meanCandidates: Double(candidateTotal) / Double(max(tests.count, 1)),
            methods: methods, training: training, config: config, seconds: seconds,
            warnings: warnings(testUsers: tests.count), bootstrap: bootstrap,
            twoStageVsBestSingle: BestSingleComparison.make(
                methods: methods, perUserNDCG: perUserNDCG, settings: bootstrap),
            allHistoryShare: allHistoryShare(lists: twoStageLists, tests: tests, trainLog: trainLog, k: bootstrap.k),
            rareItemRecall: rare)
    }

    /// An item with fewer training events than this is rare (`RareItemRecall`).
    public static let rareItemEvents = 5

    /// The test users whose last item before the cutoff has fewer than `rareItemEvents` training events.
    static func lastItemIsRare(_ tests: [TestUser], trainLog: InteractionLog, itemCount: Int) -> [TestUser] {
        var events = [Int32](repeating: 0, count: itemCount)
        for e in 0..<trainLog.count { events[Int(trainLog.item[e])] += 1 }
        return tests.filter { t in
            let r = trainLog.events(of: t.user)
            guard let last = r.last else { return false }
            return events[Int(trainLog.item[last])] < rareItemEvents
        }
    }

    /// Users with an event before the cutoff and an add-to-cart or purchase after it.
    public static func testUsers(log: InteractionLog, trainLog: InteractionLog, cutoff: Int64) -> [TestUser] {
        var out: [TestUser] = []
        for u in 0..<log.userCount where !trainLog.events(of: u).isEmpty {
            var relevant = Set<Int32>()
            var first: Int64 = .max
            for e in log.events(of: u) where log.time[e] >= cutoff {
                first = min(first, log.time[e])
                if log.kind[e] != EventKind.view.rawValue { relevant.insert(log.item[e]) }
            }
            if !relevant.isEmpty { out.append(TestUser(user: u, time: first, relevant: relevant)) }
        }
        return out
    }

    static func candidateRecall(_ tests: [TestUser], _ candidates: (TestUser) -> CandidateSet) -> Double {
        var found = 0
        var total = 0
        for t in tests {
            let set = candidates(t)
            total += t.relevant.count
            found += t.relevant.filter { set.contains($0) }.count
        }
        return total > 0 ? Double(found) / Double(total) : 0
    }
}
