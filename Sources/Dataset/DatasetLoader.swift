import Dispatch
import Foundation
import RecsysCore

/// Reads the four files (in parallel, one file per core) and assembles a `Dataset`.
public enum DatasetLoader {
    /// `progress` receives (file name, bytes read so far) from any thread.
    /// - Parameter extraEvents: events from an event store, merged with
    ///   `events.csv` (an event in both counts once).
    /// - Parameter extraItems: item updates (category, availability) from an event store, merged with the
    ///   property files as `categoryid` / `available` rows.
    /// - Parameter propertyTokens: also read the hashed property values (`Dataset.itemTokens`), a second pass
    ///   over the property files.
    public static func load(
        _ files: DatasetFiles,
        policy: BadRowPolicy = .fail,
        progress: (@Sendable (String, Int) -> Void)? = nil,
        splitFilesAbove: Int = 64 << 20,
        extraEvents: [StoredEvent] = [],
        extraItems: [StoredItem] = [],
        propertyTokens: Bool = false
    ) throws -> Dataset {
        let started = Date()
        // One job per file, and four per large plain property file (each part
        // ends on a record boundary) so both cores stay busy to the end.
        var jobs: [ReadJob] = [.events(files.events)]
        for path in files.properties {
            if policy == .fail, let ranges = splitRanges(path: path, parts: 4, minimumSize: splitFilesAbove) {
                jobs += ranges.map { .properties(path, $0) }
            } else {
                jobs.append(.properties(path, nil))
            }
        }
        let results = ResultSlots(count: jobs.count)
        let jobList = jobs
        DispatchQueue.concurrentPerform(iterations: jobList.count) { i in
            do {
                switch jobList[i] {
                case .events(let path):
                    let name = fileName(path)
                    let report: ((Int) -> Void)? = progress.map { p in { p(name, $0) } }
                    // Ordering the events overlaps with reading the property files.
                    let t0 = Date()
                    var raw = try EventsReader.read(path: path, policy: policy, progress: report)
                    raw.append(extraEvents)
                    let t1 = Date()
                    results.set(i, .events(OrderedEvents(raw)))
                    trace(
                        "events read \(t1.timeIntervalSince(t0)) order \(Date().timeIntervalSince(t1)) end \(Date().timeIntervalSince(started))"
                    )
                case .properties(let path, let range):
                    let name = fileName(path)
                    let report: ((Int) -> Void)? = progress.map { p in { p(name, $0 + (range?.lowerBound ?? 0)) } }
                    results.set(
                        i,
                        .properties(
                            try PropertiesReader.read(path: path, policy: policy, progress: report, range: range)))
                }
            } catch {
                results.set(i, .failure(error))
            }
        }
        // A part that failed (or a quoted field cut at a split) is read again
        // whole, which gives the precise error with the right line number.
        for (i, job) in jobs.enumerated() {
            guard case .properties(let path, .some) = job, case .failure = results.values[i] else { continue }
            let whole = try PropertiesReader.read(path: path, policy: policy)
            for (j, other) in jobs.enumerated() {
                if case .properties(path, _) = other { results.set(j, .skipped) }
            }
            results.set(i, .properties(whole))
        }
        let readDone = Date()
        let tree = try CategoryTreeReader.read(path: files.categoryTree, policy: policy)
        var events: OrderedEvents?
        var parts: [RawProperties] = []
        var reports: [FileReport] = []
        for slot in results.values {
            switch slot {
            case .events(let e):
                events = e
                var report = e.report
                report.duplicateRows = e.duplicates
                reports.append(report)
            case .properties(let p):
                if let k = reports.firstIndex(where: { $0.file == p.report.file }) {
                    reports[k].merge(p.report)
                } else {
                    reports.append(p.report)
                }
                parts.append(p)
            case .skipped:
                continue
            case .failure(let error):
                throw error
            case .none:
                throw DatasetError.invalid("internal error: a reader produced no result")
            }
        }
        if !extraItems.isEmpty { parts.append(RawProperties(items: extraItems, source: "event store items")) }
        reports.append(tree.report)
        guard let events, !parts.isEmpty else {
            throw DatasetError.invalid("internal error: missing reader output")
        }
        let merged = Date()
        var d = try assemble(events: events, properties: parts, tree: tree.pairs, reports: reports)
        if propertyTokens { d.itemTokens = try ItemTokens.read(files, items: d.items, policy: policy) }
        trace(
            "read \(readDone.timeIntervalSince(started)) merge \(merged.timeIntervalSince(readDone)) assemble \(Date().timeIntervalSince(merged))"
        )
        return d
    }

    /// Turns ordered events and the property parts (one per file part, in
    /// file order) into dense ids and timelines.
    static func assemble(
        events: OrderedEvents, properties parts: [RawProperties], tree pairs: [(category: Int, parent: Int?)],
        reports: [FileReport]
    ) throws -> Dataset {
        var reports = reports
        let visitors = events.visitors
        var describedItems = RawIdSet()
        for p in parts { describedItems.formUnion(p.describedItems) }
        var itemSet = describedItems
        for i in events.itemRaw { itemSet.insert(i) }
        let items = IdMap(sortedUniqueRaw: itemSet.sorted())
        let duplicates = events.duplicates

        let tree = try CategoryTree(pairs: pairs, extraCategories: parts.flatMap(\.categoryValue))
        /// One timeline gathered straight from the parts (no merged copy first).
        @Sendable func timeline(
            items raw: KeyPath<RawProperties, [Int]>, times: KeyPath<RawProperties, [Int64]>,
            values: (RawProperties) -> [Int32]
        ) -> (ItemTimeline, duplicates: Int) {
            var item: [Int32] = []
            item.reserveCapacity(parts.reduce(0) { $0 + $1[keyPath: raw].count })
            for p in parts { for id in p[keyPath: raw] { item.append(items.dense(id)!) } }
            return ItemTimeline.build(
                item: item, time: parts.flatMap { $0[keyPath: times] }, value: parts.flatMap(values),
                itemCount: items.count)
        }
        // Three independent jobs on both cores: the two timelines and the log's dense items.
        let timelines = TimelineSlots()
        DispatchQueue.concurrentPerform(iterations: 3) { job in
            switch job {
            case 0:
                timelines.set(
                    0,
                    timeline(items: \.categoryItem, times: \.categoryTime) {
                        $0.categoryValue.map { tree.ids.dense($0)! }
                    })
            case 1:
                timelines.set(
                    1, timeline(items: \.availableItem, times: \.availableTime) { $0.availableValue.map(Int32.init) })
            default:
                // Dense item ids keep the raw order, so the (user, time, kind, item) order still holds.
                timelines.setLogItems(events.itemRaw.map { items.dense($0)! })
            }
        }
        var log = events.log
        log.item = timelines.logItems
        let (categories, categoryDuplicates) = timelines.values[0]!
        let (availability, availabilityDuplicates) = timelines.values[1]!
        // Snapshot duplicates cannot be attributed to one part file; report them on the first.
        if let idx = reports.firstIndex(where: { $0.file.hasPrefix("item_properties") }) {
            reports[idx].duplicateRows += categoryDuplicates + availabilityDuplicates
        }
        var described = [Bool](repeating: false, count: items.count)
        for raw in describedItems.sorted() { described[Int(items.dense(raw)!)] = true }
        return Dataset(
            visitors: visitors, items: items, log: log, itemCategory: categories, itemAvailability: availability,
            tree: tree, describedItem: described, reports: reports, duplicateEvents: duplicates)
    }
}

/// Phase timings on stderr when RECSYS_TIMING is set (for tuning the ingest).
func trace(_ message: @autoclosure () -> String) {
    guard ProcessInfo.processInfo.environment["RECSYS_TIMING"] != nil else { return }
    FileHandle.standardError.write(Data("[timing] \(message())\n".utf8))
}

private enum ReadJob {
    case events(String)
    case properties(String, Range<Int>?)
}

private enum ReaderResult {
    case skipped
    case events(OrderedEvents)
    case properties(RawProperties)
    case failure(any Error)
}

/// One result slot per parallel job; each job writes only its own slot.
private final class ResultSlots: @unchecked Sendable {
    var values: [ReaderResult?]
    private let lock = NSLock()
    init(count: Int) { values = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ r: ReaderResult) {
        lock.withLock { values[i] = r }
    }
}

private final class TimelineSlots: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var values: [(ItemTimeline, duplicates: Int)?] = [nil, nil]
    private(set) var logItems: [Int32] = []
    func set(_ i: Int, _ v: (ItemTimeline, duplicates: Int)) { lock.withLock { values[i] = v } }
    func setLogItems(_ items: [Int32]) { lock.withLock { logItems = items } }
}
