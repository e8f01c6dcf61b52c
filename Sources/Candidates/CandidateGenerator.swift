import Dataset
import ModelFile
import RecsysCore

/// One source of candidates, self-contained: it proposes items for a
/// visitor at a time, gives every candidate its score (the ranker feature),
/// and saves its own model-file section. The pipeline and the evaluation
/// loop over generators and never ask which one they hold; a new generator
/// is one file (a conformer and its `GeneratorFactory`) plus one line in
/// the registry.
public protocol CandidateGenerator: Sendable {
    /// The name in `--generators`, the model's metadata and reports ("itemcf").
    var name: String { get }
    /// How it proposes at most per request.
    var candidateLimit: Int { get }
    /// Adds its candidates for `user` at `time` (ages are measured from it)
    /// to `set` under `slot`, and says how any candidate of the set gets
    /// this generator's score.
    /// - Parameters:
    ///   - proposing: false when the generator is only asked to score (it is
    ///     not enabled, but `FeatureRole.scoresEveryCandidate`): add nothing.
    ///   - set: the request's candidates so far.
    ///   - slot: this generator's score column and provenance bit in `set`.
    func propose(for user: UserState, at time: Int64, proposing: Bool, into set: inout CandidateSet, slot: Int)
        -> CandidateScores
    /// The model-file section it owns, or nil when it saves nothing.
    func section() -> ModelContainer.Section?
}

/// The score of this generator for every candidate of a request.
public enum CandidateScores {
    /// Only its own proposals score (added with `CandidateSet.add(_:slot:score:)`); 0 elsewhere.
    case proposals
    /// A score per item; 0 for items absent from the map.
    case map(IntMap<Float>)
    /// As `map`, kept in double precision for its own ranking, stored as Float.
    case doubleMap(IntMap<Double>)
    /// Computed for the whole candidate list at once (items → scores, same order).
    case lookup(@Sendable ([Int32]) -> [Float])
}

/// How the ranker sees a generator beyond its "proposed by" flag.
public struct FeatureRole: Sendable {
    /// Its score column, when it adds one to the schema (the `models` group);
    /// nil for the built-in generators whose features are fixed columns.
    public var scoreColumn: String?
    /// The transform from its raw score to the column's value.
    public var transform: ScoreTransform
    /// Its score is a feature of every candidate even when the pipeline
    /// runs without it (item-CF and history: an ablation keeps the feature).
    public var scoresEveryCandidate: Bool

    public init(scoreColumn: String?, transform: ScoreTransform = .identity, scoresEveryCandidate: Bool = false) {
        self.scoreColumn = scoreColumn
        self.transform = transform
        self.scoresEveryCandidate = scoresEveryCandidate
    }
}

/// Raw score → feature value, for the score columns.
public enum ScoreTransform: Sendable {
    case identity
    /// log1p(10 s) for s > 0, else 0 (similarity sums).
    case log1pTimes10
    /// The logistic of s; 0.5 for s = 0 (unbounded margins, as BPR's).
    case logistic

    @inlinable
    public func apply(_ s: Double) -> Double {
        switch self {
        case .identity: s
        case .log1pTimes10: s > 0 ? log1p(s * 10) : 0
        case .logistic: s == 0 ? 0.5 : 1 / (1 + exp(-s))
        }
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
