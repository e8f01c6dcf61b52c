/// A small open-addressing hash map from non-negative Int32 keys, for the
/// per-request scratch of a few hundred entries. Multiplicative hashing
/// (not SipHash): keys are dense ids, never attacker-chosen strings.
///
/// Values are plain data (`BitwiseCopyable`): a slot's value is written
/// when its key is, and read only where a key is, so the value table is
/// left uninitialised at creation and needs no `Optional` per slot (half
/// the bytes for a `Float`, no fill of the table per request).
public struct IntMap<Value>: Sendable where Value: Sendable & BitwiseCopyable {
    private var keys: [Int32]
    private var values: [Value]
    private var mask: Int
    /// 32 − log2(table size): Fibonacci hashing takes the product's high bits,
    /// which depend on every bit of the key.
    private var shift: UInt32
    public private(set) var count = 0

    public init(capacity: Int = 64) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        keys = [Int32](repeating: -1, count: size)
        values = Self.uninitialisedTable(size)
        mask = size - 1
        shift = UInt32(32 - size.trailingZeroBitCount)
    }

    private static func uninitialisedTable(_ size: Int) -> [Value] {
        // Slots are written before they are read (see the type's comment).
        [Value](unsafeUninitializedCapacity: size) { _, initialized in initialized = size }
    }

    @inline(__always)
    private func slot(of key: Int32) -> Int {
        var i = Int((UInt32(bitPattern: key) &* 0x9E37_79B1) >> shift)
        while keys[i] != -1 && keys[i] != key { i = (i + 1) & mask }
        return i
    }

    public subscript(key: Int32) -> Value? {
        get {
            let i = slot(of: key)
            return keys[i] == key ? values[i] : nil
        }
        set {
            guard let newValue else { return }
            let i = slot(of: key)
            if keys[i] != key {
                keys[i] = key
                count += 1
            }
            values[i] = newValue
            if count * 2 > mask { grow() }
        }
    }

    private mutating func grow() {
        let oldKeys = keys
        let oldValues = values
        keys = [Int32](repeating: -1, count: oldKeys.count * 2)
        values = Self.uninitialisedTable(oldKeys.count * 2)
        mask = keys.count - 1
        shift -= 1
        count = 0
        for i in oldKeys.indices where oldKeys[i] != -1 { self[oldKeys[i]] = oldValues[i] }
    }

    /// Entries in slot order (deterministic for the same insertions).
    public var entries: [(key: Int32, value: Value)] {
        var out: [(Int32, Value)] = []
        out.reserveCapacity(count)
        for i in 0..<keys.count where keys[i] != -1 { out.append((keys[i], values[i])) }
        return out
    }
}

extension IntMap where Value: AdditiveArithmetic {
    /// `self[key] = (self[key] ?? 0) + delta` with one probe (the scoring loops' accumulate).
    @inline(__always)
    public mutating func add(_ key: Int32, _ delta: Value) {
        let i = slot(of: key)
        if keys[i] == key {
            values[i] = values[i] + delta
            return
        }
        keys[i] = key
        values[i] = delta
        count += 1
        if count * 2 > mask { grow() }
    }
}

extension IntMap where Value: Comparable {
    /// The `limit` entries with the highest values, ties by smaller key;
    /// best first unless `ordered` is false (a candidate list whose order
    /// does not matter skips the sort).
    public func top(_ limit: Int, ordered: Bool = true) -> [(key: Int32, value: Value)] {
        // Specialisation folds these checks; float and double values get one-word and two-word integer keys.
        if Value.self == Float.self { return top(limit, ordered, as: FloatRankKey.self) }
        if Value.self == Double.self { return top(limit, ordered, as: DoubleRankKey.self) }
        return top(limit, ordered, as: PairRankKey<Value>.self)
    }

    /// `Key.Score` is `Value` (the caller checked), so the casts between them are free.
    private func top<Key: RankKey>(_ limit: Int, _ ordered: Bool, as _: Key.Type) -> [(key: Int32, value: Value)] {
        // The keys in scratch memory: a per-request array would be one more allocation.
        // One slot more than the entries: every slot is written at the
        // current end and the end moves only past occupied ones (no branch on
        // the half-empty table; an empty slot's value is arbitrary bits, never kept).
        withUnsafeTemporaryAllocation(of: Key.self, capacity: count + 1) { ranked in
            var m = 0
            for i in 0..<keys.count {
                ranked[m] = Key(unsafeBitCast(values[i], to: Key.Score.self), keys[i])
                m &+= 1 &+ Int(keys[i] >> 31)
            }
            return TopK.largest(in: UnsafeBufferPointer(rebasing: ranked[0..<m]), limit: limit, ordered: ordered).map {
                ($0.id, unsafeBitCast($0.score, to: Value.self))
            }
        }
    }
}
