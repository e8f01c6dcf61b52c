import Dispatch
import Foundation

/// Reads the four files (in parallel, one file per core) and assembles a `Dataset`.
public enum DatasetLoader {
    /// `progress` receives (file name, bytes read so far) from any thread.
    public static func load(
        _ files: DatasetFiles,
        policy: BadRowPolicy = .fail,
        progress: (@Sendable (String, Int) -> Void)? = nil
    ) throws -> Dataset {
        let jobs = [files.events] + files.properties
        let results = ResultSlots(count: jobs.count)
        DispatchQueue.concurrentPerform(iterations: jobs.count) { i in
            let path = jobs[i]
            let name = fileName(path)
            let report: ((Int) -> Void)? = progress.map { p in { p(name, $0) } }
            do {
                if i == 0 {
                    results.set(i, .events(try EventsReader.read(path: path, policy: policy, progress: report)))
                } else {
                    results.set(
                        i, .properties(try PropertiesReader.read(path: path, policy: policy, progress: report)))
                }
            } catch {
                results.set(i, .failure(error))
            }
        }
        let tree = try CategoryTreeReader.read(path: files.categoryTree, policy: policy)
        var events: RawEvents?
        var props: RawProperties?
        var reports: [FileReport] = []
        for slot in results.values {
            switch slot {
            case .events(let e):
                events = e
                reports.append(e.report)
            case .properties(let p):
                reports.append(p.report)
                if props == nil { props = p } else { props!.append(p) }
            case .failure(let error):
                throw error
            case .none:
                throw DatasetError.invalid("internal error: a reader produced no result")
            }
        }
        reports.append(tree.report)
        guard let events, let props else { throw DatasetError.invalid("internal error: missing reader output") }
        return try assemble(events: events, properties: props, tree: tree.pairs, reports: reports)
    }

    /// Turns raw columns into dense ids, a sorted deduplicated log and timelines.
    public static func assemble(
        events: RawEvents, properties: RawProperties, tree pairs: [(category: Int, parent: Int?)],
        reports: [FileReport]
    ) throws -> Dataset {
        var reports = reports
        let visitors = IdMap(collecting: events.visitor)
        var itemSet = properties.describedItems
        for i in events.item { itemSet.insert(i) }
        let items = IdMap(sortedUniqueRaw: itemSet.sorted())

        let n = events.count
        var user = [Int32](repeating: 0, count: n)
        var item = [Int32](repeating: 0, count: n)
        for i in 0..<n {
            user[i] = visitors.dense(events.visitor[i])!
            item[i] = items.dense(events.item[i])!
        }
        let (perm, _) = InteractionLog.order(
            user: user, time: events.time, kind: events.kind, item: item, userCount: visitors.count)
        var log = InteractionLog(time: [], user: [], item: [], kind: [], userStart: [0])
        log.time.reserveCapacity(n)
        log.user.reserveCapacity(n)
        log.item.reserveCapacity(n)
        log.kind.reserveCapacity(n)
        log.userStart.reserveCapacity(visitors.count + 1)
        var duplicates = 0
        var previous = -1
        var currentUser: Int32 = 0
        for p in perm {
            let i = Int(p)
            if user[i] != currentUser {
                while Int32(log.userStart.count - 1) < user[i] { log.userStart.append(Int32(log.time.count)) }
                currentUser = user[i]
            }
            if previous >= 0 && user[previous] == user[i] && events.time[previous] == events.time[i]
                && item[previous] == item[i] && events.kind[previous] == events.kind[i]
                && events.transaction[previous] == events.transaction[i]
            {
                duplicates += 1
                continue
            }
            log.time.append(events.time[i])
            log.user.append(user[i])
            log.item.append(item[i])
            log.kind.append(events.kind[i])
            previous = i
        }
        while log.userStart.count < visitors.count + 1 { log.userStart.append(Int32(log.time.count)) }
        if let idx = reports.firstIndex(where: { $0.file == events.report.file }) {
            reports[idx].duplicateRows = duplicates
        }

        let tree = try CategoryTree(pairs: pairs, extraCategories: properties.categoryValue)
        let categoryItems = properties.categoryItem.map { items.dense($0)! }
        let categoryValues = properties.categoryValue.map { tree.ids.dense($0)! }
        let (categories, categoryDuplicates) = ItemTimeline.build(
            item: categoryItems, time: properties.categoryTime, value: categoryValues, itemCount: items.count)
        let availableItems = properties.availableItem.map { items.dense($0)! }
        let (availability, availabilityDuplicates) = ItemTimeline.build(
            item: availableItems, time: properties.availableTime, value: properties.availableValue.map(Int32.init),
            itemCount: items.count)
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

private enum ReaderResult {
    case events(RawEvents)
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
