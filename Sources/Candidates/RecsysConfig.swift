import RecsysCore

/// Every number that tunes the recommender, in one place. Stored in the
/// model file and printed by `recsys-train inspect`.
public struct RecsysConfig: Codable, Sendable, Equatable {
    /// Interactions kept per user (most recent), for serving and features. 50 until 2026-12-07: heavy
    /// visitors come back to items they touched long before (docs/evaluation/README.md).
    public var historyLength = 300
    /// Weight of each event kind (view, add-to-cart, transaction).
    public var kindWeight: [Double] = [1, 4, 6]
    /// Half-life of popularity and recency decay, in hours.
    public var decayHalfLifeHours = 168.0
    /// Candidates from each generator. Category and item-CF lists were 100
    /// and 200; the full-scale evaluation gave the same NDCG@10 (0.4199 vs
    /// 0.4200) with 60 and 100, and a request cost ~15 % less. Since
    /// 2026-12-07 category 150 and history 100 (with 300 events kept): union
    /// candidate recall 0.56–0.59 instead of 0.48–0.54 on three worlds, at
    /// 249–276 candidates instead of 139–155, NDCG@10 up on each (+0.0002 to
    /// +0.0044), 1.19 × the time per request (docs/evaluation/README.md).
    public var categoryCandidates = 150
    public var cfCandidates = 100
    public var historyCandidates = 100
    /// Candidates from user-kNN and from each factor model (ALS, BPR). They
    /// were 100 from a pool of 2,000; on 11-23 the full-scale evaluation gave
    /// the same NDCG@10 with 50 from 1,000 (user-kNN 0.4231 vs 0.4221, ALS
    /// 0.4177 vs 0.4162, BPR 0.4170 vs 0.4151, all three 0.4214 vs 0.4223)
    /// for 18–22 % less time per user with ALS or BPR, and again with 30
    /// from 500 (ALS 0.4183, BPR 0.4186, all three 0.4215; with the factor
    /// features limited to the pool since, 0.4165, 0.4190 and 0.4204).
    public var userKNNCandidates = 50
    public var factorCandidates = 30
    /// The most popular items each factor model scores per request (its cost
    /// is pool × factors). At full scale 2,000 found nearly as many relevant
    /// items as 20,000 (ALS candidate recall 0.145 vs 0.153) at a fifth of
    /// the cost; 1,000 with 50 candidates gives 0.126, 500 with 30 gives
    /// 0.115 and the NDCG above.
    public var factorPool = 500
    /// Neighbours per request user in user-kNN.
    public var userKNNNeighbours = 50
    public var als = ALSOptions.pipelineDefault
    public var bpr = BPROptions.pipelineDefault
    /// How many of the user's categories feed category popularity (the most recent first).
    public var userCategories = 3
    /// A category with fewer items than this borrows from its parent.
    public var categoryMinItems = 30
    /// Items kept per category popularity list.
    public var categoryListLength = 200
    /// Neighbours kept per item.
    public var cfNeighbours = 50
    /// A gap longer than this splits a user's history into CF baskets.
    public var cfBasketGapHours = 24.0
    /// Distinct items kept per basket when counting co-occurrences (the most recent).
    public var cfMaxBasketItems = 100
    /// Recent distinct items of the user that seed CF candidates.
    public var cfSeedItems = 20
    /// Cosine shrinkage: sim = dot / (norm_i * norm_j + shrink).
    public var cfShrink = 2.0
    /// Length of each label window, and how many windows (sliding back) make training pairs.
    public var labelWindowDays = 14.0
    public var trainingWindows = 3
    /// L2 strength (sklearn's 1/C) of the ranker.
    public var l2 = 1.0
    /// Items in the global popularity fallback.
    public var popularListLength = 200
    /// Categories with their own one-hot column in the ranker; the rest share "other".
    public var categoryVocabulary = 40

    public init() {}

    public var decayHalfLifeMs: Double { decayHalfLifeHours * 3_600_000 }

    /// exp-decay factor for an event `age` ms old.
    @inlinable
    public func decay(ageMs: Int64) -> Double {
        exp2(-Double(max(ageMs, 0)) / decayHalfLifeMs)
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
