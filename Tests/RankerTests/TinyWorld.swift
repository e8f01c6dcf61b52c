import Candidates
import Dataset
import Foundation

@testable import Ranker

/// A small deterministic dataset: generated RetailRocket-format data read back.
enum TinyWorld {
    static let dataset: Dataset = {
        let folder = NSTemporaryDirectory() + "recsys-tiny-" + UUID().uuidString
        _ = try! SyntheticRetailRocket.generate(GeneratorConfig(scale: 0.01, seed: 11), to: folder)
        return try! DatasetLoader.load(DatasetFiles(directory: folder))
    }()

    static let artifacts: ModelArtifacts = {
        var config = RecsysConfig()
        config.trainingWindows = 2
        let d = dataset
        var a = ModelArtifacts.build(dataset: d, log: d.log, reference: d.log.maxTime + 1, config: config)
        let examples = RankerTrainer.collect(dataset: d, log: d.log, end: d.log.maxTime + 1, config: config)
        let (ranker, summary) = RankerTrainer.fit(
            examples, schema: a.metadata.schema, config: config, categoryCount: d.categoryCount)
        a.ranker = ranker
        a.metadata.training = summary
        a.metadata.modelVersion = "tiny-1"
        return a
    }()
}
