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

    @Option(help: "The server's event store folder, read with the files (an event in both counts once).")
    var events: String?

    func load() throws -> Dataset {
        let files = try DatasetFiles(directory: data)
        let meter = ProgressMeter(label: "ingest", total: Self.readableBytes(files), unit: "MB", scale: 1_048_576)
        let progress = quiet ? nil : Progress.fileReader(meter)
        let started = Date()
        let extra = try events.map { try StoreEvents.readAll(folder: $0) } ?? []
        if let folder = events, !quiet { Progress.line("\(extra.count) events from the store \(folder)") }
        let dataset = try DatasetLoader.load(files, policy: onBadRow, progress: progress, extraEvents: extra)
        if !quiet {
            if meter.terminal { meter.finish() }
            Progress.line(
                "read \(dataset.log.count) events, \(dataset.itemCount) items in \(String(format: "%.2f", Date().timeIntervalSince(started))) s"
            )
            for report in dataset.reports where report.badRows > 0 {
                Progress.line(
                    "\(report.file): skipped \(report.badRows) bad rows; first: \(report.badRowExamples.first ?? "")")
            }
        }
        return dataset
    }

    /// The files' size on disk, the total of the ingest bar; nil (a bar
    /// without ETA) when a file is compressed: its readers count inflated bytes.
    static func readableBytes(_ files: DatasetFiles) -> Double? {
        let paths = [files.events] + files.properties
        guard !paths.contains(where: { $0.hasSuffix(".gz") }) else { return nil }
        let sizes = paths.map { (try? FileManager.default.attributesOfItem(atPath: $0)[.size] as? Int) ?? nil }
        return sizes.contains(nil) ? nil : Double(sizes.reduce(0) { $0 + ($1 ?? 0) })
    }
}

extension BadRowPolicy: ExpressibleByArgument {}
extension NegativeSampling: ExpressibleByArgument {}
