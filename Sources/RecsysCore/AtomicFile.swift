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
        try write(to: path, sync: sync, createFolder: createFolder) { file in
            for part in parts { try part.withUnsafeBytes { try file.append($0) } }
        }
    }

    /// The file `write(to:_:)` is making: bytes go at its end, and bytes already written can be replaced in place
    /// (a header whose lengths are known only once what follows it is out).
    public final class Appender {
        let fd: Int32
        let path: String
        /// The bytes written so far.
        public private(set) var size = 0

        init(fd: Int32, path: String) {
            self.fd = fd
            self.path = path
        }

        public func append(_ bytes: UnsafeRawBufferPointer) throws {
            try write(bytes, at: size)
            size += bytes.count
        }

        /// Overwrites bytes already appended (`offset + bytes.count <= size`).
        public func replace(at offset: Int, with bytes: UnsafeRawBufferPointer) throws {
            precondition(offset >= 0 && offset + bytes.count <= size, "replace past the end of \(path)")
            try write(bytes, at: offset)
        }

        private func write(_ bytes: UnsafeRawBufferPointer, at start: Int) throws {
            var done = 0
            while done < bytes.count {
                let n = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(start + done))
                if n < 0 {
                    if errno == EINTR { continue }
                    throw Failure(path: path, reason: String(cString: strerror(errno)))
                }
                done += n
            }
        }
    }

    /// Runs `body` on a temp file in `path`'s folder, then flushes it and renames it over `path`; when `body`
    /// throws, or a write fails, the temp file is removed and `path` is left as it was.
    @discardableResult
    public static func write<T>(
        to path: String, sync: Bool = true, createFolder: Bool = true, _ body: (Appender) throws -> T
    ) throws -> T {
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
        let result: T
        do {
            result = try body(Appender(fd: fd, path: path))
        } catch {
            close(fd)
            unlink(temp)
            throw error
        }
        var failure: String?
        if sync, fsync(fd) != 0 { failure = String(cString: strerror(errno)) }
        if close(fd) != 0, failure == nil { failure = String(cString: strerror(errno)) }
        if failure == nil, rename(temp, path) != 0 { failure = "rename failed: " + String(cString: strerror(errno)) }
        if let failure {
            unlink(temp)
            throw Failure(path: path, reason: failure)
        }
        return result
    }

    /// Writes `text` as UTF-8.
    public static func write(text: String, to path: String, sync: Bool = true, createFolder: Bool = true) throws {
        try write(Array(text.utf8), to: path, sync: sync, createFolder: createFolder)
    }
}
