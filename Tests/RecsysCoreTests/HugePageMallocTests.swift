import Testing

@testable import RecsysCore

struct HugePageMallocTests {
    let madvise = "always [madvise] never\n"

    @Test func relaunchesOnlyWhenTheTunableWouldChangeSomething() {
        #expect(HugePageMalloc.relaunchTunables(tunables: nil, optOut: nil, thpMode: madvise) == "glibc.malloc.hugetlb=1")
        #expect(HugePageMalloc.relaunchTunables(tunables: "", optOut: nil, thpMode: madvise) == "glibc.malloc.hugetlb=1")
        // The user's own tunables are kept.
        #expect(
            HugePageMalloc.relaunchTunables(tunables: "glibc.malloc.arena_max=2", optOut: nil, thpMode: madvise)
                == "glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1")
        // Already relaunched, or the user chose a hugetlb setting (0 included): no second start, no loop.
        #expect(HugePageMalloc.relaunchTunables(tunables: "glibc.malloc.hugetlb=1", optOut: nil, thpMode: madvise) == nil)
        #expect(HugePageMalloc.relaunchTunables(tunables: "glibc.malloc.hugetlb=0", optOut: nil, thpMode: madvise) == nil)
        // Opted out, or a kernel that gives huge pages anyway or never.
        #expect(HugePageMalloc.relaunchTunables(tunables: nil, optOut: "0", thpMode: madvise) == nil)
        #expect(HugePageMalloc.relaunchTunables(tunables: nil, optOut: "1", thpMode: madvise) == "glibc.malloc.hugetlb=1")
        #expect(HugePageMalloc.relaunchTunables(tunables: nil, optOut: nil, thpMode: "[always] madvise never") == nil)
        #expect(HugePageMalloc.relaunchTunables(tunables: nil, optOut: nil, thpMode: "always madvise [never]") == nil)
        #expect(HugePageMalloc.relaunchTunables(tunables: nil, optOut: nil, thpMode: nil) == nil)
    }
}
