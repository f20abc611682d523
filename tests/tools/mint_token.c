/* mint_token.c -- a test helper that issues a view token as a platform
 * would, so integration tests can exercise the agency's document server
 * without a running platform.
 *
 * Usage: mint_token SEED_KEY_FILE PLATFORM NOTICE RK TTL_MS
 * SEED_KEY_FILE is the PREFIX.key of `herald keygen --ed25519`; TTL_MS may
 * be negative to make an already expired token. Prints the token. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "keyfile.h"
#include "log.h"
#include "view_token.h"

int main(int argc, char **argv)
{
    uint8_t seed[ED25519_SEED_LEN], pk[ED25519_PUBLIC_LEN], sk[ED25519_SECRET_LEN];
    char err[512], out[VIEW_TOKEN_MAX + 1];
    view_token t = {0};

    if (argc != 6) {
        fprintf(stderr, "usage: mint_token SEED_KEY_FILE PLATFORM NOTICE RK TTL_MS\n");
        return 2;
    }
    if (crypto_init() != 0 || keyfile_read(argv[1], 1, seed, sizeof seed, err, sizeof err) != 0) {
        fprintf(stderr, "mint_token: %s\n", err);
        return 1;
    }
    ed25519_from_seed(pk, sk, seed);
    snprintf(t.platform, sizeof t.platform, "%s", argv[2]);
    snprintf(t.notice, sizeof t.notice, "%s", argv[3]);
    snprintf(t.rk, sizeof t.rk, "%s", argv[4]);
    t.exp_ms = clock_now_ms() + atoll(argv[5]);
    if (view_token_issue(&t, sk, out) != 0) {
        fprintf(stderr, "mint_token: a field is malformed\n");
        return 1;
    }
    puts(out);
    return 0;
}
