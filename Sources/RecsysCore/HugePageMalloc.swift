#if canImport(Glibc)
    import Glibc
#endif

/// Transparent huge pages for the heap of a long, memory-heavy command.
///
/// Training at 10 × scale allocates and first-touches gigabytes of arrays indexed by item and visitor. With
/// 4 KiB pages that is millions of page faults and TLB misses on every scattered read; glibc's
/// `glibc.malloc.hugetlb=1` tunable makes malloc advise the kernel to back its memory with 2 MiB pages
/// (`madvise(MADV_HUGEPAGE)`), which the common `[madvise]` kernel setting then honours.
/// Tunables are read only when a process starts, so `relaunchIfUseful` starts the same program again,
/// with the same arguments and process id (`execv`), once, with the tunable set.
/// `RECSYS_HUGE_PAGES=0` turns this off; `GLIBC_TUNABLES` that already name `glibc.malloc.hugetlb` are left alone.
public enum HugePageMalloc {
    public static let tunable = "glibc.malloc.hugetlb=1"

    /// The `GLIBC_TUNABLES` to relaunch with, or nil when relaunching would change nothing.
    /// - Parameters:
    ///   - tunables: the current `GLIBC_TUNABLES`, if any.
    ///   - optOut: the value of `RECSYS_HUGE_PAGES`, if any ("0" turns huge pages off).
    ///   - thpMode: the contents of `/sys/kernel/mm/transparent_hugepage/enabled` (e.g. "always [madvise] never").
    public static func relaunchTunables(tunables: String?, optOut: String?, thpMode: String?) -> String? {
        if optOut == "0" { return nil }
        // Only `[madvise]` needs the advice: `[always]` already gives huge pages, `[never]` refuses them.
        guard let thpMode, thpMode.contains("[madvise]") else { return nil }
        guard let tunables, !tunables.isEmpty else { return tunable }
        if tunables.contains("glibc.malloc.hugetlb") { return nil }
        return tunables + ":" + tunable
    }

    /// Starts this program again with huge pages for malloc when that changes anything; returns only when it
    /// does not (or when the relaunch fails, and the program then goes on as it is).
    public static func relaunchIfUseful() {
        #if canImport(Glibc)
            let mode = readSmallFile("/sys/kernel/mm/transparent_hugepage/enabled")
            let previous = getenv("GLIBC_TUNABLES").map { String(cString: $0) }
            guard
                let next = relaunchTunables(
                    tunables: previous, optOut: getenv("RECSYS_HUGE_PAGES").map { String(cString: $0) },
                    thpMode: mode)
            else { return }
            setenv("GLIBC_TUNABLES", next, 1)
            execv("/proc/self/exe", CommandLine.unsafeArgv)
            // Still here: the exec failed. Go on without huge pages, with the environment as it was.
            if let previous { setenv("GLIBC_TUNABLES", previous, 1) } else { unsetenv("GLIBC_TUNABLES") }
        #endif
    }

    #if canImport(Glibc)
        private static func readSmallFile(_ path: String) -> String? {
            guard let file = fopen(path, "r") else { return nil }
            defer { fclose(file) }
            var buffer = [CChar](repeating: 0, count: 256)
            guard fgets(&buffer, Int32(buffer.count), file) != nil else { return nil }
            return String(cString: buffer)
        }
    #endif
}
