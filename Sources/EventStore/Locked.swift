import Dataset
import Foundation

/// A value behind an `NSLock`. `Synchronization.Mutex` would do, but it needs macOS 15 and the package still
/// builds for macOS 14.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    /// Runs `body` with exclusive access; keep it short, it blocks other threads (never the I/O itself).
    func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
