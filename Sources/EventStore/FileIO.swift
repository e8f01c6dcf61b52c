import Dataset

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An errno as an `Error`, so it can ride in a `Result`.
struct Errno: Error {
    let code: Int32
}

/// Thin POSIX wrappers that turn `errno` into a readable reason. Plain syscalls rather than FileHandle: the
/// log needs `pwrite`, `ftruncate` and `fsync` with their exact errors (ENOSPC, EROFS, EIO…).
enum FileIO {
    /// "what path: strerror (errno)".
    static func reason(_ what: String, _ path: String, _ code: Int32 = errno) -> String {
        "\(what) \(path): \(String(cString: strerror(code))) (errno \(code))"
    }

    /// "what path: strerror (errno)" for a captured errno.
    static func reason(_ what: String, _ path: String, _ e: Errno) -> String { reason(what, path, e.code) }

    /// Opens `path`; returns the fd or the errno.
    static func open(_ path: String, _ flags: Int32, mode: mode_t = 0o644) -> Result<Int32, Errno> {
        #if canImport(Glibc)
            let fd = path.withCString { Glibc.open($0, flags | O_CLOEXEC, mode) }
        #else
            let fd = path.withCString { Darwin.open($0, flags | O_CLOEXEC, mode) }
        #endif
        return fd >= 0 ? .success(fd) : .failure(Errno(code: errno))
    }

    /// The file size, or the errno.
    static func size(_ fd: Int32) -> Result<Int, Errno> {
        var st = stat()
        return fstat(fd, &st) == 0 ? .success(Int(st.st_size)) : .failure(Errno(code: errno))
    }

    /// Reads `count` bytes at `offset` (fewer only at end of file); one `pread` in the usual case.
    static func read(_ fd: Int32, at offset: Int, count: Int) -> Result<[UInt8], Errno> {
        var failure: Int32 = 0
        var buffer = [UInt8](repeating: 0, count: count)
        let got = buffer.withUnsafeMutableBytes { raw -> Int in
            guard let base = raw.baseAddress else { return 0 }
            var done = 0
            while done < count {
                let n = pread(fd, base + done, count - done, off_t(offset + done))
                if n > 0 {
                    done += n
                } else if n == 0 {
                    break
                } else if errno != EINTR {
                    failure = errno
                    return -1
                }
            }
            return done
        }
        if got < 0 { return .failure(Errno(code: failure)) }
        if got < count { buffer.removeLast(count - got) }
        return .success(buffer)
    }

    /// Writes all of `bytes` at `offset`, retrying short writes; returns the errno on failure.
    static func write(_ fd: Int32, _ bytes: [UInt8], at offset: Int) -> Int32? {
        bytes.withUnsafeBytes { raw -> Int32? in
            guard let base = raw.baseAddress else { return nil }
            var done = 0
            while done < raw.count {
                let n = pwrite(fd, base + done, raw.count - done, off_t(offset + done))
                if n > 0 {
                    done += n
                } else if n < 0 && errno == EINTR {
                    continue
                } else {
                    return n == 0 ? EIO : errno
                }
            }
            return nil
        }
    }

    /// `fsync`, retrying EINTR; returns the errno on failure.
    static func sync(_ fd: Int32) -> Int32? {
        while fsync(fd) != 0 {
            if errno != EINTR { return errno }
        }
        return nil
    }

    /// `ftruncate`; returns the errno on failure.
    static func truncate(_ fd: Int32, to size: Int) -> Int32? {
        ftruncate(fd, off_t(size)) == 0 ? nil : errno
    }

    /// Makes a new directory entry durable (a new segment must survive a crash even before its first fsync).
    static func syncDirectory(_ path: String) -> Int32? {
        switch open(path, O_RDONLY) {
        case .failure(let e): return e.code
        case .success(let fd):
            defer { close(fd) }
            return sync(fd)
        }
    }
}
