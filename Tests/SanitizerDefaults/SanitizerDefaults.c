// AddressSanitizer defaults for the test binary (`swift test --sanitize=address`, the README's test
// command). ASan reads these before the ASAN_OPTIONS variable, which still overrides them.
//
// detect_leaks=0: LeakSanitizer's report at exit is all false positives or other packages' leaks
// (docs/benchmarks.md, "swift test under AddressSanitizer"): Swift multi-payload enums keep tag bits
// in a pointer's spare bits, which LSan does not recognise as a pointer (swift-prometheus's bucket
// arrays, held in such an enum, show as "direct" leaks), and HummingbirdTesting's NIOAsyncTestingChannel,
// Foundation's Process and XCTest's runner leave cycles behind. Memory errors (out of bounds,
// use after free, double free) are still reported and fail the run.
#include "SanitizerDefaults.h"

__attribute__((no_sanitize("address"), used, visibility("default")))
const char *__asan_default_options(void) {
    return "detect_leaks=0";
}
