import Dataset
import Foundation

/// A percentile bootstrap interval of a mean.
public struct BootstrapInterval: Codable, Sendable, Equatable {
    public var low: Double
    public var high: Double

    public init(low: Double, high: Double) {
        self.low = low
        self.high = high
    }

    public var width: Double { high - low }
}

/// How the report's intervals were drawn, stored beside them so they can be reproduced.
public struct BootstrapSettings: Codable, Sendable, Equatable {
    /// The cutoff the intervals are computed at (10 when evaluated, else the first K).
    public var k: Int
    public var resamples: Int
    public var confidence: Double
    public var seed: UInt64

    public init(k: Int, resamples: Int = 1000, confidence: Double = 0.95, seed: UInt64 = 19) {
        self.k = k
        self.resamples = resamples
        self.confidence = confidence
        self.seed = seed
    }
}

/// Percentile bootstrap over test users: resample the per-user values with
/// replacement `resamples` times (the generator's seeded SplitMix64, so the same values give
/// the same interval on every machine), take the mean of each resample, and
/// return the central `confidence` share of those means. Costs
/// resamples × values.count additions.
public enum Bootstrap {
    public static func interval(
        _ values: [Double], resamples: Int = 1000, confidence: Double = 0.95, seed: UInt64 = 19
    ) -> BootstrapInterval {
        guard !values.isEmpty, resamples > 0 else { return BootstrapInterval(low: 0, high: 0) }
        var rng = SplitMix64(seed: seed)
        let n = values.count
        var means = [Double](repeating: 0, count: resamples)
        values.withUnsafeBufferPointer { v in
            for r in 0..<resamples {
                var sum = 0.0
                for _ in 0..<n { sum += v[Int(rng.next() % UInt64(n))] }
                means[r] = sum / Double(n)
            }
        }
        means.sort()
        let tail = (1 - confidence) / 2
        func quantile(_ q: Double) -> Double {
            means[min(resamples - 1, max(0, Int((q * Double(resamples - 1)).rounded())))]
        }
        return BootstrapInterval(low: quantile(tail), high: quantile(1 - tail))
    }

    /// Paired percentile bootstrap of mean(a) − mean(b), where `a[i]` and
    /// `b[i]` are two methods' scores of the same test user: each resample
    /// draws the same users for both, so what the users have in common
    /// (easy or hard visitors) cancels and only the difference varies.
    /// The mean of a resample's differences is the difference of its means,
    /// so this is `interval` of the per-user differences (same seed, same
    /// draws). Empty inputs give [0, 0]; `a` and `b` must have the same count.
    public static func pairedDifference(
        _ a: [Double], _ b: [Double], resamples: Int = 1000, confidence: Double = 0.95, seed: UInt64 = 19
    ) -> BootstrapInterval {
        precondition(a.count == b.count, "paired bootstrap of \(a.count) and \(b.count) values")
        return interval(
            zip(a, b).map { $0 - $1 }, resamples: resamples, confidence: confidence, seed: seed)
    }
}
