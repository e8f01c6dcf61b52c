import Dataset

/// Rejects a batch before anything is written, so a bad row never leaves half a batch behind.
/// Negative ids and timestamps cannot come from RetailRocket data; -1 is the only allowed "no transaction".
public func validateBatch(_ batch: [StoredEvent]) throws {
    for (index, event) in batch.enumerated() {
        if event.timestamp < 0 {
            throw EventStoreError.invalid("event \(index): negative timestamp \(event.timestamp)")
        }
        if event.visitor < 0 { throw EventStoreError.invalid("event \(index): negative visitor id \(event.visitor)") }
        if event.item < 0 { throw EventStoreError.invalid("event \(index): negative item id \(event.item)") }
        if event.transaction < -1 {
            throw EventStoreError.invalid("event \(index): negative transaction id \(event.transaction)")
        }
    }
}
