import Foundation

/// Folders for tests, all under one root in the system temp dir that is removed when the test process
/// exits. Tests hand folders to servers and stores that outlive a test's scope, so removing each one at
/// the end of its scope is not safe; removing the root at exit is, and a run leaves nothing behind.
public enum Scratch {
    /// The root of this process's folders, created (and its removal registered) on first use.
    public static let root: String = {
        let root = NSTemporaryDirectory() + "recsys-tests-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        atexit { Scratch.removeRoot() }
        return root
    }()

    /// A new path under the root named `prefix` + a UUID; the folder is created unless `create` is false
    /// (for code under test that must create it itself).
    public static func folder(_ prefix: String, create: Bool = true) -> String {
        let path = root + "/" + prefix + UUID().uuidString
        if create { try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
        return path
    }

    private static func removeRoot() {
        // Tests may leave read-only folders behind (permission tests); make them removable first.
        if let walker = FileManager.default.enumerator(atPath: root) {
            for case let name as String in walker { chmod(root + "/" + name, 0o755) }
        }
        try? FileManager.default.removeItem(atPath: root)
    }
}
