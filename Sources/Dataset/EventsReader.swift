import RecsysCore

/// The rows of `events.csv` as columns of raw ids, in file order.
public struct RawEvents: Sendable {
    public var time: [Int64] = []
    public var visitor: [Int] = []
    public var item: [Int] = []
    public var kind: [UInt8] = []
    /// -1 when the row has no transaction id.
    public var transaction: [Int] = []
    public var report: FileReport

    public var count: Int { time.count }

    /// Appends events from elsewhere (an event store) as if they were rows
    /// of the file; exact duplicates of file rows are removed later, with
    /// the file's own duplicates.
    public mutating func append(_ events: [StoredEvent]) {
        for e in events {
            time.append(e.timestamp)
            visitor.append(e.visitor)
            item.append(e.item)
            kind.append(e.kind.rawValue)
            transaction.append(e.transaction)
        }
    }
}

/// Reads `events.csv` (`timestamp,visitorid,event,itemid,transactionid`).
public enum EventsReader {
    public static let header = "timestamp,visitorid,event,itemid,transactionid"

    public static func read(
        path: String, policy: BadRowPolicy = .fail, progress: ((Int) -> Void)? = nil
    ) throws -> RawEvents {
        let name = fileName(path)
        let source = try openByteSource(path: path)
        defer { source.close() }
        var parser = RegionParser(file: name, header: header, policy: policy)
        var events = RawEvents(report: FileReport(file: name))
        let expected = (source as? FileByteSource)?.size.map { $0 / 28 } ?? 0
        events.time.reserveCapacity(expected)
        events.visitor.reserveCapacity(expected)
        events.item.reserveCapacity(expected)
        events.kind.reserveCapacity(expected)
        events.transaction.reserveCapacity(expected)
        let bytes = try forEachRecordRegion(source: source, file: name, progress: progress) { region in
            try parser.parse(region) { cursor in
                let mark = cursor.pos
                let line = cursor.line
                if let t = cursor.digitsThenComma(), let v = cursor.digitsThenComma(),
                    let k = cursor.eventKindThenComma(), let i = cursor.digitsThenComma(),
                    let x = cursor.optionalDigitsThenRecordEnd()
                {
                    events.time.append(Int64(t))
                    events.visitor.append(v)
                    events.item.append(i)
                    events.kind.append(k.rawValue)
                    events.transaction.append(x)
                    return
                }
                cursor.pos = mark
                cursor.line = line
                let ts = try cursor.field(named: "timestamp")
                try expectMore(ts, &cursor, index: 0, expectedFields: 5)
                let vis = try cursor.field(named: "visitorid")
                try expectMore(vis, &cursor, index: 1, expectedFields: 5)
                let ev = try cursor.field(named: "event")
                try expectMore(ev, &cursor, index: 2, expectedFields: 5)
                let it = try cursor.field(named: "itemid")
                try expectMore(it, &cursor, index: 3, expectedFields: 5)
                let tx = try cursor.field(named: "transactionid")
                try expectRecordEnd(tx, &cursor, expectedFields: 5)

                let time = try cursor.integer(ts, named: "timestamp")
                let visitor = try cursor.integer(vis, named: "visitorid")
                let item = try cursor.integer(it, named: "itemid")
                let kind: EventKind
                if cursor.equals(ev, "view") {
                    kind = .view
                } else if cursor.equals(ev, "addtocart") {
                    kind = .addToCart
                } else if cursor.equals(ev, "transaction") {
                    kind = .transaction
                } else {
                    throw DatasetError.badRow(
                        file: name, line: cursor.recordLine, field: "event",
                        message: "unknown event type \"\(cursor.text(ev))\" (expected view, addtocart or transaction)")
                }
                let transaction = tx.end > tx.start ? try cursor.integer(tx, named: "transactionid") : -1
                events.time.append(Int64(time))
                events.visitor.append(visitor)
                events.item.append(item)
                events.kind.append(kind.rawValue)
                events.transaction.append(transaction)
            }
        }
        events.report = parser.report
        events.report.bytes = bytes
        return events
    }
}

func fileName(_ path: String) -> String {
    path.split(separator: "/").last.map(String.init) ?? path
}
