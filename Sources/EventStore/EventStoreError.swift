import Dataset

/// Why a store call failed, in the three classes a server answers differently.
public enum EventStoreError: Error, CustomStringConvertible {
    /// The store cannot take writes (or reads) right now: disk full, read-only folder, database down.
    /// Nothing acknowledged was lost; the caller may retry later (HTTP 503).
    case unavailable(String)
    /// Stored data failed verification somewhere other than a torn tail; the store refuses to guess (HTTP 500).
    case corrupt(String)
    /// The caller's input was rejected before anything was written (HTTP 400).
    case invalid(String)
    /// An idempotency key came again with different records; nothing was written (HTTP 422).
    case conflict(String)

    /// A one-line message naming the class and the reason.
    public var description: String {
        switch self {
        case .unavailable(let reason): return "event store unavailable: \(reason)"
        case .corrupt(let reason): return "event store corrupt: \(reason)"
        case .invalid(let reason): return "invalid events: \(reason)"
        case .conflict(let reason): return "idempotency key conflict: \(reason)"
        }
    }
}
