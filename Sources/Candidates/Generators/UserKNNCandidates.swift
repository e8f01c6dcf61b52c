import ModelFile
import RecsysCore

/// The `userknn` generator: items of the most similar visitors (`UserKNN`).
/// Its score (Σ similarity × weight) is a ranker column for every candidate.
public struct UserKNNCandidates: CandidateGenerator {
    public let name = "userknn"
    public let knn: UserKNN
    public let config: RecsysConfig

    public init(knn: UserKNN, config: RecsysConfig) {
        self.knn = knn
        self.config = config
    }

    public var candidateLimit: Int { config.userKNNCandidates }

    public func propose(
        for user: UserState, at time: Int64, proposing: Bool, into set: inout CandidateSet, slot: Int
    ) -> CandidateScores {
        set.propose(best: knn.scores(for: user), limit: config.userKNNCandidates, slot: slot, proposing: proposing)
    }

    public func section() -> ModelContainer.Section? {
        .init(tag: "UKNN") { w in
            w.array(knn.userStart)
            w.array(knn.userItem)
            w.array(knn.userWeight)
            w.scalar(Int64(knn.maxUsersPerItem))
        }
    }

    public static let factory = GeneratorFactory(
        name: "userknn", displayName: "user-kNN", isDefault: false, proposalRank: 3,
        role: FeatureRole(scoreColumn: "userknn_score", transform: .log1pTimes10),
        build: { c in
            UserKNNCandidates(
                knn: UserKNN(histories: c.histories, itemCount: c.dataset.itemCount, config: c.config), config: c.config
            )
        },
        load: { source, c in
            let knn = try source.section("UKNN") { knn in
                let start: [Int32] = try knn.array()
                let items: [Int32] = try knn.array()
                let weights: [Float] = try knn.array()
                let maxUsers = Int(try knn.scalar(Int64.self))
                try checkCSR(start, items, rows: c.userCount, values: c.itemCount, "UKNN")
                guard weights.count == items.count, maxUsers > 0 else {
                    throw ModelFileError.corrupt(section: "UKNN", reason: "weights or limits do not match")
                }
                return UserKNN(
                    userStart: start, userItem: items, userWeight: weights, itemCount: c.itemCount, config: c.config,
                    maxUsersPerItem: maxUsers)
            }
            return UserKNNCandidates(knn: knn, config: c.config)
        })
}
