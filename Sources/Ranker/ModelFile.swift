import CZlib
import Candidates
import Features
import Foundation

/// The single-file model bundle: a header, then zlib-compressed sections,
/// each with its CRC-32. Layout in docs/model-format.md.
public enum ModelFile {
    public static let magic: [UInt8] = Array("RRECSYS\0".utf8)
    public static let formatVersion: UInt32 = 2

    // MARK: writing

    /// Serialises and writes atomically: a temp file in the same folder, fsync, rename.
    @discardableResult
    public static func write(_ a: ModelArtifacts, to path: String) throws -> Int {
        let bytes = try encode(a)
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(
            at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let temp = path + ".tmp-\(ProcessInfo.processInfo.processIdentifier)"
        guard FileManager.default.createFile(atPath: temp, contents: nil) else {
            throw ModelFileError.io(path: temp, message: "cannot create")
        }
        do {
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: temp))
            try handle.write(contentsOf: Data(bytes))
            try handle.synchronize()
            try handle.close()
            if rename(temp, path) != 0 {
                throw ModelFileError.io(path: path, message: "rename failed: \(String(cString: strerror(errno)))")
            }
        } catch {
            unlink(temp)
            throw error
        }
        return bytes.count
    }

    public static func encode(_ a: ModelArtifacts) throws -> [UInt8] {
        var sections: [(String, [UInt8])] = []
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .millisecondsSince1970
        sections.append(("META", Array(try encoder.encode(a.metadata))))
        var w = BinaryWriter()
        w.array(a.userRaw.map(Int64.init))
        w.array(a.itemRaw.map(Int64.init))
        w.array(a.categoryRaw.map(Int64.init))
        sections.append(("IDMP", w.bytes))
        w = BinaryWriter()
        w.array(a.stats.category)
        w.array(a.stats.available)
        w.array(a.stats.popularity)
        w.array(a.stats.views)
        w.array(a.stats.carts)
        w.array(a.stats.purchases)
        sections.append(("ITEM", w.bytes))
        w = BinaryWriter()
        w.array(a.categoryPopularity.start)
        w.array(a.categoryPopularity.items)
        w.array(a.categoryPopularity.scores)
        w.array(a.categoryPopularity.parent)
        w.scalar(Int64(a.categoryPopularity.minItems))
        sections.append(("CPOP", w.bytes))
        w = BinaryWriter()
        w.array(a.neighbours.start)
        w.array(a.neighbours.neighbour)
        w.array(a.neighbours.similarity)
        sections.append(("NBRS", w.bytes))
        w = BinaryWriter()
        w.array(a.histories.start)
        w.array(a.histories.item)
        w.array(a.histories.time)
        w.array(a.histories.kind)
        w.array(a.histories.category)
        sections.append(("USER", w.bytes))
        w = BinaryWriter()
        w.array(a.popular)
        w.array(a.ranker.weights)
        w.array([a.ranker.intercept])
        sections.append(("RANK", w.bytes))
        if let knn = a.userKNN {
            w = BinaryWriter()
            w.array(knn.userStart)
            w.array(knn.userItem)
            w.array(knn.userWeight)
            w.scalar(Int64(knn.maxUsersPerItem))
            sections.append(("UKNN", w.bytes))
        }
        for (tag, model) in [("ALSF", a.als), ("BPRF", a.bpr)] {
            guard let model else { continue }
            w = BinaryWriter()
            w.scalar(Int64(model.factors))
            w.array(model.userFactors)
            w.array(model.itemFactors)
            w.array(model.itemBias)
            sections.append((tag, w.bytes))
        }

        var out = BinaryWriter()
        out.raw(magic)
        out.scalar(formatVersion)
        out.scalar(UInt32(sections.count))
        out.scalar(Int64(a.metadata.createdAt.timeIntervalSince1970 * 1000))
        for (tag, raw) in sections {
            let packed = try deflate(raw)
            out.raw(Array(tag.utf8))
            out.scalar(UInt64(raw.count))
            out.scalar(UInt64(packed.count))
            out.scalar(crc(packed))
            out.raw(packed)
        }
        return out.bytes
    }

    // MARK: reading

    /// Reads one section at a time from disk, so memory peaks at the loaded
    /// model plus one section's compressed and raw bytes, not the whole file.
    public static func read(path: String) throws -> ModelArtifacts {
        let source = try SectionSource(path: path)
        return try decode(source)
    }

    /// The raw (uncompressed) section sizes, for `inspect`.
    public static func sectionSizes(path: String) throws -> [(tag: String, raw: Int, compressed: Int)] {
        try SectionSource(path: path).sections.map { ($0.tag, $0.rawLength, $0.packedLength) }
    }

    public static func decode(_ bytes: [UInt8]) throws -> ModelArtifacts {
        try decode(SectionSource(bytes: bytes))
    }

    static func decode(_ source: SectionSource) throws -> ModelArtifacts {
        /// Parses one section, which must be used up exactly and pass its CRC-32.
        @Sendable func section<T>(_ tag: String, _ parse: (SectionStream) throws -> T) throws -> T {
            let stream = try source.open(tag)
            let value: T
            do {
                value = try parse(stream)
            } catch {
                // Damaged bytes can still inflate; the CRC names the real cause.
                throw try stream.checksumFailure() ?? error
            }
            try stream.finish()
            return value
        }
        let metadata: ModelMetadata = try section("META") { meta in
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .millisecondsSince1970
            let json = try meta.rest()
            do {
                return try decoder.decode(ModelMetadata.self, from: Data(json))
            } catch {
                throw ModelFileError.corrupt(section: "META", reason: "bad metadata JSON: \(error)")
            }
        }
        let (userRaw, itemRaw, categoryRaw) = try section("IDMP") { ids in
            (
                try ids.array(Int64.self).map(Int.init), try ids.array(Int64.self).map(Int.init),
                try ids.array(Int64.self).map(Int.init)
            )
        }
        let generators = metadata.generators
        @Sendable func factors(_ generator: GeneratorKind, _ tag: String) throws -> FactorModel? {
            guard generators.contains(generator.rawValue) else { return nil }
            return try section(tag) { r in
                let k = Int(try r.scalar(Int64.self))
                let model = FactorModel(
                    factors: k, userFactors: try r.array(), itemFactors: try r.array(), itemBias: try r.array())
                guard model.isConsistent, model.userCount == userRaw.count, model.itemCount == itemRaw.count else {
                    throw ModelFileError.corrupt(
                        section: tag,
                        reason: "factor arrays do not match \(userRaw.count) users × \(itemRaw.count) items")
                }
                return model
            }
        }
        // The core sections on one core, the large optional ones beside them:
        // inflating is most of the load time.
        let parts = DecodedParts()
        let jobs = 4
        DispatchQueue.concurrentPerform(iterations: jobs) { job in
            do {
                switch job {
                case 0:
                    let stats = try section("ITEM") { item in
                        ItemStats(
                            category: try item.array(), available: try item.array(), popularity: try item.array(),
                            views: try item.array(), carts: try item.array(), purchases: try item.array())
                    }
                    let categoryPopularity = try section("CPOP") { cpop in
                        CategoryPopularity(
                            start: try cpop.array(), items: try cpop.array(), scores: try cpop.array(),
                            parent: try cpop.array(), minItems: Int(try cpop.scalar(Int64.self)))
                    }
                    let neighbours = try section("NBRS") { nbrs in
                        ItemNeighbours(
                            start: try nbrs.array(), neighbour: try nbrs.array(), similarity: try nbrs.array())
                    }
                    let histories = try section("USER") { user in
                        UserHistories(
                            start: try user.array(), item: try user.array(), time: try user.array(),
                            kind: try user.array(), category: try user.array())
                    }
                    let rank: ([Int32], [Double], [Double]) = try section("RANK") { rank in
                        (try rank.array(), try rank.array(), try rank.array())
                    }
                    parts.set { $0.core = (stats, categoryPopularity, neighbours, histories, rank) }
                case 1:
                    guard generators.contains(GeneratorKind.userknn.rawValue) else { return }
                    let knn = try section("UKNN") { knn in
                        let start: [Int32] = try knn.array()
                        let items: [Int32] = try knn.array()
                        let weights: [Float] = try knn.array()
                        let maxUsers = Int(try knn.scalar(Int64.self))
                        try checkCSR(start, items, rows: userRaw.count, values: itemRaw.count, "UKNN")
                        guard weights.count == items.count, maxUsers > 0 else {
                            throw ModelFileError.corrupt(section: "UKNN", reason: "weights or limits do not match")
                        }
                        return UserKNN(
                            userStart: start, userItem: items, userWeight: weights, itemCount: itemRaw.count,
                            config: metadata.config, maxUsersPerItem: maxUsers)
                    }
                    parts.set { $0.userKNN = knn }
                case 2:
                    let model = try factors(.als, "ALSF")
                    parts.set { $0.als = model }
                default:
                    let model = try factors(.bpr, "BPRF")
                    parts.set { $0.bpr = model }
                }
            } catch {
                parts.set { $0.failures.append((job, error)) }
            }
        }
        let decoded = parts.value
        // The same error whatever the thread timing: the first section's in file order.
        if let (_, error) = decoded.failures.min(by: { $0.0 < $1.0 }) { throw error }
        guard let (stats, categoryPopularity, neighbours, histories, rank) = decoded.core else {
            throw ModelFileError.corrupt(section: "RANK", reason: "not decoded")
        }
        let artifacts = ModelArtifacts(
            metadata: metadata, userRaw: userRaw, itemRaw: itemRaw, categoryRaw: categoryRaw, stats: stats,
            categoryPopularity: categoryPopularity, neighbours: neighbours, histories: histories, popular: rank.0,
            ranker: LogisticRegression(weights: rank.1, intercept: rank.2.first ?? 0), userKNN: decoded.userKNN,
            als: decoded.als, bpr: decoded.bpr)
        try validate(artifacts)
        return artifacts
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
        let s = a.stats
        try check(
            [s.available.count, s.popularity.count, s.views.count, s.carts.count, s.purchases.count, s.category.count]
                .allSatisfy { $0 == items }, "ITEM", "column lengths differ from the item count")
        try check(s.category.allSatisfy { $0 >= -1 && Int($0) < categories }, "ITEM", "category out of range")
        try checkCSR(a.categoryPopularity.start, a.categoryPopularity.items, rows: categories, values: items, "CPOP")
        try check(a.categoryPopularity.scores.count == a.categoryPopularity.items.count, "CPOP", "score count")
        try check(a.categoryPopularity.parent.count == categories, "CPOP", "parent count")
        try check(a.categoryPopularity.parent.allSatisfy { $0 >= -1 && Int($0) < categories }, "CPOP", "parent range")
        try checkCSR(a.neighbours.start, a.neighbours.neighbour, rows: items, values: items, "NBRS")
        try check(a.neighbours.similarity.count == a.neighbours.neighbour.count, "NBRS", "similarity count")
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
        try check(
            a.metadata.generators.allSatisfy { GeneratorKind(rawValue: $0) != nil }, "META",
            "unknown generator in \(a.metadata.generators)")
        let expected = FeatureSchema(
            categoryVocabulary: schema.categoryVocabulary, categoryVocabularyRaw: schema.categoryVocabularyRaw,
            models: a.generators.compactMap(\.modelFeature))
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
        try check(a.metadata.config.kindWeight.count == 3, "META", "kindWeight needs 3 values")
    }

    static func checkCSR(_ start: [Int32], _ values: [Int32], rows: Int, values limit: Int, _ section: String) throws {
        guard start.count == rows + 1, start.first == 0, Int(start.last ?? -1) == values.count,
            zip(start, start.dropFirst()).allSatisfy({ $0 <= $1 })
        else { throw ModelFileError.corrupt(section: section, reason: "bad row offsets") }
        guard values.allSatisfy({ $0 >= 0 && Int($0) < limit }) else {
            throw ModelFileError.corrupt(section: section, reason: "id out of range")
        }
    }

    // MARK: zlib

    static func crc(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBufferPointer { b in
            // zlib takes a 32-bit length: feed larger buffers in pieces.
            var sum: UInt = 0
            var offset = 0
            repeat {
                let n = min(b.count - offset, 1 << 30)
                sum = crc32(sum, b.baseAddress.map { $0 + offset }, UInt32(n))
                offset += n
            } while offset < b.count
            return UInt32(sum)
        }
    }

    static func deflate(_ raw: [UInt8]) throws -> [UInt8] {
        var length = compressBound(UInt(raw.count))
        var out = [UInt8](repeating: 0, count: Int(length))
        let status = out.withUnsafeMutableBufferPointer { o in
            raw.withUnsafeBufferPointer { i in compress2(o.baseAddress, &length, i.baseAddress, UInt(i.count), 6) }
        }
        guard status == Z_OK else {
            throw ModelFileError.corrupt(section: "write", reason: "zlib compress failed (\(status))")
        }
        return Array(out.prefix(Int(length)))
    }
}

/// What the parallel section jobs produce; each job sets only its own fields.
private final class DecodedParts: @unchecked Sendable {
    struct Value {
        var core: (ItemStats, CategoryPopularity, ItemNeighbours, UserHistories, ([Int32], [Double], [Double]))?
        var userKNN: UserKNN?
        var als: FactorModel?
        var bpr: FactorModel?
        var failures: [(Int, any Error)] = []
    }
    private let lock = NSLock()
    private var stored = Value()
    var value: Value { lock.withLock { stored } }
    func set(_ change: (inout Value) -> Void) { lock.withLock { change(&stored) } }
}
