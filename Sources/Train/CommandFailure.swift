/// A failure while a command runs (not a bad flag): printed as
/// "Error: <message>" without the usage text a `ValidationError` brings.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}
