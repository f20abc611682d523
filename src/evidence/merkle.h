/* merkle.h -- the hub's evidence log as an RFC 9162 Merkle tree (docs/design.md §4).
 *
 * Pure hashing, no I/O: leaves are read through an accessor, so the hub can
 * back the tree with its database and the tests with an array. The tree
 * itself is never stored here. Two ways in:
 *
 *  - merkle_frontier: the roots of the perfect subtrees covering the log so
 *    far (at most 64). Appending costs one node hash amortised and the root
 *    needs no leaf reads: this is what the append path keeps in memory.
 *  - merkle_root / merkle_*_proof: compute from leaf hashes on demand, for
 *    answering proof requests. Without a node cache they read O(n) leaves.
 *
 * Every function that takes sizes or indices from outside checks them and
 * returns an error code; proofs never exceed MERKLE_MAX_PATH hashes. */
#ifndef HERALD_MERKLE_H
#define HERALD_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#define MERKLE_HASH_LEN 32
/* Capping trees at 2^63 leaves (far beyond any real log) keeps every
 * inclusion proof within 63 hashes and every consistency proof within 64. */
#define MERKLE_MAX_TREE_SIZE (UINT64_C(1) << 63)
#define MERKLE_MAX_PATH 64

typedef enum merkle_status {
    MERKLE_OK = 0,
    MERKLE_EINVAL = -1,  /* size, index or length out of range, or NULL */
    MERKLE_ESOURCE = -2, /* the leaf or node accessor reported a failure */
    MERKLE_EPROOF = -3,  /* well-formed input, but the proof does not hold */
} merkle_status;

/* Writes the hash of leaf `index` (0-based) into out. Returns 0, or nonzero
 * when the leaf cannot be had (missing, I/O error). */
typedef int (*merkle_leaf_fn)(void *ctx, uint64_t index, uint8_t out[MERKLE_HASH_LEN]);

/* Optional node cache: the hash of the perfect subtree holding leaves
 * [index << level, (index + 1) << level). Returns 1 and fills out if known,
 * 0 if not stored (the tree recomputes it from below), -1 on failure.
 * Asked only for level >= 1 subtrees that lie wholly inside the tree. */
typedef int (*merkle_node_fn)(void *ctx, unsigned level, uint64_t index,
                              uint8_t out[MERKLE_HASH_LEN]);

typedef struct merkle_source {
    merkle_leaf_fn leaf; /* required */
    merkle_node_fn node; /* may be NULL */
    void *ctx;           /* passed to both */
} merkle_source;

/* SHA-256(0x00 || leaf) and SHA-256(0x01 || left || right). */
void merkle_leaf_hash(const void *leaf, size_t len, uint8_t out[MERKLE_HASH_LEN]);
void merkle_node_hash(const uint8_t left[MERKLE_HASH_LEN],
                      const uint8_t right[MERKLE_HASH_LEN],
                      uint8_t out[MERKLE_HASH_LEN]);

/* MTH of the first n leaves; n == 0 gives SHA-256 of the empty string.
 * The caller vouches that the source holds at least n leaves. */
merkle_status merkle_root(const merkle_source *src, uint64_t n,
                          uint8_t out[MERKLE_HASH_LEN]);

/* Audit path for leaf `index` in the tree of the first n leaves (RFC 9162
 * §2.1.3.1), leaf end first. path must have room for MERKLE_MAX_PATH
 * hashes; *len receives how many were written. Needs index < n. */
merkle_status merkle_inclusion_proof(const merkle_source *src, uint64_t index,
                                     uint64_t n, uint8_t path[][MERKLE_HASH_LEN],
                                     size_t *len);

/* Consistency proof from the tree of size m to the tree of size n (RFC 9162
 * §2.1.4.1). Needs m <= n; m == 0 and m == n give an empty proof. */
merkle_status merkle_consistency_proof(const merkle_source *src, uint64_t m,
                                       uint64_t n, uint8_t proof[][MERKLE_HASH_LEN],
                                       size_t *len);

/* RFC 9162 §2.1.3.2. MERKLE_OK only when the path proves that leaf_hash is
 * leaf `index` of the size-n tree whose root is `root`. */
merkle_status merkle_verify_inclusion(const uint8_t leaf_hash[MERKLE_HASH_LEN],
                                      uint64_t index, uint64_t n,
                                      const uint8_t path[][MERKLE_HASH_LEN], size_t len,
                                      const uint8_t root[MERKLE_HASH_LEN]);

/* RFC 9162 §2.1.4.2. MERKLE_OK only when the proof shows that the size-m
 * tree with root first_root is a prefix of the size-n tree with root
 * second_root. Equal sizes need an empty proof and equal roots; m == 0
 * needs an empty proof and first_root equal to the empty tree's root. */
merkle_status merkle_verify_consistency(uint64_t m, uint64_t n,
                                        const uint8_t first_root[MERKLE_HASH_LEN],
                                        const uint8_t second_root[MERKLE_HASH_LEN],
                                        const uint8_t proof[][MERKLE_HASH_LEN], size_t len);

/* The right edge of the tree: node[h] is the root of a perfect subtree of
 * 2^h leaves, present exactly when bit h of size is set. Left to right the
 * present subtrees run from the highest h down, so they cover leaves
 * [0, size) in order. Plain data: copy it by value. */
typedef struct merkle_frontier {
    uint64_t size;
    uint8_t node[64][MERKLE_HASH_LEN];
} merkle_frontier;

void merkle_frontier_init(merkle_frontier *f);
/* MERKLE_EINVAL once the tree holds MERKLE_MAX_TREE_SIZE leaves. */
merkle_status merkle_frontier_append(merkle_frontier *f,
                                     const uint8_t leaf_hash[MERKLE_HASH_LEN]);
/* merkle_frontier_append that also hands back the perfect subtrees the leaf
 * completes, for a node cache: done[h - 1] is the hash of the subtree of
 * 2^h leaves ending with this leaf, for h = 1 .. *ndone (the number of
 * trailing one bits of the old size). done needs room for 63 hashes; it
 * and ndone may be NULL. */
merkle_status merkle_frontier_append_nodes(merkle_frontier *f,
                                           const uint8_t leaf_hash[MERKLE_HASH_LEN],
                                           uint8_t done[][MERKLE_HASH_LEN], unsigned *ndone);
void merkle_frontier_root(const merkle_frontier *f, uint8_t out[MERKLE_HASH_LEN]);
/* Rebuilds the frontier of the first n leaves, e.g. when the hub restarts:
 * one subtree hash per set bit of n, cheap when src has a node cache. */
merkle_status merkle_frontier_load(merkle_frontier *f, const merkle_source *src,
                                   uint64_t n);

#endif
