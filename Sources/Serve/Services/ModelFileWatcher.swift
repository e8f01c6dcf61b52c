import Foundation
import Logging
import ServiceLifecycle

/// Reloads the model when its file changes (a retrain on another replica, a
/// `docker compose run trainer`): every replica picks up a new model without
/// being told. A bad file is logged and the old model keeps serving.
struct ModelFileWatcher: Service {
    /// The model file, checked every `intervalSeconds`; `reload` runs when it changed.
    let path: String
    let intervalSeconds: Double
    let reload: @Sendable () async -> Void

    func run() async throws {
        guard intervalSeconds > 0 else { return try await gracefulShutdown() }
        await cancelWhenGracefulShutdown {
            var last = stamp()
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(Int(intervalSeconds * 1000)))
                let now = stamp()
                if now != last {
                    last = now
                    await reload()
                }
            }
        }
    }

    /// Modification time and size: a rename-into-place changes both.
    func stamp() -> String {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        let date = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        let size = (attributes?[.size] as? NSNumber)?.intValue ?? -1
        let inode = (attributes?[.systemFileNumber] as? NSNumber)?.intValue ?? -1
        return "\(date)-\(size)-\(inode)"
    }
}
