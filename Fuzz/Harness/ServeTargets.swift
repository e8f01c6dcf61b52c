import Foundation

#if canImport(FuzzServe)
    @testable import FuzzServe

    extension FuzzTarget {
        /// The server's parsers, called as the routes call them (FuzzServe is Serve's own sources).
        /// Besides traps and sanitizer reports, a broken invariant of the product's own code is a
        /// finding (`fail`): the fuzzer stops and keeps the input.
        func runServeParser(_ bytes: [UInt8]) {
            let now: Int64 = 1_442_534_400_000
            // A server of real dates: the floor is on, as with the bundled model.
            let clock = BatchClock(now: now, earliest: BatchClock.earliest(modelEnd: now))
            switch self {
            case .query:
                let text = String(decoding: bytes, as: UTF8.self)
                let parts = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false)
                let query = parts.count > 1 ? String(parts[1]) : nil
                if let q = try? RecommendQuery.parse(userID: String(parts[0]), query: query, defaultN: 10, maxN: 100) {
                    check((1...100).contains(q.n) && (0...RecommendQuery.maxUserID).contains(q.userID), "query", q)
                }
            case .eventsBody:
                // The route's parse (the strict typed decode, else the value-by-value one) and the
                // value-by-value one alone: a batch the fast path takes must read the same both ways,
                // unless an object names a key twice (the decoders keep different copies; the route refuses it).
                let data = Data(bytes)
                let fast = try? EventBatch.parse(data, clock: clock)
                let slow = try? EventBatch.parseNamingTheProblem(data, clock: clock)
                if let fast, JSONDuplicateKeys.first(in: data) == nil {
                    check(fast == slow, "events-body: the strict decode and the value-by-value one disagree", fast)
                }
                if let events = fast {
                    check(!events.isEmpty && events.count <= EventBatch.maxEvents, "events-body count", events.count)
                    check(events.allSatisfy { clock.admits($0.timestamp) }, "events-body timestamp bounds", events)
                }
            case .itemsBody:
                if let items = try? ItemBatch.parse(Data(bytes), clock: clock) {
                    check(!items.isEmpty && items.count <= EventBatch.maxEvents, "items-body count", items.count)
                    check(items.allSatisfy { clock.admits($0.timestamp) }, "items-body timestamp bounds", items)
                }
            case .predictBody:
                // The route's own parse, before it asks the model.
                if let (query, _) = try? PredictController.parse(Data(bytes), defaultN: 10, maxN: 100) {
                    check(
                        (1...100).contains(query.n) && (0...RecommendQuery.maxUserID).contains(query.userID)
                            && (query.at.map { (0...9_999_999_999_999).contains($0) } ?? true),
                        "predict-body", query)
                }
            case .batchBody:
                if let (ids, options) = try? BatchRecommendController.parse(Data(bytes), defaultN: 10, maxN: 100) {
                    check(
                        (1...BatchRecommendController.maxVisitors).contains(ids.count) && (1...100).contains(options.n),
                        "batch-body", (ids.count, options))
                }
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
