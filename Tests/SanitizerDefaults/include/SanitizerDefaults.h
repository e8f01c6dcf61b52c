#pragma once

/// AddressSanitizer's hook for default options; defined in SanitizerDefaults.c.
const char *__asan_default_options(void);
