import RecsysCore

/// The generators a model holds, one slot each (registry order): the
/// candidate set's score columns and provenance bits, and where the feature
/// builder finds the built-in generators' scores.
public struct CandidateLayout: Sendable, Equatable {
    public let names: [String]
    /// Per slot: its score column in the schema (nil for the built-ins) and its transform.
    public let scoreColumns: [String?]
    public let transforms: [ScoreTransform]
    /// Slots whose score every candidate gets even when they do not propose.
    public let keepsScores: Provenance

    public init(names: [String], registry: GeneratorRegistry = .standard) {
        let names = registry.ordered(names)
        self.names = names
        let roles = names.map { registry[$0]!.role }
        scoreColumns = roles.map(\.scoreColumn)
        transforms = roles.map(\.transform)
        keepsScores = roles.enumerated().reduce(Provenance()) {
            $1.element.scoresEveryCandidate ? $0.union(.slot($1.offset)) : $0
        }
    }

    public var count: Int { names.count }

    /// The slot of a generator, -1 when the model lacks it.
    public func slot(_ name: String) -> Int { names.firstIndex(of: name) ?? -1 }

    /// The provenance bits of `names` (those present).
    public func provenance(of names: [String]) -> Provenance {
        names.reduce(Provenance()) { $0.union(.slot(slot($1))) }
    }

    public static func == (a: Self, b: Self) -> Bool { a.names == b.names && a.scoreColumns == b.scoreColumns }
}
