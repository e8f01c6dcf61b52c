import Dataset
import Dispatch
import Foundation
import RecsysCore

/// Item-item cosine similarities, top `cfNeighbours` per item, in CSR arrays.
///
/// Built by sparse accumulation over baskets (a user's events split at long
/// gaps): cost O(Σ basket²) with baskets capped at `cfMaxBasketItems`,
/// memory O(items) per thread plus the result; never an item×item matrix.
public struct ItemNeighbours: Sendable {
    public var start: [Int32]
    public var neighbour: [Int32]
    public var similarity: [Float]

    public init(start: [Int32], neighbour: [Int32], similarity: [Float]) {
        self.start = start
        self.neighbour = neighbour
        self.similarity = similarity
    }

    public var itemCount: Int { start.count - 1 }

    public func neighbours(of item: Int) -> Range<Int> {
        guard item >= 0 && item < itemCount else { return 0..<0 }
        return Int(start[item])..<Int(start[item + 1])
    }

    /// - Parameter rows: when set, only the items marked true get their neighbours (the others an empty
    ///   row): the cost is in the rows, and a training window asks about few items.
    public static func build(
        log: InteractionLog, itemCount: Int, config: RecsysConfig, threads: Int = 2, rows: [Bool]? = nil
    ) -> ItemNeighbours {
        let baskets = Baskets(log: log, config: config)
        let matrix = baskets.transposed(itemCount: itemCount)
        var norm = [Float](repeating: 0, count: itemCount)
        for i in 0..<itemCount {
            var s: Float = 0
            for e in Int(matrix.start[i])..<Int(matrix.start[i + 1]) { s += matrix.value[e] * matrix.value[e] }
            norm[i] = s.squareRoot()
        }
        let norms = norm
        let chunks = max(1, threads * 8)
        let parts = NeighbourParts(count: chunks)
        let m = config.cfNeighbours
        let shrink = Float(config.cfShrink)
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let lo = itemCount * chunk / chunks
            let hi = itemCount * (chunk + 1) / chunks
            var acc = [Float](repeating: 0, count: itemCount)
            var touched: [Int32] = []
            var start: [Int32] = []
            var nb: [Int32] = []
            var sim: [Float] = []
            var candidates: [(Float, Int32)] = []
            for i in lo..<hi {
                if let rows, !rows[i] {
                    start.append(Int32(nb.count))
                    continue
                }
                touched.removeAll(keepingCapacity: true)
                for e in Int(matrix.start[i])..<Int(matrix.start[i + 1]) {
                    let b = Int(matrix.basket[e])
                    let vi = matrix.value[e]
                    for f in Int(baskets.start[b])..<Int(baskets.start[b + 1]) {
                        let j = Int(baskets.item[f])
                        if j == i { continue }
                        if acc[j] == 0 { touched.append(Int32(j)) }
                        acc[j] += vi * baskets.value[f]
                    }
                }
                candidates.removeAll(keepingCapacity: true)
                for j in touched {
                    let s = acc[Int(j)] / (norms[i] * norms[Int(j)] + shrink)
                    candidates.append((s, j))
                    acc[Int(j)] = 0
                }
                if candidates.count > m {
                    candidates.sort { $0.0 != $1.0 ? $0.0 > $1.0 : $0.1 < $1.1 }
                    candidates.removeLast(candidates.count - m)
                } else {
                    candidates.sort { $0.0 != $1.0 ? $0.0 > $1.0 : $0.1 < $1.1 }
                }
                start.append(Int32(nb.count))
                for (s, j) in candidates {
                    nb.append(j)
                    sim.append(s)
                }
            }
            parts.set(chunk, (start, nb, sim))
        }
        var start: [Int32] = []
        start.reserveCapacity(itemCount + 1)
        var nb: [Int32] = []
        var sim: [Float] = []
        for part in parts.values {
            guard let part else { continue }
            let base = Int32(nb.count)
            start += part.0.map { $0 + base }
            nb += part.1
            sim += part.2
        }
        start.append(Int32(nb.count))
        return ItemNeighbours(start: start, neighbour: nb, similarity: sim)
    }
}

/// A user's events split at gaps longer than `cfBasketGapHours`; each basket
/// holds distinct items with value log1p(Σ kind weights). This basket×item
/// CSR matrix is what the item-item cosine is computed on.
public struct Baskets: Sendable {
    public var start: [Int32] = [0]
    public var item: [Int32] = []
    public var value: [Float] = []

    public init(log: InteractionLog, config: RecsysConfig) {
        let gap = Int64(config.cfBasketGapHours * 3_600_000)
        // The basket's distinct items in first-seen order, with their summed weight and the position of
        // their last event. A basket's item is found by a scan while the basket is small (most are: the
        // scan stays in cache), and through `slot`, a dense item-indexed table, once it grows past
        // `scanLimit`. Not a dictionary: its `removeAll(keepingCapacity:)` costs the capacity of the
        // largest basket at every basket.
        let scanLimit = 32
        var slot: [Int32] = []
        var slotted = false
        var distinct: [Int32] = []
        var weight: [Double] = []
        var lastSeen: [Int32] = []
        var seen: Int32 = 0
        var reordered = false
        func flush() {
            if distinct.count > 1 {
                // The most recent position of each item orders the basket, so the cap keeps recent items.
                var order = Array(distinct.indices)
                if reordered { order.sort { lastSeen[$0] < lastSeen[$1] } }
                for k in order.suffix(config.cfMaxBasketItems) {
                    item.append(distinct[k])
                    value.append(Float(log1p(weight[k])))
                }
                start.append(Int32(item.count))
            }
            if slotted { for it in distinct { slot[Int(it)] = -1 } }
            slotted = false
            distinct.removeAll(keepingCapacity: true)
            weight.removeAll(keepingCapacity: true)
            lastSeen.removeAll(keepingCapacity: true)
            seen = 0
            reordered = false
        }
        func entry(of it: Int32) -> Int {
            if slotted { return Int(slot[Int(it)]) }
            for k in distinct.indices where distinct[k] == it { return k }
            return -1
        }
        for u in 0..<log.userCount {
            var last: Int64 = .min
            for e in log.events(of: u) {
                if last != .min && log.time[e] - last > gap { flush() }
                last = log.time[e]
                let it = log.item[e]
                var k = entry(of: it)
                if k < 0 {
                    k = distinct.count
                    distinct.append(it)
                    weight.append(0)
                    lastSeen.append(0)
                    if slotted {
                        slot[Int(it)] = Int32(k)
                    } else if distinct.count > scanLimit {
                        if slot.isEmpty { slot = [Int32](repeating: -1, count: Int(log.item.max() ?? -1) + 1) }
                        for (d, known) in distinct.enumerated() { slot[Int(known)] = Int32(d) }
                        slotted = true
                    }
                } else if lastSeen[k] != seen - 1 {
                    reordered = true
                }
                weight[k] += config.kindWeight[Int(log.kind[e])]
                lastSeen[k] = seen
                seen += 1
            }
            flush()
        }
    }

    public var count: Int { start.count - 1 }

    /// Item → (basket, value), the inverted index.
    func transposed(itemCount: Int) -> (start: [Int32], basket: [Int32], value: [Float]) {
        let t = transposeCSR(start: start, column: item, value: value, columns: itemCount)
        return (t.start, t.row, t.value)
    }
}

final class NeighbourParts: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var values: [([Int32], [Int32], [Float])?]
    init(count: Int) { values = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ v: ([Int32], [Int32], [Float])) { lock.withLock { values[i] = v } }
}
