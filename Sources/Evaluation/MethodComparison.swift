import Dataset
import Foundation

/// The two-stage pipeline against the best single method of the same
/// report (issue 18): the single method (kind "single") with the highest
/// NDCG at the interval cutoff, their ratio, and the paired bootstrap
/// interval of the difference two-stage − best single over the same test
/// users.
public struct BestSingleComparison: Codable, Sendable, Equatable {
    /// The interval cutoff K the comparison is made at.
    public var k: Int
    public var twoStage: String
    public var bestSingle: String
    public var twoStageNDCG: Double
    public var bestSingleNDCG: Double
    /// twoStageNDCG / bestSingleNDCG (0 when the best single method scores 0).
    public var ratio: Double
    /// twoStageNDCG − bestSingleNDCG.
    public var difference: Double
    /// Paired percentile bootstrap of `difference` (`Bootstrap.pairedDifference`).
    public var differenceInterval: BootstrapInterval

    /// "NDCG" spelt so that snake_case JSON (`two_stage_ndcg`) decodes back
    /// with `.convertFromSnakeCase`, which would look for `twoStageNdcg`.
    enum CodingKeys: String, CodingKey {
        case k, twoStage, bestSingle, ratio, difference, differenceInterval
        case twoStageNDCG = "twoStageNdcg"
        case bestSingleNDCG = "bestSingleNdcg"
    }

    public init(
        k: Int, twoStage: String, bestSingle: String, twoStageNDCG: Double, bestSingleNDCG: Double,
        differenceInterval: BootstrapInterval
    ) {
        self.k = k
        self.twoStage = twoStage
        self.bestSingle = bestSingle
        self.twoStageNDCG = twoStageNDCG
        self.bestSingleNDCG = bestSingleNDCG
        self.ratio = bestSingleNDCG > 0 ? twoStageNDCG / bestSingleNDCG : 0
        self.difference = twoStageNDCG - bestSingleNDCG
        self.differenceInterval = differenceInterval
    }

    /// The comparison of the method of kind "two-stage" with the best method
    /// of kind "single" at `settings.k`, from the per-user NDCG values of
    /// each method (in the order of the test users, the same for every
    /// method); nil without both kinds or without their per-user values.
    /// Ties between single methods go to the first in report order.
    public static func make(
        methods: [MethodResult], perUserNDCG: [String: [Double]], settings: BootstrapSettings
    ) -> BestSingleComparison? {
        guard let twoStage = methods.first(where: { $0.kind == "two-stage" }),
            let twoStageAtK = twoStage.at(settings.k), let twoStageUsers = perUserNDCG[twoStage.name]
        else { return nil }
        var best: (MethodResult, RankingMetrics)?
        for m in methods where m.kind == "single" {
            guard let r = m.at(settings.k) else { continue }
            if best == nil || r.ndcg > best!.1.ndcg { best = (m, r) }
        }
        guard let (single, singleAtK) = best, let singleUsers = perUserNDCG[single.name],
            singleUsers.count == twoStageUsers.count
        else { return nil }
        return BestSingleComparison(
            k: settings.k, twoStage: twoStage.name, bestSingle: single.name, twoStageNDCG: twoStageAtK.ndcg,
            bestSingleNDCG: singleAtK.ndcg,
            differenceInterval: Bootstrap.pairedDifference(
                twoStageUsers, singleUsers, resamples: settings.resamples, confidence: settings.confidence,
                seed: settings.seed))
    }
}

extension OfflineEvaluation {
    /// Share of the test users whose answer (its first `k` items) is made
    /// only of items they had an event on before the cutoff (`trainLog`):
    /// answers that bring the visitor nothing new. An empty answer does not
    /// count as all history; the denominator is every test user.
    public static func allHistoryShare(lists: [[Int32]], tests: [TestUser], trainLog: InteractionLog, k: Int)
        -> Double
    {
        guard !tests.isEmpty else { return 0 }
        var count = 0
        for (list, t) in zip(lists, tests) {
            let top = list.prefix(k)
            guard !top.isEmpty else { continue }
            let history = Set(trainLog.events(of: t.user).map { trainLog.item[$0] })
            if top.allSatisfy(history.contains) { count += 1 }
        }
        return Double(count) / Double(tests.count)
    }
}
