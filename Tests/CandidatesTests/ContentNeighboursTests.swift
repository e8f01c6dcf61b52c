import Dataset
import Foundation
import RecsysCore
import Testing

@testable import Candidates

struct ContentNeighboursTests {
    /// Tokens per item (token ids), all first seen at `time`.
    static func tokens(_ items: [[Int32]], time: [[Int64]]? = nil, tokenCount: Int) -> ItemTokens {
        var start: [Int32] = [0]
        var token: [Int32] = []
        var seen: [Int64] = []
        for (i, list) in items.enumerated() {
            token += list
            seen += time?[i] ?? list.map { _ in 0 }
            start.append(Int32(token.count))
        }
        return ItemTokens(start: start, token: token, firstSeen: seen, tokenCount: tokenCount)
    }

    /// Cosine over IDF weights, equal to a brute-force computation; a token on one item only, and a token on
    /// more items than the cap, add nothing; tokens first seen at or after the reference are ignored.
    @Test func idfCosineOverUsableTokens() throws {
        // Token 0: items 0, 1, 2 (too common with the cap of 2); token 1: items 0, 1; token 2: items 1, 3;
        // token 3: item 3 only; token 4: items 2, 3 but only known after the reference on item 3.
        let t = Self.tokens(
            [[0, 1], [0, 1, 2], [0, 4], [2, 3, 4]],
            time: [[0, 0], [0, 0, 0], [0, 0], [0, 0, 100]], tokenCount: 5)
        let nb = ContentNeighbours(tokens: t, itemCount: 5, before: 100, keep: 10, maxItemsPerToken: 2, threads: 2)
        func list(_ i: Int) -> [Int32] { nb.neighbours(of: i).map { nb.neighbour[$0] } }
        #expect(list(0) == [1])
        #expect(Set(list(1)) == [0, 3])
        #expect(list(2) == [])  // shares only token 0 (too common) and token 4 (item 3 learns it too late)
        #expect(list(3) == [1])
        #expect(list(4) == [])  // beyond the token table
        // Brute force: 4 described items; idf = ln(4 / df); usable tokens 1 (df 2) and 2 (df 2).
        let w = Float(log(2.0))
        let norm0 = w
        let norm1 = (2 * w * w).squareRoot()
        let s01 = try #require(nb.neighbours(of: 0).first.map { nb.similarity[$0] })
        #expect(abs(s01 - w * w / (norm0 * norm1)) < 1e-5)
        // Symmetric.
        let s10 = nb.neighbours(of: 1).first { nb.neighbour[$0] == 0 }.map { nb.similarity[$0] }
        #expect(s10 == s01)
    }

    @Test func keepsTheBestKOrderedBySimilarityThenId() {
        // Item 0 shares two tokens with item 3, one with items 1 and 2.
        let t = Self.tokens([[0, 1], [0], [0], [0, 1], [5], [5]], tokenCount: 6)
        let nb = ContentNeighbours(tokens: t, itemCount: 6, before: 1, keep: 2, maxItemsPerToken: 10)
        #expect(nb.neighbours(of: 0).map { nb.neighbour[$0] } == [3, 1])
        #expect(nb.neighbours(of: 4).map { nb.neighbour[$0] } == [5])
    }

    /// The generator proposes the neighbours of the visitor's recent items, the last one weighted most.
    @Test func proposesNeighboursOfRecentItems() {
        let t = Self.tokens([[0], [0], [1], [1]], tokenCount: 2)
        let gen = ContentCandidates(
            neighbours: ContentNeighbours(tokens: t, itemCount: 4, before: 1, keep: 5, maxItemsPerToken: 10))
        let user = UserState(items: [0, 2], times: [10, 20], kinds: [0, 0])
        var set = CandidateSet(columns: 1)
        guard case .map(let scores) = gen.propose(for: user, at: 30, proposing: true, into: &set, slot: 0) else {
            Issue.record("expected a score map")
            return
        }
        #expect(Set(set.items) == [1, 3])
        #expect(scores[3] == 1)
        #expect(scores[1] == 0.5)
        // Asked only to score, it adds nothing.
        var empty = CandidateSet(columns: 1)
        _ = gen.propose(for: user, at: 30, proposing: false, into: &empty, slot: 0)
        #expect(empty.count == 0)
    }

    /// Rows from a model file must be what `init` builds; each way of breaking them is named.
    @Test func rowsFromAFileAreChecked() {
        func problem(_ nb: [Int32], _ sim: [Float]) -> String? {
            ContentNeighbours(
                start: [0, Int32(nb.count), Int32(nb.count), Int32(nb.count)], neighbour: nb, similarity: sim
            )
            .rowProblem()
        }
        #expect(problem([1, 2], [0.9, 0.5]) == nil)
        #expect(problem([1, 2], [0.5, 0.9])?.contains("not sorted") == true)
        #expect(problem([1, 2], [0.9, -0.1])?.contains("not a cosine") == true)
        #expect(problem([1, 2], [.nan, 0.5])?.contains("not a cosine") == true)
        #expect(problem([1, 2], [3e38, 0.5])?.contains("not a cosine") == true)
        #expect(problem([0, 2], [0.9, 0.5])?.contains("its own neighbour") == true)
        #expect(problem([2, 2], [0.9, 0.5])?.contains("listed twice") == true)
        // Built rows pass.
        let t = Self.tokens([[0, 1], [0], [0], [0, 1], [5], [5]], tokenCount: 6)
        #expect(
            ContentNeighbours(tokens: t, itemCount: 6, before: 1, keep: 3, maxItemsPerToken: 10).rowProblem() == nil)
    }
}
