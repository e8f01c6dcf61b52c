import Dispatch
import Foundation
import RecsysCore

/// The hashed property values of the items, as tokens: for every item, the
/// distinct (property, value token) pairs of its property rows, each with
/// the time it was first seen (so a model only uses what was known before
/// its reference time).
///
/// A value such as `n552.000 639502` gives one token per space-separated
/// word, tagged with its property ("790:n552.000", "790:639502"): two items
/// share a token when the same property has the same word.
/// `categoryid` and `available` rows are not tokens (they are timelines), and
/// a word of a single row is dropped (it cannot link two items).
///
/// Memory: 12 bytes per distinct (item, token) pair; building holds about 45
/// bytes per word of every property row (the rows read, their bucketed copy
/// and token numbers): 1.6 GB peak RSS for `train --lookups covisit,content`
/// on the full-scale files (46 M words), 0.8 GB without.
public struct ItemTokens: Sendable {
    /// Per dense item (CSR over `token`).
    public var start: [Int32]
    /// Dense token ids, ascending within an item.
    public var token: [Int32]
    /// When each (item, token) pair was first seen, ms.
    public var firstSeen: [Int64]
    public var tokenCount: Int

    public init(start: [Int32], token: [Int32], firstSeen: [Int64], tokenCount: Int) {
        self.start = start
        self.token = token
        self.firstSeen = firstSeen
        self.tokenCount = tokenCount
    }

    public var itemCount: Int { start.count - 1 }

    /// `item`'s entries (indices into `token` and `firstSeen`).
    public func entries(of item: Int) -> Range<Int> {
        guard item >= 0 && item < itemCount else { return 0..<0 }
        return Int(start[item])..<Int(start[item + 1])
    }

    /// Builds the dense form from the raw rows of every file part; rows of
    /// items `items` does not know, and words of a single row, are dropped.
    public init(raw parts: [RawTokens], items: IdMap) throws {
        let rowToken = try Self.tokenOfEveryRow(parts)
        // (dense item << 32 | token, time) of the rows with a kept token, then the earliest time per pair.
        var keys: [(key: UInt64, time: Int64)] = []
        var g = 0
        for p in parts {
            for r in p.hash.indices {
                defer { g += 1 }
                guard rowToken.token[g] >= 0, let item = items.dense(p.item[r]) else { continue }
                keys.append((UInt64(UInt32(item)) << 32 | UInt64(UInt32(rowToken.token[g])), p.time[r]))
            }
        }
        keys.sort { $0.key != $1.key ? $0.key < $1.key : $0.time < $1.time }
        var start = [Int32](repeating: 0, count: items.count + 1)
        var token: [Int32] = []
        var firstSeen: [Int64] = []
        var last = UInt64.max
        for k in keys where k.key != last {
            last = k.key
            start[Int(k.key >> 32) + 1] += 1
            token.append(Int32(truncatingIfNeeded: k.key & 0xFFFF_FFFF))
            firstSeen.append(k.time)
        }
        for i in 0..<items.count { start[i + 1] += start[i] }
        self.init(start: start, token: token, firstSeen: firstSeen, tokenCount: rowToken.count)
    }

    /// The dense token of every row (rows numbered across the parts in order), or -1 for a word of a
    /// single row; tokens are numbered in hash order.
    ///
    /// The rows are scattered into up to 1024 buckets by the top bits of their hash and each bucket is sorted on
    /// its own, on both cores: tens of millions of rows at full scale, mostly words of one row (ids, prices).
    static func tokenOfEveryRow(_ parts: [RawTokens]) throws -> (token: [Int32], count: Int) {
        let n = parts.reduce(0) { $0 + $1.hash.count }
        guard n < Int(Int32.max) else {
            throw DatasetError.invalid("the property files hold \(n) words, more than the 2^31 the tokens can number")
        }
        guard n > 0 else { return ([], 0) }
        // About 4 k rows per bucket, at most 1024 buckets (a small input is one bucket).
        let bits = max(0, min(10, Int.bitWidth - n.leadingZeroBitCount - 12))
        let buckets = 1 << bits
        var offset = [Int](repeating: 0, count: buckets + 1)
        // Smart shift: by 64 (one bucket) it gives 0.
        let shift = UInt64(64 - bits)
        for p in parts { for h in p.hash { offset[Int(h >> shift) + 1] += 1 } }
        for b in 0..<buckets { offset[b + 1] += offset[b] }
        var rows = [(hash: UInt64, row: Int32)](repeating: (0, 0), count: n)
        var fill = offset
        var g: Int32 = 0
        for p in parts {
            for h in p.hash {
                let b = Int(h >> shift)
                rows[fill[b]] = (h, g)
                fill[b] += 1
                g += 1
            }
        }
        var token = [Int32](repeating: -1, count: n)
        let kept = PartCounters(parts: buckets)
        let bounds = offset
        var total = 0
        rows.withUnsafeMutableBufferPointer { rowBuffer in
            token.withUnsafeMutableBufferPointer { tokenBuffer in
                // Each bucket job touches only its own slice of `rows` and the `token` entries of its rows.
                let (r, t) = (Disjoint(rowBuffer.baseAddress!), Disjoint(tokenBuffer.baseAddress!))
                DispatchQueue.concurrentPerform(iterations: buckets) { b in
                    var slice = UnsafeMutableBufferPointer(start: r.base + bounds[b], count: bounds[b + 1] - bounds[b])
                    slice.sort { $0.hash < $1.hash }
                    var runs = 0
                    forEachRun(slice) { _ in runs += 1 }
                    kept.set(b, runs)
                }
                var base = [Int](repeating: 0, count: buckets + 1)
                for b in 0..<buckets { base[b + 1] = base[b] + kept.values[b] }
                let tokenBase = base
                DispatchQueue.concurrentPerform(iterations: buckets) { b in
                    let slice = UnsafeMutableBufferPointer(start: r.base + bounds[b], count: bounds[b + 1] - bounds[b])
                    var next = tokenBase[b]
                    forEachRun(slice) { run in
                        for e in run { t.base[Int(slice[e].row)] = Int32(next) }
                        next += 1
                    }
                }
                total = base[buckets]
            }
        }
        return (token, total)
    }

    /// Calls `body` with every run of two or more equal hashes of a sorted slice.
    private static func forEachRun(
        _ slice: UnsafeMutableBufferPointer<(hash: UInt64, row: Int32)>, _ body: (Range<Int>) -> Void
    ) {
        var i = 0
        while i < slice.count {
            var j = i + 1
            while j < slice.count && slice[j].hash == slice[i].hash { j += 1 }
            if j - i >= 2 { body(i..<j) }
            i = j
        }
    }

    /// Reads the property files (in parallel, one file per core) and builds the tokens of `items`.
    public static func read(_ files: DatasetFiles, items: IdMap, policy: BadRowPolicy = .fail) throws -> ItemTokens {
        let paths = files.properties
        let slots = TokenSlots(count: paths.count)
        let started = Date()
        DispatchQueue.concurrentPerform(iterations: paths.count) { i in
            slots.set(i, Result { try PropertyTokensReader.read(path: paths[i], policy: policy) })
        }
        let read = Date()
        let tokens = try ItemTokens(raw: try slots.values.map { try $0!.get() }, items: items)
        trace("tokens read \(read.timeIntervalSince(started)) build \(Date().timeIntervalSince(read))")
        return tokens
    }
}

/// The token rows of one property file: raw item id, token hash, row time.
public struct RawTokens: Sendable {
    public var item: [Int] = []
    public var hash: [UInt64] = []
    public var time: [Int64] = []
    public init() {}
}

/// Reads the hashed-property rows of one `item_properties_part*.csv` into tokens.
public enum PropertyTokensReader {
    public static func read(path: String, policy: BadRowPolicy = .fail) throws -> RawTokens {
        let name = fileName(path)
        let source = try openByteSource(path: path)
        defer { source.close() }
        var parser = RegionParser(file: name, header: PropertiesReader.header, policy: policy)
        var out = RawTokens()
        _ = try forEachRecordRegion(source: source, file: name) { region in
            try parser.parse(region) { cursor in
                let ts = try cursor.field(named: "timestamp")
                try expectMore(ts, &cursor, index: 0, expectedFields: 4)
                let it = try cursor.field(named: "itemid")
                try expectMore(it, &cursor, index: 1, expectedFields: 4)
                let prop = try cursor.field(named: "property")
                try expectMore(prop, &cursor, index: 2, expectedFields: 4)
                let value = try cursor.field(named: "value")
                try expectRecordEnd(value, &cursor, expectedFields: 4)
                let time = try cursor.integer(ts, named: "timestamp")
                let item = try cursor.integer(it, named: "itemid")
                guard !cursor.equals(prop, "categoryid"), !cursor.equals(prop, "available") else { return }
                // FNV-1a over "property:" then each word of the value.
                var seed: UInt64 = 0xcbf2_9ce4_8422_2325
                for i in prop.start..<prop.end { seed = (seed ^ UInt64(cursor.base[i])) &* 0x100_0000_01b3 }
                seed = (seed ^ 0x3A) &* 0x100_0000_01b3
                var h = seed
                var inWord = false
                for i in value.start...value.end {
                    let b: UInt8 = i < value.end ? cursor.base[i] : 0x20
                    // Words end at spaces, tabs and the line breaks a quoted value may hold.
                    if b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D {
                        if inWord {
                            out.item.append(item)
                            out.hash.append(h)
                            out.time.append(Int64(time))
                        }
                        h = seed
                        inWord = false
                    } else {
                        h = (h ^ UInt64(b)) &* 0x100_0000_01b3
                        inWord = true
                    }
                }
            }
        }
        return out
    }
}

/// A buffer that several threads write, each at positions no other thread touches.
private struct Disjoint<T>: @unchecked Sendable {
    let base: UnsafeMutablePointer<T>
    init(_ base: UnsafeMutablePointer<T>) { self.base = base }
}

private final class TokenSlots: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var values: [Result<RawTokens, any Error>?]
    init(count: Int) { values = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ r: Result<RawTokens, any Error>) { lock.withLock { values[i] = r } }
}
