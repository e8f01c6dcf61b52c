import CFuzz

#if canImport(Glibc)
    import Glibc
#endif

// Linked with `-sanitize=fuzzer`, libFuzzer's own `main` usually wins and
// calls `LLVMFuzzerTestOneInput` directly; this one does the same through
// the driver when the linker picks it instead.
var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzOneInput(data, size) })
