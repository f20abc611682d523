/* sth_json.h -- tree heads and consistency proofs as JSON.
 *
 * The hub publishes its latest signed tree head (GET /v1/log/sth) and
 * proofs that a newer tree extends an older one (GET /v1/log/consistency);
 * a certificate embeds a head too. Anyone checks them offline against the
 * log key they pinned, so encoding and verifying live together here. */
#ifndef HERALD_STH_JSON_H
#define HERALD_STH_JSON_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "crypto.h"
#include "sth.h"

/* Appends, or returns (caller frees), an STH object
 * {"tree_size","timestamp","root_hash","signature"}. */
void sth_json_append(buf *b, const sth *head, const uint8_t sig[STH_SIG_LEN]);
char *sth_json_encode(const sth *head, const uint8_t sig[STH_SIG_LEN]);

/* Reads an STH object (a certificate's "sth" or GET /v1/log/sth) and checks
 * its signature with the pinned log key. Returns 0 or -1 with why. */
int sth_json_check(json_t *o, const uint8_t log_key[ED25519_PUBLIC_LEN], sth *out, char *why,
                   size_t whylen);
int sth_json_verify(const char *json, size_t len, const uint8_t log_key[ED25519_PUBLIC_LEN],
                    sth *out, char *why, size_t whylen);

/* Checks a consistency proof {"first","second","proof":[...]} between two
 * verified heads. Returns 0 or -1 with why. */
int sth_json_verify_consistency(const char *json, size_t len, const sth *first,
                                const sth *second, char *why, size_t whylen);

#endif
