import Dataset
import RecsysCore

/// The user × item matrix the factor models learn from: w = Σ kind weight
/// over a user's events with an item (views 1, carts 4, purchases 6 by
/// default), in CSR arrays with columns ascending within each row.
public struct InteractionMatrix: Sendable {
    public let rows: Int
    public let columns: Int
    public let start: [Int32]
    public let column: [Int32]
    public let value: [Float]

    public init(rows: Int, columns: Int, start: [Int32], column: [Int32], value: [Float]) {
        (self.rows, self.columns, self.start, self.column, self.value) = (rows, columns, start, column, value)
    }

    public var nonZeros: Int { column.count }

    public func row(_ r: Int) -> Range<Int> { Int(start[r])..<Int(start[r + 1]) }

    /// From a log ordered by user (every event of `log` counts).
    public init(log: InteractionLog, itemCount: Int, kindWeight: [Double]) {
        var start: [Int32] = [0]
        start.reserveCapacity(log.userCount + 1)
        var column: [Int32] = []
        var value: [Float] = []
        column.reserveCapacity(log.count)
        value.reserveCapacity(log.count)
        var scratch: [(item: Int32, weight: Float)] = []
        for u in 0..<log.userCount {
            scratch.removeAll(keepingCapacity: true)
            for e in log.events(of: u) {
                scratch.append((log.item[e], Float(kindWeight[Int(log.kind[e])])))
            }
            scratch.sort { $0.item < $1.item }
            var k = 0
            while k < scratch.count {
                var w: Float = 0
                let item = scratch[k].item
                while k < scratch.count && scratch[k].item == item {
                    w += scratch[k].weight
                    k += 1
                }
                column.append(item)
                value.append(w)
            }
            start.append(Int32(column.count))
        }
        self.init(rows: log.userCount, columns: itemCount, start: start, column: column, value: value)
    }

    /// Item × user.
    public func transposed() -> InteractionMatrix {
        let t = transposeCSR(start: start, column: column, value: value, columns: columns)
        return InteractionMatrix(rows: columns, columns: rows, start: t.start, column: t.row, value: t.value)
    }

    /// Whether row `r` has column `c` (binary search).
    public func contains(row r: Int, column c: Int32) -> Bool {
        var lo = Int(start[r])
        var hi = Int(start[r + 1])
        while lo < hi {
            let mid = (lo + hi) >> 1
            if column[mid] < c { lo = mid + 1 } else { hi = mid }
        }
        return lo < Int(start[r + 1]) && column[lo] == c
    }
}
