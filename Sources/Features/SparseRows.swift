import RecsysCore

/// Feature rows in CSR form: only non-zero columns are stored.
public struct SparseRows: Sendable {
    public var start: [Int] = [0]
    public var column: [Int32] = []
    public var value: [Double] = []
    public var columns: Int

    public init(columns: Int) { self.columns = columns }

    public var count: Int { start.count - 1 }

    @inlinable
    public mutating func put(_ column: Int, _ v: Double) {
        if v != 0 {
            self.column.append(Int32(column))
            value.append(v)
        }
    }

    @inlinable
    public mutating func endRow() { start.append(column.count) }

    public mutating func append(_ other: SparseRows) {
        let base = column.count
        // Reserved first: the one copy (of a shared buffer) is then also the only growth.
        column.reserveCapacity(base + other.column.count)
        value.reserveCapacity(base + other.value.count)
        start.reserveCapacity(start.count + other.count)
        column += other.column
        value += other.value
        start += other.start.dropFirst().map { $0 + base }
    }

    public func row(_ r: Int) -> Range<Int> { start[r]..<start[r + 1] }

    /// A dense copy of row `r`, for tests and inspection.
    public func dense(_ r: Int) -> [Double] {
        var out = [Double](repeating: 0, count: columns)
        for e in row(r) { out[Int(column[e])] = value[e] }
        return out
    }
}
