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
                    let raw = try EventsReader.read(path: path, policy: policy, progress: report)
                    results.set(i, .events(OrderedEvents(raw)))
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
        if ProcessInfo.processInfo.environment["RECSYS_TIMING"] != nil {
            FileHandle.standardError.write(
                Data(
                    "read \(readDone.timeIntervalSince(started)) merge \(merged.timeIntervalSince(readDone)) assemble \(Date().timeIntervalSince(merged))\n"
                        .utf8))
        }
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

    init(_ events: RawEvents) {
        report = events.report
        visitors = IdMap(collecting: events.visitor)
        let n = events.count
        var user = [Int32](repeating: 0, count: n)
        for i in 0..<n { user[i] = visitors.dense(events.visitor[i])! }
        let perm = InteractionLog.order(
            user: user, time: events.time, kind: events.kind, item: events.item, userCount: visitors.count)
        // Gather each column in its own tight loop: the random reads overlap
        // far better than in one loop that does everything.
        let time = perm.map { events.time[Int($0)] }
        let sortedUser = perm.map { user[Int($0)] }
        let item = perm.map { events.item[Int($0)] }
        let kind = perm.map { events.kind[Int($0)] }
        let transaction = perm.map { events.transaction[Int($0)] }
        var keep = [Bool](repeating: true, count: n)
        var duplicates = 0
        for k in 1..<max(n, 1)
        where sortedUser[k] == sortedUser[k - 1] && time[k] == time[k - 1] && item[k] == item[k - 1]
            && kind[k] == kind[k - 1] && transaction[k] == transaction[k - 1]
        {
            keep[k] = false
            duplicates += 1
        }
        var log = InteractionLog(time: [], user: [], item: [], kind: [], userStart: [])
        var itemRaw: [Int] = []
        if duplicates == 0 {
            log.time = time
            log.user = sortedUser
            log.kind = kind
            itemRaw = item
        } else {
            for k in 0..<n where keep[k] {
                log.time.append(time[k])
                log.user.append(sortedUser[k])
                log.kind.append(kind[k])
                itemRaw.append(item[k])
            }
        }
        var userStart = [Int32](repeating: 0, count: visitors.count + 1)
        for u in log.user { userStart[Int(u) + 1] += 1 }
        for u in 0..<visitors.count { userStart[u + 1] += userStart[u] }
        log.userStart = userStart
        self.log = log
        self.itemRaw = itemRaw
        self.duplicates = duplicates
    }
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
