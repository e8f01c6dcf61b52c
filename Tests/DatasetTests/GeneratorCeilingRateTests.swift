import Foundation
import Testing

@testable import Dataset

/// The cart rate λ of `GeneratorCeiling`: the funnel keeps `carts` of the views, each with about
/// 1 − exp(−λ w), so the chances must add up to the carts, and a heavier view must be likelier.
struct GeneratorCeilingRateTests {
    @Test func chancesAddUpToTheCarts() {
        let weights: [Float] = (0..<1000).map { Float(1 + $0 % 7) * 0.5 }
        for carts in [1, 50, 400] {
            let lambda = GeneratorCeiling.cartRate(weights: weights, carts: carts)
            let expected = weights.reduce(0) { $0 + (1 - exp(-lambda * Double($1))) }
            #expect(abs(expected - Double(carts)) < 1e-6, "\(carts): \(expected)")
            #expect(lambda > 0)
        }
        #expect(
            GeneratorCeiling.cartRate(weights: weights, carts: 400)
                > GeneratorCeiling.cartRate(weights: weights, carts: 50))
    }

    @Test func ndcgUsesBinaryGainsAndTheIdealOfAtMostTen() {
        #expect(GeneratorCeiling.ndcg([1, 2, 3], [1]) == 1)
        #expect(abs(GeneratorCeiling.ndcg([9, 1], [1]) - 1 / log2(3.0)) < 1e-12)
        // Two relevant items, one found first: 1 / (1 + 1/log2(3)).
        #expect(abs(GeneratorCeiling.ndcg([1, 9], [1, 2]) - 1 / (1 + 1 / log2(3.0))) < 1e-12)
        #expect(GeneratorCeiling.ndcg([], [1]) == 0)
    }
}
