import Candidates
import Dataset
import RecsysCore

/// The visitor's current session in `recommend`: the items they are looking at right now climb the answer.
///
/// The ranker learns from 14-day label windows that open at a visitor's first event after a cutoff, so it
/// never sees a request in the middle of a session, where the next add-to-cart is nearly always an item
/// viewed minutes ago. On the online replay's cart task (docs/evaluation/online.md) the ranker alone
/// scored MRR@10 0.871, below plain "most recently viewed first" (0.928); with the boost, 0.928. Offline
/// NDCG@10 lost 0.0006 to 0.0010 on three worlds: its requests are a visitor's first event after the
/// cutoff, and a session straddling the cutoff is boosted too.
extension TwoStagePipeline {
    /// Events at most this far apart, the newest at most this old at the request, are the visitor's
    /// current session (the same hour as `discoverSessionGapMs`).
    public static let sessionGapMs: Int64 = EventTime.msPerHour
    /// Added to the ranker's logit of an item viewed in the current session: ×148 on the odds, enough
    /// to put these items above everything but what the ranker is surest of (an item just carted, say)...
    public static let sessionBoost = 5.0
    /// ...shifted by this over (1 + r) for the r-th newest of them (0 = the last viewed), so recency counts
    /// too. Both chosen on the online replay's cart task (boost 2 / 5 / 10 and recency 0 / 2 / 5).
    public static let sessionRecencyBoost = 2.0

    /// The items the visitor viewed in the current session, newest first, without those they carted or
    /// bought in it (the cart already has them). Empty when the newest event is more than
    /// `sessionGapMs` before `time`.
    public static func sessionItems(of user: UserState, at time: Int64) -> [Int32] {
        guard var k = user.times.indices.last, time - user.times[k] <= sessionGapMs else { return [] }
        var viewed: [Int32] = []
        var carted: [Int32] = []
        while true {
            let item = user.items[k]
            if user.kinds[k] != EventKind.view.rawValue {
                if !carted.contains(item) { carted.append(item) }
            } else if !viewed.contains(item) {
                viewed.append(item)
            }
            guard k > 0, user.times[k] - user.times[k - 1] <= sessionGapMs else { break }
            k -= 1
        }
        return viewed.filter { !carted.contains($0) }
    }

    /// Adds the session boosts to `logits` (aligned with `items`).
    func boostSession(of user: UserState, at time: Int64, items: [Int32], logits: inout [Double]) {
        let session = Self.sessionItems(of: user, at: time)
        guard !session.isEmpty else { return }
        for k in logits.indices {
            if let r = session.firstIndex(of: items[k]) {
                logits[k] += Self.sessionBoost + Self.sessionRecencyBoost / Double(1 + r)
            }
        }
    }
}
