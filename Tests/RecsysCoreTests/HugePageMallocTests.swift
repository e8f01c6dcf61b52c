import Testing

@testable import RecsysCore

struct HugePageMallocTests {
    let madvise = "always [madvise] never\n"

    func relaunch(tunables: String?, optOut: String?, thpMode: String?) -> String? {
        HugePageMalloc.relaunchTunables(tunables: tunables, optOut: optOut, thpMode: thpMode)
    }

    @Test func relaunchesOnlyWhenTheTunableWouldChangeSomething() {
        #expect(relaunch(tunables: nil, optOut: nil, thpMode: madvise) == "glibc.malloc.hugetlb=1")
        #expect(relaunch(tunables: "", optOut: nil, thpMode: madvise) == "glibc.malloc.hugetlb=1")
        // The user's own tunables are kept.
        #expect(
            relaunch(tunables: "glibc.malloc.arena_max=2", optOut: nil, thpMode: madvise)
                == "glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1")
        // Already relaunched, or the user chose a hugetlb setting (0 included): no second start, no loop.
        #expect(relaunch(tunables: "glibc.malloc.hugetlb=1", optOut: nil, thpMode: madvise) == nil)
        #expect(relaunch(tunables: "glibc.malloc.hugetlb=0", optOut: nil, thpMode: madvise) == nil)
        // Opted out, or a kernel that gives huge pages anyway or never.
        #expect(relaunch(tunables: nil, optOut: "0", thpMode: madvise) == nil)
        #expect(relaunch(tunables: nil, optOut: "1", thpMode: madvise) == "glibc.malloc.hugetlb=1")
        #expect(relaunch(tunables: nil, optOut: nil, thpMode: "[always] madvise never") == nil)
        #expect(relaunch(tunables: nil, optOut: nil, thpMode: "always madvise [never]") == nil)
        #expect(relaunch(tunables: nil, optOut: nil, thpMode: nil) == nil)
    }
}
