import Candidates
import Dataset
import Features
import Foundation

/// Ranking quality of one method at one cutoff K.
public struct RankingMetrics: Codable, Sendable {
    public var k: Int
    public var precision: Double
    public var recall: Double
    public var ndcg: Double
    public var hitRate: Double
    public var map: Double
    /// Distinct recommended items / items with any event before the cutoff.
    public var coverage: Double
}

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
    /// Evaluates every generator of `generators` alone, the two-stage
    /// pipeline with the default generators, the default set plus each
    /// optional generator, and (with `ablations`) the default pipeline
    /// without each generator and each feature group.
    public static func run(
        dataset: Dataset, config: RecsysConfig, ks: [Int], testDays: Double = 14,
        generators: [GeneratorKind] = GeneratorKind.allCases, ablations: Bool = true,
        progress: ((String) -> Void)? = nil
    ) -> EvaluationReport {
        var seconds: [String: Double] = [:]
        var clock = Date()
        func lap(_ name: String) {
            seconds[name] = Date().timeIntervalSince(clock)
            clock = Date()
        }
        let evaluated = GeneratorKind.allCases.filter { generators.contains($0) || GeneratorKind.defaults.contains($0) }
        let log = dataset.log
        let cutoff = log.maxTime + 1 - Int64(testDays * 86_400_000)
        let trainLog = log.before(cutoff)
        let artifacts = ModelArtifacts.build(
            dataset: dataset, log: trainLog, reference: cutoff, config: config, generators: evaluated)
        lap("build candidates")
        progress?(
            "candidate structures (\(evaluated.map(\.rawValue).joined(separator: ", "))) built from \(trainLog.count) events before \(isoDate(cutoff))"
        )
        let examples = RankerTrainer.collect(
            dataset: dataset, log: trainLog, end: cutoff, config: config, generators: evaluated, progress: progress)
        lap("training pairs")

        /// The pipeline a model trained with only `subset` (and the enabled feature groups) would serve.
        func trainedPipeline(_ subset: [GeneratorKind], groups: [FeatureGroup] = FeatureGroup.allCases)
            -> (TwoStagePipeline, TrainingSummary)
        {
            var variant = artifacts
            variant.metadata.generators = subset.map(\.rawValue)
            variant.metadata.schema = FeatureSchema(
                categoryVocabulary: artifacts.metadata.schema.categoryVocabulary,
                categoryVocabularyRaw: artifacts.metadata.schema.categoryVocabularyRaw,
                models: subset.compactMap(\.modelFeature), enabled: groups)
            let (ranker, summary) = RankerTrainer.fit(
                examples.restricted(to: subset), schema: variant.metadata.schema, config: config,
                categoryCount: dataset.categoryCount)
            variant.ranker = ranker
            return (TwoStagePipeline(artifacts: variant), summary)
        }
        let (pipeline, training) = trainedPipeline(GeneratorKind.defaults)
        lap("fit ranker")
        progress?(
            "ranker: \(training.pairs) pairs, \(training.positives) positives, validation AUC \(String(format: "%.4f", training.validationAUC))"
        )
        let tests = testUsers(log: log, trainLog: trainLog, cutoff: cutoff)
        let relevantCount = tests.reduce(0) { $0 + $1.relevant.count }
        progress?("\(tests.count) test users, \(relevantCount) relevant items")
        let catalogue = Set((0..<trainLog.count).map { trainLog.item[$0] }).count
        let maxK = ks.max() ?? 10

        func measure(_ name: String, _ kind: String, _ recommend: (TestUser) -> [Int32]) -> MethodResult {
            let started = Date()
            let lists = tests.map { recommend($0) }
            let ms = Date().timeIntervalSince(started) * 1000 / Double(max(tests.count, 1))
            return MethodResult(
                name: name, kind: kind,
                metrics: ks.map { rankingMetrics(lists: lists, tests: tests, k: $0, catalogue: catalogue) },
                millisecondsPerUser: ms)
        }
        func ordered(_ set: CandidateSet, by score: [Float]) -> [Int32] {
            (0..<set.count).sorted { score[$0] != score[$1] ? score[$0] > score[$1] : set.items[$0] < set.items[$1] }
                .prefix(maxK).map { set.items[$0] }
        }
        func ranked(_ p: TwoStagePipeline) -> (TestUser) -> [Int32] {
            { t in p.recommend(user: p.state(ofUser: t.user), at: t.time, n: maxK).items.map(\.item) }
        }
        var methods: [MethodResult] = []
        methods.append(measure("global popularity", "single") { _ in Array(artifacts.popular.prefix(maxK)) })
        for g in evaluated {
            let only = TwoStagePipeline(artifacts: artifacts, generators: [g])
            methods.append(
                measure(g.displayName, "single") { t in
                    let set = only.candidates(for: only.state(ofUser: t.user), at: t.time)
                    return ordered(set, by: set.score(of: g))
                })
        }
        methods.append(measure("two-stage", "two-stage", ranked(pipeline)))
        var additions: [(GeneratorKind, TwoStagePipeline)] = []
        for g in evaluated where !GeneratorKind.defaults.contains(g) {
            let (p, _) = trainedPipeline(GeneratorKind.defaults + [g])
            additions.append((g, p))
            methods.append(measure("two-stage + \(g.rawValue)", "addition", ranked(p)))
            progress?("two-stage + \(g.rawValue) done")
        }
        if additions.count > 1 {
            let (p, _) = trainedPipeline(evaluated)
            methods.append(
                measure("two-stage + \(additions.map(\.0.rawValue).joined(separator: " + "))", "addition", ranked(p)))
        }
        lap("evaluate methods")

        // Candidate recall: the ceiling of everything after candidate generation.
        var recall: [String: Double] = [:]
        var candidateTotal = 0
        for g in evaluated {
            let only = TwoStagePipeline(artifacts: artifacts, generators: [g])
            recall[g.rawValue] = candidateRecall(tests) {
                only.candidates(for: only.state(ofUser: $0.user), at: $0.time)
            }
        }
        recall["union"] = candidateRecall(tests) {
            let set = pipeline.candidates(for: pipeline.state(ofUser: $0.user), at: $0.time)
            candidateTotal += set.count
            return set
        }
        for (g, p) in additions {
            recall["union + \(g.rawValue)"] = candidateRecall(tests) {
                p.candidates(for: p.state(ofUser: $0.user), at: $0.time)
            }
        }

        if ablations {
            for g in GeneratorKind.defaults {
                let without = TwoStagePipeline(
                    artifacts: pipeline.artifacts, generators: GeneratorKind.defaults.filter { $0 != g })
                methods.append(measure("two-stage without \(g.rawValue)", "ablation", ranked(without)))
            }
            for group in FeatureGroup.allCases where group != .models {
                let (p, _) = trainedPipeline(
                    GeneratorKind.defaults, groups: FeatureGroup.allCases.filter { $0 != group })
                methods.append(measure("two-stage without \(group.rawValue) features", "ablation", ranked(p)))
                progress?("ablation without \(group.rawValue) features done")
            }
            lap("ablations")
        }
        return EvaluationReport(
            cutoff: cutoff, testDays: testDays, testUsers: tests.count, relevantItems: relevantCount, ks: ks,
            candidateRecall: recall, meanCandidates: Double(candidateTotal) / Double(max(tests.count, 1)),
            methods: methods, training: training, config: config, seconds: seconds)
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

    /// Precision counts K in the denominator even when a list is shorter.
    public static func rankingMetrics(lists: [[Int32]], tests: [TestUser], k: Int, catalogue: Int) -> RankingMetrics {
        var p = 0.0
        var r = 0.0
        var ndcg = 0.0
        var hit = 0.0
        var map = 0.0
        var shown = Set<Int32>()
        for (list, t) in zip(lists, tests) {
            let top = list.prefix(k)
            shown.formUnion(top)
            var hits = 0
            var dcg = 0.0
            var ap = 0.0
            for (rank, item) in top.enumerated() where t.relevant.contains(item) {
                hits += 1
                dcg += 1 / log2(Double(rank + 2))
                ap += Double(hits) / Double(rank + 1)
            }
            let ideal = (0..<min(k, t.relevant.count)).reduce(0.0) { $0 + 1 / log2(Double($1 + 2)) }
            p += Double(hits) / Double(k)
            r += Double(hits) / Double(t.relevant.count)
            ndcg += ideal > 0 ? dcg / ideal : 0
            hit += hits > 0 ? 1 : 0
            map += ap / Double(min(k, t.relevant.count))
        }
        let n = Double(max(tests.count, 1))
        return RankingMetrics(
            k: k, precision: p / n, recall: r / n, ndcg: ndcg / n, hitRate: hit / n, map: map / n,
            coverage: catalogue > 0 ? Double(shown.count) / Double(catalogue) : 0)
    }
}

extension GeneratorKind {
    /// The method's name in reports.
    public var displayName: String {
        switch self {
        case .category: "category popularity"
        case .itemcf: "item-CF"
        case .history: "user history"
        case .userknn: "user-kNN"
        case .als: "ALS"
        case .bpr: "BPR"
        }
    }
}

extension CandidateSet {
    /// The score generator `g` gave each candidate.
    public func score(of g: GeneratorKind) -> [Float] {
        switch g {
        case .category: categoryScore
        case .itemcf: cfScore
        case .history: historyScore
        case .userknn: userKNNScore
        case .als: alsScore
        case .bpr: bprScore
        }
    }
}
