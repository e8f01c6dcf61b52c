import RecsysCore

/// Everything that can go wrong while reading RetailRocket files, with the
/// place (file, line, field) and what was expected.
public enum DatasetError: Error, CustomStringConvertible, Equatable, Sendable {
    case io(file: String, message: String)
    case missingFile(String)
    case badHeader(file: String, expected: String, found: String)
    case badRow(file: String, line: Int, field: String?, message: String)
    case invalid(String)

    public var description: String {
        switch self {
        case .io(let file, let message): return "\(file): \(message)"
        case .missingFile(let path): return "missing input file: \(path)"
        case .badHeader(let file, let expected, let found):
            return "\(file):1: bad header: expected \"\(expected)\", found \"\(found)\""
        case .badRow(let file, let line, let field, let message):
            if let field { return "\(file):\(line): field '\(field)': \(message)" }
            return "\(file):\(line): \(message)"
        case .invalid(let message): return message
        }
    }
}

/// What to do with a row that cannot be read.
public enum BadRowPolicy: String, Sendable, CaseIterable {
    /// Stop at the first bad row with its error (the default).
    case fail
    /// Skip the row, count it, and keep the first few errors as examples.
    case skip
}

/// Per-file tallies of what an ingest saw, so nothing is dropped silently.
public struct FileReport: Sendable, Codable, Equatable {
    public var file: String
    public var bytes: Int = 0
    public var rows: Int = 0
    public var badRows: Int = 0
    public var blankLines: Int = 0
    public var duplicateRows: Int = 0
    /// The first bad-row errors (at most `maxExamples`), as text.
    public var badRowExamples: [String] = []

    static let maxExamples = 10

    public init(file: String) { self.file = file }

    /// Adds the tallies of another part of the same file.
    mutating func merge(_ other: FileReport) {
        bytes += other.bytes
        rows += other.rows
        badRows += other.badRows
        blankLines += other.blankLines
        duplicateRows += other.duplicateRows
        badRowExamples += other.badRowExamples.prefix(Self.maxExamples - badRowExamples.count)
    }

    mutating func recordBadRow(_ error: DatasetError) {
        badRows += 1
        if badRowExamples.count < Self.maxExamples { badRowExamples.append(error.description) }
    }
}
