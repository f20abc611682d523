/* csrf.h -- what makes a form post the citizen's own doing.
 *
 * Two checks on every POST of the citizen pages. The request must come
 * from the platform's own pages: its Origin (or, when a browser sends
 * none, its Referer) is the public URL's origin. And the form must carry
 * the token of the page it came from: an HMAC of the cookie it is bound
 * to, under a key only the platform has. A signed-in member's forms are
 * bound to the session; the sign-in and sign-up forms to a pre-session
 * cookie, so a foreign page cannot sign a victim into the attacker's
 * account either (login CSRF). The token needs no storage: the cookie is
 * the state, and a cookie of another browser gives another token.
 * The consoles' forms (console_auth.h) use it the same way. Pure logic,
 * no I/O. */
#ifndef HERALD_CSRF_H
#define HERALD_CSRF_H

#include <stddef.h>
#include <stdint.h>

#define CSRF_KEY_LEN 32
#define CSRF_TOKEN_LEN 64 /* hex of HMAC-SHA-256 */
#define CSRF_ORIGIN_MAX 300
#define CSRF_FIELD "csrf"

typedef enum csrf_binding { CSRF_PRE_SESSION, CSRF_SESSION } csrf_binding;

/* The token for the cookie value `bound` (what it is says `kind`). */
void csrf_token(const uint8_t key[CSRF_KEY_LEN], csrf_binding kind, const char *bound,
                char out[CSRF_TOKEN_LEN + 1]);
/* 1 when given is the token for bound (compared in constant time). */
int csrf_token_ok(const uint8_t key[CSRF_KEY_LEN], csrf_binding kind, const char *bound,
                  const char *given);

/* "scheme://host[:port]" of an http(s) URL, lower case, without a
 * default port, as a browser writes Origin. 0, or -1 when url is not an
 * http(s) URL with a host. */
int csrf_origin_of(const char *url, char out[CSRF_ORIGIN_MAX]);
/* 1 when a request with these headers (either may be NULL) comes from a
 * page of origin; 0 when it comes from elsewhere or says nothing. */
int csrf_origin_ok(const char *origin, const char *header_origin, const char *header_referer);

#endif
