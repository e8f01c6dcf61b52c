import Candidates
import Dataset
import Foundation
import RecsysCore
import TestSupport
import Testing

@testable import Evaluation

/// `GeneratorCeiling` re-runs the generator in memory: it must see the world `generate` writes, with the
/// offline protocol's test users, and its history method must be the evaluation's.
struct GeneratorCeilingTests {
    static let config = GeneratorConfig(scale: 0.02, seed: 5)

    @Test func measuresTheWrittenWorldWithTheEvaluationsTestUsersAndHistoryMethod() throws {
        let data = Scratch.folder("ceiling-world-") + "/data"
        _ = try SyntheticRetailRocket.generate(Self.config, to: data)
        let world = try DatasetLoader.load(DatasetFiles(directory: data))
        let recsys = RecsysConfig()
        let report = OfflineEvaluation.run(
            dataset: world, config: recsys, ks: [10], testDays: 14, generators: ["history"], ablations: false)
        var options = GeneratorCeiling.Options()
        options.runs = 20
        options.kindWeight = recsys.kindWeight
        options.halfLifeHours = recsys.decayHalfLifeHours
        let ceiling = GeneratorCeiling.measure(Self.config, options: options)

        let log = world.log
        let cutoff = EventTime.testCutoff(maxTime: log.maxTime, days: 14)
        let tests = OfflineEvaluation.testUsers(log: log, trainLog: log.before(cutoff), cutoff: cutoff)
        #expect(ceiling.testUsers == tests.count)
        #expect(ceiling.testUsers == report.testUsers)
        #expect(ceiling.relevantItems == tests.reduce(0) { $0 + $1.relevant.count })
        let history = try #require(report.methods.first { $0.name == "user history" }?.metrics.first)
        #expect(abs(ceiling.historyNDCG - history.ndcg) < 0.005, "\(ceiling.historyNDCG) vs \(history.ndcg)")
        // Knowing the visitors' tastes and the items' true quality ranks far better than history alone.
        #expect(ceiling.hiddenStateNDCG > ceiling.historyNDCG + 0.02)
        #expect(ceiling.estimatedNDCG > 0 && ceiling.estimatedNDCG < 1)
        #expect(abs(ceiling.hiddenStateRatio - ceiling.hiddenStateNDCG / ceiling.historyNDCG) < 1e-9)
    }
}
