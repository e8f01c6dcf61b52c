/// How the generated shoppers browse and buy: the rules of one "world".
///
/// The default, `retailrocket`, is the world every report before issue 18's worlds was measured on. The
/// others change how shoppers behave, not the log's shape (the same visitors, views, carts, purchases,
/// items and categories): a model that only wins on one set of habits is fitted to a generator, not to
/// shoppers, so `evaluate` and `ceiling` can be run on each (`generate --world NAME`).
public struct GeneratorWorld: Sendable, Codable, Equatable {
    public var name: String
    /// Chance that a view after the first of a session is a close neighbour of the previous item.
    public var relatedChance: Double
    /// Otherwise, chance that it is one of the visitor's `revisitWindow` newest items again.
    public var revisitChance: Double
    public var revisitWindow: Int
    /// Chance that a session goes on after each view (sessions are geometric in length).
    public var sessionContinue: Double
    /// Chance that a session browses one of the visitor's taste categories rather than any leaf.
    public var tasteSessionChance: Double
    /// Cart weight multipliers: a view in one of the visitor's tastes, a view of an item seen before.
    public var inTasteBoost: Double
    public var repeatBoost: Double
    public var summary: String

    /// Today's rules: about a fifth of views return to a recent item, and a repeated view carts 3.5 × as often.
    public static let retailrocket = GeneratorWorld(
        name: "retailrocket", relatedChance: 0.35, revisitChance: 0.22, revisitWindow: 8, sessionContinue: 0.62,
        tasteSessionChance: 0.85, inTasteBoost: 2.5, repeatBoost: 3.5,
        summary: "the default: shoppers often return to items they viewed, and buy what they return to")
    /// Shoppers rarely go back: they hop from item to related item, and a second look barely raises the
    /// chance of a cart. The visitor's own history is a weak guide; what others browsed together is a strong one.
    public static let wanderers = GeneratorWorld(
        name: "wanderers", relatedChance: 0.55, revisitChance: 0.06, revisitWindow: 8, sessionContinue: 0.62,
        tasteSessionChance: 0.85, inTasteBoost: 2.5, repeatBoost: 1.3,
        summary: "few returns to viewed items, many hops to related ones; a repeated view barely converts more")
    /// Shoppers compare: they go back and forth between a handful of items and buy one they returned to.
    public static let returners = GeneratorWorld(
        name: "returners", relatedChance: 0.2, revisitChance: 0.4, revisitWindow: 5, sessionContinue: 0.62,
        tasteSessionChance: 0.85, inTasteBoost: 2.5, repeatBoost: 5,
        summary: "many returns to a few recent items, which convert 5 x as often")
    /// Shoppers browse outside their tastes half the time and their tastes barely shape what they buy:
    /// category popularity carries more of the signal than the visitor's past.
    public static let explorers = GeneratorWorld(
        name: "explorers", relatedChance: 0.35, revisitChance: 0.12, revisitWindow: 8, sessionContinue: 0.55,
        tasteSessionChance: 0.5, inTasteBoost: 1.2, repeatBoost: 2,
        summary: "half the sessions outside the visitor's tastes, shorter sessions, tastes barely shape carts")

    public static let all: [GeneratorWorld] = [.retailrocket, .wanderers, .returners, .explorers]

    /// The world called `name`, or nil.
    public static func named(_ name: String) -> GeneratorWorld? { all.first { $0.name == name } }
}
