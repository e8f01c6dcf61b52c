import RecsysCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// How a field ended: more fields follow, or the record is complete.

enum FieldEnd { case comma, record }

/// A field as a byte range of the current region.

struct FieldSpan {
    var start: Int
    var end: Int
    var ending: FieldEnd
}

/// Walks CSV records inside a region that holds only whole records.
///
/// Byte-level: no `String` is made unless an error is reported. Quoted
/// fields (with `""` escapes and embedded newlines), CRLF line ends and a
/// missing final newline are handled. `line` is the 1-based physical line.

struct CSVCursor {
    let base: UnsafePointer<UInt8>
    let count: Int
    var pos: Int = 0
    var line: Int
    /// The line where the current record started; errors name it.
    var recordLine: Int = 0
    /// Records a row handler consumed beyond the one it was called for.
    var extraRows = 0
    let file: String

    init(region: UnsafeBufferPointer<UInt8>, firstLine: Int, file: String) {
        // An empty region still needs a valid pointer.
        base = region.baseAddress ?? UnsafePointer(bitPattern: 1)!
        count = region.count
        line = firstLine
        self.file = file
    }

    var hasMore: Bool { pos < count }

    mutating func beginRecord() { recordLine = line }

    /// True when the record at `pos` is an empty line; consumes it.

    mutating func skipBlankLine() -> Bool {
        if base[pos] == 0x0A {
            pos += 1
            line += 1
            return true
        }
        if base[pos] == 0x0D && (pos + 1 == count || base[pos + 1] == 0x0A) {
            pos = min(pos + 2, count)
            line += 1
            return true
        }
        return false
    }

    /// The next field of the current record.

    mutating func field(named name: String) throws -> FieldSpan {
        if pos < count && base[pos] == 0x22 { return try quotedField(named: name) }
        let start = pos
        while pos < count {
            let b = base[pos]
            if b == 0x2C {
                pos += 1
                return FieldSpan(start: start, end: pos - 1, ending: .comma)
            }
            if b == 0x0A {
                let end = (pos > start && base[pos - 1] == 0x0D) ? pos - 1 : pos
                pos += 1
                line += 1
                return FieldSpan(start: start, end: end, ending: .record)
            }
            pos += 1
        }
        let end = (pos > start && base[pos - 1] == 0x0D) ? pos - 1 : pos
        return FieldSpan(start: start, end: end, ending: .record)
    }

    mutating func quotedField(named name: String) throws -> FieldSpan {
        let openLine = line
        pos += 1
        let start = pos
        while pos < count {
            let b = base[pos]
            if b == 0x22 {
                if pos + 1 < count && base[pos + 1] == 0x22 {
                    pos += 2
                    continue
                }
                let end = pos
                pos += 1
                // After the closing quote only a separator may follow.
                if pos == count { return FieldSpan(start: start, end: end, ending: .record) }
                switch base[pos] {
                case 0x2C:
                    pos += 1
                    return FieldSpan(start: start, end: end, ending: .comma)
                case 0x0A:
                    pos += 1
                    line += 1
                    return FieldSpan(start: start, end: end, ending: .record)
                case 0x0D where pos + 1 == count || base[pos + 1] == 0x0A:
                    pos = min(pos + 2, count)
                    line += 1
                    return FieldSpan(start: start, end: end, ending: .record)
                default:
                    throw DatasetError.badRow(
                        file: file, line: recordLine, field: name,
                        message: "unexpected character after a closing quote (expected ',' or end of line)")
                }
            }
            if b == 0x0A { line += 1 }
            pos += 1
        }
        throw DatasetError.badRow(
            file: file, line: openLine, field: name,
            message: "unterminated quoted field (the closing '\"' is missing)")
    }

    /// Up to 18 decimal digits from `pos`: where they end, and their value
    /// (18 digits cannot overflow; a longer run takes the checked path).
    @inline(__always)
    func digits() -> (end: Int, value: Int) {
        var i = pos
        var value = 0
        let limit = min(count, pos + 18)
        while i < limit {
            let d = Int(base[i]) &- 48
            if d < 0 || d > 9 { break }
            value = value &* 10 &+ d
            i += 1
        }
        return (i, value)
    }

    /// Eight bytes from `i` (the caller checks `i + 8 <= count`).
    @inline(__always)
    func word(at i: Int) -> UInt64 {
        UInt64(littleEndian: UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self))
    }

    /// Like `digitsThenComma` for a number whose value is not needed: checks
    /// 1–18 digits and the comma eight bytes at a time (SWAR) without
    /// computing the value. Returns false without moving otherwise.
    @inline(__always)
    mutating func skipDigitsThenComma() -> Bool {
        var i = pos
        while i + 8 <= count {
            // Per byte: x = byte ^ '0' is 0...9 for a digit; the high bit of
            // (x & 0x7F) + 0x76, or of x itself, is set for any other byte.
            let x = word(at: i) ^ 0x3030_3030_3030_3030
            let other = (((x & 0x7F7F_7F7F_7F7F_7F7F) &+ 0x7676_7676_7676_7676) | x) & 0x8080_8080_8080_8080
            if other != 0 {
                i += other.trailingZeroBitCount >> 3
                break
            }
            i += 8
            if i - pos > 18 { return false }
        }
        while i < count && base[i] &- 48 < 10 { i += 1 }
        guard i > pos && i - pos <= 18 && i < count && base[i] == 0x2C else { return false }
        pos = i + 1
        return true
    }

    /// `skipRecord` for an unquoted rest of line: finds the newline eight
    /// bytes at a time, which beats a `memchr` call on short values.
    @inline(__always)
    mutating func skipShortRecord() {
        var i = pos
        while i + 8 <= count {
            let x = word(at: i) ^ 0x0A0A_0A0A_0A0A_0A0A
            // The lowest flagged byte is exactly the first zero byte (newline).
            let zero = (x &- 0x0101_0101_0101_0101) & ~x & 0x8080_8080_8080_8080
            if zero != 0 {
                pos = i + (zero.trailingZeroBitCount >> 3) + 1
                line += 1
                return
            }
            i += 8
        }
        pos = i
        skipRecord()
    }

    /// Fast path for the common case: an unquoted run of digits ended by a
    /// comma. Returns the value and moves past the comma; returns nil without
    /// moving otherwise, and the caller takes the general path (which also
    /// produces the precise error).
    @inline(__always)
    mutating func digitsThenComma() -> Int? {
        let (i, value) = digits()
        guard i > pos && i < count && base[i] == 0x2C else { return nil }
        pos = i + 1
        return value
    }

    /// Fast path: `view,`, `addtocart,` or `transaction,`; nil without moving otherwise.
    @inline(__always)
    mutating func eventKindThenComma() -> EventKind? {
        func matches(_ literal: StaticString) -> Bool {
            let n = literal.utf8CodeUnitCount
            guard pos + n < count, base[pos + n] == 0x2C else { return false }
            let p = literal.utf8Start
            for i in 0..<n where base[pos + i] != p[i] { return false }
            return true
        }
        switch pos < count ? base[pos] : 0 {
        case 0x76 where matches("view"):
            pos += 5
            return .view
        case 0x61 where matches("addtocart"):
            pos += 10
            return .addToCart
        case 0x74 where matches("transaction"):
            pos += 12
            return .transaction
        default:
            return nil
        }
    }

    /// Fast path for a last field of optional digits: returns the value (-1
    /// when empty) and moves past the line end; nil without moving otherwise.
    @inline(__always)
    mutating func optionalDigitsThenRecordEnd() -> Int? {
        let (i, value) = digits()
        let result = i > pos ? value : -1
        if i == count {
            pos = i
            return result
        }
        if base[i] == 0x0A {
            pos = i + 1
            line += 1
            return result
        }
        if base[i] == 0x0D && i + 1 < count && base[i + 1] == 0x0A {
            pos = i + 2
            line += 1
            return result
        }
        return nil
    }

    /// Moves to the start of the next record after an error or a skip.
    /// Unquoted data only: quoted fields were already walked by `field`.

    mutating func skipRecord() {
        guard pos < count else { return }
        if let nl = memchrIndex(base, from: pos, to: count, byte: 0x0A) {
            pos = nl + 1
            line += 1
        } else {
            pos = count
        }
    }

    /// Text of a span, for error messages only.
    func text(_ span: FieldSpan) -> String {
        let length = min(span.end - span.start, 60)
        let bytes = UnsafeBufferPointer(start: base + span.start, count: max(length, 0))
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Text of the rest of the current line, for header errors.
    func lineText(from start: Int) -> String {
        var end = start
        while end < count && base[end] != 0x0A && base[end] != 0x0D { end += 1 }
        return String(decoding: UnsafeBufferPointer(start: base + start, count: end - start), as: UTF8.self)
    }

    func equals(_ span: FieldSpan, _ literal: StaticString) -> Bool {
        let n = literal.utf8CodeUnitCount
        guard span.end - span.start == n else { return false }
        let lit = literal.utf8Start
        for i in 0..<n where base[span.start + i] != lit[i] { return false }
        return true
    }

    /// Parses a non-negative decimal integer; throws a precise error otherwise.

    func integer(_ span: FieldSpan, named name: String) throws -> Int {
        var i = span.start
        guard i < span.end else {
            throw DatasetError.badRow(
                file: file, line: lineOf(span), field: name,
                message: "expected a non-negative integer, found an empty field")
        }
        var value = 0
        while i < span.end {
            let d = Int(base[i]) &- 48
            guard d >= 0 && d <= 9 else {
                throw DatasetError.badRow(
                    file: file, line: lineOf(span), field: name,
                    message: "expected a non-negative integer, found \"\(text(span))\"")
            }
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(d)
            guard !o1 && !o2 && a <= Int(Int64.max) else {
                throw DatasetError.badRow(
                    file: file, line: lineOf(span), field: name, message: "integer out of range: \"\(text(span))\"")
            }
            value = a
            i += 1
        }
        return value
    }

    func lineOf(_ span: FieldSpan) -> Int { recordLine }
}

func memchrIndex(_ base: UnsafePointer<UInt8>, from: Int, to: Int, byte: UInt8) -> Int? {
    guard from < to else { return nil }
    guard let hit = memchr(base + from, Int32(byte), to - from) else { return nil }
    return UnsafeRawPointer(hit) - UnsafeRawPointer(base)
}
