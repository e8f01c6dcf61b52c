import Candidates
import Features
import Foundation
import ModelFile
import Ranker
import TestSupport
import Testing

@testable import Pipeline

struct ModelFileTests {
    func encoded() throws -> [UInt8] { try ModelBundle.encode(TestModel.artifacts) }

    @Test func roundTripKeepsEverythingTheServerNeeds() throws {
        let a = TestModel.artifacts
        let b = try ModelBundle.decode(try encoded())
        #expect(b.metadata.modelVersion == "test-v1")
        #expect(b.userRaw == a.userRaw)
        #expect(b.itemRaw == a.itemRaw)
        #expect(b.ranker == a.ranker)
        #expect(
            (b.generator("itemcf") as? ItemCF)?.neighbours.neighbour
                == (a.generator("itemcf") as? ItemCF)?.neighbours.neighbour)
        #expect(b.histories.time == a.histories.time)
        #expect(b.popular == a.popular)
        #expect(b.metadata.schema == a.metadata.schema)
        // Same answers from the loaded model.
        let p1 = TwoStagePipeline(artifacts: a)
        let p2 = TwoStagePipeline(artifacts: b)
        for raw in a.userRaw.prefix(50) {
            let t = a.metadata.referenceTime
            #expect(p1.recommend(rawUser: raw, at: t, n: 5).items == p2.recommend(rawUser: raw, at: t, n: 5).items)
        }
    }

    @Test func everyZlibLevelReadsBackTheSame() throws {
        let a = TestModel.artifacts
        let stored = try ModelContainer.encode(try ModelBundle.sections(a), createdAt: 0, level: 0)
        let packed = try ModelContainer.encode(try ModelBundle.sections(a), createdAt: 0, level: 9)
        #expect(stored.count > packed.count)
        for bytes in [stored, packed] {
            let b = try ModelBundle.decode(bytes)
            #expect(b.histories.item == a.histories.item && b.ranker == a.ranker)
        }
        #expect(throws: ModelFileError.self) {
            try ModelContainer.encode(try ModelBundle.sections(a), createdAt: 0, level: 10)
        }
    }

    @Test func wrongMagic() throws {
        var bytes = try encoded()
        bytes[0] = 0x58
        #expect(throws: ModelFileError.wrongMagic) { try ModelBundle.decode(bytes) }
    }

    @Test func unknownVersion() throws {
        var bytes = try encoded()
        bytes[8] = 99
        #expect(throws: ModelFileError.unsupportedVersion(found: 99, supported: ModelContainer.formatVersion)) {
            try ModelBundle.decode(bytes)
        }
    }

    @Test func badChecksum() throws {
        var bytes = try encoded()
        // Flip a byte inside the first section's compressed payload.
        bytes[8 + 16 + 24 + 5] ^= 0xFF
        #expect(throws: ModelFileError.checksumMismatch(section: "META")) { try ModelBundle.decode(bytes) }
    }

    /// Found by `scripts/fuzz.sh` (target `model`): a section header that
    /// states a raw size far beyond what its compressed bytes can inflate to
    /// made the loader allocate that much (tens of GB) before inflating.
    @Test func statedSizeBeyondDeflatesLimitIsRefusedBeforeAllocating() throws {
        var bytes = try encoded()
        // The first section's raw length: a u64 after the 24-byte header and the 4-byte tag.
        let huge = UInt64(48) << 30
        for i in 0..<8 { bytes[8 + 16 + 4 + i] = UInt8(truncatingIfNeeded: huge >> (8 * UInt64(i))) }
        let error = #expect(throws: ModelFileError.self) { try ModelBundle.decode(bytes) }
        guard case .corrupt(section: "META", let reason)? = error else {
            Issue.record("expected a corrupt META section, got \(String(describing: error))")
            return
        }
        #expect(reason.contains("raw bytes for"))
    }

    @Test func everyTruncationFailsCleanly() throws {
        let bytes = try encoded()
        for cut in [0, 4, 8, 20, 30, 100, bytes.count / 2, bytes.count - 1] {
            #expect(throws: ModelFileError.self) { try ModelBundle.decode(Array(bytes.prefix(cut))) }
        }
    }

    @Test func atomicWriteLeavesNoTempFile() throws {
        let folder = Scratch.folder("model-", create: false)
        let path = folder + "/m.rrm"
        try ModelBundle.write(TestModel.artifacts, to: path)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder)
        #expect(files == ["m.rrm"])
        #expect(try ModelBundle.read(path: path).metadata.modelVersion == "test-v1")
        #expect(throws: ModelFileError.self) { try ModelBundle.read(path: folder + "/missing.rrm") }
    }
}

struct ModelCompatibilityTests {
    @Test func olderFeatureSchemaIsRefusedWithAClearMessage() throws {
        var a = TestModel.artifacts
        a.metadata.schema.version = "features-v0"
        #expect(throws: ModelFileError.self) { try ModelBundle.decode(try ModelBundle.encode(a)) }
        var b = TestModel.artifacts
        b.metadata.schema.names[3] = "something_else"
        do {
            _ = try ModelBundle.decode(try ModelBundle.encode(b))
            Issue.record("a renamed feature must be refused")
        } catch let error as ModelFileError {
            #expect(error.description.contains("retrain"))
        }
    }
}

/// A model built with every optional generator: the factor models and
/// user-kNN survive the file, and a pipeline loaded from it answers the same.
struct OptionalGeneratorModelTests {
    /// Small factor models, so the fixture trains in a moment.
    static func config(windows: Int, factors: Int, iterations: Int) -> RecsysConfig {
        var config = RecsysConfig()
        config.trainingWindows = windows
        config.als.factors = factors
        config.als.iterations = iterations
        config.bpr.factors = factors
        config.bpr.iterations = iterations
        return config
    }

    static let artifacts: ModelArtifacts = {
        let config = Self.config(windows: 2, factors: 8, iterations: 3)
        let d = TestModel.dataset
        let end = d.log.maxTime + 1
        let all = GeneratorRegistry.standard.names
        var a = ModelArtifacts.build(dataset: d, log: d.log, reference: end, config: config, generators: all)
        let examples = RankerTrainer.collect(dataset: d, log: d.log, end: end, config: config, generators: all)
        let (ranker, _, schema) = RankerTrainer.fit(
            examples, schema: a.metadata.schema, config: config, categoryCount: d.categoryCount)
        a.ranker = ranker
        a.metadata.schema = schema
        a.metadata.modelVersion = "tiny-all"
        return a
    }()

    @Test func everyGeneratorHasItsSectionAndFeatures() throws {
        let a = Self.artifacts
        #expect(a.metadata.generators == GeneratorRegistry.standard.names)
        for name in [
            "userknn_score", "from_userknn", "als_pool_score", "from_als", "bpr_pool_score", "from_bpr",
            "content_score",
            "from_content", "trending_score", "from_trending",
        ] {
            #expect(a.metadata.schema.index(of: name) != nil, "\(name)")
        }
        let tags = try SectionSource(bytes: try ModelBundle.encode(a)).sections.map(\.tag)
        #expect(Set(["UKNN", "ALSF", "BPRF", "CONT", "TRND"]).isSubset(of: Set(tags)))
        // The generated catalogue's product-line properties give content neighbours, and they survive the file.
        let content = try #require((a.generator("content") as? ContentCandidates)?.neighbours)
        #expect(content.neighbour.count > a.metadata.counts.items / 2)
        let loaded = try ModelBundle.decode(try ModelBundle.encode(a))
        #expect((loaded.generator("content") as? ContentCandidates)?.neighbours.similarity == content.similarity)
        let trending = try #require(a.generator("trending") as? TrendingCandidates)
        #expect(trending.trend.contains { $0 > 0 })
        let loadedTrending = try #require(loaded.generator("trending") as? TrendingCandidates)
        #expect(loadedTrending.trend == trending.trend)
        #expect(loadedTrending.lists.items == trending.lists.items)
        // The default model has none of them.
        let plain = try SectionSource(bytes: try ModelBundle.encode(TestModel.artifacts)).sections.map(\.tag)
        #expect(Set(["UKNN", "ALSF", "BPRF", "CONT", "TRND"]).isDisjoint(with: Set(plain)))
        #expect(TestModel.artifacts.metadata.schema.index(of: "als_pool_score") == nil)
    }

    /// Co-visitation is saved as a lookup by default: its section is in the file, it loads, and it does not
    /// propose or add a ranker column; `lookups: []` leaves it out; a model from before lookups loads without.
    @Test func lookupsAreSavedAndLoadedWithoutProposing() throws {
        let a = TestModel.artifacts
        #expect(a.metadata.lookups == ["covisit"])
        #expect(!a.metadata.generators.contains("covisit"))
        #expect(a.metadata.schema.index(of: "covisit_score") == nil)
        let b = try ModelBundle.decode(try ModelBundle.encode(a))
        #expect(b.metadata.lookups == ["covisit"])
        let table = try #require((b.generator("covisit") as? CoVisitCandidates)?.coVisitation)
        #expect(table.neighbour == (a.generator("covisit") as? CoVisitCandidates)?.coVisitation.neighbour)
        #expect(!table.neighbour.isEmpty)
        #expect(!TwoStagePipeline(artifacts: b).generators.contains("covisit"))

        let none = TestModel.trained(generators: GeneratorRegistry.standard.defaults, lookups: [])
        #expect(none.metadata.lookups == nil)
        let tags = try SectionSource(bytes: try ModelBundle.encode(none)).sections.map(\.tag)
        #expect(!tags.contains("COVI"))
        #expect(try SectionSource(bytes: try ModelBundle.encode(a)).sections.map(\.tag).contains("COVI"))

        // Metadata JSON without the key (older models) decodes to no lookups.
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .millisecondsSince1970
        var json = try #require(
            try JSONSerialization.jsonObject(with: try encoder.encode(a.metadata)) as? [String: Any])
        #expect(json.removeValue(forKey: "lookups") != nil)
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .millisecondsSince1970
        let old = try decoder.decode(ModelMetadata.self, from: try JSONSerialization.data(withJSONObject: json))
        #expect(old.lookups == nil)
    }

    /// A model from before the factor scores were limited to the pool
    /// (column `als_score`) must not be served with pool-only scores.
    @Test func factorScoresOfEveryCandidateAreRefused() throws {
        var a = Self.artifacts
        a.metadata.schema.names = a.metadata.schema.names.map { $0 == "als_pool_score" ? "als_score" : $0 }
        do {
            _ = try ModelBundle.decode(try ModelBundle.encode(a))
            Issue.record("a model with the old ALS column must be refused")
        } catch let error as ModelFileError {
            #expect(error.description.contains("has als_score, this build als_pool_score"), "\(error)")
            #expect(error.description.contains("retrain"))
        }
    }

    /// Every section, the optional ones decoded in parallel included, must
    /// inflate to exactly its stated length and pass its own CRC-32.
    @Test func everySectionIsCheckedWhileStreaming() throws {
        let bytes = try ModelBundle.encode(Self.artifacts)
        for entry in try SectionSource(bytes: bytes).sections {
            // A damaged payload byte: the CRC names the section.
            var damaged = bytes
            damaged[entry.offset + entry.packedLength / 2] ^= 0x5A
            #expect(throws: ModelFileError.checksumMismatch(section: entry.tag)) { try ModelBundle.decode(damaged) }
            // A stated length that is off either way, with a valid CRC: corrupt, naming the section.
            for delta in [-8, 8] {
                var wrong = bytes
                let field = entry.offset - 20
                let stated = UInt64(entry.rawLength + delta).littleEndian
                withUnsafeBytes(of: stated) { for (k, b) in $0.enumerated() { wrong[field + k] = b } }
                do {
                    _ = try ModelBundle.decode(wrong)
                    Issue.record("\(entry.tag) with length \(delta) decoded")
                } catch let error as ModelFileError {
                    guard case .corrupt(let section, _) = error else {
                        Issue.record("\(entry.tag): \(error)")
                        continue
                    }
                    #expect(section == entry.tag)
                }
            }
        }
    }

    @Test func roundTripAnswersTheSame() throws {
        let a = Self.artifacts
        let b = try ModelBundle.decode(try ModelBundle.encode(a))
        func factors(_ m: ModelArtifacts, _ name: String) -> FactorModel? {
            (m.generator(name) as? FactorCandidates)?.model
        }
        func knn(_ m: ModelArtifacts) -> UserKNN? { (m.generator("userknn") as? UserKNNCandidates)?.knn }
        #expect(factors(b, "als")?.userFactors == factors(a, "als")?.userFactors)
        #expect(factors(b, "bpr")?.itemBias == factors(a, "bpr")?.itemBias)
        #expect(knn(b)?.itemUser == knn(a)?.itemUser)
        #expect(factors(a, "als") != nil && knn(a) != nil)
        let p1 = TwoStagePipeline(artifacts: a)
        let p2 = TwoStagePipeline(artifacts: b)
        #expect(p2.generators == GeneratorRegistry.standard.names)
        var fromOptional = 0
        for raw in a.userRaw.prefix(60) {
            let t = a.metadata.referenceTime
            #expect(p1.recommend(rawUser: raw, at: t, n: 5).items == p2.recommend(rawUser: raw, at: t, n: 5).items)
            if let u = p1.user(raw: raw) {
                let set = p1.candidates(for: p1.state(ofUser: u), at: t)
                let optional = p1.layout.provenance(of: ["userknn", "als", "bpr"])
                fromOptional += set.provenance.filter { $0.overlaps(optional) }.count
            }
        }
        #expect(fromOptional > 0)
    }

    @Test func aFactorSectionOfTheWrongShapeIsRefused() throws {
        var a = Self.artifacts
        a.generators = a.generators.map { g in
            guard let f = g as? FactorCandidates, f.name == "als" else { return g }
            var model = f.model
            model.userFactors.removeLast(8)
            return FactorCandidates(name: "als", model: model, pool: f.pool, limit: f.limit, sectionTag: f.sectionTag)
        }
        #expect(throws: ModelFileError.self) { try ModelBundle.decode(try ModelBundle.encode(a)) }
        var b = Self.artifacts
        b.generators.removeAll { $0.name == "bpr" }
        // Listed in the metadata, missing from the file.
        #expect(throws: ModelFileError.missingSection("BPRF")) { try ModelBundle.decode(try ModelBundle.encode(b)) }
    }

    /// A content section whose rows are not cosines best first is refused at load, naming the section.
    @Test func aContentSectionWithBadSimilaritiesIsRefused() throws {
        var a = Self.artifacts
        a.generators = a.generators.map { g in
            guard let c = g as? ContentCandidates else { return g }
            let nb = c.neighbours
            let row = try! #require((0..<nb.itemCount).first { nb.neighbours(of: $0).count >= 2 })
            var similarity = nb.similarity
            similarity[nb.neighbours(of: row).lowerBound] = -1
            return ContentCandidates(
                neighbours: ContentNeighbours(start: nb.start, neighbour: nb.neighbour, similarity: similarity))
        }
        #expect {
            try ModelBundle.decode(try ModelBundle.encode(a))
        } throws: { error in
            guard case ModelFileError.corrupt(section: "CONT", let reason) = error else { return false }
            return reason.contains("not a cosine")
        }
    }

    @Test func anOlderFormatAsksForARetrain() throws {
        var bytes = try ModelBundle.encode(TestModel.artifacts)
        bytes[8] = 1
        let error = ModelFileError.unsupportedVersion(found: 1, supported: ModelContainer.formatVersion)
        #expect(throws: error) { try ModelBundle.decode(bytes) }
        #expect(error.description.contains("retrain"))
    }

    @Test func generatorListsAreParsedStrictly() throws {
        #expect(try GeneratorRegistry.standard.parseList("als,category") == ["category", "als"])
        for bad in ["", "als,als", "category,knn", "category,,history"] {
            #expect(throws: GeneratorListError.self, "\(bad)") { try GeneratorRegistry.standard.parseList(bad) }
        }
    }

    @Test func restrictedExamplesMatchASmallerPipeline() {
        // Collecting with every generator, then keeping the default ones'
        // candidates, gives what a default pipeline collects.
        let config = Self.config(windows: 1, factors: 4, iterations: 2)
        let d = TestModel.dataset
        let end = d.log.maxTime + 1
        let all = RankerTrainer.collect(
            dataset: d, log: d.log, end: end, config: config, generators: GeneratorRegistry.standard.names)
        let plain = RankerTrainer.collect(dataset: d, log: d.log, end: end, config: config)
        let restricted = all.restricted(to: GeneratorRegistry.standard.defaults)
        #expect(restricted.examples.count == plain.examples.count)
        for (r, p) in zip(restricted.examples, plain.examples) {
            #expect(r.candidates.items == p.candidates.items)
            #expect(r.labels == p.labels)
            let category = all.layout.slot("category")
            #expect(r.candidates.score(slot: category) == p.candidates.score(slot: plain.layout.slot("category")))
            #expect(r.candidates.score(slot: all.layout.slot("als")).allSatisfy { $0 == 0 })
        }
    }
}

/// A model trained with every optional feature group: its columns and bins
/// survive the file, it answers the same after loading, and malformed bins
/// are refused.
struct OptionalFeatureModelTests {
    static let artifacts: ModelArtifacts = {
        let d = TestModel.dataset
        var (a, _) = ModelArtifacts.trained(
            dataset: d, log: d.log, end: d.log.maxTime + 1, config: TestModel.config,
            features: FeatureGroup.allCases)
        a.metadata.modelVersion = "tiny-features"
        return a
    }()

    @Test func binsAndOptionalColumnsRoundTrip() throws {
        let a = Self.artifacts
        let schema = a.metadata.schema
        #expect(!schema.bins.isEmpty)
        #expect(schema.index(of: "cross_carted_recency") != nil && schema.index(of: "rank_history_inverse") != nil)
        #expect(a.ranker.weights.count == schema.count)
        // Some bin column got a weight: the bins reached the fit.
        let binColumns = schema.groups.indices.filter { schema.groups[$0] == .shape }
        #expect(binColumns.contains { a.ranker.weights[$0] != 0 })
        let b = try ModelBundle.decode(try ModelBundle.encode(a))
        #expect(b.metadata.schema == schema)
        let (p1, p2) = (TwoStagePipeline(artifacts: a), TwoStagePipeline(artifacts: b))
        for raw in a.userRaw.prefix(40) {
            let t = a.metadata.referenceTime
            #expect(p1.recommend(rawUser: raw, at: t, n: 5).items == p2.recommend(rawUser: raw, at: t, n: 5).items)
        }
    }

    @Test func malformedBinsAreRefused() throws {
        var a = Self.artifacts
        a.metadata.schema.bins[0].edges = [2, 1]
        #expect(throws: ModelFileError.self) { try ModelBundle.decode(try ModelBundle.encode(a)) }
        var b = Self.artifacts
        b.metadata.schema.bins[0].source = "hour_sin"
        #expect(throws: ModelFileError.self) { try ModelBundle.decode(try ModelBundle.encode(b)) }
    }
}
