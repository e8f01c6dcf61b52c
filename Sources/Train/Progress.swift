import Foundation

/// Progress lines on stderr, so stdout stays clean for tables and JSON.
enum Progress {
    static func line(_ text: String) {
        FileHandle.standardError.write(Data("[recsys] \(text)\n".utf8))
    }

    /// Reports each file's progress every 64 MB.
    static func fileReader() -> @Sendable (String, Int) -> Void {
        { name, bytes in
            let step = 64 << 20
            if bytes / step != (bytes - min(bytes, 8 << 20)) / step {
                line("\(name): \(bytes >> 20) MB read")
            }
        }
    }
}
