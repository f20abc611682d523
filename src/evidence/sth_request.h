/* sth_request.h -- what the hub and `herald signer` say to each other over
 * the signer's UNIX socket (docs/design.md §4, "The signer"), and the rule
 * by which the signer decides whether a head may be signed.
 *
 * Both sides are here, below the hub and the signer, so they cannot drift
 * apart. Messages are fixed binary layouts on a SOCK_SEQPACKET socket (one
 * message per packet), read with exact lengths: there is nothing to
 * escape, no text to parse, and anything else is refused. Pure. */
#ifndef HERALD_STH_REQUEST_H
#define HERALD_STH_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "merkle.h"
#include "sth.h"

/* Request: "HSR1" | uint64be timestamp_ms | uint64be tree_size |
 * root_hash[32] | uint64be old_size | uint8 n | n hashes of 32 bytes, the
 * consistency proof from the old_size tree (the last head the signer
 * signed, as the hub believes) to this one. */
#define STH_REQ_MAGIC "HSR1"
#define STH_REQ_FIXED_LEN (4 + 8 + 8 + MERKLE_HASH_LEN + 8 + 1)
#define STH_REQ_MAX_LEN (STH_REQ_FIXED_LEN + MERKLE_MAX_PATH * MERKLE_HASH_LEN)

/* Answer: "HSA1" | uint8 status | uint8 has_last | signature[64] |
 * uint64be last timestamp_ms | uint64be last tree_size | last root[32] |
 * uint8 reason length | reason (printable ASCII). The last head is the
 * newest the signer has signed (after this request): a hub told its
 * old_size is stale proves again from that one. */
#define STH_ANS_MAGIC "HSA1"
#define STH_REASON_MAX 160
#define STH_ANS_FIXED_LEN (4 + 1 + 1 + STH_SIG_LEN + 8 + 8 + MERKLE_HASH_LEN + 1)
#define STH_ANS_MAX_LEN (STH_ANS_FIXED_LEN + STH_REASON_MAX)

/* How far ahead of the signer's clock a head's time may be. */
#define STH_SIGNER_MAX_AHEAD_MS (10LL * 60 * 1000)

typedef enum sth_answer_status {
    STH_SIGNED = 0,
    STH_REFUSED = 1,      /* well formed, inconsistent with what was signed */
    STH_STALE = 2,        /* old_size is not the signer's last head: prove again */
    STH_MALFORMED = 3,
} sth_answer_status;

typedef struct sth_request {
    sth head;
    uint64_t old_size;
    size_t proof_len;
    uint8_t proof[MERKLE_MAX_PATH][MERKLE_HASH_LEN];
} sth_request;

typedef struct sth_answer {
    sth_answer_status status;
    int has_last;
    uint8_t sig[STH_SIG_LEN];
    sth last;
    char reason[STH_REASON_MAX + 1];
} sth_answer;

/* Writes req into out (at least STH_REQ_MAX_LEN bytes); returns the
 * length, or 0 if req does not fit the format. */
size_t sth_request_encode(const sth_request *req, uint8_t *out);
/* Reads exactly len bytes; returns NULL with *req filled, or why not. */
const char *sth_request_parse(sth_request *req, const uint8_t *in, size_t len);

/* Writes ans into out (at least STH_ANS_MAX_LEN bytes); returns the
 * length. A reason longer than STH_REASON_MAX is cut. */
size_t sth_answer_encode(const sth_answer *ans, uint8_t *out);
/* Reads exactly len bytes; returns NULL with *ans filled, or why not. */
const char *sth_answer_parse(sth_answer *ans, const uint8_t *in, size_t len);

/* The signer's rule: may req be signed, given the last head it signed
 * (last NULL: none yet) and its clock? Returns STH_SIGNED when it may,
 * else STH_STALE or STH_REFUSED with the reason in why:
 * the tree must not shrink, a tree of the same size must have the same
 * root, the time must not go back nor run more than
 * STH_SIGNER_MAX_AHEAD_MS ahead of now_ms, and the proof must show the
 * last signed tree to be a prefix of this one (RFC 9162 §2.1.4.2). */
sth_answer_status sth_request_check(const sth *last, const sth_request *req, uint64_t now_ms,
                                    char *why, size_t whylen);

#endif
