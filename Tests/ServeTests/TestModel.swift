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

    static let artifacts: ModelArtifacts = {
        let data = folder + "/data"
        _ = try! SyntheticRetailRocket.generate(GeneratorConfig(scale: 0.005, seed: 5), to: data)
        let d = try! DatasetLoader.load(DatasetFiles(directory: data))
        var config = RecsysConfig()
        config.trainingWindows = 2
        let end = d.log.maxTime + 1
        var a = ModelArtifacts.build(dataset: d, log: d.log, reference: end, config: config)
        let examples = RankerTrainer.collect(dataset: d, log: d.log, end: end, config: config)
        (a.ranker, a.metadata.training) = RankerTrainer.fit(
            examples, schema: a.metadata.schema, config: config, categoryCount: d.categoryCount)
        a.metadata.modelVersion = "test-v1"
        return a
    }()

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
