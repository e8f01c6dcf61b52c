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
/// Memory: 12 bytes per distinct (item, token) pair; building holds 24 bytes
/// per word of every property row (about 1.1 GB for the full-scale files).
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
    public init(raw parts: [RawTokens], items: IdMap) {
        var vocabulary: [UInt64] = []
        vocabulary.reserveCapacity(parts.reduce(0) { $0 + $1.hash.count })
        for p in parts { vocabulary += p.hash }
        vocabulary.sort()
        // Keep the tokens of at least two rows: a token of one row cannot link two items (most of a
        // catalogue's words are such: ids, prices), and dropping them early keeps the pairs small.
        var kept = 0
        var i = 0
        while i < vocabulary.count {
            var j = i + 1
            while j < vocabulary.count && vocabulary[j] == vocabulary[i] { j += 1 }
            if j - i >= 2 {
                vocabulary[kept] = vocabulary[i]
                kept += 1
            }
            i = j
        }
        vocabulary.removeLast(vocabulary.count - kept)
        // (dense item << 32 | dense token, time), then the earliest time per pair.
        var keys: [(key: UInt64, time: Int64)] = []
        keys.reserveCapacity(parts.reduce(0) { $0 + $1.hash.count })
        for p in parts {
            for r in p.hash.indices {
                let t = Self.index(of: p.hash[r], in: vocabulary)
                guard t < vocabulary.count, vocabulary[t] == p.hash[r], let item = items.dense(p.item[r]) else {
                    continue
                }
                keys.append((UInt64(UInt32(item)) << 32 | UInt64(t), p.time[r]))
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
        self.init(start: start, token: token, firstSeen: firstSeen, tokenCount: vocabulary.count)
    }

    private static func index(of hash: UInt64, in sorted: [UInt64]) -> Int {
        var (lo, hi) = (0, sorted.count)
        while lo < hi {
            let mid = (lo + hi) >> 1
            if sorted[mid] < hash { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// Reads the property files (in parallel, one file per core) and builds the tokens of `items`.
    public static func read(_ files: DatasetFiles, items: IdMap, policy: BadRowPolicy = .fail) throws -> ItemTokens {
        let paths = files.properties
        let slots = TokenSlots(count: paths.count)
        DispatchQueue.concurrentPerform(iterations: paths.count) { i in
            slots.set(i, Result { try PropertyTokensReader.read(path: paths[i], policy: policy) })
        }
        return ItemTokens(raw: try slots.values.map { try $0!.get() }, items: items)
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
                    if b == 0x20 || b == 0x09 {
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

private final class TokenSlots: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var values: [Result<RawTokens, any Error>?]
    init(count: Int) { values = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ r: Result<RawTokens, any Error>) { lock.withLock { values[i] = r } }
}
