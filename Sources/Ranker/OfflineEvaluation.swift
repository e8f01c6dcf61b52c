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
    /// "single", "two-stage" or "ablation".
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
    public static func run(
        dataset: Dataset, config: RecsysConfig, ks: [Int], testDays: Double = 14, ablations: Bool = true,
        progress: ((String) -> Void)? = nil
    ) -> EvaluationReport {
        var seconds: [String: Double] = [:]
        var clock = Date()
        func lap(_ name: String) {
            seconds[name] = Date().timeIntervalSince(clock)
            clock = Date()
        }
        let log = dataset.log
        let cutoff = log.maxTime + 1 - Int64(testDays * 86_400_000)
        let trainLog = log.before(cutoff)
        let artifacts = ModelArtifacts.build(dataset: dataset, log: trainLog, reference: cutoff, config: config)
        lap("build candidates")
        progress?("candidate structures built from \(trainLog.count) events before \(isoDate(cutoff))")
        let examples = RankerTrainer.collect(
            dataset: dataset, log: trainLog, end: cutoff, config: config, progress: progress)
        lap("training pairs")
        let schema = artifacts.metadata.schema
        let (ranker, training) = RankerTrainer.fit(
            examples, schema: schema, config: config, categoryCount: dataset.categoryCount)
        lap("fit ranker")
        progress?(
            "ranker: \(training.pairs) pairs, \(training.positives) positives, validation AUC \(String(format: "%.4f", training.validationAUC))"
        )
        var trained = artifacts
        trained.ranker = ranker
        let pipeline = TwoStagePipeline(artifacts: trained)
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
        let single: [(GeneratorKind, String)] = [
            (.category, "category popularity"), (.itemcf, "item-CF"), (.history, "user history"),
        ]
        var methods: [MethodResult] = []
        methods.append(measure("global popularity", "single") { _ in Array(trained.popular.prefix(maxK)) })
        for (g, name) in single {
            let only = TwoStagePipeline(artifacts: trained, generators: [g])
            methods.append(
                measure(name, "single") { t in
                    let set = only.candidates(for: only.state(ofUser: t.user), at: t.time)
                    switch g {
                    case .category: return ordered(set, by: set.categoryScore)
                    case .itemcf: return ordered(set, by: set.cfScore)
                    case .history: return ordered(set, by: set.historyScore)
                    }
                })
        }
        let userKNN = UserKNN(histories: trained.histories, itemCount: trained.itemRaw.count, config: config)
        methods.append(
            measure("user-kNN", "single") { t in
                userKNN.recommend(for: trained.histories.state(of: t.user), excluding: t.user, n: maxK)
            })
        methods.append(
            measure("two-stage", "two-stage") { t in
                pipeline.recommend(user: pipeline.state(ofUser: t.user), at: t.time, n: maxK).items.map(\.item)
            })
        lap("evaluate methods")

        // Candidate recall: the ceiling of everything after candidate generation.
        var recall: [String: Double] = [:]
        var candidateTotal = 0
        for (g, _) in single {
            let only = TwoStagePipeline(artifacts: trained, generators: [g])
            recall[g.rawValue] = candidateRecall(tests) {
                only.candidates(for: only.state(ofUser: $0.user), at: $0.time)
            }
        }
        recall["union"] = candidateRecall(tests) {
            let set = pipeline.candidates(for: pipeline.state(ofUser: $0.user), at: $0.time)
            candidateTotal += set.count
            return set
        }

        if ablations {
            for g in GeneratorKind.allCases {
                let without = TwoStagePipeline(
                    artifacts: trained, generators: GeneratorKind.allCases.filter { $0 != g })
                methods.append(
                    measure("two-stage without \(g.rawValue)", "ablation") { t in
                        without.recommend(user: without.state(ofUser: t.user), at: t.time, n: maxK).items.map(\.item)
                    })
            }
            for group in FeatureGroup.allCases {
                var reduced = schema
                reduced.enabled = FeatureGroup.allCases.filter { $0 != group }
                let (model, _) = RankerTrainer.fit(
                    examples, schema: reduced, config: config, categoryCount: dataset.categoryCount)
                var variant = trained
                variant.metadata.schema = reduced
                variant.ranker = model
                let p = TwoStagePipeline(artifacts: variant)
                methods.append(
                    measure("two-stage without \(group.rawValue) features", "ablation") { t in
                        p.recommend(user: p.state(ofUser: t.user), at: t.time, n: maxK).items.map(\.item)
                    })
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
