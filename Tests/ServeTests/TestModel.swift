import Candidates
import Dataset
import Foundation
import Ranker

/// A small model trained at test time on generated data, written to temp files.
enum TestModel {
    static let folder: String = {
        let f = NSTemporaryDirectory() + "recsys-serve-test-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: f, withIntermediateDirectories: true)
        return f
    }()

    static let dataset: Dataset = {
        let data = folder + "/data"
        _ = try! SyntheticRetailRocket.generate(GeneratorConfig(scale: 0.005, seed: 5), to: data)
        return try! DatasetLoader.load(DatasetFiles(directory: data))
    }()

    static let artifacts = trained(generators: GeneratorKind.defaults)

    /// A model with the given candidate generators (small factor models).
    static func trained(generators: [GeneratorKind]) -> ModelArtifacts {
        let d = dataset
        var config = RecsysConfig()
        config.trainingWindows = 2
        config.als.factors = 8
        config.als.iterations = 3
        config.bpr.factors = 8
        config.bpr.iterations = 3
        let end = d.log.maxTime + 1
        var a = ModelArtifacts.build(dataset: d, log: d.log, reference: end, config: config, generators: generators)
        let examples = RankerTrainer.collect(dataset: d, log: d.log, end: end, config: config, generators: generators)
        (a.ranker, a.metadata.training) = RankerTrainer.fit(
            examples, schema: a.metadata.schema, config: config, categoryCount: d.categoryCount)
        a.metadata.modelVersion = "test-v1"
        return a
    }

    /// A fresh copy of the model file at a new path, with the given version label.
    static func file(version: String = "test-v1") throws -> String {
        var a = artifacts
        a.metadata.modelVersion = version
        let path = folder + "/model-\(UUID().uuidString).rrm"
        try ModelFile.write(a, to: path)
        return path
    }

    /// A raw visitor id with history, and the model's reference time.
    static var knownUser: Int {
        let a = artifacts
        let u = (0..<a.histories.userCount).first { a.histories.state(of: $0).count >= 3 }!
        return a.userRaw[u]
    }
}
