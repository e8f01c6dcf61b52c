/// The best entries of a score list: each entry becomes one key ordered as
/// entries are ranked (higher score first, then smaller id), so selecting
/// and sorting compare plain keys and the answer is read back from them.
public enum TopK {
    /// The `limit` largest keys, largest first unless `ordered` is false.
    /// Keys embed their id, so they are distinct.
    ///
    /// A quickselect finds the `limit` largest. Long inputs (a factor
    /// model's 500-item pool, a user-kNN map) are first cut down to about
    /// twice `limit` keys by a cut estimated from a sample, in a pass that
    /// does not branch on the data.
    public static func largest<Key: PartitionKey & BitwiseCopyable>(_ keys: [Key], limit: Int, ordered: Bool = true)
        -> [Key]
    {
        keys.withUnsafeBufferPointer { largest(in: $0, limit: limit, ordered: ordered) }
    }

    /// The same over keys in a buffer (a caller may build them in scratch
    /// memory). Works in one temporary buffer: no copy of the input array.
    public static func largest<Key: PartitionKey & BitwiseCopyable>(
        in keys: UnsafeBufferPointer<Key>, limit: Int, ordered: Bool = true
    )
        -> [Key]
    {
        guard limit > 0, !keys.isEmpty else { return [] }
        guard keys.count > limit else {
            var all = Array(keys)
            if ordered { all.sort(by: >) }
            return all
        }
        var top = withUnsafeTemporaryAllocation(of: Key.self, capacity: keys.count) { scratch -> [Key] in
            var m = shortlist(keys, limit: limit, into: scratch)
            if m < limit {
                _ = scratch.initialize(fromContentsOf: keys)
                m = keys.count
            }
            let kept = UnsafeMutableBufferPointer(rebasing: scratch[0..<m])
            if m > limit { _ = kthLargest(kept, limit - 1) }
            return Array(kept[0..<limit])
        }
        if ordered { top.sort(by: >) }
        return top
    }

    /// The keys at or above a cut estimated from a strided sample, when at
    /// least `limit` pass it; nil for short inputs or a cut too high.
    /// Exact: when `limit` keys pass, the `limit`-th largest is at or above
    /// the cut, so the whole answer is in the list.
    public static func shortlist<Key: PartitionKey & BitwiseCopyable>(_ keys: [Key], limit: Int) -> [Key]? {
        keys.withUnsafeBufferPointer { k in
            withUnsafeTemporaryAllocation(of: Key.self, capacity: k.count) { scratch -> [Key]? in
                let m = shortlist(k, limit: limit, into: scratch)
                return m >= limit ? Array(scratch[0..<m]) : nil
            }
        }
    }

    /// Writes the keys at or above the sampled cut to the front of
    /// `scratch` (as long as `keys`) and returns how many passed; 0 when
    /// the input is too short to sample. Fewer than `limit` means the cut
    /// was too high and the front of `scratch` is to be discarded.
    public static func shortlist<Key: PartitionKey & BitwiseCopyable>(
        _ keys: UnsafeBufferPointer<Key>, limit: Int, into scratch: UnsafeMutableBufferPointer<Key>
    ) -> Int {
        let count = keys.count
        guard count >= 256, limit * 8 <= count else { return 0 }
        // Half as many for a factor pool of 500: a quickselect over the sample costs as much as the pass.
        let sampleSize = count < 1_024 ? 64 : 128
        let step = count / sampleSize
        // The sample rank where about 2 × limit of the whole input would pass.
        let rank = min(sampleSize - 1, (2 * limit * sampleSize + count - 1) / count + 1)
        let cut = withUnsafeTemporaryAllocation(of: Key.self, capacity: sampleSize) { sample -> Key in
            for j in 0..<sampleSize { sample[j] = keys[j * step] }
            return kthLargest(sample, rank)
        }
        // Every key is written and the count advances only past those that
        // pass: no branch on the data (keys are plain values, so slots past
        // the count need no clean-up).
        var m = 0
        for c in 0..<count {
            scratch[m] = keys[c]
            m &+= 1 &- Key.greater(cut, than: keys[c])
        }
        return m
    }

    /// The value with `k` values ranked before it, largest first
    /// (quickselect). Reorders `values` so the `k + 1` largest come first.
    public static func kthLargest<Value: PartitionKey & BitwiseCopyable>(_ values: inout [Value], _ k: Int) -> Value {
        values.withUnsafeMutableBufferPointer { kthLargest($0, k) }
    }

    /// The same in a buffer.
    /// The partition does not branch on the data: it swaps every value and
    /// advances the boundary by the comparison's result as a number, where a
    /// classic partition mispredicts about every other step on random keys
    /// (and the compiler turned `x > pivot ? 1 : 0` back into a branch).
    public static func kthLargest<Value: PartitionKey & BitwiseCopyable>(
        _ v: UnsafeMutableBufferPointer<Value>, _ k: Int
    )
        -> Value
    {
        var lo = 0
        var hi = v.count - 1
        while lo < hi {
            // The middle value as the pivot (sorted input stays linear), parked at the end.
            v.swapAt((lo + hi) >> 1, hi)
            let pivot = v[hi]
            var boundary = lo
            for i in lo..<hi {
                let x = v[i]
                v[i] = v[boundary]
                v[boundary] = x
                boundary &+= Value.greater(x, than: pivot)
            }
            // Larger values before the boundary, the pivot on it, the rest after.
            v.swapAt(boundary, hi)
            if k == boundary { break }
            if k < boundary { hi = boundary - 1 } else { lo = boundary + 1 }
        }
        return v[k]
    }
}

/// A comparison the selection uses as data: `greater(a, than: b)` is 1
/// when a > b, else 0, computed without a branch for the integer keys.
public protocol PartitionKey: Comparable {
    static func greater(_ a: Self, than b: Self) -> Int
}

extension PartitionKey {
    @inline(__always)
    public static func greater(_ a: Self, than b: Self) -> Int { a > b ? 1 : 0 }
}

/// Plain integers select with the default comparison (the partition tests use them).
extension Int: PartitionKey {}

/// A score and an id as one comparable key: larger for a higher score, then
/// for a smaller id; both can be read back.
public protocol RankKey: PartitionKey, BitwiseCopyable {
    associatedtype Score
    init(_ score: Score, _ id: Int32)
    var score: Score { get }
    var id: Int32 { get }
}

/// A float score's bits made order-preserving as an unsigned integer, then
/// the id inverted so a smaller id ranks higher: one 64-bit compare.
public struct FloatRankKey: RankKey {
    public let bits: UInt64

    @inline(__always)
    public init(_ score: Float, _ id: Int32) {
        // Adding +0 turns -0 into +0 (they compare equal, so they need one key).
        let raw = (score + 0).bitPattern
        // Without branches (factor scores have random signs): negative → all bits flipped, else the sign bit set.
        let ordered = raw ^ (UInt32(bitPattern: Int32(bitPattern: raw) >> 31) | 0x8000_0000)
        bits = UInt64(ordered) << 32 | UInt64(UInt32.max - (UInt32(bitPattern: id) ^ 0x8000_0000))
    }

    public var score: Float {
        let ordered = UInt32(truncatingIfNeeded: bits >> 32)
        return Float(bitPattern: ordered & 0x8000_0000 != 0 ? ordered & 0x7FFF_FFFF : ~ordered)
    }

    public var id: Int32 { Int32(bitPattern: (UInt32.max - UInt32(truncatingIfNeeded: bits)) ^ 0x8000_0000) }

    @inline(__always)
    public static func < (a: Self, b: Self) -> Bool { a.bits < b.bits }

    /// The borrow of b − a: 1 exactly when a > b.
    @inline(__always)
    public static func greater(_ a: Self, than b: Self) -> Int {
        Int(truncatingIfNeeded: b.bits.subtractingReportingOverflow(a.bits).overflow ? 1 as UInt8 : 0)
    }
}

/// The same for a double score, in two words.
public struct DoubleRankKey: RankKey {
    public let ordered: UInt64
    public let invertedID: UInt32

    @inline(__always)
    public init(_ score: Double, _ id: Int32) {
        let raw = (score + 0).bitPattern
        ordered = raw ^ (UInt64(bitPattern: Int64(bitPattern: raw) >> 63) | (1 << 63))
        invertedID = UInt32.max - (UInt32(bitPattern: id) ^ 0x8000_0000)
    }

    public var score: Double { Double(bitPattern: ordered & (1 << 63) != 0 ? ordered & ~(1 << 63) : ~ordered) }
    public var id: Int32 { Int32(bitPattern: (UInt32.max - invertedID) ^ 0x8000_0000) }

    @inline(__always)
    public static func < (a: Self, b: Self) -> Bool {
        a.ordered != b.ordered ? a.ordered < b.ordered : a.invertedID < b.invertedID
    }

    /// Both words as one 96-bit number: b − a wraps past 2¹²⁷ exactly when a > b.
    @inline(__always)
    public static func greater(_ a: Self, than b: Self) -> Int {
        Int(truncatingIfNeeded: (b.wide &- a.wide) >> 127)
    }

    @inline(__always)
    private var wide: UInt128 { UInt128(ordered) << 32 | UInt128(invertedID) }
}

/// Any other comparable score, compared as a pair.
public struct PairRankKey<Score: Comparable & BitwiseCopyable>: RankKey {
    public let score: Score
    public let id: Int32

    public init(_ score: Score, _ id: Int32) {
        self.score = score
        self.id = id
    }

    public static func < (a: Self, b: Self) -> Bool { a.score != b.score ? a.score < b.score : a.id > b.id }
}
