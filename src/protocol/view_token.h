/* view_token.h -- the short-lived, single-use pass from platform to agency.
 *
 * After the member re-authenticates, the platform signs a token binding the
 * notice id, the recipient key, an expiry and a random nonce (docs/design.md §3
 * step 4). The browser carries it to the agency, which checks the signature
 * with the platform's pinned public key, the binding to the document it is
 * asked for, the expiry, and that the nonce was never used before (that
 * last check needs the agency's database, so it is not here).
 *
 * Wire form: base64url(payload) "." base64url(Ed25519 signature over the
 * payload bytes), payload being compact JSON:
 *   {"v":1,"iss":PLATFORM,"notice":ID,"rk":RK,"exp":MS,"nonce":HEX} */
#ifndef HERALD_VIEW_TOKEN_H
#define HERALD_VIEW_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#define VIEW_TOKEN_MAX 1024
#define VIEW_TOKEN_NONCE_HEX 32
/* The longest life a platform may give a token (15 minutes), plus a minute
 * of clock skew: a token that claims more was not issued by a platform
 * keeping the rules, and its nonce would have to be remembered for ever. */
#define VIEW_TOKEN_MAX_TTL_MS ((15 + 1) * 60 * 1000LL)

typedef struct view_token {
    char platform[65];
    char notice[65];
    char rk[65];
    long long exp_ms;
    char nonce[VIEW_TOKEN_NONCE_HEX + 1];
} view_token;

/* Fills in a fresh random nonce and writes the signed token to out
 * (VIEW_TOKEN_MAX+1 bytes). Returns 0, or -1 if a field is malformed. */
int view_token_issue(view_token *t, const uint8_t secret_key[64], char *out);

/* Returns the pinned public key (32 bytes) of a platform, or NULL. */
typedef const uint8_t *(*view_key_lookup)(void *ctx, const char *platform);

/* Checks form, signature and expiry. Returns 0 and fills out; or
 * VIEW_TOKEN_FORGED when it is not a token a pinned platform signed; or
 * VIEW_TOKEN_REFUSED when it is genuine but no longer acceptable (expired,
 * too long-lived), with out filled so the caller knows what it was for.
 * why is a reason that is safe to show and to log. */
#define VIEW_TOKEN_FORGED (-1)
#define VIEW_TOKEN_REFUSED (-2)
int view_token_verify(const char *token, size_t len, long long now_ms,
                      view_key_lookup lookup, void *ctx, view_token *out,
                      const char **why);

#endif
