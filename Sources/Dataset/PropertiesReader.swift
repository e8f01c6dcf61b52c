import RecsysCore

/// The two readable properties of `item_properties_part*.csv`, as columns.
///
/// Every other property (hashed names and values) is skipped without being
/// decoded; only its timestamp and item id are checked.
public struct RawProperties: Sendable {
    public var categoryTime: [Int64] = []
    public var categoryItem: [Int] = []
    public var categoryValue: [Int] = []
    public var availableTime: [Int64] = []
    public var availableItem: [Int] = []
    public var availableValue: [UInt8] = []
    /// Every item id that has at least one property row.
    public var describedItems = RawIdSet()
    public var report: FileReport
}

/// Reads one `item_properties_part*.csv` (`timestamp,itemid,property,value`).
public enum PropertiesReader {
    public static let header = "timestamp,itemid,property,value"

    /// `range` reads only part of a plain file; a range that starts after 0
    /// must start on a record boundary and has no header.
    public static func read(
        path: String, policy: BadRowPolicy = .fail, progress: ((Int) -> Void)? = nil, range: Range<Int>? = nil
    ) throws -> RawProperties {
        let name = fileName(path)
        let source = try range.map { try FileByteSource(path: path, range: $0) } ?? openByteSource(path: path)
        defer { source.close() }
        var parser = RegionParser(file: name, header: header, policy: policy)
        if let range, range.lowerBound > 0 { parser.headerSeen = true }
        var props = RawProperties(report: FileReport(file: name))
        var lastItem = -1
        let bytes = try forEachRecordRegion(source: source, file: name, progress: progress) { region in
            try parser.parse(region) { cursor in
                let time: Int
                let item: Int
                let mark = cursor.pos
                if let t = cursor.digitsThenComma(), let i = cursor.digitsThenComma() {
                    time = t
                    item = i
                } else {
                    cursor.pos = mark
                    let ts = try cursor.field(named: "timestamp")
                    try expectMore(ts, &cursor, index: 0, expectedFields: 4)
                    let it = try cursor.field(named: "itemid")
                    try expectMore(it, &cursor, index: 1, expectedFields: 4)
                    time = try cursor.integer(ts, named: "timestamp")
                    item = try cursor.integer(it, named: "itemid")
                }
                if item != lastItem {
                    props.describedItems.insert(item)
                    lastItem = item
                }
                // Hashed property names are digits: skip their values undecoded.
                if cursor.digitsThenComma() != nil {
                    try skipValue(&cursor)
                    // Most rows are like this one: take the next ones here while they
                    // are plain (digits, digits, digits, unquoted value), without the
                    // per-row bookkeeping; any other row goes back to the general path.
                    while cursor.hasMore {
                        let mark = cursor.pos
                        guard cursor.skipDigitsThenComma(), let next = cursor.digitsThenComma(),
                            cursor.skipDigitsThenComma(), cursor.pos < cursor.count,
                            cursor.base[cursor.pos] != 0x22
                        else {
                            cursor.pos = mark
                            return
                        }
                        if next != lastItem {
                            props.describedItems.insert(next)
                            lastItem = next
                        }
                        cursor.skipShortRecord()
                        cursor.extraRows += 1
                    }
                    return
                }
                let prop = try cursor.field(named: "property")
                try expectMore(prop, &cursor, index: 2, expectedFields: 4)
                let isCategory = cursor.equals(prop, "categoryid")
                guard isCategory || cursor.equals(prop, "available") else { return try skipValue(&cursor) }
                let value = try cursor.field(named: "value")
                try expectRecordEnd(value, &cursor, expectedFields: 4)
                if isCategory {
                    let category = try cursor.integer(value, named: "value")
                    props.categoryTime.append(Int64(time))
                    props.categoryItem.append(item)
                    props.categoryValue.append(category)
                } else {
                    let flag = try cursor.integer(value, named: "value")
                    guard flag <= 1 else {
                        throw DatasetError.badRow(
                            file: name, line: cursor.recordLine, field: "value",
                            message: "'available' must be 0 or 1, found \"\(cursor.text(value))\"")
                    }
                    props.availableTime.append(Int64(time))
                    props.availableItem.append(item)
                    props.availableValue.append(UInt8(flag))
                }
            }
        }
        props.report = parser.report
        props.report.bytes = bytes
        return props
    }
}

/// Moves past the value of a property that is not read: a quoted value is
/// walked (it may hold commas and newlines), an unquoted one skipped to the line end.
private func skipValue(_ cursor: inout CSVCursor) throws {
    if cursor.pos < cursor.count && cursor.base[cursor.pos] == 0x22 {
        let value = try cursor.field(named: "value")
        try expectRecordEnd(value, &cursor, expectedFields: 4)
    } else {
        cursor.skipRecord()
    }
}

/// A set of raw (non-negative) ids: a bitmap for ids below 2^26, a hash set above.
public struct RawIdSet: Sendable {
    private var bits: [UInt64] = []
    private var large: Set<Int> = []
    public private(set) var count = 0
    static let bitmapLimit = 1 << 26

    public init() {}

    public mutating func insert(_ id: Int) {
        if id < Self.bitmapLimit {
            let word = id >> 6
            if word >= bits.count {
                bits.append(contentsOf: repeatElement(0, count: max(word + 1 - bits.count, bits.count)))
            }
            let mask: UInt64 = 1 << UInt64(id & 63)
            if bits[word] & mask == 0 {
                bits[word] |= mask
                count += 1
            }
        } else if large.insert(id).inserted {
            count += 1
        }
    }

    public func contains(_ id: Int) -> Bool {
        if id < Self.bitmapLimit {
            let word = id >> 6
            return word < bits.count && bits[word] & (1 << UInt64(id & 63)) != 0
        }
        return large.contains(id)
    }

    public mutating func formUnion(_ other: RawIdSet) {
        if other.bits.count > bits.count { bits += repeatElement(0, count: other.bits.count - bits.count) }
        var n = 0
        for w in 0..<bits.count {
            if w < other.bits.count { bits[w] |= other.bits[w] }
            n += bits[w].nonzeroBitCount
        }
        for id in other.large { large.insert(id) }
        count = n + large.count
    }

    /// All ids in ascending order.
    public func sorted() -> [Int] {
        var out: [Int] = []
        out.reserveCapacity(count)
        for (w, word) in bits.enumerated() where word != 0 {
            var x = word
            while x != 0 {
                let b = x.trailingZeroBitCount
                out.append(w << 6 | b)
                x &= x - 1
            }
        }
        out += large.sorted()
        return out
    }
}

/// Reads `category_tree.csv` (`categoryid,parentid`; roots have an empty parent).
public enum CategoryTreeReader {
    public static let header = "categoryid,parentid"

    public static func read(path: String, policy: BadRowPolicy = .fail) throws -> (
        pairs: [(category: Int, parent: Int?)], report: FileReport
    ) {
        let name = fileName(path)
        let source = try openByteSource(path: path)
        defer { source.close() }
        var parser = RegionParser(file: name, header: header, policy: policy)
        var pairs: [(category: Int, parent: Int?)] = []
        let bytes = try forEachRecordRegion(source: source, file: name) { region in
            try parser.parse(region) { cursor in
                let c = try cursor.field(named: "categoryid")
                try expectMore(c, &cursor, index: 0, expectedFields: 2)
                let p = try cursor.field(named: "parentid")
                try expectRecordEnd(p, &cursor, expectedFields: 2)
                let category = try cursor.integer(c, named: "categoryid")
                let parent = p.end > p.start ? try cursor.integer(p, named: "parentid") : nil
                pairs.append((category, parent))
            }
        }
        var report = parser.report
        report.bytes = bytes
        return (pairs, report)
    }
}
