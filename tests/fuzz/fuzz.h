/* fuzz.h -- what every libFuzzer target here shares: a NUL-terminated
 * copy of the input, since most of our parsers take C strings, and the
 * entry point's prototype. Each fuzz_*.c feeds one parser of outside
 * input; tests/fuzz.sh runs them briefly in `make check` and bench/fuzz
 * for as long as it is told. */
#ifndef HERALD_FUZZ_H
#define HERALD_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* data as a C string (embedded NULs stay; the parser sees what strlen
 * sees, or len when it takes one); free() it. */
static inline char *fuzz_str(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);

    if (!s)
        abort();
    memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

#endif
