/* Unit tests for merkle.c and sth.c. Expected values come from the RFC 6962
 * reference tree published in Certificate Transparency's merkle_tree_test
 * (its 1-based leaf numbers turned 0-based here), and from a naive
 * recursive implementation below, written straight from RFC 9162 §2.1 over
 * OpenSSL's EVP digests rather than crypto.c's SHA-256 path. Signatures
 * are cross-checked with OpenSSL's Ed25519, not libsodium's. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <openssl/evp.h>

#include "crypto.h"
#include "merkle.h"
#include "sth.h"

typedef uint8_t digest[MERKLE_HASH_LEN];

/* ---- Reference implementation: RFC 9162 §2.1 as written ---- */

static EVP_MD *ref_md;
static EVP_MD_CTX *ref_ctx;

static void ref_sha256(const uint8_t *p, size_t len, digest out)
{
    assert_int_equal(EVP_DigestInit_ex2(ref_ctx, ref_md, NULL), 1);
    assert_int_equal(EVP_DigestUpdate(ref_ctx, p, len), 1);
    assert_int_equal(EVP_DigestFinal_ex(ref_ctx, out, NULL), 1);
}

static void ref_leaf(const uint8_t *data, size_t len, digest out)
{
    uint8_t buf[1 + 64];

    assert_true(len <= 64);
    buf[0] = 0x00;
    memcpy(buf + 1, data, len);
    ref_sha256(buf, 1 + len, out);
}

static void ref_node(const digest l, const digest r, digest out)
{
    uint8_t buf[65];

    buf[0] = 0x01;
    memcpy(buf + 1, l, 32);
    memcpy(buf + 33, r, 32);
    ref_sha256(buf, sizeof buf, out);
}

/* "the largest power of two smaller than n", by counting up. */
static uint64_t ref_split(uint64_t n)
{
    uint64_t k = 1;
    while (k * 2 < n)
        k *= 2;
    return k;
}

static void ref_mth(const digest *d, uint64_t n, digest out)
{
    digest l, r;
    uint64_t k;

    if (n == 0) {
        ref_sha256((const uint8_t *)"", 0, out);
        return;
    }
    if (n == 1) {
        memcpy(out, d[0], 32);
        return;
    }
    k = ref_split(n);
    ref_mth(d, k, l);
    ref_mth(d + k, n - k, r);
    ref_node(l, r, out);
}

/* PATH(m, D[n]), appended at path[*len]. */
static void ref_path(const digest *d, uint64_t n, uint64_t m, digest *path, size_t *len)
{
    uint64_t k;

    if (n == 1)
        return;
    k = ref_split(n);
    if (m < k) {
        ref_path(d, k, m, path, len);
        ref_mth(d + k, n - k, path[(*len)++]);
    } else {
        ref_path(d + k, n - k, m - k, path, len);
        ref_mth(d, k, path[(*len)++]);
    }
}

/* SUBPROOF(m, D[n], b), appended at proof[*len]. */
static void ref_subproof(const digest *d, uint64_t n, uint64_t m, int b,
                         digest *proof, size_t *len)
{
    uint64_t k;

    if (m == n) {
        if (!b)
            ref_mth(d, m, proof[(*len)++]);
        return;
    }
    k = ref_split(n);
    if (m <= k) {
        ref_subproof(d, k, m, b, proof, len);
        ref_mth(d + k, n - k, proof[(*len)++]);
    } else {
        ref_subproof(d + k, n - k, m - k, 0, proof, len);
        ref_mth(d, k, proof[(*len)++]);
    }
}

static void ref_consistency(const digest *d, uint64_t m, uint64_t n, digest *proof, size_t *len)
{
    *len = 0;
    if (m > 0 && m < n)
        ref_subproof(d, n, m, 1, proof, len);
}

/* ---- Leaf sources ---- */

/* An array of leaf hashes that admits to holding only the first n, so a
 * read past the tree in question shows up as MERKLE_ESOURCE. */
typedef struct leaves {
    const digest *h;
    uint64_t n;
    uint64_t reads;
    uint64_t fail_at; /* a read of this index fails; UINT64_MAX: none */
} leaves;

static int leaves_get(void *ctx, uint64_t i, uint8_t out[MERKLE_HASH_LEN])
{
    leaves *l = ctx;

    if (i >= l->n || i == l->fail_at)
        return -1;
    memcpy(out, l->h[i], 32);
    l->reads++;
    return 0;
}

static leaves leaves_of(const digest *h, uint64_t n)
{
    return (leaves){.h = h, .n = n, .fail_at = UINT64_MAX};
}

static merkle_source source_of(leaves *l)
{
    return (merkle_source){.leaf = leaves_get, .node = NULL, .ctx = l};
}

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

#define MAX_LEAVES 1000
static digest random_leaves[MAX_LEAVES];

/* Random leaves of 0..64 bytes, hashed by both implementations. */
static int make_random_leaves(void **state)
{
    (void)state;
    for (int i = 0; i < MAX_LEAVES; i++) {
        uint8_t data[64];
        size_t len = rnd() % 65;
        digest mine;
        for (size_t j = 0; j < len; j++)
            data[j] = (uint8_t)rnd();
        ref_leaf(data, len, random_leaves[i]);
        merkle_leaf_hash(data, len, mine);
        if (memcmp(mine, random_leaves[i], 32) != 0)
            return -1;
    }
    return 0;
}

static void flip_random_bit(uint8_t *h)
{
    uint64_t r = rnd();
    h[r % 32] ^= (uint8_t)(1u << ((r >> 8) % 8));
}

/* ---- The CT reference tree ---- */

static const char *ct_inputs[8] = {
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
};

static const char *ct_roots[9] = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

static void unhex(const char *s, digest out)
{
    assert_int_equal(hex_decode(out, 32, s, strlen(s)), 32);
}

static void ct_leaf_hashes(digest out[8])
{
    for (int i = 0; i < 8; i++) {
        uint8_t data[16];
        long len = hex_decode(data, sizeof data, ct_inputs[i], strlen(ct_inputs[i]));
        assert_true(len >= 0);
        merkle_leaf_hash(data, (size_t)len, out[i]);
    }
}

static void known_answer_roots(void **state)
{
    digest h[8], got, ref, want;
    merkle_frontier f;
    (void)state;

    ct_leaf_hashes(h);
    merkle_frontier_init(&f);
    for (uint64_t n = 0; n <= 8; n++) {
        leaves l = leaves_of(h, n);
        merkle_source src = source_of(&l);
        unhex(ct_roots[n], want);
        assert_int_equal(merkle_root(&src, n, got), MERKLE_OK);
        assert_memory_equal(got, want, 32);
        ref_mth(h, n, ref);
        assert_memory_equal(ref, want, 32);
        if (n > 0)
            assert_int_equal(merkle_frontier_append(&f, h[n - 1]), MERKLE_OK);
        merkle_frontier_root(&f, got);
        assert_memory_equal(got, want, 32);
    }
}

/* ---- Tampering: the checks of CT's VerifierCheck and more ---- */

static void inclusion_must_fail(const digest leaf, uint64_t m, uint64_t n,
                                const digest *path, size_t len, const digest root)
{
    assert_int_not_equal(merkle_verify_inclusion(leaf, m, n, path, len, root), MERKLE_OK);
}

static void check_inclusion(const digest leaf, uint64_t m, uint64_t n,
                            const digest *path, size_t len, const digest root)
{
    digest wrong[MERKLE_MAX_PATH + 1], bad;

    assert_int_equal(merkle_verify_inclusion(leaf, m, n, path, len, root), MERKLE_OK);
    if (m > 0)
        inclusion_must_fail(leaf, m - 1, n, path, len, root);
    inclusion_must_fail(leaf, m + 1, n, path, len, root);
    inclusion_must_fail(leaf, m ^ 2, n, path, len, root);
    inclusion_must_fail(leaf, m, n * 2, path, len, root);
    inclusion_must_fail(leaf, m, n / 2, path, len, root);
    memcpy(bad, leaf, 32);
    flip_random_bit(bad);
    inclusion_must_fail(bad, m, n, path, len, root);
    memcpy(bad, root, 32);
    flip_random_bit(bad);
    inclusion_must_fail(leaf, m, n, path, len, bad);
    for (size_t j = 0; j < len; j++) {
        memcpy(wrong, path, len * 32);
        flip_random_bit(wrong[j]);
        inclusion_must_fail(leaf, m, n, wrong, len, root);
    }
    memcpy(wrong, path, len * 32);
    memset(wrong[len], 0, 32);
    inclusion_must_fail(leaf, m, n, wrong, len + 1, root); /* extended */
    memcpy(wrong[len], root, 32);
    inclusion_must_fail(leaf, m, n, wrong, len + 1, root);
    /* A level on top of the root, with a root to match: the size says the
     * tree is not that tall. */
    memset(wrong[len], 0x5a, 32);
    merkle_node_hash(wrong[len], root, bad);
    inclusion_must_fail(leaf, m, n, wrong, len + 1, bad);
    if (len > 0)
        inclusion_must_fail(leaf, m, n, path, len - 1, root); /* truncated */
    memset(wrong[0], 0, 32);
    memcpy(wrong + 1, path, len * 32);
    inclusion_must_fail(leaf, m, n, wrong, len + 1, root); /* prepended */
    memcpy(wrong[0], root, 32);
    inclusion_must_fail(leaf, m, n, wrong, len + 1, root);
}

static void consistency_must_fail(uint64_t m, uint64_t n, const digest r1, const digest r2,
                                  const digest *proof, size_t len)
{
    assert_int_not_equal(merkle_verify_consistency(m, n, r1, r2, proof, len), MERKLE_OK);
}

/* CT's VerifierConsistencyCheck: tampering is tried on non-empty proofs. */
static void check_consistency(uint64_t m, uint64_t n, const digest r1, const digest r2,
                              const digest *proof, size_t len)
{
    digest wrong[MERKLE_MAX_PATH + 1], bad, bad2;

    assert_int_equal(merkle_verify_consistency(m, n, r1, r2, proof, len), MERKLE_OK);
    if (len == 0)
        return;
    consistency_must_fail(m - 1, n, r1, r2, proof, len);
    consistency_must_fail(m + 1, n, r1, r2, proof, len);
    consistency_must_fail(m ^ 2, n, r1, r2, proof, len);
    consistency_must_fail(m, n * 2, r1, r2, proof, len);
    consistency_must_fail(m, n / 2, r1, r2, proof, len);
    memcpy(bad, r1, 32);
    flip_random_bit(bad);
    consistency_must_fail(m, n, bad, r2, proof, len);
    memcpy(bad, r2, 32);
    flip_random_bit(bad);
    consistency_must_fail(m, n, r1, bad, proof, len);
    consistency_must_fail(m, n, r2, r1, proof, len);
    consistency_must_fail(m, n, r1, r2, proof, 0);
    for (size_t j = 0; j < len; j++) {
        memcpy(wrong, proof, len * 32);
        flip_random_bit(wrong[j]);
        consistency_must_fail(m, n, r1, r2, wrong, len);
    }
    memcpy(wrong, proof, len * 32);
    memset(wrong[len], 0, 32);
    consistency_must_fail(m, n, r1, r2, wrong, len + 1);
    memcpy(wrong[len], proof[len - 1], 32);
    consistency_must_fail(m, n, r1, r2, wrong, len + 1);
    memset(wrong[len], 0x5a, 32);
    merkle_node_hash(wrong[len], r1, bad);
    merkle_node_hash(wrong[len], r2, bad2);
    consistency_must_fail(m, n, bad, bad2, wrong, len + 1); /* a level too many */
    consistency_must_fail(m, n, r1, r2, proof, len - 1);
    memset(wrong[0], 0, 32);
    memcpy(wrong + 1, proof, len * 32);
    consistency_must_fail(m, n, r1, r2, wrong, len + 1);
    memcpy(wrong[0], proof[0], 32);
    consistency_must_fail(m, n, r1, r2, wrong, len + 1);
}

/* ---- CT known-answer proofs ---- */

typedef struct {
    uint64_t a, n; /* leaf index (0-based) or old size; tree size */
    size_t len;
    const char *hashes[3];
} proof_vector;

/* kSHA256Paths, leaf numbers minus one ({0, 0} is covered by the
 * argument checks below). */
static const proof_vector ct_paths[] = {
    {0, 1, 0, {NULL}},
    {0, 8, 3, {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
               "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
               "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
    {5, 8, 3, {"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
               "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
               "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
    {2, 3, 1, {"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"}},
    {1, 5, 3, {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
               "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
               "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
};

/* kSHA256Proofs: sizes, which CT counts from 1 as well. */
static const proof_vector ct_proofs[] = {
    {1, 1, 0, {NULL}},
    {1, 8, 3, {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
               "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
               "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
    {6, 8, 3, {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
               "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
               "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
    {2, 5, 2, {"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
               "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
};

static void ct_audit_paths(void **state)
{
    digest h[8], path[MERKLE_MAX_PATH], ref[MERKLE_MAX_PATH], want, root;
    size_t len, reflen;
    (void)state;

    ct_leaf_hashes(h);
    for (size_t i = 0; i < sizeof ct_paths / sizeof ct_paths[0]; i++) {
        const proof_vector *v = &ct_paths[i];
        leaves l = leaves_of(h, v->n);
        merkle_source src = source_of(&l);
        assert_int_equal(merkle_inclusion_proof(&src, v->a, v->n, path, &len), MERKLE_OK);
        assert_int_equal(len, v->len);
        reflen = 0;
        ref_path(h, v->n, v->a, ref, &reflen);
        assert_int_equal(reflen, v->len);
        for (size_t j = 0; j < len; j++) {
            unhex(v->hashes[j], want);
            assert_memory_equal(path[j], want, 32);
            assert_memory_equal(ref[j], want, 32);
        }
        unhex(ct_roots[v->n], root);
        check_inclusion(h[v->a], v->a, v->n, path, len, root);
    }
}

static void ct_consistency_proofs(void **state)
{
    digest h[8], proof[MERKLE_MAX_PATH], ref[MERKLE_MAX_PATH], want, r1, r2;
    size_t len, reflen;
    (void)state;

    ct_leaf_hashes(h);
    for (size_t i = 0; i < sizeof ct_proofs / sizeof ct_proofs[0]; i++) {
        const proof_vector *v = &ct_proofs[i];
        leaves l = leaves_of(h, v->n);
        merkle_source src = source_of(&l);
        assert_int_equal(merkle_consistency_proof(&src, v->a, v->n, proof, &len), MERKLE_OK);
        assert_int_equal(len, v->len);
        ref_consistency(h, v->a, v->n, ref, &reflen);
        assert_int_equal(reflen, v->len);
        for (size_t j = 0; j < len; j++) {
            unhex(v->hashes[j], want);
            assert_memory_equal(proof[j], want, 32);
            assert_memory_equal(ref[j], want, 32);
        }
        unhex(ct_roots[v->a], r1);
        unhex(ct_roots[v->n], r2);
        check_consistency(v->a, v->n, r1, r2, proof, len);
    }
}

/* ---- Random trees against the reference ---- */

static void check_consistency_pair(const merkle_source *src, uint64_t m, uint64_t n,
                                   const digest r2)
{
    digest proof[MERKLE_MAX_PATH], ref[MERKLE_MAX_PATH], r1;
    size_t len, reflen;

    assert_int_equal(merkle_consistency_proof(src, m, n, proof, &len), MERKLE_OK);
    ref_consistency(random_leaves, m, n, ref, &reflen);
    assert_int_equal(len, reflen);
    if (len > 0)
        assert_memory_equal(proof, ref, len * 32);
    ref_mth(random_leaves, m, r1);
    check_consistency(m, n, r1, r2, proof, len);
}

static void check_tree(uint64_t n)
{
    digest root, ref, path[MERKLE_MAX_PATH], refpath[MERKLE_MAX_PATH];
    leaves l = leaves_of(random_leaves, n);
    merkle_source src = source_of(&l);
    size_t len, reflen;

    assert_int_equal(merkle_root(&src, n, root), MERKLE_OK);
    ref_mth(random_leaves, n, ref);
    assert_memory_equal(root, ref, 32);
    for (uint64_t m = 0; m < n; m++) {
        assert_int_equal(merkle_inclusion_proof(&src, m, n, path, &len), MERKLE_OK);
        reflen = 0;
        ref_path(random_leaves, n, m, refpath, &reflen);
        assert_int_equal(len, reflen);
        if (len > 0)
            assert_memory_equal(path, refpath, len * 32);
        check_inclusion(random_leaves[m], m, n, path, len, root);
    }
    if (n <= 64) {
        for (uint64_t m = 0; m <= n; m++)
            check_consistency_pair(&src, m, n, root);
        return;
    }
    uint64_t pow2 = ref_split(n + 1); /* the largest power of two <= n */
    uint64_t edges[] = {0, 1, 2, 3, n - 1, n, pow2, pow2 - 1, pow2 + 1};
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++)
        if (edges[i] <= n)
            check_consistency_pair(&src, edges[i], n, root);
    for (int i = 0; i < 40; i++)
        check_consistency_pair(&src, rnd() % (n + 1), n, root);
}

static void small_trees_match_reference(void **state)
{
    (void)state;
    for (uint64_t n = 1; n <= 64; n++)
        check_tree(n);
}

static void large_trees_match_reference(void **state)
{
    static const uint64_t sizes[] = {65, 127, 128, 129, 255, 256, 257, 511, 512, 513, 999, 1000};
    (void)state;

    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        check_tree(sizes[i]);
    for (int i = 0; i < 4; i++)
        check_tree(65 + rnd() % (MAX_LEAVES - 65));
}

/* ---- Frontier ---- */

static void assert_same_frontier(const merkle_frontier *a, const merkle_frontier *b)
{
    assert_int_equal(a->size, b->size);
    for (int h = 0; h < 64; h++)
        if ((a->size >> h) & 1)
            assert_memory_equal(a->node[h], b->node[h], 32);
}

static void frontier_root_is_mth(void **state)
{
    merkle_frontier f, loaded;
    digest got, want;
    (void)state;

    merkle_frontier_init(&f);
    for (uint64_t n = 1; n <= MAX_LEAVES; n++) {
        leaves l = leaves_of(random_leaves, n);
        merkle_source src = source_of(&l);
        assert_int_equal(merkle_frontier_append(&f, random_leaves[n - 1]), MERKLE_OK);
        assert_int_equal(f.size, n);
        merkle_frontier_root(&f, got);
        assert_int_equal(merkle_root(&src, n, want), MERKLE_OK);
        assert_memory_equal(got, want, 32);
        ref_mth(random_leaves, n, want);
        assert_memory_equal(got, want, 32);
        assert_int_equal(merkle_frontier_load(&loaded, &src, n), MERKLE_OK);
        assert_same_frontier(&loaded, &f);
    }
}

/* Every subtree append_nodes reports is the perfect subtree of 2^h leaves
 * ending at the new leaf, checked against the naive MTH. */
static void frontier_reports_completed_subtrees(void **state)
{
    merkle_frontier f;
    digest done[63], want;
    unsigned ndone;
    (void)state;

    merkle_frontier_init(&f);
    for (uint64_t n = 1; n <= MAX_LEAVES; n++) {
        assert_int_equal(merkle_frontier_append_nodes(&f, random_leaves[n - 1], done, &ndone),
                         MERKLE_OK);
        assert_int_equal(ndone, (unsigned)__builtin_ctzll(n));
        for (unsigned h = 1; h <= ndone; h++) {
            ref_mth(random_leaves + (n - (UINT64_C(1) << h)), UINT64_C(1) << h, want);
            assert_memory_equal(done[h - 1], want, 32);
        }
    }
}

static void frontier_load_then_append(void **state)
{
    merkle_frontier f;
    digest got, want;
    (void)state;

    for (uint64_t start = 0; start <= 300; start += 37) {
        leaves l = leaves_of(random_leaves, start);
        merkle_source src = source_of(&l);
        assert_int_equal(merkle_frontier_load(&f, &src, start), MERKLE_OK);
        for (uint64_t n = start + 1; n <= start + 300; n++) {
            assert_int_equal(merkle_frontier_append(&f, random_leaves[n - 1]), MERKLE_OK);
            merkle_frontier_root(&f, got);
            ref_mth(random_leaves, n, want);
            assert_memory_equal(got, want, 32);
        }
    }
}

/* ---- Node cache ---- */

#define CACHE_LEVELS 10
typedef struct node_cache {
    leaves *l;
    digest *level[CACHE_LEVELS]; /* level[k][i]: subtree i of 2^k leaves */
    unsigned min_level;          /* answer only from here up */
    uint64_t hits;
    int outside;                 /* asked about a subtree past the tree */
    int answer;                  /* forced return value, or 0 to answer */
} node_cache;

static int cache_get(void *ctx, unsigned level, uint64_t index, uint8_t out[MERKLE_HASH_LEN])
{
    node_cache *c = ctx;

    if (level < 1 || level >= 64 || ((index + 1) << level) > c->l->n)
        c->outside = 1;
    if (c->answer != 0)
        return c->answer;
    if (level < c->min_level || level >= CACHE_LEVELS)
        return 0;
    memcpy(out, c->level[level][index], 32);
    c->hits++;
    return 1;
}

static int cache_leaf(void *ctx, uint64_t index, uint8_t out[MERKLE_HASH_LEN])
{
    node_cache *c = ctx;
    return leaves_get(c->l, index, out);
}

static void cache_fill(node_cache *c)
{
    for (unsigned k = 1; k < CACHE_LEVELS; k++) {
        uint64_t count = MAX_LEAVES >> k;
        c->level[k] = calloc(count ? count : 1, sizeof(digest));
        assert_non_null(c->level[k]);
        for (uint64_t i = 0; i < count; i++)
            ref_mth(random_leaves + (i << k), UINT64_C(1) << k, c->level[k][i]);
    }
}

static void cache_free(node_cache *c)
{
    for (unsigned k = 1; k < CACHE_LEVELS; k++)
        free(c->level[k]);
}

static void node_cache_changes_nothing_but_reads(void **state)
{
    static const uint64_t sizes[] = {1000, 777, 512, 65};
    leaves plain_l, cached_l;
    node_cache c = {0};
    merkle_source plain = source_of(&plain_l);
    merkle_source cached = {.leaf = cache_leaf, .node = cache_get, .ctx = &c};
    digest a[MERKLE_MAX_PATH], b[MERKLE_MAX_PATH], ra, rb;
    size_t alen, blen;
    (void)state;

    cache_fill(&c);
    c.l = &cached_l;
    c.min_level = 3;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        uint64_t n = sizes[i];
        plain_l = leaves_of(random_leaves, n);
        cached_l = leaves_of(random_leaves, n);
        assert_int_equal(merkle_root(&plain, n, ra), MERKLE_OK);
        assert_int_equal(merkle_root(&cached, n, rb), MERKLE_OK);
        assert_memory_equal(ra, rb, 32);
        for (uint64_t m = 0; m < n; m += 7) {
            assert_int_equal(merkle_inclusion_proof(&plain, m, n, a, &alen), MERKLE_OK);
            assert_int_equal(merkle_inclusion_proof(&cached, m, n, b, &blen), MERKLE_OK);
            assert_int_equal(alen, blen);
            assert_memory_equal(a, b, alen * 32);
        }
        for (uint64_t m = 0; m <= n; m += 5) {
            assert_int_equal(merkle_consistency_proof(&plain, m, n, a, &alen), MERKLE_OK);
            assert_int_equal(merkle_consistency_proof(&cached, m, n, b, &blen), MERKLE_OK);
            assert_int_equal(alen, blen);
            if (alen > 0)
                assert_memory_equal(a, b, alen * 32);
        }
        assert_true(c.hits > 0);
        assert_true(cached_l.reads * 4 < plain_l.reads);
    }
    assert_false(c.outside);

    /* A cache that fails, or answers nonsense, fails the call. */
    c.answer = -1;
    assert_int_equal(merkle_root(&cached, 1000, ra), MERKLE_ESOURCE);
    c.answer = 7;
    assert_int_equal(merkle_inclusion_proof(&cached, 3, 1000, a, &alen), MERKLE_ESOURCE);
    cache_free(&c);
}

/* ---- Errors and bounds ---- */

static void source_failures_are_reported(void **state)
{
    leaves l = leaves_of(random_leaves, 100);
    merkle_source src = source_of(&l);
    merkle_frontier f;
    digest out, path[MERKLE_MAX_PATH];
    size_t len = 99;
    (void)state;

    l.fail_at = 42;
    assert_int_equal(merkle_root(&src, 100, out), MERKLE_ESOURCE);
    assert_int_equal(merkle_inclusion_proof(&src, 0, 100, path, &len), MERKLE_ESOURCE);
    assert_int_equal(len, 0);
    assert_int_equal(merkle_consistency_proof(&src, 10, 100, path, &len), MERKLE_ESOURCE);
    assert_int_equal(merkle_frontier_load(&f, &src, 100), MERKLE_ESOURCE);
    assert_int_equal(f.size, 0);
    /* Leaves the source does not have. */
    l.fail_at = UINT64_MAX;
    assert_int_equal(merkle_root(&src, 101, out), MERKLE_ESOURCE);
    assert_int_equal(merkle_inclusion_proof(&src, 0, 1000, path, &len), MERKLE_ESOURCE);
}

static void generation_rejects_bad_arguments(void **state)
{
    leaves l = leaves_of(random_leaves, 10);
    merkle_source src = source_of(&l), noleaf = {0};
    merkle_frontier f;
    digest out, path[MERKLE_MAX_PATH];
    size_t len;
    (void)state;

    assert_int_equal(merkle_root(NULL, 1, out), MERKLE_EINVAL);
    assert_int_equal(merkle_root(&noleaf, 1, out), MERKLE_EINVAL);
    assert_int_equal(merkle_root(&src, MERKLE_MAX_TREE_SIZE + 1, out), MERKLE_EINVAL);
    assert_int_equal(merkle_root(&src, UINT64_MAX, out), MERKLE_EINVAL);

    assert_int_equal(merkle_inclusion_proof(&src, 0, 0, path, &len), MERKLE_EINVAL);
    assert_int_equal(merkle_inclusion_proof(&src, 10, 10, path, &len), MERKLE_EINVAL);
    assert_int_equal(merkle_inclusion_proof(&src, UINT64_MAX, 10, path, &len), MERKLE_EINVAL);
    assert_int_equal(merkle_inclusion_proof(&src, 0, UINT64_MAX, path, &len), MERKLE_EINVAL);
    assert_int_equal(merkle_inclusion_proof(&src, 0, 10, NULL, &len), MERKLE_EINVAL);
    assert_int_equal(merkle_inclusion_proof(&src, 0, 10, path, NULL), MERKLE_EINVAL);
    assert_int_equal(merkle_inclusion_proof(&noleaf, 0, 10, path, &len), MERKLE_EINVAL);

    assert_int_equal(merkle_consistency_proof(&src, 5, 4, path, &len), MERKLE_EINVAL);
    assert_int_equal(merkle_consistency_proof(&src, 1, UINT64_MAX, path, &len), MERKLE_EINVAL);
    assert_int_equal(merkle_consistency_proof(&src, 1, 4, NULL, &len), MERKLE_EINVAL);
    assert_int_equal(merkle_consistency_proof(&src, 0, 10, path, &len), MERKLE_OK);
    assert_int_equal(len, 0);
    assert_int_equal(merkle_consistency_proof(&src, 10, 10, path, &len), MERKLE_OK);
    assert_int_equal(len, 0);
    assert_int_equal(merkle_consistency_proof(&src, 0, 0, path, &len), MERKLE_OK);
    assert_int_equal(len, 0);

    assert_int_equal(merkle_frontier_load(&f, &src, UINT64_MAX), MERKLE_EINVAL);
    assert_int_equal(merkle_frontier_load(&f, NULL, 1), MERKLE_EINVAL);
    assert_int_equal(merkle_frontier_append(NULL, out), MERKLE_EINVAL);
}

static void verification_rejects_bad_arguments(void **state)
{
    digest empty, r, path[MERKLE_MAX_PATH + 1] = {{0}};
    (void)state;

    sha256("", 0, empty);
    memset(r, 7, 32);
    /* CT's invalid paths, and sizes a caller might pass from a request. */
    assert_int_equal(merkle_verify_inclusion(r, 0, 0, path, 0, empty), MERKLE_EINVAL);
    assert_int_equal(merkle_verify_inclusion(r, 1, 0, path, 0, empty), MERKLE_EINVAL);
    assert_int_equal(merkle_verify_inclusion(r, 2, 1, path, 0, empty), MERKLE_EINVAL);
    assert_int_equal(merkle_verify_inclusion(r, 0, 1, path, 0, empty), MERKLE_EPROOF);
    assert_int_equal(merkle_verify_inclusion(r, 0, 1, path, 0, r), MERKLE_OK);
    assert_int_equal(merkle_verify_inclusion(r, 0, 1, path, 1, r), MERKLE_EPROOF);
    assert_int_equal(merkle_verify_inclusion(r, 5, MERKLE_MAX_TREE_SIZE + 1, path, 3, r),
                     MERKLE_EINVAL);
    assert_int_equal(merkle_verify_inclusion(r, 0, 1000, path, MERKLE_MAX_PATH + 1, r),
                     MERKLE_EINVAL);
    assert_int_equal(merkle_verify_inclusion(r, 0, 1000, NULL, 1, r), MERKLE_EINVAL);
    assert_int_equal(merkle_verify_inclusion(NULL, 0, 1, path, 0, r), MERKLE_EINVAL);
    assert_int_equal(merkle_verify_inclusion(r, MERKLE_MAX_TREE_SIZE - 1, MERKLE_MAX_TREE_SIZE,
                                             path, MERKLE_MAX_PATH, r), MERKLE_EPROOF);

    /* Trivially consistent sizes, and their failures. */
    assert_int_equal(merkle_verify_consistency(0, 0, empty, empty, path, 0), MERKLE_OK);
    assert_int_equal(merkle_verify_consistency(0, 5, empty, r, path, 0), MERKLE_OK);
    assert_int_equal(merkle_verify_consistency(0, 5, r, r, path, 0), MERKLE_EPROOF);
    assert_int_equal(merkle_verify_consistency(0, 5, empty, r, path, 1), MERKLE_EPROOF);
    assert_int_equal(merkle_verify_consistency(3, 3, r, r, path, 0), MERKLE_OK);
    assert_int_equal(merkle_verify_consistency(3, 3, r, empty, path, 0), MERKLE_EPROOF);
    assert_int_equal(merkle_verify_consistency(3, 3, r, r, path, 1), MERKLE_EPROOF);
    assert_int_equal(merkle_verify_consistency(1, 2, r, r, path, 0), MERKLE_EPROOF);
    assert_int_equal(merkle_verify_consistency(3, 5, r, r, NULL, 0), MERKLE_EPROOF);
    /* Time travel, oversize trees and proofs. */
    assert_int_equal(merkle_verify_consistency(1, 0, r, r, path, 0), MERKLE_EINVAL);
    assert_int_equal(merkle_verify_consistency(2, 1, r, r, path, 1), MERKLE_EINVAL);
    assert_int_equal(merkle_verify_consistency(1, UINT64_MAX, r, r, path, 1), MERKLE_EINVAL);
    assert_int_equal(merkle_verify_consistency(1, 9, r, r, path, MERKLE_MAX_PATH + 1),
                     MERKLE_EINVAL);
    assert_int_equal(merkle_verify_consistency(1, 9, r, r, NULL, 1), MERKLE_EINVAL);
    assert_int_equal(merkle_verify_consistency(1, 9, NULL, r, path, 1), MERKLE_EINVAL);
    assert_int_equal(merkle_verify_consistency(MERKLE_MAX_TREE_SIZE - 1, MERKLE_MAX_TREE_SIZE,
                                               r, r, path, MERKLE_MAX_PATH), MERKLE_EPROOF);
}

/* A real tree of 2^63 leaves that costs little to hash: the first and last
 * EDGE leaves are all different, and every leaf between them is the same,
 * so a perfect subtree of those has one hash per level, worked out once.
 * The node cache answers for every subtree, so proofs cost O(log n). */
#define EDGE 256
static digest plain_subtree[64]; /* [k]: 2^k plain leaves */

static int is_plain(uint64_t i)
{
    return i >= EDGE && i < MERKLE_MAX_TREE_SIZE - EDGE;
}

static void huge_leaf_hash(uint64_t index, digest out)
{
    if (is_plain(index))
        memcpy(out, plain_subtree[0], 32);
    else
        ref_leaf((const uint8_t *)&index, sizeof index, out);
}

static void huge_subtree(uint64_t start, unsigned level, digest out)
{
    uint64_t last = start + ((UINT64_C(1) << level) - 1);
    digest l, r;

    if (is_plain(start) && is_plain(last)) {
        memcpy(out, plain_subtree[level], 32);
    } else if (level == 0) {
        huge_leaf_hash(start, out);
    } else {
        huge_subtree(start, level - 1, l);
        huge_subtree(start + (UINT64_C(1) << (level - 1)), level - 1, r);
        ref_node(l, r, out);
    }
}

static int huge_leaf(void *ctx, uint64_t index, uint8_t out[MERKLE_HASH_LEN])
{
    (void)ctx;
    huge_leaf_hash(index, out);
    return 0;
}

static int huge_node(void *ctx, unsigned level, uint64_t index, uint8_t out[MERKLE_HASH_LEN])
{
    (void)ctx;
    if (level < 1 || level > 63 || index >= (MERKLE_MAX_TREE_SIZE >> level))
        return -1;
    huge_subtree(index << level, level, out);
    return 1;
}

static void huge_trees_stay_within_64_hashes(void **state)
{
    const merkle_source src = {.leaf = huge_leaf, .node = huge_node};
    const uint64_t max = MERKLE_MAX_TREE_SIZE;
    digest proof[MERKLE_MAX_PATH], r1, r2, r3, leaf, got;
    merkle_frontier f;
    size_t len;
    (void)state;

    ref_leaf((const uint8_t *)"plain", 5, plain_subtree[0]);
    for (int k = 1; k < 64; k++)
        ref_node(plain_subtree[k - 1], plain_subtree[k - 1], plain_subtree[k]);
    assert_int_equal(merkle_root(&src, max - 1, r1), MERKLE_OK);
    assert_int_equal(merkle_root(&src, max, r2), MERKLE_OK);

    /* The longest consistency proof there is. */
    assert_int_equal(merkle_consistency_proof(&src, max - 1, max, proof, &len), MERKLE_OK);
    assert_int_equal(len, MERKLE_MAX_PATH);
    check_consistency(max - 1, max, r1, r2, proof, len);
    assert_int_equal(merkle_consistency_proof(&src, 3, max, proof, &len), MERKLE_OK);
    assert_int_equal(merkle_root(&src, 3, r3), MERKLE_OK);
    check_consistency(3, max, r3, r2, proof, len);
    assert_int_equal(merkle_consistency_proof(&src, 3, max - 1, proof, &len), MERKLE_OK);
    check_consistency(3, max - 1, r3, r1, proof, len);

    /* The longest inclusion proofs: 63 hashes. */
    huge_leaf_hash(max - 2, leaf);
    assert_int_equal(merkle_inclusion_proof(&src, max - 2, max, proof, &len), MERKLE_OK);
    assert_int_equal(len, 63);
    check_inclusion(leaf, max - 2, max, proof, len, r2);
    huge_leaf_hash(5, leaf);
    assert_int_equal(merkle_inclusion_proof(&src, 5, max - 1, proof, &len), MERKLE_OK);
    assert_int_equal(len, 63);
    check_inclusion(leaf, 5, max - 1, proof, len, r1);

    /* The frontier, full to the last leaf. */
    assert_int_equal(merkle_frontier_load(&f, &src, max - 1), MERKLE_OK);
    merkle_frontier_root(&f, got);
    assert_memory_equal(got, r1, 32);
    huge_leaf_hash(max - 1, leaf);
    assert_int_equal(merkle_frontier_append(&f, leaf), MERKLE_OK);
    assert_int_equal(f.size, max);
    merkle_frontier_root(&f, got);
    assert_memory_equal(got, r2, 32);
    assert_int_equal(merkle_frontier_append(&f, leaf), MERKLE_EINVAL);
    assert_int_equal(f.size, max);
}

/* ---- Signed tree heads ---- */

static sth sample_head(void)
{
    sth h = {.timestamp_ms = UINT64_C(0x0102030405060708),
             .tree_size = UINT64_C(0x1112131415161718)};
    for (int i = 0; i < 32; i++)
        h.root_hash[i] = (uint8_t)(0x20 + i);
    return h;
}

static void sth_layout_is_rfc6962(void **state)
{
    sth h = sample_head(), back;
    uint8_t got[STH_SIGNED_LEN], want[STH_SIGNED_LEN] = {
        0x00, 0x01, 1, 2, 3, 4, 5, 6, 7, 8, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18};
    (void)state;

    for (int i = 0; i < 32; i++)
        want[18 + i] = (uint8_t)(0x20 + i);
    sth_serialise(&h, got);
    assert_memory_equal(got, want, sizeof want);
    assert_int_equal(sth_parse(&back, got), 0);
    assert_true(back.timestamp_ms == h.timestamp_ms);
    assert_true(back.tree_size == h.tree_size);
    assert_memory_equal(back.root_hash, h.root_hash, 32);
    got[0] = 1;
    assert_int_equal(sth_parse(&back, got), -1);
    got[0] = 0;
    got[1] = 0;
    assert_int_equal(sth_parse(&back, got), -1);
}

/* OpenSSL's Ed25519 over bytes laid out by hand: the signature is over
 * exactly the RFC 6962 structure, whoever checks it. */
static int openssl_ed25519_verify(const uint8_t pk[32], const uint8_t sig[64],
                                  const uint8_t *msg, size_t len)
{
    EVP_PKEY *key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pk, 32);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = key != NULL && ctx != NULL &&
             EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, key) == 1 &&
             EVP_DigestVerify(ctx, sig, 64, msg, len) == 1;

    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(key);
    return ok;
}

static void sth_sign_verify_round_trip(void **state)
{
    uint8_t pk[ED25519_PUBLIC_LEN], sk[ED25519_SECRET_LEN], sig[STH_SIG_LEN];
    uint8_t pk2[ED25519_PUBLIC_LEN], sk2[ED25519_SECRET_LEN];
    uint8_t msg[STH_SIGNED_LEN] = {0x00, 0x01};
    sth h = {.timestamp_ms = UINT64_C(1735689600123), .tree_size = 8};
    (void)state;

    ed25519_keypair(pk, sk);
    ed25519_keypair(pk2, sk2);
    unhex(ct_roots[8], h.root_hash);
    sth_sign(&h, sk, sig);
    assert_int_equal(sth_verify(&h, sig, pk), 1);
    assert_int_equal(sth_verify(&h, sig, pk2), 0);

    /* 1735689600123 ms = 0x0000_0194_1F29_7C7B */
    memcpy(msg + 2, (uint8_t[8]){0x00, 0x00, 0x01, 0x94, 0x1f, 0x29, 0x7c, 0x7b}, 8);
    memcpy(msg + 10, (uint8_t[8]){0, 0, 0, 0, 0, 0, 0, 8}, 8);
    memcpy(msg + 18, h.root_hash, 32);
    assert_true(openssl_ed25519_verify(pk, sig, msg, sizeof msg));
}

static void sth_tampering_fails(void **state)
{
    uint8_t pk[ED25519_PUBLIC_LEN], sk[ED25519_SECRET_LEN], sig[STH_SIG_LEN];
    uint8_t msg[STH_SIGNED_LEN], bad[STH_SIGNED_LEN], badsig[STH_SIG_LEN];
    sth h = sample_head(), t;
    (void)state;

    ed25519_keypair(pk, sk);
    sth_sign(&h, sk, sig);
    sth_serialise(&h, msg);
    assert_int_equal(ed25519_verify(sig, msg, sizeof msg, pk), 1);
    for (size_t i = 0; i < sizeof msg; i++) {
        for (int bit = 0; bit < 8; bit++) {
            memcpy(bad, msg, sizeof msg);
            bad[i] ^= (uint8_t)(1u << bit);
            assert_int_equal(ed25519_verify(sig, bad, sizeof bad, pk), 0);
            if (i < 2) {
                assert_int_equal(sth_parse(&t, bad), -1);
                continue;
            }
            assert_int_equal(sth_parse(&t, bad), 0);
            assert_int_equal(sth_verify(&t, sig, pk), 0);
        }
    }
    for (size_t i = 0; i < sizeof sig; i++) {
        memcpy(badsig, sig, sizeof sig);
        badsig[i] ^= (uint8_t)(1u << (i % 8));
        assert_int_equal(sth_verify(&h, badsig, pk), 0);
    }
    assert_int_equal(sth_verify(&h, sig, pk), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(known_answer_roots),
        cmocka_unit_test(ct_audit_paths),
        cmocka_unit_test(ct_consistency_proofs),
        cmocka_unit_test(small_trees_match_reference),
        cmocka_unit_test(large_trees_match_reference),
        cmocka_unit_test(frontier_root_is_mth),
        cmocka_unit_test(frontier_load_then_append),
        cmocka_unit_test(frontier_reports_completed_subtrees),
        cmocka_unit_test(node_cache_changes_nothing_but_reads),
        cmocka_unit_test(source_failures_are_reported),
        cmocka_unit_test(generation_rejects_bad_arguments),
        cmocka_unit_test(verification_rejects_bad_arguments),
        cmocka_unit_test(huge_trees_stay_within_64_hashes),
        cmocka_unit_test(sth_layout_is_rfc6962),
        cmocka_unit_test(sth_sign_verify_round_trip),
        cmocka_unit_test(sth_tampering_fails),
    };
    int failed;

    if (crypto_init() != 0)
        return 1;
    ref_md = EVP_MD_fetch(NULL, "SHA256", NULL);
    ref_ctx = EVP_MD_CTX_new();
    if (ref_md == NULL || ref_ctx == NULL)
        return 1;
    failed = cmocka_run_group_tests_name("merkle", tests, make_random_leaves, NULL);
    EVP_MD_CTX_free(ref_ctx);
    EVP_MD_free(ref_md);
    return failed;
}
