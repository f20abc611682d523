/* csrf.c -- see csrf.h. */
#include "csrf.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "crypto.h"

static const char *const binding_label[] = {"pre-session:", "session:"};

void csrf_token(const uint8_t key[CSRF_KEY_LEN], csrf_binding kind, const char *bound,
                char out[CSRF_TOKEN_LEN + 1])
{
    uint8_t mac[HMAC_SHA256_LEN];
    const char *label = binding_label[kind == CSRF_SESSION];

    hmac_sha256_2(key, CSRF_KEY_LEN, label, strlen(label), bound, strlen(bound), mac);
    hex_encode(out, mac, sizeof mac);
}

int csrf_token_ok(const uint8_t key[CSRF_KEY_LEN], csrf_binding kind, const char *bound,
                  const char *given)
{
    char want[CSRF_TOKEN_LEN + 1];
    int ok;

    if (!bound || !given || strlen(given) != CSRF_TOKEN_LEN)
        return 0;
    csrf_token(key, kind, bound, want);
    ok = ct_equal(want, given, CSRF_TOKEN_LEN);
    secure_wipe(want, sizeof want);
    return ok;
}

int csrf_origin_of(const char *url, char out[CSRF_ORIGIN_MAX])
{
    const char *host;
    size_t n, scheme_len;
    int https;

    if (!strncasecmp(url, "https://", 8))
        https = 1, scheme_len = 8;
    else if (!strncasecmp(url, "http://", 7))
        https = 0, scheme_len = 7;
    else
        return -1;
    host = url + scheme_len;
    n = strcspn(host, "/?#");
    if (n == 0 || memchr(host, '@', n) || scheme_len + n >= CSRF_ORIGIN_MAX)
        return -1;
    /* The default port is not written in an Origin. */
    if (https && n > 4 && !strncmp(host + n - 4, ":443", 4))
        n -= 4;
    else if (!https && n > 3 && !strncmp(host + n - 3, ":80", 3))
        n -= 3;
    memcpy(out, https ? "https://" : "http://", scheme_len);
    for (size_t i = 0; i < n; i++)
        out[scheme_len + i] = (char)tolower((unsigned char)host[i]);
    out[scheme_len + n] = '\0';
    return 0;
}

/* An Origin header is an origin alone: no path, query or fragment. */
static int origin_header_ok(const char *origin, const char *header)
{
    char seen[CSRF_ORIGIN_MAX];
    const char *rest = strstr(header, "://");

    return rest && !strpbrk(rest + 3, "/?#") && csrf_origin_of(header, seen) == 0 &&
           !strcmp(seen, origin);
}

int csrf_origin_ok(const char *origin, const char *header_origin, const char *header_referer)
{
    char seen[CSRF_ORIGIN_MAX];

    /* A browser that sends Origin says where the form was; "null" (a
     * sandboxed or privacy-hidden page) is not us. */
    if (header_origin)
        return origin_header_ok(origin, header_origin);
    if (header_referer)
        return csrf_origin_of(header_referer, seen) == 0 && !strcmp(seen, origin);
    return 0;
}
