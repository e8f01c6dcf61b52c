import ArgumentParser
import Candidates
import Dataset
import Foundation

/// Where the RetailRocket files are and how to treat bad rows.
struct DataOptions: ParsableArguments {
    @Option(
        name: .long,
        help: "Folder with events.csv, item_properties_part*.csv and category_tree.csv (each may be .csv.gz).")
    var data: String = "data/sample"

    @Option(
        name: .customLong("on-bad-row"), help: "fail: stop at the first bad row; skip: skip, count and report bad rows."
    )
    var onBadRow: BadRowPolicy = .fail

    @Flag(name: .long, help: "No progress on stderr.")
    var quiet = false

    @Option(
        name: [.customLong("events"), .customLong("events-store")],
        help:
            "The server's event store (a folder, or a postgres:// URL), read with the files (an event in both counts once)."
    )
    var events: String?

    /// - Parameter propertyTokens: also read the hashed property values (the `content` generator's input).
    func load(propertyTokens: Bool = false) throws -> Dataset {
        let files = try DatasetFiles(directory: data)
        let meter = ProgressMeter(label: "ingest", total: Self.readableBytes(files), unit: "MB", scale: 1_048_576)
        let progress = quiet ? nil : Progress.fileReader(meter)
        let started = Date()
        let extra = try events.map { try StoreEvents.readAll(folder: $0) } ?? []
        let extraItems = try events.map { try StoreEvents.readItems(location: $0) } ?? []
        if let folder = events, !quiet {
            Progress.line("\(extra.count) events and \(extraItems.count) item updates from the store \(folder)")
        }
        let dataset = try DatasetLoader.load(
            files, policy: onBadRow, progress: progress, extraEvents: extra, extraItems: extraItems,
            propertyTokens: propertyTokens)
        if !quiet {
            if meter.terminal { meter.finish() }
            Progress.line(
                "read \(dataset.log.count) events, \(dataset.itemCount) items in \(String(format: "%.2f", Date().timeIntervalSince(started))) s"
            )
            if let tokens = dataset.itemTokens {
                Progress.line(
                    "property tokens: \(tokens.tokenCount) distinct, \(tokens.token.count) (item, token) pairs")
            }
            for report in dataset.reports where report.badRows > 0 {
                Progress.line(
                    "\(report.file): skipped \(report.badRows) bad rows; first: \(report.badRowExamples.first ?? "")")
            }
        }
        return dataset
    }

    /// The bytes the readers will report, the total of the ingest bar: a
    /// plain file's size, a gzip file's inflated size (its trailer's ISIZE,
    /// exact below 4 GiB). Nil (a bar without ETA) when a size is unreadable.
    static func readableBytes(_ files: DatasetFiles) -> Double? {
        var total = 0
        for path in [files.events] + files.properties {
            guard let size = path.hasSuffix(".gz") ? inflatedSize(path) : fileSize(path) else { return nil }
            total += size
        }
        return Double(total)
    }

    static func fileSize(_ path: String) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int
    }

    /// The last four bytes of a gzip file: the inflated size modulo 2^32, little-endian.
    static func inflatedSize(_ path: String) -> Int? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let end = try? handle.seekToEnd(), end >= 18, (try? handle.seek(toOffset: end - 4)) != nil,
            let tail = try? handle.read(upToCount: 4), tail.count == 4
        else { return nil }
        return tail.reversed().reduce(0) { $0 << 8 | Int($1) }
    }
}

extension BadRowPolicy: ExpressibleByArgument {}
extension NegativeSampling: ExpressibleByArgument {}
