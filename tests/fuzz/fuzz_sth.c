/* fuzz_sth.c -- a signed tree head and a consistency proof as an auditor
 * fetches them from the hub. Input: 32 bytes of log key, then the STH
 * JSON; after a NUL, a consistency answer checked between two heads. */
#include "fuzz.h"
#include "sth_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char why[256];
    sth head, first = {0};
    const uint8_t *nul;
    size_t len;

    if (size < ED25519_PUBLIC_LEN)
        return 0;
    data += ED25519_PUBLIC_LEN;
    size -= ED25519_PUBLIC_LEN;
    nul = memchr(data, 0, size);
    len = nul ? (size_t)(nul - data) : size;
    if (sth_json_verify((const char *)data, len, data - ED25519_PUBLIC_LEN, &head, why,
                        sizeof why) == 0 && nul) {
        first.tree_size = head.tree_size / 2;
        (void)sth_json_verify_consistency((const char *)nul + 1, size - len - 1, &first, &head,
                                          why, sizeof why);
    }
    if (nul) /* the proof reader on its own, whatever the head said */
        (void)sth_json_verify_consistency((const char *)nul + 1, size - len - 1, &first,
                                          &first, why, sizeof why);
    return 0;
}
