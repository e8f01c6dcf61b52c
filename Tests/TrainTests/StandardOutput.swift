import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs a command with file descriptor 1 redirected to a temp file and
/// returns what it printed. One capture at a time in the process; Swift
/// Testing reports on stderr, so its own output is not captured, but other
/// suites' stdout writes during a capture are: read captures tolerantly.
enum StandardOutput {
    private static let lock = NSLock()

    static func capture(_ body: () throws -> Void) throws -> String {
        lock.lock()
        defer { lock.unlock() }
        let path = NSTemporaryDirectory() + "recsys-stdout-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0o600)
        guard file >= 0 else { throw CaptureError("cannot create \(path)") }
        fflush(nil)
        let saved = dup(1)
        guard saved >= 0, dup2(file, 1) >= 0 else {
            close(file)
            throw CaptureError("cannot redirect stdout")
        }
        close(file)
        var failure: (any Error)?
        do { try body() } catch { failure = error }
        fflush(nil)
        dup2(saved, 1)
        close(saved)
        if let failure { throw failure }
        return try String(contentsOfFile: path, encoding: .utf8)
    }

    struct CaptureError: Error, CustomStringConvertible {
        let description: String
        init(_ d: String) { description = d }
    }
}

/// The pretty-printed JSON object in captured text: from the first line that
/// is a lone "{" to the last that is a lone "}" (one-line JSON logs another
/// test may write to stdout meanwhile are neither).
func jsonObject(in text: String) -> Data {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    guard let first = lines.firstIndex(where: { $0 == "{" }),
        let last = lines.lastIndex(where: { $0 == "}" }), first <= last
    else { return Data() }
    return Data(lines[first...last].joined(separator: "\n").utf8)
}
