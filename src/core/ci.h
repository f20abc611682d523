/* ci.h -- Connecting Information and recipient keys (docs/design.md §2).
 *
 * CI = base64(HMAC-SHA-512(K, 13 RRN digits)): a person's identifier that
 * every platform derives the same way without holding the RRN. The hub
 * never keeps a CI at rest; it routes on rk = hex(SHA-256("herald-rk-v1:"
 * || CI)), which cannot be turned back into a CI without K's holder. */
#ifndef HERALD_CI_H
#define HERALD_CI_H

#include <stddef.h>
#include "crypto.h"

#define CI_LEN 88       /* BASE64_LEN(64) */
#define RK_HEX_LEN 64   /* hex of SHA-256 */

/* digits: the 13 ASCII digits of an RRN, no hyphen. */
void ci_derive(const hmac512_key *key, const char digits[13], char out[CI_LEN + 1]);

/* 1 if s is exactly 88 characters of padded standard base64 of 64 bytes. */
int ci_is_well_formed(const char *s, size_t len);

void ci_rk(const char ci[CI_LEN], char out[RK_HEX_LEN + 1]);

/* 1 if s is 64 lower-case hex digits. */
int ci_rk_ok(const char *s, size_t len);

#endif
