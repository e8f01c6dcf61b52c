import RecsysCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Buffered byte output with integer formatting, for writing CSV at disk speed.
/// Writes to `path + ".tmp"` and renames on `commit()`, so a crash never
/// leaves a half-written file under the final name.
final class ByteWriter {
    private let fd: Int32
    private let path: String
    private var buffer: UnsafeMutablePointer<UInt8>
    private var used = 0
    private let capacity = 1 << 22
    private(set) var bytesWritten = 0

    init(path: String) throws {
        self.path = path
        fd = open(path + ".tmp", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else {
            throw DatasetError.io(file: path, message: "cannot create: \(String(cString: strerror(errno)))")
        }
        buffer = .allocate(capacity: capacity)
    }

    deinit { buffer.deallocate() }

    @inline(__always)
    func byte(_ b: UInt8) {
        if used == capacity { flushQuietly() }
        buffer[used] = b
        used += 1
    }

    func text(_ s: StaticString) {
        let p = s.utf8Start
        for i in 0..<s.utf8CodeUnitCount { byte(p[i]) }
    }

    func text(_ s: String) {
        for b in s.utf8 { byte(b) }
    }

    @inline(__always)
    func int(_ value: Int) {
        var v = value
        if v < 0 {
            byte(0x2D)
            v = -v
        }
        var digits:
            (
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8
            ) =
                (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = 0
        withUnsafeMutableBytes(of: &digits) { d in
            repeat {
                d[n] = UInt8(48 + v % 10)
                v /= 10
                n += 1
            } while v > 0
            while n > 0 {
                n -= 1
                byte(d[n])
            }
        }
    }

    private var failure: DatasetError?

    private func flushQuietly() {
        var off = 0
        while off < used {
            let n = write(fd, buffer + off, used - off)
            if n < 0 {
                if errno == EINTR { continue }
                failure = failure ?? .io(file: path, message: "write failed: \(String(cString: strerror(errno)))")
                break
            }
            off += n
        }
        bytesWritten += used
        used = 0
    }

    /// Flushes, closes and moves the file into place.
    func commit() throws {
        flushQuietly()
        close(fd)
        if let failure {
            unlink(path + ".tmp")
            throw failure
        }
        guard rename(path + ".tmp", path) == 0 else {
            throw DatasetError.io(file: path, message: "rename failed: \(String(cString: strerror(errno)))")
        }
    }
}
