import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes a whole file or nothing: a temp file in the same folder, flushed
/// to disk, then renamed over the target, so a reader (or a crash) never
/// sees half a file.
public enum AtomicFile {
    public struct Failure: Error, CustomStringConvertible {
        public let path: String
        public let reason: String
        public var description: String { "cannot write \(path): \(reason)" }
    }

    /// Writes `bytes` to `path`.
    /// - Parameters:
    ///   - bytes: the file's whole content.
    ///   - path: the destination; replaced atomically when it exists.
    ///   - sync: fsync the temp file before the rename (durable across a power cut).
    ///   - createFolder: create the parent folder when missing (else a missing one is an error).
    public static func write(
        _ bytes: some ContiguousBytes, to path: String, sync: Bool = true, createFolder: Bool = true
    ) throws {
        try write(parts: [bytes], to: path, sync: sync, createFolder: createFolder)
    }

    /// Writes `parts` one after the other as one file, without joining
    /// them in memory first (a model file is gigabytes at 10 × scale).
    public static func write<Part: ContiguousBytes>(
        parts: [Part], to path: String, sync: Bool = true, createFolder: Bool = true
    ) throws {
        let folder = (path as NSString).deletingLastPathComponent
        if createFolder && !folder.isEmpty {
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw Failure(path: path, reason: "cannot create folder \(folder)")
            }
        }
        let temp = path + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw Failure(path: path, reason: String(cString: strerror(errno))) }
        var failure: String?
        for part in parts where failure == nil {
            part.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                    if n < 0 {
                        if errno == EINTR { continue }
                        failure = String(cString: strerror(errno))
                        return
                    }
                    offset += n
                }
            }
        }
        if failure == nil, sync, fsync(fd) != 0 { failure = String(cString: strerror(errno)) }
        if close(fd) != 0, failure == nil { failure = String(cString: strerror(errno)) }
        if failure == nil, rename(temp, path) != 0 { failure = "rename failed: " + String(cString: strerror(errno)) }
        if let failure {
            unlink(temp)
            throw Failure(path: path, reason: failure)
        }
    }

    /// Writes `text` as UTF-8.
    public static func write(text: String, to path: String, sync: Bool = true, createFolder: Bool = true) throws {
        try write(Array(text.utf8), to: path, sync: sync, createFolder: createFolder)
    }
}
