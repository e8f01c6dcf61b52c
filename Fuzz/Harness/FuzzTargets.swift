import Dataset
import Foundation
import ModelFile
import Pipeline

#if canImport(Glibc)
    import Glibc
#endif

/// The parsers that read untrusted bytes, by the name `FUZZ_TARGET` picks
/// (`scripts/fuzz.sh` runs each). A thrown error is a good answer; only a
/// crash, a trap or a sanitizer report is a finding.
enum FuzzTarget: String, CaseIterable {
    /// `events.csv` through `EventsReader`, failing and skipping bad rows.
    case events
    /// `item_properties_part*.csv` through `PropertiesReader`.
    case properties
    /// The same files through `PropertyTokensReader` (the `content` generator's second pass), then `ItemTokens`.
    case propertyTokens = "property-tokens"
    /// `category_tree.csv` through `CategoryTreeReader`.
    case category
    /// An embedded event log segment (`EmbeddedEventLog`: frames, key blocks, torn tails), then keyed appends.
    case eventLog = "event-log"
    /// The `.gz` path: byte 0 picks the reader and whether the rest is
    /// compressed here first (valid streams of fuzzed CSV) or read as is
    /// (fuzzed gzip streams).
    case gzip
    /// A whole model file's bytes through `ModelBundle.decode`.
    case model
    /// Model sections (`tag(4) length(u32 LE) bytes` repeated) framed with
    /// valid lengths and CRCs, so the fuzzer reaches each section's decoder.
    case modelSections = "model-sections"
    /// `GET /recommend/<id>?…`: the path id, a newline, the query string.
    case query
    /// `POST /api/v1/events` bodies (`EventBatch.parse`).
    case eventsBody = "events-body"
    /// `POST /api/v1/items` bodies (`ItemBatch.parse`).
    case itemsBody = "items-body"
    /// `POST /api/v1/recs/predict` bodies (the route's decode and `n`/`k` rules).
    case predictBody = "predict-body"
    /// `POST /api/v1/recs/batch` bodies (`BatchRecommendController.parse`).
    case batchBody = "batch-body"

    static let current: FuzzTarget = {
        let name = ProcessInfo.processInfo.environment["FUZZ_TARGET"] ?? ""
        guard let target = FuzzTarget(rawValue: name) else {
            let names = allCases.map(\.rawValue).joined(separator: ", ")
            FileHandle.standardError.write(Data("recsys-fuzz: set FUZZ_TARGET to one of: \(names)\n".utf8))
            exit(2)
        }
        return target
    }()

    func run(_ bytes: [UInt8]) {
        switch self {
        case .events:
            let path = Scratch.write(bytes, as: "events.csv")
            _ = try? EventsReader.read(path: path)
            _ = try? EventsReader.read(path: path, policy: .skip)
        case .properties:
            let path = Scratch.write(bytes, as: "item_properties_part1.csv")
            _ = try? PropertiesReader.read(path: path)
            _ = try? PropertiesReader.read(path: path, policy: .skip)
        case .propertyTokens:
            let path = Scratch.write(bytes, as: "item_properties_part1.csv")
            _ = try? PropertyTokensReader.read(path: path)
            if let rows = try? PropertyTokensReader.read(path: path, policy: .skip) {
                // No lookup table: a fuzzed id near 2^26 would allocate one per run.
                let ids = rows.item.sorted().reduce(into: [Int]()) { if $0.last != $1 { $0.append($1) } }
                _ = try? ItemTokens(raw: [rows], items: IdMap(sortedUniqueRaw: ids, tableLimit: 0))
            }
        case .eventLog:
            EventLogTarget.run(bytes)
        case .category:
            let path = Scratch.write(bytes, as: "category_tree.csv")
            _ = try? CategoryTreeReader.read(path: path)
            _ = try? CategoryTreeReader.read(path: path, policy: .skip)
        case .gzip:
            guard let mode = bytes.first else { return }
            let rest = Array(bytes.dropFirst())
            let stream = mode & 1 == 0 ? rest : ((try? Gzip.compress(rest, level: 1)) ?? [])
            switch (mode >> 1) % 3 {
            case 0: _ = try? EventsReader.read(path: Scratch.write(stream, as: "events.csv.gz"), policy: .skip)
            case 1:
                _ = try? PropertiesReader.read(path: Scratch.write(stream, as: "properties.csv.gz"), policy: .skip)
            default: _ = try? CategoryTreeReader.read(path: Scratch.write(stream, as: "category.csv.gz"), policy: .skip)
            }
            // The request-body inflate: within its limit, and a stream this target compressed reads back whole.
            let limit = 1 << 16
            if let out = try? Gzip.decompress(stream, limit: limit) {
                check(out.count <= limit, "gzip decompress limit", out.count)
                if mode & 1 == 1, rest.count <= limit { check(out == rest, "gzip decompress round trip", rest.count) }
            }
        case .model:
            _ = try? ModelBundle.decode(bytes)
        case .modelSections:
            guard let file = try? ModelContainer.encode(Self.sections(bytes), createdAt: 0) else { return }
            _ = try? ModelBundle.decode(file)
        case .query, .eventsBody, .itemsBody, .predictBody, .batchBody:
            runServeParser(bytes)
        }
    }

    /// A broken invariant of the product's own code is a finding: the fuzzer stops and keeps the input.
    func check(_ ok: Bool, _ what: String, _ value: Any) {
        guard !ok else { return }
        FileHandle.standardError.write(Data("recsys-fuzz: \(what): \(value)\n".utf8))
        abort()
    }

    /// `tag(4) length(u32 LE) bytes`, repeated; a short tail is the last section's bytes.
    static func sections(_ bytes: [UInt8]) -> [ModelContainer.Section] {
        var out: [ModelContainer.Section] = []
        var i = 0
        while i + 8 <= bytes.count {
            let tag = String(decoding: bytes[i..<i + 4], as: UTF8.self)
            let length = bytes[i + 4..<i + 8].reversed().reduce(0) { $0 << 8 | Int($1) }
            let end = min(bytes.count, i + 8 + length)
            out.append(.init(tag: tag, bytes: Array(bytes[(i + 8)..<end])))
            i = end
        }
        return out
    }
}

/// One folder per process for the readers that take a path (in memory where `/dev/shm` exists).
enum Scratch {
    static let folder: String = {
        let base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : NSTemporaryDirectory()
        let path = "\(base)/recsys-fuzz-\(getpid())"
        mkdir(path, 0o700)
        return path
    }()

    static func write(_ bytes: [UInt8], as name: String) -> String {
        let path = "\(folder)/\(name)"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        precondition(fd >= 0, "cannot write \(path)")
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + done, bytes.count - done) }
            precondition(n > 0, "cannot write \(path)")
            done += n
        }
        close(fd)
        return path
    }
}

/// The harness's one entry: `FUZZ_TARGET` names the parser.
func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    FuzzTarget.current.run(bytes)
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func llvmFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    fuzzOneInput(data, size)
}
