import ArgumentParser
import Dataset

/// `--world NAME` of `generate`, `ceiling`: a bad name is refused with the list of worlds.
extension GeneratorWorld: ExpressibleByArgument {
    public init?(argument: String) {
        guard let world = GeneratorWorld.named(argument) else { return nil }
        self = world
    }

    public var defaultValueDescription: String { name }

    public static var allValueStrings: [String] { all.map(\.name) }

    static let help = ArgumentHelp(
        "How the shoppers browse and buy (docs/evaluation/README.md, \"Worlds\").",
        discussion: all.map { "\($0.name): \($0.summary)" }.joined(separator: "\n"))
}
