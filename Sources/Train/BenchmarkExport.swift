import Candidates
import Dataset
import Evaluation
import Features
import Foundation
import ModelFile
import Pipeline
import RecsysCore

/// Writes what scripts/bench_train.sh feeds to scikit-learn and implicit:
/// the ranker's train/validation pairs and the basket×item matrix, as raw
/// little-endian arrays, plus our own timings on exactly those inputs.
enum BenchmarkExport {
    static func write(
        to folder: String, dataset: Dataset, examples: TrainingExamples, schema: FeatureSchema, config: RecsysConfig,
        summary: TrainingSummary
    ) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let split = RankerTrainer.split(examples, schema: schema, config: config, categoryCount: dataset.categoryCount)
        try rows(split.train, split.trainLabels, folder + "/train")
        try rows(split.valid, split.validLabels, folder + "/valid")

        let baskets = Baskets(log: dataset.log, config: config)
        try raw(baskets.start.map(Int64.init), folder + "/cf_indptr.bin")
        try raw(baskets.item, folder + "/cf_indices.bin")
        try raw(baskets.value, folder + "/cf_data.bin")
        // Our neighbour build on the same log, timed alone (it rebuilds the baskets too).
        let started = Date()
        let neighbours = ItemNeighbours.build(log: dataset.log, itemCount: dataset.itemCount, config: config)
        let cfSeconds = Date().timeIntervalSince(started)

        let info: [String: Any] = [
            "columns": schema.count, "items": dataset.itemCount, "baskets": baskets.count,
            "neighbours": config.cfNeighbours, "l2": config.l2,
            "fit_seconds": summary.holdoutFit?.seconds ?? 0, "fit_iterations": summary.holdoutFit?.iterations ?? 0,
            "validation_auc": summary.validationAUC, "cf_seconds": cfSeconds,
            "cf_pairs": neighbours.neighbour.count,
        ]
        try JSONSerialization.data(withJSONObject: info, options: [.sortedKeys, .prettyPrinted])
            .write(to: URL(fileURLWithPath: folder + "/ours.json"))
    }

    static func rows(_ r: SparseRows, _ labels: [UInt8], _ prefix: String) throws {
        try raw(r.start.map(Int64.init), prefix + "_indptr.bin")
        try raw(r.column, prefix + "_indices.bin")
        try raw(r.value, prefix + "_data.bin")
        try raw(labels, prefix + "_labels.bin")
    }

    static func raw<T: BitwiseCopyable>(_ a: [T], _ path: String) throws {
        try a.withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: path)) }
    }
}
