/* fuzz_view_token.c -- view tokens as the agency receives them from a
 * citizen's browser, checked against a fixed platform key. */
#include <sodium.h>

#include "fuzz.h"
#include "view_token.h"

static uint8_t pk[crypto_sign_PUBLICKEYBYTES];

static const uint8_t *lookup(void *ctx, const char *platform)
{
    (void)ctx;
    return platform[0] ? pk : NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    const char *why;
    view_token t;
    char *s = fuzz_str(data, size);

    if (!ready) {
        uint8_t sk[crypto_sign_SECRETKEYBYTES], seed[crypto_sign_SEEDBYTES] = {1};
        crypto_sign_seed_keypair(pk, sk, seed);
        ready = 1;
    }
    (void)view_token_verify(s, size, 1700000000000LL, lookup, NULL, &t, &why);
    free(s);
    return 0;
}
