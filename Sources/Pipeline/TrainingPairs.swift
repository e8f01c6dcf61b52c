import Candidates
import Dataset
import Features
import Foundation
import Ranker
import RecsysCore

/// What training did, stored in the model and printed by `train` and `inspect`.
public struct TrainingSummary: Codable, Sendable {
    public struct Window: Codable, Sendable {
        public var cutoff: Int64
        public var users: Int
        public var pairs: Int
        public var positives: Int
        /// Share of the window's relevant items that reached the candidates.
        public var candidateRecall: Double
    }

    public var windows: [Window]
    public var pairs: Int
    public var positives: Int
    public var negatives: Int
    public var trainPairs: Int
    public var validationPairs: Int
    public var validationAUC: Double
    public var validationLogLoss: Double
    public var fit: LogisticRegression.FitReport
    /// The fit on the 80% split whose validation AUC is reported.
    public var holdoutFit: LogisticRegression.FitReport?
    public var negativeSampling: String
}

/// One training user in one label window: their state at the inner cutoff,
/// the candidates generated then, and which candidates they went on to
/// add to cart or buy.
public struct TrainingExample: Sendable {
    public var window: Int
    public var user: Int32
    public var state: UserState
    public var time: Int64
    public var candidates: CandidateSet
    public var labels: [UInt8]
}

public struct TrainingExamples: Sendable {
    public var examples: [TrainingExample]
    /// Item facts as of each window's cutoff (features must not see later events).
    public var stats: [ItemStats]
    /// The generators behind the candidate sets (their score columns and provenance bits).
    public var layout: CandidateLayout
    public var windows: [TrainingSummary.Window]
}

extension TrainingExamples {
    /// The examples a pipeline with only `generators` would have collected
    /// (same users, same windows; candidates and labels filtered).
    public func restricted(to generators: [String]) -> TrainingExamples {
        let sources = layout.provenance(of: generators)
        var out = self
        out.examples = examples.map { ex in
            var e = ex
            e.candidates = ex.candidates.restricted(to: sources, keeping: layout.keepsScores)
            e.labels = zip(ex.candidates.provenance, ex.labels).filter { $0.0.overlaps(sources) }.map(\.1)
            return e
        }
        return out
    }
}

/// Builds training pairs from sliding inner cutoffs before `end` and fits the
/// class-balanced logistic regression. No event at or after `end` is read.
public enum RankerTrainer {
    public static func collect(
        dataset: Dataset, log: InteractionLog, end: Int64, config: RecsysConfig,
        generators: [String] = GeneratorRegistry.standard.defaults, registry: GeneratorRegistry = .standard,
        progress: ((String) -> Void)? = nil
    ) -> TrainingExamples {
        let window = EventTime.milliseconds(days: config.labelWindowDays)
        var out = TrainingExamples(
            examples: [], stats: [], layout: CandidateLayout(names: generators, registry: registry), windows: [])
        for k in 0..<max(1, config.trainingWindows) {
            let cutoff = end - Int64(k + 1) * window
            let horizon = cutoff + window
            guard cutoff > log.minTime else { break }
            let before = log.before(cutoff)
            var asked: [(user: Int, relevant: Set<Int32>, time: Int64)] = []
            for u in 0..<log.userCount {
                guard before.events(of: u).count > 0 else { continue }
                var relevant = Set<Int32>()
                var requestTime: Int64 = .max
                for e in log.events(of: u) where log.time[e] >= cutoff && log.time[e] < horizon {
                    requestTime = min(requestTime, log.time[e])
                    if log.kind[e] != EventKind.view.rawValue { relevant.insert(log.item[e]) }
                }
                // Users without a positive in the window only add negatives, and the
                // evaluation ranks only users with one; they are left out.
                if !relevant.isEmpty { asked.append((u, relevant, requestTime)) }
            }
            // The windows only need what proposes (no lookup tables), and only for the visitors asked.
            let artifacts = ModelArtifacts.build(
                dataset: dataset, log: before, reference: cutoff, config: config, generators: generators, lookups: [],
                registry: registry, onlyFor: asked.map(\.user))
            let pipeline = TwoStagePipeline(artifacts: artifacts)
            var info = TrainingSummary.Window(cutoff: cutoff, users: 0, pairs: 0, positives: 0, candidateRecall: 0)
            var relevantTotal = 0
            var found = 0
            for (u, relevant, requestTime) in asked {
                let state = pipeline.state(ofUser: u)
                let set = pipeline.candidates(for: state, at: requestTime)
                let labels = set.items.map { relevant.contains($0) ? UInt8(1) : 0 }
                let hits = labels.reduce(0) { $0 + Int($1) }
                relevantTotal += relevant.count
                found += hits
                info.users += 1
                info.pairs += set.count
                info.positives += hits
                out.examples.append(
                    TrainingExample(
                        window: out.stats.count, user: Int32(u), state: state, time: requestTime, candidates: set,
                        labels: labels))
            }
            info.candidateRecall = relevantTotal > 0 ? Double(found) / Double(relevantTotal) : 0
            out.stats.append(artifacts.stats)
            out.windows.append(info)
            progress?(
                "window \(k + 1): cutoff \(isoDate(cutoff)), \(info.users) users, \(info.pairs) pairs, \(info.positives) positives, candidate recall \(String(format: "%.3f", info.candidateRecall))"
            )
        }
        return out
    }

    /// Feature rows for the examples under `schema` (its enabled groups).
    public static func rows(
        _ set: TrainingExamples, schema: FeatureSchema, config: RecsysConfig, categoryCount: Int,
        where include: (TrainingExample) -> Bool = { _ in true }
    ) -> (SparseRows, [UInt8]) {
        var rows = SparseRows(columns: schema.count)
        var labels: [UInt8] = []
        appendRows(
            set, schema: schema, config: config, categoryCount: categoryCount, where: include, to: &rows,
            labels: &labels)
        return (rows, labels)
    }

    /// Appends the rows and labels of the examples `include` takes.
    /// Storage is reserved for all of them once the first example shows how many values a row has: at 10 x
    /// scale the rows take gigabytes, and growing them by doubling copied each generation into fresh pages.
    static func appendRows(
        _ set: TrainingExamples, schema: FeatureSchema, config: RecsysConfig, categoryCount: Int,
        where include: (TrainingExample) -> Bool, to rows: inout SparseRows, labels: inout [UInt8]
    ) {
        let builders = set.stats.map {
            FeatureBuilder(schema: schema, stats: $0, config: config, categoryCount: categoryCount, layout: set.layout)
        }
        let pairs = set.examples.reduce(0) { include($1) ? $0 + $1.labels.count : $0 }
        rows.start.reserveCapacity(rows.start.count + pairs)
        labels.reserveCapacity(labels.count + pairs)
        var reserved = false
        for ex in set.examples where include(ex) {
            let before = (rows: rows.count, values: rows.column.count)
            builders[ex.window].build(user: ex.state, candidates: ex.candidates, at: ex.time, into: &rows)
            labels += ex.labels
            if !reserved && rows.count > before.rows {
                // Half as much again as the first example's width: pages reserved and never written cost nothing.
                let width = Double(rows.column.count - before.values) / Double(rows.count - before.rows)
                let wanted = rows.column.count + Int(width * 1.5 * Double(pairs - (rows.count - before.rows)))
                rows.column.reserveCapacity(wanted)
                rows.value.reserveCapacity(wanted)
                reserved = true
            }
        }
    }

    /// The validation users: 1 in 5 by a fixed hash of the user, so the split is the same every run.
    static func isValidation(_ ex: TrainingExample) -> Bool { (UInt64(ex.user) &* 2_654_435_761) % 5 == 0 }

    /// The 80/20 split by user (a fixed hash, so it is the same every run).
    public static func split(
        _ set: TrainingExamples, schema: FeatureSchema, config: RecsysConfig, categoryCount: Int
    ) -> (train: SparseRows, trainLabels: [UInt8], valid: SparseRows, validLabels: [UInt8]) {
        let (trainRows, trainLabels) = rows(
            set, schema: schema, config: config, categoryCount: categoryCount, where: { !isValidation($0) })
        let (validRows, validLabels) = rows(
            set, schema: schema, config: config, categoryCount: categoryCount, where: isValidation)
        return (trainRows, trainLabels, validRows, validLabels)
    }

    /// The same split as one set of rows: the training users' rows first, then the validation users', so the
    /// holdout fit reads a prefix and the final fit the whole without a copy of either.
    static func splitInOrder(
        _ set: TrainingExamples, schema: FeatureSchema, config: RecsysConfig, categoryCount: Int
    ) -> (rows: SparseRows, labels: [UInt8], trainCount: Int) {
        var rows = SparseRows(columns: schema.count)
        var labels: [UInt8] = []
        appendRows(
            set, schema: schema, config: config, categoryCount: categoryCount, where: { !isValidation($0) },
            to: &rows, labels: &labels)
        let trainCount = rows.count
        appendRows(
            set, schema: schema, config: config, categoryCount: categoryCount, where: isValidation, to: &rows,
            labels: &labels)
        return (rows, labels, trainCount)
    }

    /// The schema with its quantile bins learned from the examples' rows
    /// (every window and user: the bins are unsupervised). Unchanged when
    /// the `shape` group is off.
    public static func learnBins(
        _ set: TrainingExamples, schema: FeatureSchema, config: RecsysConfig, categoryCount: Int
    ) -> FeatureSchema {
        guard schema.isEnabled(.shape) else { return schema.withBins([]) }
        let base = schema.withBins([])
        let (rows, _) = rows(set, schema: base, config: config, categoryCount: categoryCount)
        return base.withBins(learnedFrom: rows)
    }

    /// Learns the schema's bins, fits on 80% of users, reports AUC and log
    /// loss on the other 20%, then refits on everyone for the final weights.
    /// The schema returned (with its bins) is the one the weights belong to.
    public static func fit(
        _ set: TrainingExamples, schema unbinned: FeatureSchema, config: RecsysConfig, categoryCount: Int
    ) -> (LogisticRegression, TrainingSummary, FeatureSchema) {
        let schema = learnBins(set, schema: unbinned, config: config, categoryCount: categoryCount)
        let (allRows, allLabels, trainCount) = splitInOrder(
            set, schema: schema, config: config, categoryCount: categoryCount)
        let (holdout, holdoutReport) = LogisticRegression.fit(
            rows: allRows, labels: allLabels, rowCount: trainCount, l2: config.l2)
        let validLabels = Array(allLabels[trainCount...])
        let probabilities = (trainCount..<allRows.count).map { holdout.probability(allRows, $0) }
        let auc = BinaryMetrics.auc(scores: probabilities, labels: validLabels)
        let logLoss = BinaryMetrics.logLoss(probabilities: probabilities, labels: validLabels)
        let (model, report) = LogisticRegression.fit(rows: allRows, labels: allLabels, l2: config.l2)
        let positives = allLabels.reduce(0) { $0 + Int($1) }
        let summary = TrainingSummary(
            windows: set.windows, pairs: allLabels.count, positives: positives, negatives: allLabels.count - positives,
            trainPairs: trainCount, validationPairs: validLabels.count, validationAUC: auc,
            validationLogLoss: logLoss, fit: report, holdoutFit: holdoutReport,
            negativeSampling: "none: every candidate of every training user is a pair; class weights balance the labels"
        )
        return (model, summary, schema)
    }
}

public func isoDate(_ ms: Int64) -> String {
    ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
}

extension ModelArtifacts {
    /// A whole model from the events before `end`: the generators'
    /// structures, training pairs from the label windows before `end`, and
    /// the fitted ranker (its summary is also in `metadata.training`).
    /// (`recsys-train train` runs the same three steps, timing each.)
    public static func trained(
        dataset: Dataset, log: InteractionLog, end: Int64, config: RecsysConfig,
        generators: [String] = GeneratorRegistry.standard.defaults, lookups: [String]? = nil,
        features: [FeatureGroup] = FeatureGroup.standard, registry: GeneratorRegistry = .standard,
        progress: ((String) -> Void)? = nil
    ) -> (artifacts: ModelArtifacts, summary: TrainingSummary) {
        var artifacts = build(
            dataset: dataset, log: log, reference: end, config: config, generators: generators, lookups: lookups,
            features: features, registry: registry)
        let examples = RankerTrainer.collect(
            dataset: dataset, log: log, end: end, config: config, generators: generators, registry: registry,
            progress: progress)
        let (ranker, summary, schema) = RankerTrainer.fit(
            examples, schema: artifacts.metadata.schema, config: config, categoryCount: dataset.categoryCount)
        (artifacts.ranker, artifacts.metadata.training, artifacts.metadata.schema) = (ranker, summary, schema)
        return (artifacts, summary)
    }
}
