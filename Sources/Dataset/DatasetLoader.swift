import Dispatch
import Foundation

/// Reads the four files (in parallel, one file per core) and assembles a `Dataset`.
public enum DatasetLoader {
    /// `progress` receives (file name, bytes read so far) from any thread.
    public static func load(
        _ files: DatasetFiles,
        policy: BadRowPolicy = .fail,
        progress: (@Sendable (String, Int) -> Void)? = nil,
        splitFilesAbove: Int = 64 << 20
    ) throws -> Dataset {
        let started = Date()
        // One job per file, and two per large plain property file (each half
        // ends on a record boundary) so both cores stay busy.
        var jobs: [ReadJob] = [.events(files.events)]
        for path in files.properties {
            if policy == .fail, let (size, split) = splitPoint(path: path, minimumSize: splitFilesAbove) {
                jobs.append(.properties(path, 0..<split))
                jobs.append(.properties(path, split..<size))
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
                    let raw = try EventsReader.read(path: path, policy: policy, progress: report)
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
        // A half that failed (or a quoted field cut at the split) is read again
        // whole, which gives the precise error with the right line number.
        for (i, job) in jobs.enumerated() {
            guard case .properties(let path, let range?) = job, case .failure = results.values[i] else { continue }
            let whole = try PropertiesReader.read(path: path, policy: policy)
            for (j, other) in jobs.enumerated() {
                if case .properties(path, _) = other { results.set(j, .skipped) }
            }
            results.set(i, .properties(whole))
            _ = range
        }
        let readDone = Date()
        let tree = try CategoryTreeReader.read(path: files.categoryTree, policy: policy)
        var events: OrderedEvents?
        var props: RawProperties?
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
                if props == nil { props = p } else { props!.append(p) }
            case .skipped:
                continue
            case .failure(let error):
                throw error
            case .none:
                throw DatasetError.invalid("internal error: a reader produced no result")
            }
        }
        reports.append(tree.report)
        guard let events, let props else { throw DatasetError.invalid("internal error: missing reader output") }
        let merged = Date()
        let d = try assemble(events: events, properties: props, tree: tree.pairs, reports: reports)
        trace(
            "read \(readDone.timeIntervalSince(started)) merge \(merged.timeIntervalSince(readDone)) assemble \(Date().timeIntervalSince(merged))"
        )
        return d
    }

    /// Turns ordered events and property columns into dense ids and timelines.
    static func assemble(
        events: OrderedEvents, properties: RawProperties, tree pairs: [(category: Int, parent: Int?)],
        reports: [FileReport]
    ) throws -> Dataset {
        var reports = reports
        let visitors = events.visitors
        var itemSet = properties.describedItems
        for i in events.itemRaw { itemSet.insert(i) }
        let items = IdMap(sortedUniqueRaw: itemSet.sorted())
        var log = events.log
        // Dense item ids keep the raw order, so the (user, time, kind, item) order still holds.
        log.item = events.itemRaw.map { items.dense($0)! }
        let duplicates = events.duplicates

        let tree = try CategoryTree(pairs: pairs, extraCategories: properties.categoryValue)
        // The two timelines are independent: build them on both cores.
        let timelines = TimelineSlots()
        DispatchQueue.concurrentPerform(iterations: 2) { job in
            if job == 0 {
                let categoryItems = properties.categoryItem.map { items.dense($0)! }
                let categoryValues = properties.categoryValue.map { tree.ids.dense($0)! }
                timelines.set(
                    0,
                    ItemTimeline.build(
                        item: categoryItems, time: properties.categoryTime, value: categoryValues,
                        itemCount: items.count))
            } else {
                let availableItems = properties.availableItem.map { items.dense($0)! }
                timelines.set(
                    1,
                    ItemTimeline.build(
                        item: availableItems, time: properties.availableTime,
                        value: properties.availableValue.map(Int32.init), itemCount: items.count))
            }
        }
        let (categories, categoryDuplicates) = timelines.values[0]!
        let (availability, availabilityDuplicates) = timelines.values[1]!
        // Snapshot duplicates cannot be attributed to one part file; report them on the first.
        if let idx = reports.firstIndex(where: { $0.file.hasPrefix("item_properties") }) {
            reports[idx].duplicateRows += categoryDuplicates + availabilityDuplicates
        }
        var described = [Bool](repeating: false, count: items.count)
        for raw in properties.describedItems.sorted() { described[Int(items.dense(raw)!)] = true }
        return Dataset(
            visitors: visitors, items: items, log: log, itemCategory: categories, itemAvailability: availability,
            tree: tree, describedItem: described, reports: reports, duplicateEvents: duplicates)
    }
}

/// The events ordered by (user, time, kind, raw item), exact duplicates removed.
/// Item ids stay raw until every file is read (dense item ids need the
/// property files too).
struct OrderedEvents: Sendable {
    var visitors: IdMap
    var log: InteractionLog
    var itemRaw: [Int]
    var duplicates: Int
    var report: FileReport

    /// One event during ordering: 32 contiguous bytes, so the per-user sorts
    /// touch one cache line per event instead of five scattered columns.
    struct Event {
        var time: Int64
        var item: Int
        var transaction: Int
        var user: Int32
        var kind: UInt8

        @inline(__always)
        static func before(_ a: Event, _ b: Event) -> Bool {
            if a.time != b.time { return a.time < b.time }
            if a.kind != b.kind { return a.kind < b.kind }
            if a.item != b.item { return a.item < b.item }
            return a.transaction < b.transaction
        }

        @inline(__always)
        static func same(_ a: Event, _ b: Event) -> Bool {
            a.user == b.user && a.time == b.time && a.item == b.item && a.kind == b.kind
                && a.transaction == b.transaction
        }
    }

    init(_ events: RawEvents) {
        report = events.report
        visitors = IdMap(collecting: events.visitor)
        let n = events.count
        let userCount = visitors.count
        let ordered = Self.orderByUserThenTime(events, visitors: visitors)
        var log = InteractionLog(time: [], user: [], item: [], kind: [], userStart: [])
        var itemRaw: [Int] = []
        log.time.reserveCapacity(n)
        log.user.reserveCapacity(n)
        log.kind.reserveCapacity(n)
        itemRaw.reserveCapacity(n)
        var duplicates = 0
        for k in 0..<n {
            let e = ordered[k]
            if k > 0 && Event.same(e, ordered[k - 1]) {
                duplicates += 1
                continue
            }
            log.time.append(e.time)
            log.user.append(e.user)
            log.kind.append(e.kind)
            itemRaw.append(e.item)
        }
        var userStart = [Int32](repeating: 0, count: userCount + 1)
        for u in log.user { userStart[Int(u) + 1] += 1 }
        for u in 0..<userCount { userStart[u + 1] += userStart[u] }
        log.userStart = userStart
        self.log = log
        self.itemRaw = itemRaw
        self.duplicates = duplicates
    }
}

extension OrderedEvents {
    /// Cache-conscious ordering: a first pass partitions the events into 256
    /// buckets by the high bits of the visitor id (256 sequential write
    /// streams), then each bucket, whose users span a few thousand dense ids,
    /// is counting-sorted by user and each user's events by time. A single
    /// counting sort over 1.4 M users spends most of its time in cache misses.
    static func orderByUserThenTime(_ events: RawEvents, visitors: IdMap) -> [Event] {
        let n = events.count
        let maxRaw = visitors.raw.last ?? 0
        var shift = 0
        while (maxRaw >> shift) >= 256 { shift += 1 }
        var bucketStart = [Int](repeating: 0, count: 257)
        for v in events.visitor { bucketStart[(v >> shift) + 1] += 1 }
        for b in 0..<256 { bucketStart[b + 1] += bucketStart[b] }
        let blank = Event(time: 0, item: 0, transaction: 0, user: 0, kind: 0)
        var staged = [Event](repeating: blank, count: n)
        var raw = [Int](repeating: 0, count: n)
        var fill = bucketStart
        staged.withUnsafeMutableBufferPointer { out in
            raw.withUnsafeMutableBufferPointer { rawOut in
                for i in 0..<n {
                    let v = events.visitor[i]
                    let b = v >> shift
                    let slot = fill[b]
                    fill[b] = slot + 1
                    out[slot] = Event(
                        time: events.time[i], item: events.item[i], transaction: events.transaction[i], user: 0,
                        kind: events.kind[i])
                    rawOut[slot] = v
                }
            }
        }
        var ordered = [Event](repeating: blank, count: n)
        var count: [Int] = []
        ordered.withUnsafeMutableBufferPointer { out in
            for b in 0..<256 {
                let lo = bucketStart[b]
                let hi = bucketStart[b + 1]
                guard hi > lo else { continue }
                // Dense ids keep the raw order, so this bucket's users are one contiguous range.
                let firstUser = Int(visitors.dense(raw[lo..<hi].min()!)!)
                let lastUser = Int(visitors.dense(raw[lo..<hi].max()!)!)
                count.removeAll(keepingCapacity: true)
                count.append(contentsOf: repeatElement(0, count: lastUser - firstUser + 2))
                for k in lo..<hi {
                    let u = Int(visitors.dense(raw[k])!)
                    staged[k].user = Int32(u)
                    count[u - firstUser + 1] += 1
                }
                for j in 0..<(lastUser - firstUser + 1) { count[j + 1] += count[j] }
                var next = count
                for k in lo..<hi {
                    let j = Int(staged[k].user) - firstUser
                    out[lo + next[j]] = staged[k]
                    next[j] += 1
                }
                for j in 0..<(lastUser - firstUser + 1) {
                    let s = lo + count[j]
                    let e = lo + count[j + 1]
                    if e - s > 1 { out[s..<e].sort(by: Event.before) }
                }
            }
        }
        return ordered
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
    func set(_ i: Int, _ v: (ItemTimeline, duplicates: Int)) { lock.withLock { values[i] = v } }
}
