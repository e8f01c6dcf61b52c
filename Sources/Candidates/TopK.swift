/// Indices of the `limit` best entries, best first, ties by smaller id:
/// a bounded binary heap, O(count · log limit), for long lists such as the
/// factor pools.
enum TopK {
    static func select<Score: Comparable>(
        count: Int, limit: Int, score: (Int) -> Score, id: (Int) -> Int32
    ) -> [Int] {
        // "a worse than b": lower score, or equal score and larger id.
        func worse(_ a: Int, _ b: Int) -> Bool {
            let sa = score(a)
            let sb = score(b)
            return sa != sb ? sa < sb : id(a) > id(b)
        }
        var heap: [Int] = []  // min-heap by `worse`: the root is the worst kept
        heap.reserveCapacity(limit)
        func siftDown(_ start: Int) {
            var i = start
            while true {
                let l = 2 * i + 1
                let r = l + 1
                var m = i
                if l < heap.count && worse(heap[l], heap[m]) { m = l }
                if r < heap.count && worse(heap[r], heap[m]) { m = r }
                if m == i { return }
                heap.swapAt(i, m)
                i = m
            }
        }
        for c in 0..<count {
            if heap.count < limit {
                heap.append(c)
                var i = heap.count - 1
                while i > 0 && worse(heap[i], heap[(i - 1) / 2]) {
                    heap.swapAt(i, (i - 1) / 2)
                    i = (i - 1) / 2
                }
            } else if let root = heap.first, worse(root, c) {
                heap[0] = c
                siftDown(0)
            }
        }
        return heap.sorted { worse($1, $0) }
    }
}
