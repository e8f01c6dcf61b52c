import Candidates
import Features
import Foundation
import ModelFile
import Ranker
import RecsysCore

/// What a model file holds: the pipeline's own sections (metadata, ids,
/// item facts, histories, ranker) and one section per generator that saves
/// one, in the `ModelContainer` format. Layout in docs/model-format.md.
public enum ModelBundle {
    /// Serialises and writes atomically: a temp file in the same folder, fsync, rename.
    /// - Parameter level: the zlib level of the sections (0 stores them: fastest to load).
    /// - Returns: the file's size in bytes.
    @discardableResult
    public static func write(_ a: ModelArtifacts, to path: String, level: Int32 = ModelContainer.compressionLevel)
        throws -> Int
    {
        try ModelContainer.write(try sections(a), createdAt: createdAtMs(a), level: level, to: path)
    }

    /// The whole file's bytes.
    public static func encode(_ a: ModelArtifacts) throws -> [UInt8] {
        try ModelContainer.encode(try sections(a), createdAt: createdAtMs(a))
    }

    static func createdAtMs(_ a: ModelArtifacts) -> Int64 { Int64(a.metadata.createdAt.timeIntervalSince1970 * 1000) }

    static func sections(_ a: ModelArtifacts) throws -> [ModelContainer.Section] {
        var sections: [ModelContainer.Section] = []
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .millisecondsSince1970
        sections.append(.init(tag: "META", bytes: Array(try encoder.encode(a.metadata))))
        sections.append(
            .init(tag: "IDMP") { w in
                for ids in [a.userRaw, a.itemRaw, a.categoryRaw] { w.array(ids, as: Int64.self) }
            })
        let stats = a.stats
        sections.append(
            .init(tag: "ITEM") { w in
                w.array(stats.category)
                w.array(stats.available)
                w.array(stats.popularity)
                for counts in [stats.views, stats.carts, stats.purchases] { w.array(counts) }
            })
        let h = a.histories
        sections.append(
            .init(tag: "USER") { w in
                for column in [h.start, h.item] { w.array(column) }
                w.array(h.time)
                w.array(h.kind)
                w.array(h.category)
            })
        sections.append(
            .init(tag: "RANK") { w in
                w.array(a.popular)
                w.array(a.ranker.weights)
                w.array([a.ranker.intercept])
            })
        // Only the model's own generators and lookups: a build with more (the evaluation's) saves its set.
        let saved = a.metadata.generators + (a.metadata.lookups ?? [])
        for g in a.generators where saved.contains(g.name) {
            if let section = g.section() { sections.append(section) }
        }
        return sections
    }

    /// Reads one section at a time from disk, so memory peaks at the loaded
    /// model plus one section's compressed and raw bytes, not the whole file.
    public static func read(path: String, registry: GeneratorRegistry = .standard) throws -> ModelArtifacts {
        try decode(try SectionSource(path: path), registry: registry)
    }

    /// The raw (uncompressed) section sizes, for `inspect`.
    /// Each section's sizes and the CRC-32 the file stores for its stored bytes.
    public static func sectionSizes(path: String) throws -> [(tag: String, raw: Int, compressed: Int, crc: UInt32)] {
        try SectionSource(path: path).sections.map { ($0.tag, $0.rawLength, $0.packedLength, $0.checksum) }
    }

    public static func decode(_ bytes: [UInt8], registry: GeneratorRegistry = .standard) throws -> ModelArtifacts {
        try decode(SectionSource(bytes: bytes), registry: registry)
    }

    static func decode(_ source: SectionSource, registry: GeneratorRegistry) throws -> ModelArtifacts {
        let metadata: ModelMetadata = try source.section("META") { meta in
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .millisecondsSince1970
            let json = try meta.rest()
            do {
                return try decoder.decode(ModelMetadata.self, from: Data(json))
            } catch {
                throw ModelFileError.corrupt(section: "META", reason: "bad metadata JSON: \(error)")
            }
        }
        let listed = metadata.generators + (metadata.lookups ?? [])
        let unknown = listed.filter { registry[$0] == nil }
        guard unknown.isEmpty else {
            throw ModelFileError.incompatible(
                "the model uses the unknown generator \(unknown.joined(separator: ", ")) in \(listed); this build knows \(registry.names.joined(separator: ", "))"
            )
        }
        let (userRaw, itemRaw, categoryRaw) = try source.section("IDMP") { ids in
            (
                try ids.array(Int64.self).map(Int.init), try ids.array(Int64.self).map(Int.init),
                try ids.array(Int64.self).map(Int.init)
            )
        }
        let stats = try source.section("ITEM") { item in
            ItemStats(
                category: try item.array(), available: try item.array(), popularity: try item.array(),
                views: try item.array(), carts: try item.array(), purchases: try item.array())
        }
        try checkItems(stats, items: itemRaw.count, categories: categoryRaw.count)
        let context = GeneratorLoadContext(
            userCount: userRaw.count, itemCount: itemRaw.count, categoryCount: categoryRaw.count,
            config: metadata.config, stats: stats)
        let names = registry.ordered(listed)
        // Histories and ranker on one core, each generator's section beside
        // them: inflating is most of the load time.
        let parts = DecodedParts(generators: names.count)
        DispatchQueue.concurrentPerform(iterations: names.count + 1) { job in
            do {
                if job == 0 {
                    let histories = try source.section("USER") { user in
                        UserHistories(
                            start: try user.array(), item: try user.array(), time: try user.array(),
                            kind: try user.array(), category: try user.array())
                    }
                    let rank: ([Int32], [Double], [Double]) = try source.section("RANK") { rank in
                        (try rank.array(), try rank.array(), try rank.array())
                    }
                    parts.set { $0.core = (histories, rank) }
                } else {
                    let generator = try registry[names[job - 1]]!.load(source, context)
                    parts.set { $0.generators[job - 1] = generator }
                }
            } catch {
                parts.set { $0.failures.append((job, error)) }
            }
        }
        let decoded = parts.value
        // The same error whatever the thread timing: the first job's.
        if let (_, error) = decoded.failures.min(by: { $0.0 < $1.0 }) { throw error }
        guard let (histories, rank) = decoded.core else {
            throw ModelFileError.corrupt(section: "RANK", reason: "not decoded")
        }
        let artifacts = ModelArtifacts(
            metadata: metadata, userRaw: userRaw, itemRaw: itemRaw, categoryRaw: categoryRaw, stats: stats,
            histories: histories, popular: rank.0,
            ranker: LogisticRegression(weights: rank.1, intercept: rank.2.first ?? 0),
            generators: decoded.generators.compactMap { $0 }, registry: registry)
        try validate(artifacts)
        return artifacts
    }

    static func checkItems(_ s: ItemStats, items: Int, categories: Int) throws {
        guard
            [s.available.count, s.popularity.count, s.views.count, s.carts.count, s.purchases.count, s.category.count]
                .allSatisfy({ $0 == items })
        else { throw ModelFileError.corrupt(section: "ITEM", reason: "column lengths differ from the item count") }
        guard s.category.allSatisfy({ $0 >= -1 && Int($0) < categories }) else {
            throw ModelFileError.corrupt(section: "ITEM", reason: "category out of range")
        }
    }

    /// Cross-checks sizes and id ranges so a crafted file cannot index out of bounds.
    static func validate(_ a: ModelArtifacts) throws {
        let items = a.itemRaw.count
        let users = a.userRaw.count
        let categories = a.categoryRaw.count
        func check(_ ok: Bool, _ section: String, _ reason: String) throws {
            if !ok { throw ModelFileError.corrupt(section: section, reason: reason) }
        }
        try check(zip(a.userRaw, a.userRaw.dropFirst()).allSatisfy { $0 < $1 }, "IDMP", "user ids not ascending")
        try check(zip(a.itemRaw, a.itemRaw.dropFirst()).allSatisfy { $0 < $1 }, "IDMP", "item ids not ascending")
        try check(
            zip(a.categoryRaw, a.categoryRaw.dropFirst()).allSatisfy { $0 < $1 }, "IDMP", "category ids not ascending")
        let h = a.histories
        try checkCSR(h.start, h.item, rows: users, values: items, "USER")
        try check(
            h.time.count == h.item.count && h.kind.count == h.item.count && h.category.count == h.item.count, "USER",
            "column lengths differ")
        try check(h.kind.allSatisfy { $0 <= 2 }, "USER", "event kind out of range")
        try check(h.category.allSatisfy { $0 >= -1 && Int($0) < categories }, "USER", "category out of range")
        try check(a.popular.allSatisfy { $0 >= 0 && Int($0) < items }, "RANK", "popular item out of range")
        try check(a.ranker.weights.count == a.metadata.schema.count, "RANK", "weights do not match the feature schema")
        let schema = a.metadata.schema
        let expected = FeatureSchema(
            categoryVocabulary: schema.categoryVocabulary, categoryVocabularyRaw: schema.categoryVocabularyRaw,
            models: ModelArtifacts.modelColumns(a.metadata.generators, registry: a.registry), enabled: schema.enabled,
            bins: schema.bins)
        guard schema.version == FeatureSchema.currentVersion else {
            throw ModelFileError.incompatible(
                "the model's feature schema \(schema.version) is not the one this build computes (\(FeatureSchema.currentVersion)); retrain the model"
            )
        }
        guard schema.names == expected.names else {
            let theirs = schema.names.filter { !expected.names.contains($0) }
            let ours = expected.names.filter { !schema.names.contains($0) }
            throw ModelFileError.incompatible(
                "the model's feature columns are not the ones this build computes (the model has \(theirs.isEmpty ? "them in another order" : theirs.joined(separator: ", ")), this build \(ours.isEmpty ? "another order" : ours.joined(separator: ", "))); retrain the model"
            )
        }
        try check(
            schema.categoryVocabulary.allSatisfy { $0 >= 0 && Int($0) < categories }, "META",
            "category vocabulary out of range")
        for b in schema.bins {
            try check(
                FeatureSchema.binnedSources.contains(b.source) && b.edges.allSatisfy(\.isFinite)
                    && zip(b.edges, b.edges.dropFirst()).allSatisfy { $0 < $1 }, "META",
                "feature bins of \(b.source) are not ascending finite edges of a binned column")
        }
        try check(a.metadata.config.kindWeight.count == 3, "META", "kindWeight needs 3 values")
    }
}

/// What the parallel section jobs produce; each job sets only its own fields.
private final class DecodedParts: @unchecked Sendable {
    struct Value {
        var core: (UserHistories, ([Int32], [Double], [Double]))?
        var generators: [(any CandidateGenerator)?]
        var failures: [(Int, any Error)] = []
    }
    private let lock = NSLock()
    private var stored: Value
    init(generators: Int) { stored = Value(generators: Array(repeating: nil, count: generators)) }
    var value: Value { lock.withLock { stored } }
    func set(_ change: (inout Value) -> Void) { lock.withLock { change(&stored) } }
}
