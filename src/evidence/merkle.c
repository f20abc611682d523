/* merkle.c -- see merkle.h. Hashing rules and proof shapes follow RFC 9162
 * §2.1; the comments name the step of the RFC each piece implements. */
#include "merkle.h"

#include <string.h>

#include "crypto.h"

void merkle_leaf_hash(const void *leaf, size_t len, uint8_t out[MERKLE_HASH_LEN])
{
    static const uint8_t prefix = 0x00;
    sha256_2(&prefix, 1, leaf, len, out);
}

/* out may alias left or right: left is copied before hashing starts, and
 * out is written only after right has been read. */
void merkle_node_hash(const uint8_t left[MERKLE_HASH_LEN],
                      const uint8_t right[MERKLE_HASH_LEN],
                      uint8_t out[MERKLE_HASH_LEN])
{
    uint8_t head[1 + MERKLE_HASH_LEN];

    head[0] = 0x01;
    memcpy(head + 1, left, MERKLE_HASH_LEN);
    sha256_2(head, sizeof head, right, MERKLE_HASH_LEN, out);
}

static int is_power_of_two(uint64_t x)
{
    return x != 0 && (x & (x - 1)) == 0;
}

/* The largest power of two smaller than n (n >= 2): the size of the left
 * subtree of a tree of n leaves. */
static uint64_t split_point(uint64_t n)
{
    return UINT64_C(1) << (63 - __builtin_clzll(n - 1));
}

static int source_ok(const merkle_source *src)
{
    return src != NULL && src->leaf != NULL;
}

/* Asks the node cache for [start, start + count), count >= 2, if that is a
 * perfect subtree. Returns 1 if it answered, 0 if it has nothing,
 * MERKLE_ESOURCE on error. */
static int cached_subtree(const merkle_source *src, uint64_t start, uint64_t count,
                          uint8_t out[MERKLE_HASH_LEN])
{
    unsigned level;
    int r;

    if (src->node == NULL || !is_power_of_two(count))
        return 0;
    level = (unsigned)__builtin_ctzll(count);
    r = src->node(src->ctx, level, start >> level, out);
    if (r == 0 || r == 1)
        return r;
    return MERKLE_ESOURCE;
}

/* MTH of leaves [start, start + count), count >= 1. Recursion goes as deep
 * as the tree is tall: at most 63 levels for 2^63 leaves. Perfect
 * subtrees always start at a multiple of their size, which is what lets the
 * node cache name them by (level, index). */
static merkle_status subtree_hash(const merkle_source *src, uint64_t start,
                                  uint64_t count, uint8_t out[MERKLE_HASH_LEN])
{
    uint8_t left[MERKLE_HASH_LEN], right[MERKLE_HASH_LEN];
    uint64_t k;
    merkle_status st;
    int cached;

    if (count == 1)
        return src->leaf(src->ctx, start, out) == 0 ? MERKLE_OK : MERKLE_ESOURCE;
    cached = cached_subtree(src, start, count, out);
    if (cached != 0)
        return cached == 1 ? MERKLE_OK : MERKLE_ESOURCE;
    k = split_point(count);
    if ((st = subtree_hash(src, start, k, left)) != MERKLE_OK ||
        (st = subtree_hash(src, start + k, count - k, right)) != MERKLE_OK)
        return st;
    merkle_node_hash(left, right, out);
    return MERKLE_OK;
}

merkle_status merkle_root(const merkle_source *src, uint64_t n,
                          uint8_t out[MERKLE_HASH_LEN])
{
    if (!source_ok(src) || out == NULL || n > MERKLE_MAX_TREE_SIZE)
        return MERKLE_EINVAL;
    if (n == 0) {
        sha256("", 0, out);
        return MERKLE_OK;
    }
    return subtree_hash(src, 0, n, out);
}

/* Proofs are found walking down from the root, but RFC 9162 lists them
 * from the leaf end: reverse once at the end. */
static void reverse_hashes(uint8_t h[][MERKLE_HASH_LEN], size_t len)
{
    uint8_t tmp[MERKLE_HASH_LEN];

    for (size_t i = 0, j = len; i + 1 < j; i++, j--) {
        memcpy(tmp, h[i], MERKLE_HASH_LEN);
        memcpy(h[i], h[j - 1], MERKLE_HASH_LEN);
        memcpy(h[j - 1], tmp, MERKLE_HASH_LEN);
    }
}

/* RFC 9162 §2.1.3.1: at each level, the sibling of the subtree holding the
 * leaf joins the path. */
merkle_status merkle_inclusion_proof(const merkle_source *src, uint64_t index,
                                     uint64_t n, uint8_t path[][MERKLE_HASH_LEN],
                                     size_t *len)
{
    uint64_t start = 0, count = n;
    size_t d = 0;
    merkle_status st;

    if (!source_ok(src) || path == NULL || len == NULL ||
        n > MERKLE_MAX_TREE_SIZE || index >= n)
        return MERKLE_EINVAL;
    *len = 0;
    while (count > 1) {
        uint64_t k = split_point(count);
        if (d == MERKLE_MAX_PATH)
            return MERKLE_EINVAL; /* unreachable for n <= 2^63 */
        if (index - start < k) {
            st = subtree_hash(src, start + k, count - k, path[d]);
            count = k;
        } else {
            st = subtree_hash(src, start, k, path[d]);
            start += k;
            count -= k;
        }
        if (st != MERKLE_OK)
            return st;
        d++;
    }
    reverse_hashes(path, d);
    *len = d;
    return MERKLE_OK;
}

/* RFC 9162 §2.1.4.1, SUBPROOF unrolled: descend while the old tree ends
 * inside the current subtree, recording the part only the new tree has.
 * Once the walk has gone right, the subtree where the old tree ends is not
 * the old root, so the verifier cannot know it: it joins the proof too. */
merkle_status merkle_consistency_proof(const merkle_source *src, uint64_t m,
                                       uint64_t n, uint8_t proof[][MERKLE_HASH_LEN],
                                       size_t *len)
{
    uint64_t start = 0, count = n, old = m;
    int at_old_root = 1;
    size_t d = 0;
    merkle_status st;

    if (!source_ok(src) || proof == NULL || len == NULL ||
        n > MERKLE_MAX_TREE_SIZE || m > n)
        return MERKLE_EINVAL;
    *len = 0;
    if (m == 0 || m == n)
        return MERKLE_OK;
    while (old != count) {
        uint64_t k = split_point(count);
        if (d == MERKLE_MAX_PATH)
            return MERKLE_EINVAL; /* unreachable for n <= 2^63 */
        if (old <= k) {
            st = subtree_hash(src, start + k, count - k, proof[d]);
            count = k;
        } else {
            st = subtree_hash(src, start, k, proof[d]);
            start += k;
            count -= k;
            old -= k;
            at_old_root = 0;
        }
        if (st != MERKLE_OK)
            return st;
        d++;
    }
    if (!at_old_root) {
        if (d == MERKLE_MAX_PATH)
            return MERKLE_EINVAL;
        if ((st = subtree_hash(src, start, count, proof[d])) != MERKLE_OK)
            return st;
        d++;
    }
    reverse_hashes(proof, d);
    *len = d;
    return MERKLE_OK;
}

static void shift_until_odd_or_zero(uint64_t *fn, uint64_t *sn)
{
    while ((*fn & 1) == 0 && *fn != 0) {
        *fn >>= 1;
        *sn >>= 1;
    }
}

/* RFC 9162 §2.1.3.2, step for step. fn tracks the leaf's position and sn
 * the last leaf's: where they meet, the subtree has no right sibling at
 * that level and climbs without hashing. */
merkle_status merkle_verify_inclusion(const uint8_t leaf_hash[MERKLE_HASH_LEN],
                                      uint64_t index, uint64_t n,
                                      const uint8_t path[][MERKLE_HASH_LEN], size_t len,
                                      const uint8_t root[MERKLE_HASH_LEN])
{
    uint8_t r[MERKLE_HASH_LEN];
    uint64_t fn = index, sn;

    if (leaf_hash == NULL || root == NULL || (path == NULL && len > 0) ||
        n > MERKLE_MAX_TREE_SIZE || index >= n || len > MERKLE_MAX_PATH)
        return MERKLE_EINVAL;
    sn = n - 1;
    memcpy(r, leaf_hash, MERKLE_HASH_LEN);
    for (size_t i = 0; i < len; i++) {
        if (sn == 0)
            return MERKLE_EPROOF; /* path longer than the tree is tall */
        if ((fn & 1) || fn == sn) {
            merkle_node_hash(path[i], r, r);
            if ((fn & 1) == 0)
                shift_until_odd_or_zero(&fn, &sn);
        } else {
            merkle_node_hash(r, path[i], r);
        }
        fn >>= 1;
        sn >>= 1;
    }
    if (sn != 0 || memcmp(r, root, MERKLE_HASH_LEN) != 0)
        return MERKLE_EPROOF;
    return MERKLE_OK;
}

/* The trivial cases RFC 9162 leaves undefined: equal sizes, and the empty
 * old tree. Returns 1 if the inputs were one of them (and *st the verdict). */
static int trivial_consistency(uint64_t m, uint64_t n,
                               const uint8_t first_root[MERKLE_HASH_LEN],
                               const uint8_t second_root[MERKLE_HASH_LEN],
                               size_t len, merkle_status *st)
{
    uint8_t empty[MERKLE_HASH_LEN];

    if (m == n) {
        *st = len == 0 && memcmp(first_root, second_root, MERKLE_HASH_LEN) == 0
                  ? MERKLE_OK : MERKLE_EPROOF;
        return 1;
    }
    if (m == 0) {
        sha256("", 0, empty);
        *st = len == 0 && memcmp(first_root, empty, MERKLE_HASH_LEN) == 0
                  ? MERKLE_OK : MERKLE_EPROOF;
        return 1;
    }
    return 0;
}

/* RFC 9162 §2.1.4.2, step for step. fr rebuilds the old root and sr the
 * new one from the same hashes; a power-of-two old tree is itself a node of
 * the new tree, so the proof omits it and the old root seeds both. */
merkle_status merkle_verify_consistency(uint64_t m, uint64_t n,
                                        const uint8_t first_root[MERKLE_HASH_LEN],
                                        const uint8_t second_root[MERKLE_HASH_LEN],
                                        const uint8_t proof[][MERKLE_HASH_LEN], size_t len)
{
    uint8_t fr[MERKLE_HASH_LEN], sr[MERKLE_HASH_LEN];
    uint64_t fn, sn;
    size_t i = 0;
    merkle_status st;

    if (first_root == NULL || second_root == NULL || (proof == NULL && len > 0) ||
        n > MERKLE_MAX_TREE_SIZE || m > n || len > MERKLE_MAX_PATH)
        return MERKLE_EINVAL;
    if (trivial_consistency(m, n, first_root, second_root, len, &st))
        return st;
    if (len == 0)
        return MERKLE_EPROOF;
    if (is_power_of_two(m)) {
        memcpy(fr, first_root, MERKLE_HASH_LEN);
    } else {
        memcpy(fr, proof[0], MERKLE_HASH_LEN);
        i = 1;
    }
    memcpy(sr, fr, MERKLE_HASH_LEN);
    fn = m - 1;
    sn = n - 1;
    while (fn & 1) {
        fn >>= 1;
        sn >>= 1;
    }
    for (; i < len; i++) {
        if (sn == 0)
            return MERKLE_EPROOF;
        if ((fn & 1) || fn == sn) {
            merkle_node_hash(proof[i], fr, fr);
            merkle_node_hash(proof[i], sr, sr);
            if ((fn & 1) == 0)
                shift_until_odd_or_zero(&fn, &sn);
        } else {
            merkle_node_hash(sr, proof[i], sr);
        }
        fn >>= 1;
        sn >>= 1;
    }
    if (sn != 0 || memcmp(fr, first_root, MERKLE_HASH_LEN) != 0 ||
        memcmp(sr, second_root, MERKLE_HASH_LEN) != 0)
        return MERKLE_EPROOF;
    return MERKLE_OK;
}

void merkle_frontier_init(merkle_frontier *f)
{
    memset(f, 0, sizeof *f);
}

/* Binary increment: each set low bit of size is a full subtree that the new
 * leaf's carry merges with, so the average append hashes one node. */
merkle_status merkle_frontier_append(merkle_frontier *f,
                                     const uint8_t leaf_hash[MERKLE_HASH_LEN])
{
    return merkle_frontier_append_nodes(f, leaf_hash, NULL, NULL);
}

/* Each carry is the root of a perfect subtree the new leaf has just
 * completed: level h + 1 once merged with node[h]. */
merkle_status merkle_frontier_append_nodes(merkle_frontier *f,
                                           const uint8_t leaf_hash[MERKLE_HASH_LEN],
                                           uint8_t done[][MERKLE_HASH_LEN], unsigned *ndone)
{
    uint8_t carry[MERKLE_HASH_LEN];
    unsigned h = 0;

    if (f == NULL || leaf_hash == NULL || f->size >= MERKLE_MAX_TREE_SIZE)
        return MERKLE_EINVAL;
    memcpy(carry, leaf_hash, MERKLE_HASH_LEN);
    while ((f->size >> h) & 1) {
        merkle_node_hash(f->node[h], carry, carry);
        if (done)
            memcpy(done[h], carry, MERKLE_HASH_LEN);
        h++;
    }
    memcpy(f->node[h], carry, MERKLE_HASH_LEN);
    f->size++;
    if (ndone)
        *ndone = h;
    return MERKLE_OK;
}

/* The RFC's split puts the big perfect subtrees on the left, so the root
 * folds the frontier from the smallest subtree upwards, each larger one
 * joining as a left child. */
void merkle_frontier_root(const merkle_frontier *f, uint8_t out[MERKLE_HASH_LEN])
{
    unsigned h;

    if (f->size == 0) {
        sha256("", 0, out);
        return;
    }
    h = (unsigned)__builtin_ctzll(f->size);
    memcpy(out, f->node[h], MERKLE_HASH_LEN);
    for (h++; h < 64; h++)
        if ((f->size >> h) & 1)
            merkle_node_hash(f->node[h], out, out);
}

merkle_status merkle_frontier_load(merkle_frontier *f, const merkle_source *src,
                                   uint64_t n)
{
    uint64_t start = 0;
    merkle_status st;

    if (f == NULL || !source_ok(src) || n > MERKLE_MAX_TREE_SIZE)
        return MERKLE_EINVAL;
    merkle_frontier_init(f);
    for (int h = 63; h >= 0; h--) {
        uint64_t count = UINT64_C(1) << h;
        if ((n & count) == 0)
            continue;
        if ((st = subtree_hash(src, start, count, f->node[h])) != MERKLE_OK) {
            merkle_frontier_init(f);
            return st;
        }
        start += count;
    }
    f->size = n;
    return MERKLE_OK;
}
