/// Session co-visitation counted from live events, the way the model's
/// `CoVisitation` table counts the training log: when a visitor touches an
/// item, every other item they touched within the hour before counts one
/// co-visit with it, both ways, unless they had already touched the item in
/// that hour (a visitor repeating an item within a session counts its pairs
/// once); at most the `pairsPerEvent` most recent distinct items. Raw item
/// ids, so items the model does not know are counted too.
///
/// Bounded: at most `neighboursPerItem` neighbours per item (a full row
/// replaces its least co-visited neighbour) and `maxItems` items (further
/// items are not counted until a reload rebuilds the counts).
/// Cost per event: O(events of the visitor in the hour + pairsPerEvent × neighboursPerItem).
struct LiveCoVisits {
    static let window: Int64 = 3_600_000
    static let neighboursPerItem = 32
    static let maxItems = 300_000
    /// Earlier items an event is paired with at most (the most recent distinct ones): bounds the cost of an
    /// event from a visitor who touched hundreds of items in the hour.
    static let pairsPerEvent = 10

    struct Row {
        var items: [Int] = []
        var counts: [Int32] = []
    }

    private(set) var rows: [Int: Row] = [:]
    /// The newest event counted (unix ms): answers for an earlier time must not use the counts.
    private(set) var newest: Int64 = .min

    /// Counts `list[index]` against the visitor's earlier events of the hour before it (`list` in time order).
    mutating func count(_ list: [LiveEvent], at index: Int) {
        let e = list[index]
        newest = max(newest, e.timestamp)
        var earlier: [Int] = []
        var k = index - 1
        while k >= 0 && e.timestamp - list[k].timestamp <= Self.window {
            let item = list[k].item
            if item == e.item { return }
            if !earlier.contains(item) && earlier.count < Self.pairsPerEvent { earlier.append(item) }
            k -= 1
        }
        for other in earlier {
            add(e.item, other)
            add(other, e.item)
        }
    }

    private mutating func add(_ item: Int, _ neighbour: Int) {
        if rows[item] == nil {
            guard rows.count < Self.maxItems else { return }
            rows[item] = Row()
        }
        rows[item]!.add(neighbour, cap: Self.neighboursPerItem)
    }

    /// Forgets every count and recounts `visitors`' events (after a reload dropped the events the model covers).
    mutating func rebuild(from visitors: some Sequence<[LiveEvent]>) {
        rows = [:]
        newest = .min
        for list in visitors {
            for index in list.indices { count(list, at: index) }
        }
    }
}

extension LiveCoVisits.Row {
    fileprivate mutating func add(_ neighbour: Int, cap: Int) {
        if let k = items.firstIndex(of: neighbour) {
            counts[k] += 1
        } else if items.count < cap {
            items.append(neighbour)
            counts.append(1)
        } else if let weakest = counts.indices.min(by: { counts[$0] < counts[$1] }), counts[weakest] <= 1 {
            // Only a neighbour seen once makes room: established pairs are not pushed out by noise.
            items[weakest] = neighbour
            counts[weakest] = 1
        }
    }
}
