import Foundation
import RecsysCore

/// A fast deterministic generator (SplitMix64): same seed, same data, on every machine.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Uniform in 0..<n.
    public mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }

    public mutating func exponential(mean: Double) -> Double { -log(1 - unit()) * mean }

    public mutating func normal() -> Double {
        let u1 = max(unit(), 1e-300)
        let u2 = unit()
        return sqrt(-2 * log(u1)) * cos(2 * .pi * u2)
    }

    public mutating func logNormal(sigma: Double) -> Double { exp(sigma * normal() - sigma * sigma / 2) }

    public mutating func chance(_ p: Double) -> Bool { unit() < p }

    /// Pareto-distributed value >= 1 with tail index `alpha`.
    public mutating func pareto(alpha: Double) -> Double { pow(1 - unit(), -1 / alpha) }

    /// Samples an index from cumulative weights `cdf[lo..<hi]` (ascending).
    public mutating func pick(cdf: UnsafeBufferPointer<Double>, lo: Int, hi: Int) -> Int {
        let before = lo > 0 ? cdf[lo - 1] : 0
        let x = before + unit() * (cdf[hi - 1] - before)
        var a = lo
        var b = hi - 1
        while a < b {
            let m = (a + b) >> 1
            if cdf[m] <= x { a = m + 1 } else { b = m }
        }
        return a
    }
}
