import Candidates
import Dataset
import Features
import Foundation
import Pipeline
import Ranker
import RecsysCore

/// The answers the replay compares, all for one raw visitor at one request
/// time, over the same live overlay the server keeps. Lists are dense item
/// ids of `pipeline`, best first.
public struct OnlineReplayMethods: Sendable {
    public let pipeline: TwoStagePipeline
    public let overlay: LiveOverlay
    public let coVisitation: CoVisitation
    /// Kind weights of the weighted-history peer (view, add-to-cart, transaction).
    public static let historyKindWeights: [Double] = [1, 5, 10]
    /// Half-life of the weighted-history peer.
    public static let historyHalfLifeMs = Double(EventTime.msPerDay)

    public init(pipeline: TwoStagePipeline, overlay: LiveOverlay, coVisitation: CoVisitation) {
        self.pipeline = pipeline
        self.overlay = overlay
        self.coVisitation = coVisitation
    }

    /// What the server merges for `GET /recommend/<id>`: model history plus live events at or before `time`.
    public func liveState(rawUser: Int, at time: Int64) -> LiveState {
        pipeline.state(rawUser: rawUser, live: overlay.events(of: rawUser), at: time)
    }

    /// The server's `exclude=seen` set: every item in the model history and the live events so far.
    public func seen(rawUser: Int, at time: Int64) -> Set<Int32> {
        pipeline.touchedItems(rawUser: rawUser, live: overlay.events(of: rawUser), at: time, purchasesOnly: false)
    }

    /// The served answer over the visitor's model history and live events: the two-stage pipeline, or with
    /// `exclude=seen` its discovery ranking (`TwoStagePipeline.discover`), as `/recommend` answers.
    public func twoStageLive(rawUser: Int, at time: Int64, n: Int, excludeSeen: Bool) -> Recommendation {
        let live = liveState(rawUser: rawUser, at: time)
        guard excludeSeen else { return pipeline.recommend(live: live, at: time, n: n) }
        return pipeline.discover(
            live: live, at: time, n: n, excluding: seen(rawUser: rawUser, at: time),
            liveCoVisits: { [overlay] in overlay.coVisits(of: $0, notAfter: time) })
    }

    /// The model as trained, with no live events.
    public func frozen(rawUser: Int, at time: Int64, n: Int) -> [Int32] {
        pipeline.recommend(rawUser: rawUser, at: time, n: n).items.map(\.item)
    }

    /// Model history followed by live events at or before `time` (not cut to the history length), oldest first.
    public func history(rawUser: Int, at time: Int64) -> (items: [Int32], times: [Int64], kinds: [UInt8]) {
        var state = pipeline.user(raw: rawUser).map { pipeline.state(ofUser: $0) } ?? UserState()
        for e in overlay.events(of: rawUser) where e.timestamp <= time {
            guard let item = pipeline.item(raw: e.item) else { continue }
            state.items.append(Int32(item))
            state.times.append(e.timestamp)
            state.kinds.append(e.kind.rawValue)
        }
        return (state.items, state.times, state.kinds)
    }

    /// The visitor's distinct items, most recent first.
    public func recentlyViewed(rawUser: Int, at time: Int64, n: Int) -> [Int32] {
        let h = history(rawUser: rawUser, at: time)
        var out: [Int32] = []
        var taken = Set<Int32>()
        for item in h.items.reversed() where out.count < n && taken.insert(item).inserted { out.append(item) }
        return out
    }

    /// Items by Σ kind weight × 2^(−age / one day) over the visitor's history, ties by the smaller id.
    public func weightedHistory(rawUser: Int, at time: Int64, n: Int) -> [Int32] {
        let h = history(rawUser: rawUser, at: time)
        var score: [Int32: Double] = [:]
        for k in h.items.indices {
            let w = Self.historyKindWeights[min(Int(h.kinds[k]), 2)]
            score[h.items[k], default: 0] += w * exp2(-Double(max(time - h.times[k], 0)) / Self.historyHalfLifeMs)
        }
        let keys = score.map { DoubleRankKey($0.value, $0.key) }
        return TopK.largest(keys, limit: n, ordered: true).map(\.id)
    }

    /// The training co-visitation list of the visitor's last item, without the items they have seen.
    public func coVisited(rawUser: Int, at time: Int64, n: Int) -> [Int32] {
        let h = history(rawUser: rawUser, at: time)
        guard let last = h.items.last else { return [] }
        let seen = self.seen(rawUser: rawUser, at: time)
        var out: [Int32] = []
        for item in coVisitation.neighbours(of: last) where !seen.contains(item) {
            out.append(item)
            if out.count == n { break }
        }
        return out
    }
}

/// Hits and reciprocal ranks, summed.
public struct RankTally: Sendable, Equatable {
    public var targets = 0
    public var hits = 0
    public var reciprocalRanks = 0.0

    public init() {}

    /// 1-based rank of `target` in the first `k` of `list`, or nil.
    public static func rank(of target: Int32, in list: [Int32], k: Int) -> Int? {
        list.prefix(k).firstIndex(of: target).map { $0 + 1 }
    }

    public mutating func add(target: Int32, list: [Int32], k: Int) {
        targets += 1
        if let r = Self.rank(of: target, in: list, k: k) {
            hits += 1
            reciprocalRanks += 1 / Double(r)
        }
    }

    public static func + (a: RankTally, b: RankTally) -> RankTally {
        var c = a
        c.targets += b.targets
        c.hits += b.hits
        c.reciprocalRanks += b.reciprocalRanks
        return c
    }

    public var hitRate: Double { targets > 0 ? Double(hits) / Double(targets) : 0 }
    public var mrr: Double { targets > 0 ? reciprocalRanks / Double(targets) : 0 }
}

/// The online replay of docs/evaluation/online.md: the test window's
/// events, in time order, through one pipeline and its live overlay,
/// scoring the lists that would have been served just before each
/// add-to-cart (task "cart") and each view of an item new to the visitor
/// (task "discover").
public enum OnlineReplay {
    public static let cartK = 10
    public static let discoverK = 20
    public static let twoStageLive = "two-stage (live)"
    public static let frozenModel = "frozen model"
    public static let recentlyViewed = "recently viewed (live)"
    public static let weightedHistory = "weighted history (live)"
    public static let coVisitation = "co-visitation"
    /// The product's bars: cart MRR@10 two-stage / weighted history, discover MRR@20 two-stage / co-visitation.
    public static let cartTarget = 1.05
    public static let discoverTarget = 1.15

    /// A test-window target: the position of its event in the replay order.
    public struct Target: Sendable, Equatable {
        public var position: Int
        public var known: Bool
    }

    /// The test window in replay order, and each task's targets.
    public struct Plan: Sendable {
        /// Log indices of the test-window events, by (time, visitor, log order).
        public var events: [Int]
        public var cart: [Target]
        public var discover: [Target]
        public var knownVisitors: Int
        public var newVisitors: Int
    }

    /// Trains the default two-stage pipeline the way `train` and the offline
    /// protocol do, on the events before `cutoff` only.
    public static func trainPipeline(
        dataset: Dataset, trainLog: InteractionLog, cutoff: Int64, config: RecsysConfig,
        generators: [String]? = nil, registry: GeneratorRegistry = .standard, progress: ((String) -> Void)? = nil
    ) -> (TwoStagePipeline, TrainingSummary) {
        let generators = generators ?? registry.defaults
        progress?(
            "training on \(trainLog.count) events before \(isoDate(cutoff)) with \(generators.joined(separator: ", "))"
        )
        var (artifacts, summary) = ModelArtifacts.trained(
            dataset: dataset, log: trainLog, end: cutoff, config: config, generators: generators, registry: registry,
            progress: progress)
        artifacts.metadata.modelVersion = "online-replay"
        return (TwoStagePipeline(artifacts: artifacts), summary)
    }

    /// Orders the test window and finds the targets (no model needed).
    public static func plan(log: InteractionLog, trainLog: InteractionLog, cutoff: Int64) -> Plan {
        var events: [Int] = []
        for u in 0..<log.userCount {
            for e in log.events(of: u) where log.time[e] >= cutoff { events.append(e) }
        }
        events.sort { a, b in
            log.time[a] != log.time[b]
                ? log.time[a] < log.time[b] : (log.user[a] != log.user[b] ? log.user[a] < log.user[b] : a < b)
        }
        var touched: [Int32: Set<Int32>] = [:]
        var carted = Set<UInt64>()
        var cart: [Target] = []
        var discover: [Target] = []
        var known = 0
        for (p, e) in events.enumerated() {
            let u = log.user[e]
            let item = log.item[e]
            let isKnown = !trainLog.events(of: Int(u)).isEmpty
            if touched[u] == nil {
                touched[u] = Set(trainLog.events(of: Int(u)).map { trainLog.item[$0] })
                if isKnown { known += 1 }
            }
            let kind = log.kind[e]
            if kind == EventKind.addToCart.rawValue,
                carted.insert(UInt64(UInt32(u)) << 32 | UInt64(UInt32(item))).inserted
            {
                cart.append(Target(position: p, known: isKnown))
            }
            if kind == EventKind.view.rawValue, let before = touched[u], !before.isEmpty, !before.contains(item) {
                discover.append(Target(position: p, known: isKnown))
            }
            touched[u]!.insert(item)
        }
        return Plan(
            events: events, cart: cart, discover: discover, knownVisitors: known, newVisitors: touched.count - known)
    }

    /// Every `stride`-th target, `stride` the smallest that keeps at most `maxTargets`.
    public static func sample(_ targets: [Target], maxTargets: Int) -> (targets: [Target], stride: Int) {
        let stride = max(1, (targets.count + max(maxTargets, 1) - 1) / max(maxTargets, 1))
        return (Swift.stride(from: 0, to: targets.count, by: stride).map { targets[$0] }, stride)
    }

    /// Trains on the events before the test window, then replays it.
    public static func run(
        dataset: Dataset, config: RecsysConfig, testDays: Double = 14, maxTargets: Int = 20_000,
        generators: [String]? = nil, registry: GeneratorRegistry = .standard,
        limits: LiveOverlay.Limits = LiveOverlay.Limits(), progress: ((String) -> Void)? = nil
    ) -> OnlineReplayReport {
        let clock = Date()
        let log = dataset.log
        let cutoff = EventTime.testCutoff(maxTime: log.maxTime, days: testDays)
        let trainLog = log.before(cutoff)
        let (pipeline, summary) = trainPipeline(
            dataset: dataset, trainLog: trainLog, cutoff: cutoff, config: config, generators: generators,
            registry: registry, progress: progress)
        progress?(
            "ranker: \(summary.pairs) pairs, validation AUC \(String(format: "%.4f", summary.validationAUC))")
        let trainSeconds = Date().timeIntervalSince(clock)
        var report = replay(
            dataset: dataset, trainLog: trainLog, pipeline: pipeline, cutoff: cutoff, maxTargets: maxTargets,
            limits: limits, progress: progress)
        report.testDays = testDays
        report.rankerPairs = summary.pairs
        report.validationAUC = summary.validationAUC
        report.seconds["train"] = trainSeconds
        return report
    }

    /// Replays the events of `dataset.log` at or after `cutoff` through
    /// `pipeline` (trained on `trainLog`, the events before it) and a fresh
    /// live overlay, as the server would have received them.
    public static func replay(
        dataset: Dataset, trainLog: InteractionLog, pipeline: TwoStagePipeline, cutoff: Int64,
        maxTargets: Int = 20_000, limits: LiveOverlay.Limits = LiveOverlay.Limits(),
        progress: ((String) -> Void)? = nil
    ) -> OnlineReplayReport {
        var seconds: [String: Double] = [:]
        var clock = Date()
        func lap(_ name: String) {
            seconds[name] = Date().timeIntervalSince(clock)
            clock = Date()
        }
        let log = dataset.log
        let plan = plan(log: log, trainLog: trainLog, cutoff: cutoff)
        let (cart, cartStride) = sample(plan.cart, maxTargets: maxTargets)
        let (discover, discoverStride) = sample(plan.discover, maxTargets: maxTargets)
        progress?(
            "test window: \(plan.events.count) events, \(plan.knownVisitors) known and \(plan.newVisitors) new visitors; cart \(plan.cart.count) targets (scoring every \(cartStride)), discover \(plan.discover.count) (every \(discoverStride))"
        )
        let coVisits = CoVisitation(log: trainLog, itemCount: dataset.itemCount)
        lap("co-visitation")
        progress?("co-visitation: \(coVisits.neighbour.count) neighbour entries from the training events")

        let overlay = LiveOverlay(limits: limits)
        overlay.modelCovers(until: cutoff)
        let methods = OnlineReplayMethods(pipeline: pipeline, overlay: overlay, coVisitation: coVisits)
        let cartNames = [twoStageLive, frozenModel, recentlyViewed, weightedHistory]
        let discoverNames = [twoStageLive, coVisitation]
        // tallies[method][known ? 0 : 1]
        var cartTally = Array(repeating: [RankTally(), RankTally()], count: cartNames.count)
        var discoverTally = Array(repeating: [RankTally(), RankTally()], count: discoverNames.count)
        var cartTime = Array(repeating: 0.0, count: cartNames.count)
        var discoverTime = Array(repeating: 0.0, count: discoverNames.count)
        let cartAt = Dictionary(uniqueKeysWithValues: cart.map { ($0.position, $0.known) })
        let discoverAt = Dictionary(uniqueKeysWithValues: discover.map { ($0.position, $0.known) })
        let visitorRaw = dataset.visitors.raw
        let itemRaw = dataset.items.raw

        func timed<T>(_ clock: inout Double, _ body: () -> T) -> T {
            let t = DispatchTime.now().uptimeNanoseconds
            let value = body()
            clock += Double(DispatchTime.now().uptimeNanoseconds - t) / 1e6
            return value
        }
        let tenth = max(1, plan.events.count / 10)
        for (p, e) in plan.events.enumerated() {
            let rawUser = visitorRaw[Int(log.user[e])]
            let rawItem = itemRaw[Int(log.item[e])]
            let at = log.time[e] - 1
            let target = pipeline.item(raw: rawItem).map(Int32.init) ?? -1
            if let known = cartAt[p] {
                let segment = known ? 0 : 1
                let lists: [() -> [Int32]] = [
                    { methods.twoStageLive(rawUser: rawUser, at: at, n: cartK, excludeSeen: false).items.map(\.item) },
                    { methods.frozen(rawUser: rawUser, at: at, n: cartK) },
                    { methods.recentlyViewed(rawUser: rawUser, at: at, n: cartK) },
                    { methods.weightedHistory(rawUser: rawUser, at: at, n: cartK) },
                ]
                for (m, list) in lists.enumerated() {
                    let l = timed(&cartTime[m], list)
                    cartTally[m][segment].add(target: target, list: l, k: cartK)
                }
            }
            if let known = discoverAt[p] {
                let segment = known ? 0 : 1
                let lists: [() -> [Int32]] = [
                    {
                        methods.twoStageLive(rawUser: rawUser, at: at, n: discoverK, excludeSeen: true).items.map(
                            \.item)
                    },
                    { methods.coVisited(rawUser: rawUser, at: at, n: discoverK) },
                ]
                for (m, list) in lists.enumerated() {
                    let l = timed(&discoverTime[m], list)
                    discoverTally[m][segment].add(target: target, list: l, k: discoverK)
                }
            }
            overlay.apply([
                LiveEvent(
                    timestamp: log.time[e], visitor: rawUser, kind: EventKind(rawValue: log.kind[e]) ?? .view,
                    item: rawItem)
            ])
            if (p + 1) % tenth == 0 {
                progress?("replay: \((p + 1) * 100 / max(plan.events.count, 1))% of \(plan.events.count) events")
            }
        }
        lap("replay")

        func results(_ names: [String], _ tallies: [[RankTally]], _ times: [Double]) -> [OnlineMethodResult] {
            names.indices.map { m in
                let t = tallies[m]
                let all = t[0] + t[1]
                return OnlineMethodResult(
                    name: names[m],
                    segments: [(OnlineSegment.known, t[0]), (.new, t[1]), (.all, all)].map {
                        OnlineSegmentResult(segment: $0.0, targets: $0.1.targets, hitRate: $0.1.hitRate, mrr: $0.1.mrr)
                    },
                    millisecondsPerRequest: all.targets > 0 ? times[m] / Double(all.targets) : 0)
            }
        }
        let tasks = [
            OnlineTaskResult(
                task: "cart", k: cartK, excludeSeen: false, eligibleTargets: plan.cart.count, stride: cartStride,
                methods: results(cartNames, cartTally, cartTime)),
            OnlineTaskResult(
                task: "discover", k: discoverK, excludeSeen: true, eligibleTargets: plan.discover.count,
                stride: discoverStride, methods: results(discoverNames, discoverTally, discoverTime)),
        ]
        return OnlineReplayReport(
            cutoff: cutoff, testDays: Double(log.maxTime + 1 - cutoff) / Double(EventTime.msPerDay),
            trainEvents: trainLog.count, replayedEvents: plan.events.count, knownVisitors: plan.knownVisitors,
            newVisitors: plan.newVisitors, maxTargetsPerTask: maxTargets,
            rankerPairs: pipeline.artifacts.metadata.training?.pairs ?? 0,
            validationAUC: pipeline.artifacts.metadata.training?.validationAUC ?? 0, tasks: tasks,
            ratios: ratios(tasks), overlayEvictions: overlay.figures.evictions, seconds: seconds)
    }

    /// The product's two bars, per segment: MRR of the live two-stage over its peer's.
    public static func ratios(_ tasks: [OnlineTaskResult]) -> [OnlineTargetRatio] {
        var out: [OnlineTargetRatio] = []
        for (task, peer, target) in [("cart", weightedHistory, cartTarget), ("discover", coVisitation, discoverTarget)]
        {
            guard let t = tasks.first(where: { $0.task == task }), let mine = t.method(twoStageLive),
                let theirs = t.method(peer)
            else { continue }
            for segment in OnlineSegment.allCases.reversed() {
                guard let a = mine.segment(segment), let b = theirs.segment(segment), a.targets > 0 else { continue }
                let value: Double? = b.mrr > 0 ? a.mrr / b.mrr : nil
                out.append(
                    OnlineTargetRatio(
                        task: task, metric: "MRR@\(t.k)", method: twoStageLive, peer: peer, segment: segment,
                        value: value, target: target))
            }
        }
        return out
    }
}
