import Foundation

#if canImport(FuzzServe)
    @testable import FuzzServe

    extension FuzzTarget {
        /// The server's parsers, called as the routes call them (FuzzServe is Serve's own sources).
        func runServeParser(_ bytes: [UInt8]) {
            switch self {
            case .query:
                let text = String(decoding: bytes, as: UTF8.self)
                let parts = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false)
                let query = parts.count > 1 ? String(parts[1]) : nil
                _ = try? RecommendQuery.parse(userID: String(parts[0]), query: query, defaultN: 10, maxN: 100)
            case .eventsBody:
                _ = try? EventBatch.parse(Data(bytes), now: 1_442_534_400_000)
            case .predictBody:
                // What `PredictController.predict` does with a body before it asks the model.
                if let body = try? JSONDecoder().decode(PredictController.Body.self, from: Data(bytes)) {
                    _ = try? PredictController.count(n: body.n, k: body.k, defaultN: 10, maxN: 100)
                }
            case .batchBody:
                _ = try? BatchRecommendController.parse(Data(bytes), defaultN: 10, maxN: 100)
            default:
                preconditionFailure("\(rawValue) is not a server parser")
            }
        }
    }
#else
    extension FuzzTarget {
        func runServeParser(_ bytes: [UInt8]) {
            FileHandle.standardError.write(
                Data("recsys-fuzz: built with RECSYS_FUZZ=readers; \(rawValue) needs RECSYS_FUZZ=1\n".utf8))
            exit(2)
        }
    }
#endif
