import ArgumentParser
import Dataset
import EventStore
import Foundation

/// `recsys-train events`: the server's event store, from the command line.
struct EventsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Work with the live-events store the server writes.",
        discussion: """
            Examples:
              recsys-train events export --store models/recsys-state/events --out exported/
              recsys-train events export --help
            """,
        subcommands: [EventsExportCommand.self]
    )
}

/// `recsys-train events export --store DIR --out DIR`: the store as RetailRocket `events.csv`.
struct EventsExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract:
            "Write every stored event as a RetailRocket events.csv, and the item updates as item_properties_part_live.csv (read-only: a running server may keep appending).",
        discussion: """
            Examples:
              recsys-train events export --store models/recsys-state/events --out exported/
              recsys-train events export --store postgres://recsys@db.internal/recsys --out exported/
              recsys-train train --data data/sample --events models/recsys-state/events --out models/model.rrm
            """
    )

    @Option(name: .long, help: "The event store: a folder or a postgres:// URL (the server's --events-store).")
    var store: String

    @Option(
        name: .long, help: "Folder to write events.csv into (created when missing; the file is replaced atomically).")
    var out: String

    func run() throws {
        let events = try StoreEvents.readAll(folder: store)
        let items = try StoreEvents.readItems(location: store)
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let path = (out as NSString).appendingPathComponent("events.csv")
        try EventsCSV.write(events, to: path)
        print("wrote \(events.count) events to \(path)")
        if !items.isEmpty {
            let itemsPath = (out as NSString).appendingPathComponent(ItemPropertiesCSV.fileName)
            try ItemPropertiesCSV.write(items, to: itemsPath)
            print("wrote \(items.count) item updates to \(itemsPath)")
        }
    }
}
