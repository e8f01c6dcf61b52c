import RecsysCore

/// Feeds a byte source to a parser as regions that hold only whole records.
///
/// A region ends at the last newline that is outside quotes, so a quoted
/// field with an embedded newline is never cut. Memory stays at one chunk
/// (grown only when a single record is larger than a chunk).
func forEachRecordRegion(
    source: any ByteSource,
    file: String,
    chunkSize: Int = 1 << 20,
    progress: ((Int) -> Void)? = nil,
    _ body: (UnsafeBufferPointer<UInt8>) throws -> Void
) throws -> Int {
    var capacity = chunkSize
    var buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
    defer { buffer.deallocate() }
    var filled = 0
    var total = 0
    while true {
        if filled == capacity {
            let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
            bigger.update(from: buffer, count: filled)
            buffer.deallocate()
            buffer = bigger
            capacity *= 2
        }
        let n = try source.read(into: UnsafeMutableRawBufferPointer(start: buffer + filled, count: capacity - filled))
        if n == 0 {
            if filled > 0 { try body(UnsafeBufferPointer(start: buffer, count: filled)) }
            return total
        }
        total += n
        filled += n
        progress?(total)
        guard let boundary = lastRecordBoundary(buffer, count: filled) else { continue }
        try body(UnsafeBufferPointer(start: buffer, count: boundary))
        let rest = filled - boundary
        if rest > 0 { buffer.update(from: buffer + boundary, count: rest) }
        filled = rest
    }
}

/// Index just past the last newline outside quotes, or nil when none.
private func lastRecordBoundary(_ p: UnsafeMutablePointer<UInt8>, count: Int) -> Int? {
    if memchrIndex(p, from: 0, to: count, byte: 0x22) == nil {
        var i = count - 1
        while i >= 0 && p[i] != 0x0A { i -= 1 }
        return i >= 0 ? i + 1 : nil
    }
    var inQuotes = false
    var last = -1
    for i in 0..<count {
        let b = p[i]
        if b == 0x22 {
            inQuotes.toggle()
        } else if b == 0x0A && !inQuotes {
            last = i
        }
    }
    return last >= 0 ? last + 1 : nil
}

/// Parses a region record by record, keeping line numbers across regions,
/// checking the header on the first line, and applying the bad-row policy.
struct RegionParser {
    let file: String
    let header: String
    let policy: BadRowPolicy
    var report: FileReport
    var line = 1
    var headerSeen = false

    init(file: String, header: String, policy: BadRowPolicy) {
        self.file = file
        self.header = header
        self.policy = policy
        report = FileReport(file: file)
    }

    /// Calls `row` for each data record; `row` reads fields from the cursor.
    mutating func parse(
        _ region: UnsafeBufferPointer<UInt8>, row: (inout CSVCursor) throws -> Void
    ) throws {
        var cursor = CSVCursor(region: region, firstLine: line, file: file)
        if !headerSeen {
            headerSeen = true
            try checkHeader(&cursor)
        }
        while cursor.hasMore {
            if cursor.skipBlankLine() {
                report.blankLines += 1
                continue
            }
            cursor.beginRecord()
            let startLine = cursor.line
            do {
                cursor.extraRows = 0
                try row(&cursor)
                report.rows += 1 + cursor.extraRows
            } catch let error as DatasetError {
                guard policy == .skip else { throw error }
                report.recordBadRow(error)
                // Resume after the bad record unless the field parser already did.
                if cursor.line == startLine { cursor.skipRecord() }
            }
        }
        line = cursor.line
    }

    private func checkHeader(_ cursor: inout CSVCursor) throws {
        // A UTF-8 byte-order mark is tolerated.
        if cursor.count >= 3 && cursor.base[0] == 0xEF && cursor.base[1] == 0xBB && cursor.base[2] == 0xBF {
            cursor.pos = 3
        }
        let found = cursor.lineText(from: cursor.pos)
        guard found == header else {
            throw DatasetError.badHeader(file: file, expected: header, found: found)
        }
        cursor.skipRecord()
    }
}

/// Ends a record: the last expected field must close it.

func expectRecordEnd(_ span: FieldSpan, _ cursor: inout CSVCursor, expectedFields: Int) throws {
    guard span.ending == .record else {
        var extra = 1
        while true {
            let next = try cursor.field(named: "extra")
            if next.ending == .record { break }
            extra += 1
        }
        throw DatasetError.badRow(
            file: cursor.file, line: cursor.recordLine, field: nil,
            message: "expected \(expectedFields) fields, found \(expectedFields + extra)")
    }
}

/// A field that must be followed by another one.

func expectMore(_ span: FieldSpan, _ cursor: inout CSVCursor, index: Int, expectedFields: Int) throws {
    guard span.ending == .comma else {
        throw DatasetError.badRow(
            file: cursor.file, line: cursor.recordLine, field: nil,
            message: "expected \(expectedFields) fields, found \(index + 1)")
    }
}
