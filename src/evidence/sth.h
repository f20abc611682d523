/* sth.h -- signed tree heads of the evidence log (docs/design.md §4).
 *
 * The bytes signed are RFC 6962 §3.5's TreeHeadSignature, so any CT-style
 * tool can check a head: 0x00 (v1) || 0x01 (tree_hash) || uint64be
 * timestamp_ms || uint64be tree_size || root_hash[32], 50 bytes in all.
 * Signing is Ed25519 with the log key. Pure: the caller supplies the time. */
#ifndef HERALD_STH_H
#define HERALD_STH_H

#include <stdint.h>
#include "crypto.h"

#define STH_SIGNED_LEN 50
#define STH_SIG_LEN ED25519_SIG_LEN

typedef struct sth {
    uint64_t timestamp_ms; /* milliseconds since the Unix epoch */
    uint64_t tree_size;
    uint8_t root_hash[SHA256_LEN];
} sth;

/* Writes the 50 signed bytes. */
void sth_serialise(const sth *head, uint8_t out[STH_SIGNED_LEN]);

/* Reads 50 signed bytes back; -1 if the version or signature type byte is
 * not the one above, 0 otherwise. */
int sth_parse(sth *head, const uint8_t in[STH_SIGNED_LEN]);

void sth_sign(const sth *head, const uint8_t sk[ED25519_SECRET_LEN],
              uint8_t sig[STH_SIG_LEN]);

/* Returns 1 if sig is the log key pk's signature over head, 0 otherwise
 * (the same convention as ed25519_verify). */
int sth_verify(const sth *head, const uint8_t sig[STH_SIG_LEN],
               const uint8_t pk[ED25519_PUBLIC_LEN]);

#endif
