import Candidates

/// What the shop has said live about items the model knows that the model does not know yet: their new
/// category (`POST /api/v1/items` moved the item). Requests read it instead of the model's category for the
/// ranker's category features, the `category` filter, discovery's same-category boost and the answer's
/// `category_id`, until a retrain learns it. Dense ids of one pipeline's model; empty costs nothing.
public struct ItemOverrides: Sendable, Equatable {
    /// Dense item → dense category, only where it differs from the model's.
    public var category: [Int32: Int32]

    public init(category: [Int32: Int32] = [:]) { self.category = category }

    public static let none = ItemOverrides()

    public var isEmpty: Bool { category.isEmpty }
}

extension TwoStagePipeline {
    /// Overrides from live facts in raw ids (item → category, the newest update per item): items and
    /// categories this model does not know are left out (a new item is listed by other means), as are
    /// categories equal to the model's. O(facts).
    public func overrides(rawCategories: some Sequence<(item: Int, category: Int)>) -> ItemOverrides {
        var out: [Int32: Int32] = [:]
        for (rawItem, rawCategory) in rawCategories {
            guard let i = item(raw: rawItem), let c = category(raw: rawCategory),
                artifacts.stats.category[i] != c
            else { continue }
            out[Int32(i)] = c
        }
        return ItemOverrides(category: out)
    }

    /// The item's category as requests see it: the live one when there is one, else the model's.
    @inlinable
    public func category(of item: Int32, _ overrides: ItemOverrides) -> Int32 {
        if !overrides.isEmpty, let c = overrides.category[item] { return c }
        return artifacts.stats.category[Int(item)]
    }
}
