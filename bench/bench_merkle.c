/* bench_merkle.c -- how fast the evidence log's Merkle core runs.
 *
 * The hub must take at least 200,000 appends a second (docs/design.md §5), and
 * answers proof requests by recomputing subtrees from leaf hashes. This
 * times both on one core: hashing ~300-byte JSON leaves, appending their
 * hashes to a frontier, and one inclusion and one consistency proof over a
 * tree of 1,000,000 leaves held in memory (no node cache). Not a test: it
 * only prints figures, and exits nonzero if a result is wrong. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto.h"
#include "merkle.h"

#define LEAVES 1000000

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int array_leaf(void *ctx, uint64_t index, uint8_t out[MERKLE_HASH_LEN])
{
    const uint8_t (*hashes)[MERKLE_HASH_LEN] = ctx;
    memcpy(out, hashes[index], MERKLE_HASH_LEN);
    return 0;
}

/* A leaf shaped like docs/design.md §4's, about 300 bytes; the notice number
 * is rewritten in place for each leaf so every leaf differs. */
static size_t make_leaf_template(char *buf, size_t cap)
{
    int n = snprintf(buf, cap,
        "{\"v\":1,\"event\":\"delivered\",\"notice\":\"N-0000000000\","
        "\"at\":\"2025-01-01T09:00:00.123Z\",\"agency\":\"ministry-of-the-interior\","
        "\"actor\":\"platform-kakao\",\"rk\":\"%064d\",\"doc_sha256\":\"%064d\","
        "\"reason\":\"read-receipt\"}", 0, 0);
    return (size_t)n;
}

static void set_counter(char *leaf, uint64_t i)
{
    char *p = strstr(leaf, "N-") + 2 + 10;
    for (int d = 0; d < 10; d++, i /= 10)
        *--p = (char)('0' + i % 10);
}

int main(void)
{
    uint8_t (*hashes)[MERKLE_HASH_LEN] = malloc((size_t)LEAVES * MERKLE_HASH_LEN);
    uint8_t path[MERKLE_MAX_PATH][MERKLE_HASH_LEN], root[MERKLE_HASH_LEN], old[MERKLE_HASH_LEN];
    merkle_source src = {.leaf = array_leaf, .ctx = NULL};
    merkle_frontier f;
    char leaf[512];
    size_t leaf_len, len, path_len = 0;
    double t0, hash_s, append_s, root_s, proof_s, cons_s;
    const uint64_t probes[] = {0, 123457, LEAVES / 2, LEAVES - 1};
    const int nprobes = sizeof probes / sizeof probes[0];

    if (hashes == NULL || crypto_init() != 0)
        return 1;
    src.ctx = hashes;
    leaf_len = make_leaf_template(leaf, sizeof leaf);

    t0 = now();
    for (uint64_t i = 0; i < LEAVES; i++) {
        set_counter(leaf, i);
        merkle_leaf_hash(leaf, leaf_len, hashes[i]);
    }
    hash_s = now() - t0;

    merkle_frontier_init(&f);
    t0 = now();
    for (uint64_t i = 0; i < LEAVES; i++)
        if (merkle_frontier_append(&f, hashes[i]) != MERKLE_OK)
            return 1;
    append_s = now() - t0;

    t0 = now();
    merkle_frontier_root(&f, root);
    root_s = now() - t0;

    t0 = now();
    for (int i = 0; i < nprobes; i++) {
        if (merkle_inclusion_proof(&src, probes[i], LEAVES, path, &len) != MERKLE_OK ||
            merkle_verify_inclusion(hashes[probes[i]], probes[i], LEAVES, path, len,
                                    root) != MERKLE_OK)
            return fprintf(stderr, "inclusion proof failed\n"), 1;
        if (len > path_len)
            path_len = len;
    }
    proof_s = (now() - t0) / nprobes;

    t0 = now();
    if (merkle_consistency_proof(&src, LEAVES / 2 + 1, LEAVES, path, &len) != MERKLE_OK)
        return 1;
    cons_s = now() - t0;
    if (merkle_root(&src, LEAVES / 2 + 1, old) != MERKLE_OK ||
        merkle_verify_consistency(LEAVES / 2 + 1, LEAVES, old, root, path, len) != MERKLE_OK)
        return fprintf(stderr, "consistency proof failed\n"), 1;

    printf("leaf bytes:                %zu\n", leaf_len);
    printf("leaf hash:                 %.0f leaves/s (%.0f ns each)\n",
           LEAVES / hash_s, hash_s / LEAVES * 1e9);
    printf("frontier append:           %.0f appends/s (%.0f ns each)\n",
           LEAVES / append_s, append_s / LEAVES * 1e9);
    printf("hash + append:             %.0f leaves/s\n", LEAVES / (hash_s + append_s));
    printf("frontier root:             %.1f us\n", root_s * 1e6);
    printf("inclusion proof, n=%d: %.1f ms (mean of %d, paths up to %zu hashes)\n",
           LEAVES, proof_s * 1e3, nprobes, path_len);
    printf("consistency proof, n=%d: %.1f ms (%zu hashes)\n", LEAVES, cons_s * 1e3, len);
    free(hashes);
    return 0;
}
