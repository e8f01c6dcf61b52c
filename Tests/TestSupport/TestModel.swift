import Candidates
import Dataset
import Foundation
import Pipeline
import Ranker

/// The one test fixture: a small RetailRocket-format world made by the
/// generator, read back by the real loader, and a model trained on it
/// (written to temp files on demand). Built once per test process.
public enum TestModel {
    public static let folder: String = {
        Scratch.folder("test-model-")
    }()

    public static let dataset: Dataset = {
        let data = folder + "/data"
        _ = try! SyntheticRetailRocket.generate(GeneratorConfig(scale: 0.005, seed: 5), to: data)
        return try! DatasetLoader.load(DatasetFiles(directory: data), propertyTokens: true)
    }()

    /// The default generators, trained.
    public static let artifacts = trained(generators: GeneratorRegistry.standard.defaults)

    /// The configuration of every test model: two label windows, small factor models.
    public static var config: RecsysConfig {
        var config = RecsysConfig()
        config.trainingWindows = 2
        config.als.factors = 8
        config.als.iterations = 3
        config.bpr.factors = 8
        config.bpr.iterations = 3
        return config
    }

    /// A model with the given candidate generators (and lookups: nil is the registry's default), trained on
    /// `dataset`.
    public static func trained(generators: [String], lookups: [String]? = nil, registry: GeneratorRegistry = .standard)
        -> ModelArtifacts
    {
        let d = dataset
        let end = d.log.maxTime + 1
        var (a, _) = ModelArtifacts.trained(
            dataset: d, log: d.log, end: end, config: config, generators: generators, lookups: lookups,
            registry: registry)
        a.metadata.modelVersion = "test-v1"
        return a
    }

    /// A fresh copy of the model file at a new path, with the given version label.
    public static func file(version: String = "test-v1") throws -> String {
        var a = artifacts
        a.metadata.modelVersion = version
        let path = folder + "/model-\(UUID().uuidString).rrm"
        try ModelBundle.write(a, to: path)
        return path
    }

    /// A raw visitor id with history.
    public static var knownUser: Int {
        let a = artifacts
        let u = (0..<a.histories.userCount).first { a.histories.state(of: $0).count >= 3 }!
        return a.userRaw[u]
    }
}
