/// Column → (row, value) from row → (column, value), both in CSR arrays:
/// a counting sort over columns, O(entries + columns). Rows come out in
/// increasing order within each column.
public func transposeCSR(start: [Int32], column: [Int32], value: [Float], columns: Int) -> (
    start: [Int32], row: [Int32], value: [Float]
) {
    var outStart = [Int32](repeating: 0, count: columns + 1)
    for c in column { outStart[Int(c) + 1] += 1 }
    for c in 0..<columns { outStart[c + 1] += outStart[c] }
    var next = outStart
    var row = [Int32](repeating: 0, count: column.count)
    var outValue = [Float](repeating: 0, count: column.count)
    for r in 0..<(start.count - 1) {
        for e in Int(start[r])..<Int(start[r + 1]) {
            let c = Int(column[e])
            row[Int(next[c])] = Int32(r)
            outValue[Int(next[c])] = value[e]
            next[c] += 1
        }
    }
    return (outStart, row, outValue)
}
