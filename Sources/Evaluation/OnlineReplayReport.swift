import Foundation
import Pipeline

/// Which visitors a number covers: those the model knew (events before the
/// cutoff), those first seen in the test window, or everyone.
public enum OnlineSegment: String, Codable, Sendable, CaseIterable {
    case known
    case new
    case all
}

/// HR@K and MRR@K of one method on one segment's targets.
public struct OnlineSegmentResult: Codable, Sendable, Equatable {
    public var segment: OnlineSegment
    public var targets: Int
    /// Share of targets whose item is in the top K.
    public var hitRate: Double
    /// Mean of 1 / rank of the target item (0 when it is not in the top K).
    public var mrr: Double

    public init(segment: OnlineSegment, targets: Int, hitRate: Double, mrr: Double) {
        self.segment = segment
        self.targets = targets
        self.hitRate = hitRate
        self.mrr = mrr
    }
}

/// One method of one task: its numbers per segment and its cost.
public struct OnlineMethodResult: Codable, Sendable, Equatable {
    public var name: String
    public var segments: [OnlineSegmentResult]
    /// Mean wall time of one answer, including reading the overlay.
    public var millisecondsPerRequest: Double

    public func segment(_ s: OnlineSegment) -> OnlineSegmentResult? { segments.first { $0.segment == s } }
}

/// One task of the replay ("cart" or "discover").
public struct OnlineTaskResult: Codable, Sendable, Equatable {
    public var task: String
    /// The list length scored (10 for cart, 20 for discover).
    public var k: Int
    /// Whether the methods' lists leave out the items the visitor has seen (the server's `exclude=seen`).
    public var excludeSeen: Bool
    /// Every target of the test window.
    public var eligibleTargets: Int
    /// Every `stride`-th target (in time order) is scored.
    public var stride: Int
    public var methods: [OnlineMethodResult]

    public func method(_ name: String) -> OnlineMethodResult? { methods.first { $0.name == name } }
}

/// A product target: the ratio of one method's metric to a peer's, and the bar it should clear.
public struct OnlineTargetRatio: Codable, Sendable, Equatable {
    public var task: String
    /// "MRR@10", "MRR@20".
    public var metric: String
    public var method: String
    public var peer: String
    public var segment: OnlineSegment
    /// nil when the peer's metric is 0 (the ratio is undefined).
    public var value: Double?
    public var target: Double
    public var met: Bool { value.map { $0 >= target } ?? false }
    /// The ratio with three decimals, or "n/a".
    public var valueText: String { value.map { String(format: "%.3f", $0) } ?? "n/a" }
}

/// Everything `recsys-train evaluate --online` prints and writes as `online.json`.
public struct OnlineReplayReport: Codable, Sendable, Equatable {
    /// The first instant of the test window (unix ms).
    public var cutoff: Int64
    public var testDays: Double
    /// Events before the cutoff, on which the model was trained.
    public var trainEvents: Int
    /// Test-window events replayed through the live overlay, in time order.
    public var replayedEvents: Int
    /// Visitors with test-window events, known to the model or new.
    public var knownVisitors: Int
    public var newVisitors: Int
    /// The cap on scored targets per task (`--online-max-targets`).
    public var maxTargetsPerTask: Int
    /// The ranker behind the two-stage methods.
    public var rankerPairs: Int
    public var validationAUC: Double
    public var tasks: [OnlineTaskResult]
    public var ratios: [OnlineTargetRatio]
    /// Live events the overlay dropped (its per-visitor and total bounds), as on the server.
    public var overlayEvictions: Int
    public var seconds: [String: Double]

    public func task(_ name: String) -> OnlineTaskResult? { tasks.first { $0.task == name } }
}

/// Text and Markdown views of the replay report.
extension OnlineReplayReport {
    public func table() -> String {
        func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
        var out = ""
        for t in tasks {
            out +=
                "task \(t.task) (K = \(t.k)\(t.excludeSeen ? ", exclude seen" : "")): \(t.eligibleTargets) targets, every \(t.stride == 1 ? "one" : "\(t.stride)th") scored\n"
            out += pad("method", 28) + pad("segment", 8) + "  targets     HR@\(t.k)    MRR@\(t.k)   ms/req\n"
            for m in t.methods {
                for s in m.segments {
                    out += pad(m.name, 28) + pad(s.segment.rawValue, 8)
                    out += String(
                        format: " %8d %9.4f %9.4f %8.3f\n", s.targets, s.hitRate, s.mrr, m.millisecondsPerRequest)
                }
            }
            out += "\n"
        }
        for r in ratios {
            out += String(
                format: "%@ %@ %@ / %@ (%@): %@ (target ≥ %.2f, %@)\n", r.task as NSString, r.metric as NSString,
                r.method as NSString, r.peer as NSString, r.segment.rawValue as NSString, r.valueText as NSString,
                r.target,
                (r.met ? "met" : "not met") as NSString)
        }
        return out
    }

    public func markdown(command: String? = nil) -> String {
        var out = "# Online replay\n\n"
        if let command { out += "Produced by:\n\n```sh\n\(command)\n```\n\n" }
        out +=
            "Cutoff \(isoDate(cutoff)) (the last \(testDays) days are replayed): the model was trained on \(trainEvents) events before it; \(replayedEvents) test-window events were replayed in time order through the live overlay (\(knownVisitors) visitors known to the model, \(newVisitors) new; \(overlayEvictions) overlay evictions). Ranker: \(rankerPairs) pairs, validation AUC \(String(format: "%.4f", validationAUC)). At most \(maxTargetsPerTask) targets scored per task (every k-th in time order).\n\n"
        out += """
            ## Protocol

            The model is trained on the events before the cutoff only. The test window's events are then replayed \
            in time order through that one `TwoStagePipeline` and a `LiveOverlay`, in-process, with the raw ids the \
            server would receive; every method answers at the event's time minus 1 ms, so the event itself is not \
            visible, and the event is applied to the overlay afterwards.

            - **cart** (K = 10): before every first add-to-cart of a (visitor, item) pair in the window, the visitor's \
            top 10 (`GET /recommend/<id>?n=10`). Peers: *recently viewed (live)* (the visitor's distinct items, most \
            recent first, model history + live events), *weighted history (live)* (kind weights 1/5/10, half-life one \
            day, summed per item) and *frozen model* (the same pipeline with no live events).
            - **discover** (K = 20, exclude seen): before every view of an item the visitor never touched before \
            (visitors with an earlier event only), the top 20 with `exclude=seen`. Peer: *co-visitation*: the items \
            touched by the same visitors within an hour of the visitor's last item in the training events (each \
            visitor counts a pair once), most co-visited first, ties by item id, seen items left out.
            - Segments: *known* visitors had events before the cutoff, *new* ones were first seen in the window.


            """
        out +=
            "## Target ratios\n\n| task | metric | method / peer | segment | ratio | target | met |\n|---|---|---|---|---|---|---|\n"
        for r in ratios {
            out += String(
                format: "| %@ | %@ | %@ / %@ | %@ | %@ | ≥ %.2f | %@ |\n", r.task as NSString, r.metric as NSString,
                r.method as NSString, r.peer as NSString, r.segment.rawValue as NSString, r.valueText as NSString,
                r.target,
                (r.met ? "yes" : "no") as NSString)
        }
        out += "\n"
        for t in tasks {
            out +=
                "## Task \(t.task) (K = \(t.k)\(t.excludeSeen ? ", exclude seen" : ""))\n\n\(t.eligibleTargets) targets in the window; every \(t.stride == 1 ? "one" : "\(t.stride)th") scored.\n\n"
            out +=
                "| method | segment | targets | HR@\(t.k) | MRR@\(t.k) | ms/request |\n|---|---|---|---|---|---|\n"
            for m in t.methods {
                for s in m.segments {
                    out += String(
                        format: "| %@ | %@ | %d | %.4f | %.4f | %.3f |\n", m.name as NSString,
                        s.segment.rawValue as NSString, s.targets, s.hitRate, s.mrr, m.millisecondsPerRequest)
                }
            }
            out += "\n"
        }
        return out
    }
}
