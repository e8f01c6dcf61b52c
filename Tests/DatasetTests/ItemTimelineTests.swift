import Testing

@testable import Dataset

struct ItemTimelineTests {
    /// The last snapshot at or before `at`, else the earliest; nil without snapshots: the definition, by a scan.
    static func reference(_ rows: [(item: Int32, time: Int64, value: Int32)], item: Int, at: Int64) -> Int32? {
        let mine = rows.filter { Int($0.item) == item }.sorted { ($0.time, $0.value) < ($1.time, $1.value) }
        guard let first = mine.first else { return nil }
        return mine.last(where: { $0.time <= at })?.value ?? first.value
    }

    @Test func lookupsMatchAScanForSteadyChangingAndMissingItems() {
        // A fixed seed: with fresh randomness the "changing third" below fell short of its bound now and then.
        var rng = SplitMix64(seed: 7)
        let itemCount = 60
        var rows: [(item: Int32, time: Int64, value: Int32)] = []
        for item in 0..<itemCount {
            // A third never seen, a third with one value in every snapshot, a third that change.
            let snapshots = item % 3 == 0 ? 0 : Int.random(in: 1...6, using: &rng)
            let steady = Int32.random(in: 0..<5, using: &rng)
            for _ in 0..<snapshots {
                let value = item % 3 == 1 ? steady : Int32.random(in: 0..<3, using: &rng)
                rows.append((Int32(item), Int64.random(in: 0..<100, using: &rng) * 10, value))
            }
        }
        rows.shuffle(using: &rng)
        let (timeline, _) = ItemTimeline.build(
            item: rows.map(\.item), time: rows.map(\.time), value: rows.map(\.value), itemCount: itemCount)
        var changing = 0
        for item in 0..<itemCount {
            if timeline.changes(of: item) > 0 { changing += 1 }
            for at in stride(from: Int64(-5), through: 1005, by: 5) {
                #expect(
                    timeline.value(of: item, at: at) == Self.reference(rows, item: item, at: at),
                    "item \(item) at \(at)")
            }
        }
        // The changing third really changes (else the search path went untested).
        #expect(changing > itemCount / 6)
    }
}
