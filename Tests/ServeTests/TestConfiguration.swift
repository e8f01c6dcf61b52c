import Foundation
import TestSupport

@testable import Serve

extension ServeConfiguration {
    /// A server configuration for tests: a fresh copy of the shared test
    /// model (or `model`), errors-only logging, and live events in memory
    /// (the embedded log has one writer, and tests share model folders).
    static func forTests(model: String? = nil) throws -> ServeConfiguration {
        var c = ServeConfiguration(modelPath: try model ?? TestModel.file())
        c.eventsStore = "memory"
        c.logLevel = .error
        return c
    }
}
