import Candidates
import Pipeline
import RecsysCore
import TestSupport
import Testing

/// Similar items of an item nobody co-viewed: its content neighbours when the model has them.
struct SimilarContentTests {
    static let withContent = TestModel.trained(
        generators: GeneratorRegistry.standard.defaults, lookups: ["covisit", "content"])

    @Test func anItemWithoutCoViewsGetsItsContentNeighbours() throws {
        let a = Self.withContent
        let content = try #require((a.generator("content") as? ContentCandidates)?.neighbours)
        let pipeline = TwoStagePipeline(artifacts: a)
        let plain = TwoStagePipeline(artifacts: TestModel.artifacts)
        // An item with content neighbours but no item-CF or co-visit ones.
        let item = try #require(
            (0..<Int32(a.itemRaw.count)).first {
                !content.neighbours(of: Int($0)).isEmpty && plain.similarItems(to: $0, n: 5).strategy != "item-cf"
            })
        let (items, strategy) = pipeline.similarItems(to: item, n: 5)
        #expect(strategy == "content")
        let expected = content.neighbours(of: Int(item)).prefix(5).map { content.neighbour[$0] }
        #expect(items.map(\.item) == Array(expected))
        #expect(items.map(\.score) == items.map(\.score).sorted(by: >))
        // Without the content lookup the same item falls back to its category.
        #expect(plain.similarItems(to: item, n: 5).strategy == "category-popular")
        // Exclusions hold for content neighbours too.
        let first = try #require(items.first?.item)
        #expect(!pipeline.similarItems(to: item, n: 5, excluding: [first]).items.contains { $0.item == first })
        // An item with co-visit or item-CF neighbours keeps that answer.
        let viewed = try #require(
            (0..<Int32(a.itemRaw.count)).first { plain.similarItems(to: $0, n: 5).strategy == "item-cf" })
        #expect(pipeline.similarItems(to: viewed, n: 5).strategy == "item-cf")
    }
}
