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

    public static func read(path: String) throws -> ModelArtifacts {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ModelFileError.io(path: path, message: "cannot read: \(error.localizedDescription)")
        }
        return try decode([UInt8](data))
    }

    /// The raw (uncompressed) section sizes, for `inspect`.
    public static func sectionSizes(path: String) throws -> [(tag: String, raw: Int, compressed: Int)] {
        let data = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        return try parseSections(data).map { ($0.tag, $0.rawLength, $0.payload.count) }
    }

    struct Section {
        var tag: String
        var rawLength: Int
        var payload: ArraySlice<UInt8>
    }

    static func parseSections(_ bytes: [UInt8]) throws -> [Section] {
        guard bytes.count >= magic.count else { throw ModelFileError.truncated("shorter than the header") }
        guard Array(bytes[0..<magic.count]) == magic else { throw ModelFileError.wrongMagic }
        var header = BinaryReader(Array(bytes[magic.count..<min(bytes.count, magic.count + 16)]), section: "header")
        let version: UInt32
        let count: UInt32
        do {
            version = try header.scalar(UInt32.self)
            count = try header.scalar(UInt32.self)
            _ = try header.scalar(Int64.self)
        } catch {
            throw ModelFileError.truncated("the header ends early")
        }
        guard version == formatVersion else {
            throw ModelFileError.unsupportedVersion(found: version, supported: formatVersion)
        }
        var offset = magic.count + 16
        var sections: [Section] = []
        for index in 0..<Int(count) {
            guard offset + 24 <= bytes.count else {
                throw ModelFileError.truncated("section \(index + 1) of \(count) is missing")
            }
            let tag = String(decoding: bytes[offset..<offset + 4], as: UTF8.self)
            var r = BinaryReader(Array(bytes[offset + 4..<offset + 24]), section: tag)
            let rawLength = try r.scalar(UInt64.self)
            let packedLength = try r.scalar(UInt64.self)
            let checksum = try r.scalar(UInt32.self)
            offset += 24
            guard packedLength <= UInt64(bytes.count - offset) else {
                throw ModelFileError.truncated(
                    "section \(tag) needs \(packedLength) bytes, \(bytes.count - offset) remain")
            }
            guard rawLength < 1 << 36 else { throw ModelFileError.corrupt(section: tag, reason: "impossible size") }
            let payload = bytes[offset..<offset + Int(packedLength)]
            guard crc(Array(payload)) == checksum else { throw ModelFileError.checksumMismatch(section: tag) }
            sections.append(Section(tag: tag, rawLength: Int(rawLength), payload: payload))
            offset += Int(packedLength)
        }
        return sections
    }

    public static func decode(_ bytes: [UInt8]) throws -> ModelArtifacts {
        let sections = try parseSections(bytes)
        func section(_ tag: String) throws -> BinaryReader {
            guard let s = sections.first(where: { $0.tag == tag }) else { throw ModelFileError.missingSection(tag) }
            return BinaryReader(try inflate(Array(s.payload), rawLength: s.rawLength, section: tag), section: tag)
        }
        var meta = try section("META")
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .millisecondsSince1970
        let metadata: ModelMetadata
        do {
            metadata = try decoder.decode(ModelMetadata.self, from: Data(meta.rest()))
        } catch {
            throw ModelFileError.corrupt(section: "META", reason: "bad metadata JSON: \(error)")
        }
        var ids = try section("IDMP")
        let userRaw = try ids.array(Int64.self).map(Int.init)
        let itemRaw = try ids.array(Int64.self).map(Int.init)
        let categoryRaw = try ids.array(Int64.self).map(Int.init)
        var item = try section("ITEM")
        let stats = ItemStats(
            category: try item.array(), available: try item.array(), popularity: try item.array(),
            views: try item.array(), carts: try item.array(), purchases: try item.array())
        var cpop = try section("CPOP")
        let categoryPopularity = CategoryPopularity(
            start: try cpop.array(), items: try cpop.array(), scores: try cpop.array(), parent: try cpop.array(),
            minItems: Int(try cpop.scalar(Int64.self)))
        var nbrs = try section("NBRS")
        let neighbours = ItemNeighbours(
            start: try nbrs.array(), neighbour: try nbrs.array(), similarity: try nbrs.array())
        var user = try section("USER")
        let histories = UserHistories(
            start: try user.array(), item: try user.array(), time: try user.array(), kind: try user.array(),
            category: try user.array())
        let generators = metadata.generators
        func optionalSection(_ generator: GeneratorKind, _ tag: String) throws -> BinaryReader? {
            guard generators.contains(generator.rawValue) else { return nil }
            return try section(tag)
        }
        var userKNN: UserKNN?
        if var knn = try optionalSection(.userknn, "UKNN") {
            let start: [Int32] = try knn.array()
            let items: [Int32] = try knn.array()
            let weights: [Float] = try knn.array()
            let maxUsers = Int(try knn.scalar(Int64.self))
            try checkCSR(start, items, rows: userRaw.count, values: itemRaw.count, "UKNN")
            guard weights.count == items.count, maxUsers > 0 else {
                throw ModelFileError.corrupt(section: "UKNN", reason: "weights or limits do not match")
            }
            userKNN = UserKNN(
                userStart: start, userItem: items, userWeight: weights, itemCount: itemRaw.count,
                config: metadata.config, maxUsersPerItem: maxUsers)
        }
        func factors(_ generator: GeneratorKind, _ tag: String) throws -> FactorModel? {
            guard var r = try optionalSection(generator, tag) else { return nil }
            let k = Int(try r.scalar(Int64.self))
            let model = FactorModel(
                factors: k, userFactors: try r.array(), itemFactors: try r.array(), itemBias: try r.array())
            guard model.isConsistent, model.userCount == userRaw.count, model.itemCount == itemRaw.count else {
                throw ModelFileError.corrupt(
                    section: tag, reason: "factor arrays do not match \(userRaw.count) users × \(itemRaw.count) items")
            }
            return model
        }
        let als = try factors(.als, "ALSF")
        let bpr = try factors(.bpr, "BPRF")
        var rank = try section("RANK")
        let popular: [Int32] = try rank.array()
        let weights: [Double] = try rank.array()
        let intercept: [Double] = try rank.array()

        let artifacts = ModelArtifacts(
            metadata: metadata, userRaw: userRaw, itemRaw: itemRaw, categoryRaw: categoryRaw, stats: stats,
            categoryPopularity: categoryPopularity, neighbours: neighbours, histories: histories, popular: popular,
            ranker: LogisticRegression(weights: weights, intercept: intercept.first ?? 0), userKNN: userKNN, als: als,
            bpr: bpr)
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
        guard schema.version == FeatureSchema.currentVersion, schema.names == expected.names else {
            throw ModelFileError.incompatible(
                "the model's feature schema \(schema.version) is not the one this build computes (\(FeatureSchema.currentVersion)); retrain the model"
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
        bytes.withUnsafeBufferPointer { UInt32(crc32(0, $0.baseAddress, UInt32($0.count))) }
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

    static func inflate(_ packed: [UInt8], rawLength: Int, section: String) throws -> [UInt8] {
        var length = UInt(rawLength)
        var out = [UInt8](repeating: 0, count: max(rawLength, 1))
        let status = out.withUnsafeMutableBufferPointer { o in
            packed.withUnsafeBufferPointer { i in uncompress(o.baseAddress, &length, i.baseAddress, UInt(i.count)) }
        }
        guard status == Z_OK, Int(length) == rawLength else {
            throw ModelFileError.corrupt(section: section, reason: "zlib data does not inflate to \(rawLength) bytes")
        }
        return Array(out.prefix(rawLength))
    }
}
