import RecsysCore

/// Sorts one short run in place (a user's events, an item's snapshots):
/// insertion sort for the usual few, mostly ordered rows; the standard sort
/// for a long run.
@inline(__always)
func sortRun<T>(_ run: UnsafeMutableBufferPointer<T>, by before: (T, T) -> Bool) {
    var run = run
    if run.count > 24 {
        run.sort(by: before)
        return
    }
    guard run.count > 1 else { return }
    for j in 1..<run.count {
        let x = run[j]
        var k = j
        while k > 0 && before(x, run[k - 1]) {
            run[k] = run[k - 1]
            k -= 1
        }
        run[k] = x
    }
}
