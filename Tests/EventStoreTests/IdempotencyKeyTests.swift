import Dataset
import Dispatch
import Foundation
import Testing

@testable import EventStore

/// Idempotency keys (`append(_:key:)`): a retried batch is stored once, on every store.
struct IdempotencyKeyTests {
    @Test(arguments: StoreKind.available) func aRetriedKeyIsStoredOnceAndAnsweredWithTheFirstPosition(
        kind: StoreKind
    ) async throws {
        let (store, folder) = try await kind.make()
        let key = try BatchKey("batch-7f3a")
        let first = try await store.append(events(0..<5), key: key)
        #expect(first == AppendResult(position: 5, replayed: false))
        _ = try await store.append(events(5..<8))
        let retry = try await store.append(events(0..<5), key: key)
        #expect(retry == AppendResult(position: 5, replayed: true))
        #expect(try await store.head() == 8)
        #expect(try await readAll(store) == events(0..<8))
        // Another key with the same records is a new batch: keys, not contents, say what a retry is.
        let other = try await store.append(events(0..<5), key: try BatchKey("batch-7f3b"))
        #expect(other == AppendResult(position: 13, replayed: false))
        _ = folder
    }

    @Test(arguments: StoreKind.available) func aKeyReusedForOtherRecordsIsAConflictAndStoresNothing(
        kind: StoreKind
    ) async throws {
        let (store, folder) = try await kind.make()
        let key = try BatchKey("k1")
        _ = try await store.append(events(0..<3), key: key)
        await #expect {
            _ = try await store.append(events(3..<6), key: key)
        } throws: { error in
            guard case EventStoreError.conflict(let reason) = error else { return false }
            return reason.contains("\"k1\"") && reason.contains("position 3")
        }
        #expect(try await store.head() == 3)
        _ = folder
    }

    @Test(arguments: StoreKind.available) func concurrentAppendsOfOneKeyStoreItOnce(kind: StoreKind) async throws {
        let (store, folder) = try await kind.make()
        let key = try BatchKey("same-batch")
        let results = try await withThrowingTaskGroup(of: AppendResult.self) { group in
            for _ in 0..<8 { group.addTask { try await store.append(events(0..<4), key: key) } }
            return try await group.reduce(into: [AppendResult]()) { $0.append($1) }
        }
        #expect(results.filter { !$0.replayed }.count == 1)
        #expect(Set(results.map(\.position)) == [4])
        #expect(try await readAll(store) == events(0..<4))
        _ = folder
    }

    @Test func keysSurviveAReopenOfTheEmbeddedLog() async throws {
        let folder = try TempFolder()
        let key = try BatchKey("0b8e3c9e-5d1f-4c1b-9a51-0a3b6f2c7d10")
        do {
            let log = try EmbeddedEventLog(directory: folder.path)
            _ = try await log.append(events(0..<2))
            #expect(try await log.append(events(2..<9), key: key).position == 9)
            _ = try await log.append(events(9..<10))
            log.close()
        }
        let reopened = try EmbeddedEventLog(directory: folder.path)
        #expect(try await reopened.append(events(2..<9), key: key) == AppendResult(position: 9, replayed: true))
        // Keyed frames read back like any other: the key block is skipped, records and positions are exact.
        #expect(try await readAll(reopened) == events(0..<10))
        #expect(try await reopened.read(after: 4, limit: 3).events == events(4..<7))
        await #expect(throws: EventStoreError.self) { try await reopened.append(events(0..<7), key: key) }
        #expect(try await reopened.head() == 10)
    }

    @Test func aKeyOlderThanTheRetentionIsForgottenOnOpen() async throws {
        let folder = try TempFolder()
        let key = try BatchKey("old")
        do {
            let log = try EmbeddedEventLog(directory: folder.path)
            _ = try await log.append(events(0..<1))
            log.close()
        }
        // A keyed frame stored two days ago, written as the log would have.
        var frame: [UInt8] = []
        RecordCodec.appendFrame(
            events(1..<3), firstSeq: 2, key: (key, wallClockMs() - 2 * BatchKey.retentionMs), to: &frame)
        let path = folder.file(try folder.segments()[0])
        let handle = try #require(FileHandle(forWritingAtPath: path))
        handle.seekToEndOfFile()
        handle.write(Data(frame))
        try handle.close()
        let reopened = try EmbeddedEventLog(directory: folder.path)
        #expect(try await readAll(reopened) == events(0..<3))
        #expect(try await reopened.append(events(1..<3), key: key) == AppendResult(position: 5, replayed: false))
    }

    @Test func aDamagedKeyBlockIsATornTailNotAKey() async throws {
        let folder = try TempFolder()
        let key = try BatchKey("torn")
        do {
            let log = try EmbeddedEventLog(directory: folder.path)
            _ = try await log.append(events(0..<3))
            _ = try await log.append(events(3..<5), key: key)
            log.close()
        }
        let path = folder.file(try folder.segments()[0])
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        // The key's first character sits after the first frame and the keyed frame's two headers.
        let keyOffset = RecordCodec.frameSize(count: 3) + RecordCodec.headerSize + RecordCodec.keyBlockHeaderSize
        #expect(bytes[keyOffset] == UInt8(ascii: "t"))
        bytes[keyOffset] = UInt8(ascii: "T")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let lines = LogLines()
        let reopened = try EmbeddedEventLog(directory: folder.path, log: lines.sink)
        #expect(try await reopened.head() == 3)
        #expect(lines.all.contains { $0.contains("CRC mismatch") })
        #expect(try await reopened.append(events(3..<5), key: key) == AppendResult(position: 5, replayed: false))
    }

    /// One group commit that fails: the batches it was writing and their retries in the group get the error;
    /// a retry of a key stored before keeps its "replayed" answer (it depends on nothing being written now).
    @Test func aFailedGroupFailsOnlyWhatDependsOnItsWrite() async throws {
        let folder = try TempFolder()
        let log = try EmbeddedEventLog(directory: folder.path)
        let stored = try BatchKey("stored-before")
        let fresh = try BatchKey("in-this-group")
        _ = try await log.append(events(0..<2), key: stored)
        let gate = DispatchSemaphore(value: 0)
        log.writerQueue.async { gate.wait() }
        log.injectedWriteFailures.withLock { $0.append(ENOSPC) }
        let retryOfStored = Task { try await log.append(events(0..<2), key: stored) }
        #expect(try await eventually { log.state.withLock { $0.pending.count } == 1 })
        let newBatch = Task { try await log.append(events(2..<5), key: fresh) }
        #expect(try await eventually { log.state.withLock { $0.pending.count } == 2 })
        let retryOfNew = Task { try await log.append(events(2..<5), key: fresh) }
        #expect(try await eventually { log.state.withLock { $0.pending.count } == 3 })
        gate.signal()
        #expect(try await retryOfStored.value == AppendResult(position: 2, replayed: true))
        await #expect(throws: EventStoreError.self) { try await newBatch.value }
        await #expect(throws: EventStoreError.self) { try await retryOfNew.value }
        // Nothing of the failed group is remembered: the key is free for the client's next retry.
        #expect(try await log.append(events(2..<5), key: fresh) == AppendResult(position: 5, replayed: false))
        #expect(try await readAll(log) == events(0..<5))
    }

    @Test func memoryKeepsTheNewestKeysUpToItsLimit() throws {
        var memory = KeyMemory(limit: 10)
        let now = wallClockMs()
        for n in 1...100 {
            memory.insert(
                try BatchKey("k\(n)"), KeyedBatch(last: Int64(n), count: 1, digest: 0, storedAt: now), now: now)
            #expect(memory.batches.count <= 10)
        }
        #expect(memory.batches.count == 10)
        #expect(memory.find(try BatchKey("k100"), now: now)?.last == 100)
        #expect(memory.find(try BatchKey("k91"), now: now) != nil)
        #expect(memory.find(try BatchKey("k90"), now: now) == nil)
        // A key stored again is the newest: its older entry in the queue does not forget it.
        memory.insert(try BatchKey("k91"), KeyedBatch(last: 101, count: 1, digest: 0, storedAt: now), now: now)
        for n in 102...109 {
            memory.insert(
                try BatchKey("k\(n)"), KeyedBatch(last: Int64(n), count: 1, digest: 0, storedAt: now), now: now)
        }
        #expect(memory.find(try BatchKey("k91"), now: now)?.last == 101)
        #expect(memory.batches.count == 10)
        // Expired keys leave as soon as a later insert passes them.
        var expiring = KeyMemory(limit: 100)
        expiring.insert(try BatchKey("old"), KeyedBatch(last: 1, count: 1, digest: 0, storedAt: now), now: now)
        let later = now + BatchKey.retentionMs + 1
        expiring.insert(try BatchKey("new"), KeyedBatch(last: 2, count: 1, digest: 0, storedAt: later), now: later)
        #expect(expiring.batches.count == 1)
        // Expired keys are not found even before a prune drops them.
        #expect(memory.find(try BatchKey("k100"), now: now + BatchKey.retentionMs + 1) == nil)
    }

    @Test(arguments: ["", " leading-space", "tab\there", "é", String(repeating: "k", count: 256)])
    func malformedKeysAreRefused(value: String) {
        #expect(throws: EventStoreError.self) { try BatchKey(value) }
    }

    @Test func theDigestTellsBatchesApart() {
        #expect(BatchKey.digest(of: events(0..<5)) == BatchKey.digest(of: events(0..<5)))
        #expect(BatchKey.digest(of: events(0..<5)) != BatchKey.digest(of: events(1..<6)))
        #expect(BatchKey.digest(of: events(0..<5)) != BatchKey.digest(of: events(0..<4)))
        var swapped = events(0..<2)
        swapped.swapAt(0, 1)
        #expect(BatchKey.digest(of: events(0..<2)) != BatchKey.digest(of: swapped))
    }
}
