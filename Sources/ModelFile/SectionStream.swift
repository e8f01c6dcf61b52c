import CZlib

/// One section's payload, inflated straight into the arrays asked for: the
/// compressed bytes are read in 1 MB pieces and checked against the
/// section's CRC-32 as they go, so loading never holds a whole compressed or
/// raw copy of a section beside the arrays made from it.
public final class SectionStream {
    private let entry: SectionSource.Entry
    private let readAt: @Sendable (_ offset: Int, _ count: Int) throws -> [UInt8]
    private var stream = z_stream()
    private var input: [UInt8] = []
    private var consumed = 0
    private var checksum: UInt = 0
    private var produced = 0
    private var ended = false
    private var closed = false

    init(entry: SectionSource.Entry, readAt: @escaping @Sendable (Int, Int) throws -> [UInt8]) throws {
        self.entry = entry
        self.readAt = readAt
        let status = inflateInit_(&stream, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else { throw ModelFileError.corrupt(section: entry.tag, reason: "zlib init failed") }
    }

    deinit { close() }

    private func close() {
        guard !closed else { return }
        closed = true
        inflateEnd(&stream)
    }

    private var remainingRaw: Int { entry.rawLength - produced }

    /// Inflates exactly `count` bytes into `destination`.
    private func fill(_ destination: UnsafeMutableRawPointer, _ count: Int) throws {
        var done = 0
        while done < count {
            let piece = min(count - done, 1 << 30)
            stream.next_out = (destination + done).assumingMemoryBound(to: Bytef.self)
            stream.avail_out = UInt32(piece)
            while stream.avail_out > 0 {
                if stream.avail_in == 0 {
                    guard try nextInput() else { throw try failure("the compressed data ends early") }
                }
                let status = input.withUnsafeMutableBufferPointer { buffer -> Int32 in
                    let offset = buffer.count - Int(stream.avail_in)
                    stream.next_in = buffer.baseAddress! + offset
                    return inflate(&stream, Z_NO_FLUSH)
                }
                if status == Z_STREAM_END {
                    ended = true
                    if stream.avail_out > 0 { throw try failure("the data inflates to fewer bytes than stated") }
                } else if status != Z_OK {
                    throw try failure("zlib data does not inflate (status \(status))")
                }
            }
            done += piece
        }
        produced += count
    }

    /// Loads the next compressed piece; false when the payload is used up.
    private func nextInput() throws -> Bool {
        let n = min(entry.packedLength - consumed, 1 << 20)
        guard n > 0 else { return false }
        input = try readAt(entry.offset + consumed, n)
        consumed += n
        checksum = input.withUnsafeBufferPointer { crc32(checksum, $0.baseAddress, UInt32($0.count)) }
        stream.avail_in = UInt32(n)
        return true
    }

    /// The error to report for bad data: a CRC mismatch over the whole payload
    /// says more (the file was damaged) than the inflate error it caused.
    private func failure(_ reason: String) throws -> ModelFileError {
        while consumed < entry.packedLength {
            let n = min(entry.packedLength - consumed, 1 << 20)
            let piece = try readAt(entry.offset + consumed, n)
            consumed += n
            checksum = piece.withUnsafeBufferPointer { crc32(checksum, $0.baseAddress, UInt32($0.count)) }
        }
        if UInt32(checksum) != entry.checksum { return .checksumMismatch(section: entry.tag) }
        return .corrupt(section: entry.tag, reason: reason)
    }

    /// A CRC mismatch over the whole payload, or nil when it matches.
    public func checksumFailure() throws -> ModelFileError? {
        let error = try failure("")
        if case .checksumMismatch = error { return error }
        return nil
    }

    public func scalar<T: FixedWidthInteger>(_: T.Type = T.self) throws -> T {
        let n = MemoryLayout<T>.size
        guard n <= remainingRaw else { throw try failure("ends early") }
        var v: T = 0
        try withUnsafeMutableBytes(of: &v) { try fill($0.baseAddress!, n) }
        return T(littleEndian: v)
    }

    public func array<T: BitwiseCopyable>(_: T.Type = T.self) throws -> [T] {
        let count = try scalar(UInt64.self)
        let size = MemoryLayout<T>.stride
        guard count <= UInt64(remainingRaw) / UInt64(max(size, 1)) else {
            throw try failure("array of \(count) elements exceeds the section")
        }
        let n = Int(count)
        return try [T](unsafeUninitializedCapacity: n) { buffer, initialized in
            if n > 0 { try fill(UnsafeMutableRawPointer(buffer.baseAddress!), n * size) }
            initialized = n
        }
    }

    public func rest() throws -> [UInt8] {
        let n = remainingRaw
        return try [UInt8](unsafeUninitializedCapacity: n) { buffer, initialized in
            if n > 0 { try fill(UnsafeMutableRawPointer(buffer.baseAddress!), n) }
            initialized = n
        }
    }

    /// After parsing: the payload must end exactly where the parse did and
    /// match its CRC-32.
    public func finish() throws {
        if remainingRaw > 0 { throw try failure("\(remainingRaw) bytes left unread") }
        if !ended {
            // The stream must end here: one more inflate call may only consume the trailer.
            var extra: UInt8 = 0
            while !ended {
                if stream.avail_in == 0 {
                    guard try nextInput() else { throw try failure("the compressed data ends early") }
                }
                let status = withUnsafeMutablePointer(to: &extra) { out in
                    input.withUnsafeMutableBufferPointer { buffer -> Int32 in
                        stream.next_in = buffer.baseAddress! + (buffer.count - Int(stream.avail_in))
                        stream.next_out = out
                        stream.avail_out = 1
                        return inflate(&stream, Z_NO_FLUSH)
                    }
                }
                if stream.avail_out == 0 { throw try failure("the data inflates to more bytes than stated") }
                if status == Z_STREAM_END {
                    ended = true
                } else if status != Z_OK {
                    throw try failure("zlib data does not inflate (status \(status))")
                }
            }
        }
        let trailing = stream.avail_in != 0 || consumed < entry.packedLength
        let error = try failure("bytes after the end of the zlib data")
        if case .checksumMismatch = error { throw error }
        if trailing { throw error }
        close()
    }
}
