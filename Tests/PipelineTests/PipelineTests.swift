import Candidates
import Features
import Foundation
import ModelFile
import Ranker
import TestSupport
import Testing

@testable import Pipeline

struct PipelineTests {
    @Test func unknownVisitorGetsLabelledFallback() {
        let p = TwoStagePipeline(artifacts: TestModel.artifacts)
        let r = p.recommend(rawUser: 999_999_999, at: 0, n: 5)
        #expect(r.strategy == "popular")
        #expect(r.items.map(\.item) == Array(TestModel.artifacts.popular.prefix(5)))
    }

    @Test func knownVisitorGetsRankedDistinctItems() throws {
        let a = TestModel.artifacts
        let p = TwoStagePipeline(artifacts: a)
        let u = try #require((0..<a.histories.userCount).first { a.histories.state(of: $0).count >= 3 })
        let r = p.recommend(user: p.state(ofUser: u), at: a.metadata.referenceTime, n: 10)
        #expect(r.strategy == "two-stage")
        #expect(r.items.count == 10)
        #expect(Set(r.items.map(\.item)).count == 10)
        let scores = r.items.map(\.score)
        #expect(scores == scores.sorted(by: >))
        #expect(r.candidates > 0)
    }

    @Test func trainingFindsPositivesAndAUCAboveChance() throws {
        let t = try #require(TestModel.artifacts.metadata.training)
        #expect(t.positives > 0)
        #expect(t.validationAUC > 0.6)
    }
}

struct FastScoringTests {
    @Test func servingScoresEqualTheTrainingFeatureRows() throws {
        let a = TestModel.artifacts
        let p = TwoStagePipeline(artifacts: a)
        var checked = 0
        for u in 0..<a.histories.userCount where a.histories.state(of: u).count >= 2 {
            let state = p.state(ofUser: u)
            let t = a.metadata.referenceTime + 3_600_000 * Int64(u % 24)
            let set = p.candidates(for: state, at: t)
            var rows = SparseRows(columns: a.metadata.schema.count)
            p.builder.build(user: state, candidates: set, at: t, into: &rows)
            let fast = p.rankerLogits(user: state, candidates: set, at: t, recencyAt: t)
            for k in 0..<set.count {
                #expect(abs(fast[k] - a.ranker.margin(rows, k)) < 1e-9)
            }
            checked += 1
            if checked == 20 { break }
        }
        #expect(checked == 20)
    }
}

/// A training window builds its structures only for the visitors it asks about; their candidates must be
/// exactly those of structures built for everyone.
struct WindowArtifactsTests {
    @Test func structuresForSomeVisitorsProposeWhatFullOnesDo() throws {
        let d = TestModel.dataset
        let cutoff = d.log.minTime + (d.log.maxTime - d.log.minTime) * 3 / 4
        let before = d.log.before(cutoff)
        let asked = (0..<before.userCount).filter { before.events(of: $0).count >= 2 }.prefix(60).map { $0 }
        #expect(asked.count == 60)
        let all = GeneratorRegistry.standard.names
        func pipeline(_ users: [Int]?) -> TwoStagePipeline {
            TwoStagePipeline(
                artifacts: ModelArtifacts.build(
                    dataset: d, log: before, reference: cutoff, config: TestModel.config, generators: all, lookups: [],
                    onlyFor: users))
        }
        let full = pipeline(nil)
        let some = pipeline(asked)
        let fullCF = try #require(full.artifacts.generator("itemcf") as? ItemCF)
        let someCF = try #require(some.artifacts.generator("itemcf") as? ItemCF)
        // Fewer rows and histories were built (the point; user-kNN still reads everyone's), and every asked
        // visitor gets the same candidates and scores.
        #expect(someCF.neighbours.neighbour.count < fullCF.neighbours.neighbour.count / 2)
        let fullCV = try #require(full.artifacts.generator("covisit") as? CoVisitCandidates)
        let someCV = try #require(some.artifacts.generator("covisit") as? CoVisitCandidates)
        #expect(someCV.coVisitation.neighbour.count < fullCV.coVisitation.neighbour.count / 2)
        let fullContent = try #require(full.artifacts.generator("content") as? ContentCandidates)
        let someContent = try #require(some.artifacts.generator("content") as? ContentCandidates)
        #expect(someContent.neighbours.neighbour.count < fullContent.neighbours.neighbour.count / 2)
        let other = try #require(
            (0..<before.userCount).first { before.events(of: $0).count >= 2 && !asked.contains($0) })
        #expect(some.state(ofUser: other).isEmpty && !full.state(ofUser: other).isEmpty)
        var proposed = 0
        for u in asked {
            let a = full.candidates(for: full.state(ofUser: u), at: cutoff)
            let b = some.candidates(for: some.state(ofUser: u), at: cutoff)
            #expect(a.items == b.items, "visitor \(u)")
            #expect(a.scores == b.scores, "visitor \(u)")
            proposed += a.count
        }
        #expect(proposed > 0)
    }
}
