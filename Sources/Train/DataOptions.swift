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

    func load() throws -> Dataset {
        let files = try DatasetFiles(directory: data)
        let progress = quiet ? nil : Progress.fileReader()
        let started = Date()
        let extra = try events.map { try StoreEvents.readAll(folder: $0) } ?? []
        if let folder = events, !quiet { Progress.line("\(extra.count) events from the store \(folder)") }
        let dataset = try DatasetLoader.load(files, policy: onBadRow, progress: progress, extraEvents: extra)
        if !quiet {
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
}

extension BadRowPolicy: ExpressibleByArgument {}
extension NegativeSampling: ExpressibleByArgument {}
