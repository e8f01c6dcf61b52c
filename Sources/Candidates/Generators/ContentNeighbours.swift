import Dataset
import Dispatch
import Foundation
import RecsysCore

/// Item-item content similarity from the hashed property values: each item
/// is its set of (property, value word) tokens known before the reference
/// time, weighted by IDF; similarity is the cosine of those vectors; the best
/// `keep` per item, in CSR arrays.
///
/// Works for items with few or no events (it never reads the events), which
/// is what it adds next to item-CF and co-visitation.
///
/// Cost: neighbours come from an inverted index (token → items); a token on
/// more than `maxItemsPerToken` items says little and would cost the square
/// of its items, so it is left out, as is a token of a single item. Build is
/// O(Σ over items of the postings of its tokens), in parallel chunks.
public struct ContentNeighbours: Sendable {
    public let start: [Int32]
    public let neighbour: [Int32]
    public let similarity: [Float]

    /// From stored arrays (a model file); `checkCSR` has checked them.
    public init(start: [Int32], neighbour: [Int32], similarity: [Float]) {
        (self.start, self.neighbour, self.similarity) = (start, neighbour, similarity)
    }

    /// No neighbours for any of `itemCount` items.
    public init(empty itemCount: Int) {
        self.init(start: [Int32](repeating: 0, count: itemCount + 1), neighbour: [], similarity: [])
    }

    public var itemCount: Int { start.count - 1 }

    /// What is wrong with rows read from a file (nil when they are as `init` builds them): cosines in 0…1, best
    /// first, never the item itself, no item twice. Scores and similar-items answers rely on it.
    public func rowProblem() -> String? {
        var seenIn = [Int32](repeating: -1, count: itemCount)
        for i in 0..<itemCount {
            var previous = Float.infinity
            for e in neighbours(of: i) {
                let (j, s) = (Int(neighbour[e]), similarity[e])
                guard s >= 0 && s <= 1.0001 else { return "item \(i): similarity \(s) is not a cosine in 0...1" }
                guard s <= previous else { return "item \(i): neighbours are not sorted best first" }
                guard j != i else { return "item \(i) is its own neighbour" }
                guard seenIn[j] != Int32(i) else { return "item \(i): neighbour \(j) is listed twice" }
                seenIn[j] = Int32(i)
                previous = s
            }
        }
        return nil
    }

    /// `item`'s entries (indices into `neighbour` and `similarity`), most similar first.
    public func neighbours(of item: Int) -> Range<Int> {
        guard item >= 0 && item < itemCount else { return 0..<0 }
        return Int(start[item])..<Int(start[item + 1])
    }

    public init(
        tokens: ItemTokens, itemCount: Int, before reference: Int64, keep: Int = 50, maxItemsPerToken: Int = 200,
        threads: Int = 2, rows: [Bool]? = nil
    ) {
        let items = min(itemCount, tokens.itemCount)
        // Document frequency of each token among items, counting what was known before `reference`.
        var df = [Int32](repeating: 0, count: tokens.tokenCount)
        for e in 0..<(items > 0 ? Int(tokens.start[items]) : 0) where tokens.firstSeen[e] < reference {
            df[Int(tokens.token[e])] += 1
        }
        let described = (0..<items).reduce(0) { n, i in
            n + (tokens.entries(of: i).contains { tokens.firstSeen[$0] < reference } ? 1 : 0)
        }
        let usable = { (t: Int32) in df[Int(t)] >= 2 && df[Int(t)] <= Int32(maxItemsPerToken) }
        let weight = df.map { Float(log(Double(max(described, 1)) / Double(max($0, 1)))) }
        // Postings (token → items) and each item's norm, over usable tokens only.
        var postingStart = [Int32](repeating: 0, count: tokens.tokenCount + 1)
        for t in 0..<tokens.tokenCount where usable(Int32(t)) { postingStart[t + 1] = df[t] }
        for t in 0..<tokens.tokenCount { postingStart[t + 1] += postingStart[t] }
        var fill = Array(postingStart.dropLast())
        var posting = [Int32](repeating: 0, count: Int(postingStart[tokens.tokenCount]))
        var norm = [Float](repeating: 0, count: itemCount)
        for i in 0..<items {
            var s: Float = 0
            for e in tokens.entries(of: i) where tokens.firstSeen[e] < reference && usable(tokens.token[e]) {
                let t = Int(tokens.token[e])
                posting[Int(fill[t])] = Int32(i)
                fill[t] += 1
                s += weight[t] * weight[t]
            }
            norm[i] = s.squareRoot()
        }
        let (postings, postingOffsets, norms, weights) = (posting, postingStart, norm, weight)
        let chunks = max(1, threads * 8)
        let parts = NeighbourParts(count: chunks)
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let lo = items * chunk / chunks
            let hi = items * (chunk + 1) / chunks
            var acc = [Float](repeating: 0, count: itemCount)
            var touched: [Int32] = []
            var start: [Int32] = []
            var nb: [Int32] = []
            var sim: [Float] = []
            var row: [(Float, Int32)] = []
            for i in lo..<hi {
                start.append(Int32(nb.count))
                // Only the asked rows (`rows`, as for `ItemNeighbours.build(rows:)`), each the full build's.
                guard norms[i] > 0, rows?[i] ?? true else { continue }
                touched.removeAll(keepingCapacity: true)
                for e in tokens.entries(of: i) where tokens.firstSeen[e] < reference {
                    let t = Int(tokens.token[e])
                    let w2 = weights[t] * weights[t]
                    // A token on every described item weighs 0 (and would leave `acc` at 0 for `touched`).
                    guard w2 > 0 else { continue }
                    for p in Int(postingOffsets[t])..<Int(postingOffsets[t + 1]) {
                        let j = Int(postings[p])
                        if j == i { continue }
                        if acc[j] == 0 { touched.append(Int32(j)) }
                        acc[j] += w2
                    }
                }
                row.removeAll(keepingCapacity: true)
                for j in touched {
                    row.append((acc[Int(j)] / (norms[i] * norms[Int(j)]), j))
                    acc[Int(j)] = 0
                }
                row.sort { $0.0 != $1.0 ? $0.0 > $1.0 : $0.1 < $1.1 }
                for (s, j) in row.prefix(keep) {
                    nb.append(j)
                    sim.append(s)
                }
            }
            parts.set(chunk, (start, nb, sim))
        }
        var start: [Int32] = []
        var neighbour: [Int32] = []
        var similarity: [Float] = []
        start.reserveCapacity(itemCount + 1)
        for case (let s, let nb, let sim)? in parts.values {
            let base = Int32(neighbour.count)
            start += s.map { $0 + base }
            neighbour += nb
            similarity += sim
        }
        // Items beyond the token table (none when both come from one dataset) have no neighbours.
        while start.count < itemCount + 1 { start.append(Int32(neighbour.count)) }
        self.init(start: start, neighbour: neighbour, similarity: similarity)
    }
}
