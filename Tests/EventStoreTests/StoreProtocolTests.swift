import Dataset
import Foundation
import Testing

@testable import EventStore

/// The `EventStore` contract, run against every conformer.
struct StoreProtocolTests {
    @Test(arguments: StoreKind.available) func appendReadRoundTrip(kind: StoreKind) async throws {
        let (store, folder) = try await kind.make()
        let written = events(0..<10)
        let last = try await store.append(written)
        #expect(last == 10)
        #expect(try await store.head() == 10)
        let (read, readLast) = try await store.read(after: 0, limit: 100)
        #expect(read == written)
        #expect(readLast == 10)
        _ = folder
    }

    @Test(arguments: StoreKind.available) func positionsAreMonotonic(kind: StoreKind) async throws {
        let (store, folder) = try await kind.make()
        var previous: StorePosition = 0
        for size in [1, 3, 1, 7, 2] {
            let position = try await store.append(events(Int(previous)..<Int(previous) + size))
            #expect(position == previous + StorePosition(size))
            previous = position
        }
        #expect(try await store.head() == 14)
        #expect(try await readAll(store) == events(0..<14))
        _ = folder
    }

    @Test(arguments: StoreKind.available) func pagingWithReadAfterLimit(kind: StoreKind) async throws {
        let (store, folder) = try await kind.make()
        for start in stride(from: 0, to: 100, by: 10) { _ = try await store.append(events(start..<start + 10)) }
        var collected: [StoredEvent] = []
        var position: StorePosition = 0
        var pages = 0
        while true {
            let (page, last) = try await store.read(after: position, limit: 7)
            if page.isEmpty {
                #expect(last == position)
                break
            }
            #expect(page.count <= 7)
            #expect(last == position + StorePosition(page.count))
            collected += page
            position = last
            pages += 1
        }
        #expect(collected == events(0..<100))
        #expect(pages == 15)
        // Starting mid-batch returns exactly the tail.
        let (tail, tailLast) = try await store.read(after: 95, limit: 100)
        #expect(tail == events(95..<100))
        #expect(tailLast == 100)
        #expect(try await store.read(after: 100, limit: 5).events.isEmpty)
        #expect(try await store.read(after: 3, limit: 0).last == 3)
        _ = folder
    }

    @Test(arguments: StoreKind.available) func followReceivesLaterAppends(kind: StoreKind) async throws {
        let (store, folder) = try await kind.make()
        _ = try await store.append(events(0..<5))
        let seen = Locked<[StoredEvent]>([])
        let positions = Locked<[StorePosition]>([])
        let follower = Task {
            try await store.follow(after: 2) { batch, last in
                seen.withLock { $0 += batch }
                positions.withLock { $0.append(last) }
            }
        }
        #expect(try await eventually { seen.withLock { $0.count } == 3 })
        _ = try await store.append(events(5..<8))
        _ = try await store.append(events(8..<9))
        #expect(try await eventually { seen.withLock { $0.count } == 7 })
        follower.cancel()
        try await follower.value
        #expect(seen.withLock { $0 } == events(2..<9))
        #expect(positions.withLock { $0.last } == 9)
        _ = folder
    }

    @Test(arguments: StoreKind.available) func emptyBatchWritesNothing(kind: StoreKind) async throws {
        let (store, folder) = try await kind.make()
        #expect(try await store.append([]) == 0)
        _ = try await store.append(events(0..<2))
        #expect(try await store.append([]) == 2)
        #expect(try await store.head() == 2)
        #expect(try await readAll(store) == events(0..<2))
        _ = folder
    }

    @Test(arguments: StoreKind.available) func negativeIdsRejectTheWholeBatch(kind: StoreKind) async throws {
        let (store, folder) = try await kind.make()
        var bad = events(0..<3)
        bad[1].item = -4
        await #expect(throws: EventStoreError.self) { try await store.append(bad) }
        var badTx = events(0..<3)
        badTx[2].transaction = -2
        await #expect(throws: EventStoreError.self) { try await store.append(badTx) }
        #expect(try await store.head() == 0)
        #expect(try await readAll(store).isEmpty)
        _ = folder
    }
}
