import Candidates
import Features
import Foundation
import ModelFile
import Pipeline
import RecsysCore
import TestSupport
import Testing

/// A generator defined outside the package, through the plug-in protocol
/// only: the `listLength` most popular items with an even dense id, the same
/// for every visitor, scored by rank (1 for the first, falling linearly).
/// It saves its list in its own section, "EVEN".
struct EvenItems: CandidateGenerator {
    static let listLength = 8
    let name = "evenitems"
    let items: [Int32]

    var candidateLimit: Int { Self.listLength }

    func propose(
        for user: UserState, at time: Int64, proposing: Bool, into set: inout CandidateSet, slot: Int
    ) -> CandidateScores {
        if proposing {
            for (rank, item) in items.enumerated() { set.add(item, slot: slot, score: Self.score(rank: rank)) }
        }
        return .proposals
    }

    func section() -> ModelContainer.Section? {
        .init(tag: "EVEN") { $0.array(items) }
    }

    static func score(rank: Int) -> Float { 1 - Float(rank) / Float(listLength) }

    /// The even items by decreasing popularity (ties by id), from the item facts alone.
    static func list(_ stats: ItemStats) -> [Int32] {
        let even = stride(from: 0, to: stats.count, by: 2).filter { stats.popularity[$0] > 0 }
        let sorted = even.sorted {
            stats.popularity[$0] != stats.popularity[$1] ? stats.popularity[$0] > stats.popularity[$1] : $0 < $1
        }
        return sorted.prefix(listLength).map { Int32($0) }
    }

    static let factory = GeneratorFactory(
        name: "evenitems", displayName: "even items", isDefault: false, proposalRank: 5,
        role: FeatureRole(scoreColumn: "evenitems_score"),
        build: { c in EvenItems(items: list(c.stats)) },
        load: { source, c in
            let items: [Int32] = try source.section("EVEN") { try $0.array() }
            guard items.allSatisfy({ $0 >= 0 && Int($0) < c.itemCount && $0 % 2 == 0 }) else {
                throw ModelFileError.corrupt(section: "EVEN", reason: "item out of range or odd")
            }
            return EvenItems(items: items)
        })
}

struct ToyGeneratorTests {
    static let registry = GeneratorRegistry.standard.adding(EvenItems.factory)
    static let generators = GeneratorRegistry.standard.defaults + ["evenitems"]
    /// Trained once for the suite: the defaults plus the toy.
    static let artifacts = TestModel.trained(generators: generators, registry: registry)

    /// Visitors with some history, for the pipeline checks.
    static func someUsers(_ a: ModelArtifacts) -> [Int] {
        Array((0..<a.histories.userCount).filter { a.histories.state(of: $0).count >= 2 }.prefix(25))
    }

    @Test func registryListsTheToyAfterTheStandardGenerators() {
        #expect(Self.registry.names == GeneratorRegistry.standard.names + ["evenitems"])
        #expect(Self.registry.defaults == GeneratorRegistry.standard.defaults)
        #expect(Self.registry["evenitems"]?.role.scoreColumn == "evenitems_score")
        #expect(Self.artifacts.generator("evenitems")?.section()?.tag == "EVEN")
    }

    @Test func trainedModelHasTheToysColumnsAndList() throws {
        let a = Self.artifacts
        #expect(a.metadata.generators == Self.registry.ordered(Self.generators))
        let schema = a.metadata.schema
        let score = try #require(schema.index(of: "evenitems_score"))
        let from = try #require(schema.index(of: "from_evenitems"))
        #expect(schema.groups[score] == .models)
        #expect(schema.groups[from] == .models)
        #expect(schema.models == ["evenitems"])
        #expect(a.ranker.weights.count == schema.count)
        let toy = try #require(a.generator("evenitems") as? EvenItems)
        #expect(toy.items.count == EvenItems.listLength)
        #expect(toy.items == EvenItems.list(a.stats))
        #expect(toy.items.allSatisfy { $0 % 2 == 0 })
    }

    @Test func fileRoundTripKeepsTheSectionAndTheGenerator() throws {
        let a = Self.artifacts
        let bytes = try ModelBundle.encode(a)
        let source = try SectionSource(bytes: bytes)
        #expect(source.contains("EVEN"))
        let stored: [Int32] = try source.section("EVEN") { try $0.array() }
        #expect(stored == (a.generator("evenitems") as? EvenItems)?.items)

        let loaded = try ModelBundle.decode(bytes, registry: Self.registry)
        #expect(loaded.metadata.generators == a.metadata.generators)
        #expect(loaded.metadata.schema == a.metadata.schema)
        #expect(loaded.generators.map(\.name) == a.generators.map(\.name))
        let toy = try #require(loaded.generator("evenitems") as? EvenItems)
        #expect(toy.items == stored)
        #expect(loaded.layout == a.layout)
    }

    @Test func pipelineProposesTheToysItemsAndAnswersAlikeAfterLoading() throws {
        let a = Self.artifacts
        let loaded = try ModelBundle.decode(try ModelBundle.encode(a), registry: Self.registry)
        let before = TwoStagePipeline(artifacts: a)
        let after = TwoStagePipeline(artifacts: loaded)
        #expect(after.generators.contains("evenitems"))
        let bit = after.layout.provenance(of: ["evenitems"])
        #expect(bit == .slot(after.layout.slot("evenitems")))
        #expect(!bit.isEmpty)
        let toyItems = try #require(loaded.generator("evenitems") as? EvenItems).items
        let slot = after.layout.slot("evenitems")
        let users = Self.someUsers(a)
        #expect(users.count == 25)
        let time = a.metadata.referenceTime
        for u in users {
            let set = after.candidates(for: after.state(ofUser: u), at: time)
            for (rank, item) in toyItems.enumerated() {
                let k = try #require(set.items.firstIndex(of: item), "user \(u) lacks toy item \(item)")
                #expect(set.provenance[k].contains(bit))
                #expect(set[slot: slot, candidate: k] == EvenItems.score(rank: rank))
            }
            // Only the toy's own proposals carry its bit and score.
            for k in 0..<set.count where !toyItems.contains(set.items[k]) {
                #expect(!set.provenance[k].overlaps(bit))
                #expect(set[slot: slot, candidate: k] == 0)
            }
            let r1 = before.recommend(user: before.state(ofUser: u), at: time, n: 10)
            let r2 = after.recommend(user: after.state(ofUser: u), at: time, n: 10)
            #expect(r1.items == r2.items)
            #expect(r1.candidates == r2.candidates)
            #expect(r2.items.count == 10)
        }
    }

    @Test func pipelineWithoutTheToyDropsItsBits() throws {
        let a = Self.artifacts
        let p = TwoStagePipeline(artifacts: a, generators: GeneratorRegistry.standard.defaults)
        let bit = p.layout.provenance(of: ["evenitems"])
        let u = try #require(Self.someUsers(a).first)
        let set = p.candidates(for: p.state(ofUser: u), at: a.metadata.referenceTime)
        #expect(set.count > 0)
        #expect(set.provenance.allSatisfy { !$0.overlaps(bit) })
        #expect(set.score(slot: p.layout.slot("evenitems")).allSatisfy { $0 == 0 })
    }

    @Test func standardRegistryRejectsTheFileNamingTheUnknownGenerator() throws {
        let bytes = try ModelBundle.encode(Self.artifacts)
        let error = try #require(throws: ModelFileError.self) { try ModelBundle.decode(bytes) }
        // Which case is the loader's choice; the message must name the generator.
        #expect(error.description.contains("unknown generator evenitems"), "\(error)")
        // The toy's own registry reads the same bytes.
        #expect(try ModelBundle.decode(bytes, registry: Self.registry).metadata.generators.contains("evenitems"))
    }
}
