/// Why a model file cannot be loaded. Never a crash: every case is reported.
public enum ModelFileError: Error, CustomStringConvertible, Equatable, Sendable {
    case io(path: String, message: String)
    case wrongMagic
    case unsupportedVersion(found: UInt32, supported: UInt32)
    case truncated(String)
    case checksumMismatch(section: String)
    case corrupt(section: String, reason: String)
    case missingSection(String)
    case incompatible(String)

    public var description: String {
        switch self {
        case .io(let path, let message): return "\(path): \(message)"
        case .wrongMagic: return "not a recsys model file (wrong magic bytes)"
        case .unsupportedVersion(let found, let supported):
            return found < supported
                ? "model format version \(found) is older than this build's (\(supported)); retrain it with this build's recsys-train"
                : "unsupported model format version \(found) (this build reads version \(supported)); use a newer build"
        case .truncated(let what): return "model file is truncated: \(what)"
        case .checksumMismatch(let section):
            return "model file section \(section) fails its CRC-32 check (corrupt file)"
        case .corrupt(let section, let reason): return "model file section \(section) is corrupt: \(reason)"
        case .missingSection(let section): return "model file has no \(section) section"
        case .incompatible(let reason): return "model file is incompatible: \(reason)"
        }
    }
}
