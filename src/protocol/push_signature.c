/* push_signature.c -- see push_signature.h. The header is parsed by hand
 * with a bound on every part: it comes from whoever can reach the port. */
#include "push_signature.h"

#include <stdio.h>
#include <string.h>

#include "crypto.h"

#define T_DIGITS_MAX 15 /* ms since 1970, well past any real clock */

/* The hex HMAC of "<t>." + body, t being the digits as they were sent
 * (a sender may write them with leading zeros). */
static void mac_hex(char hex[2 * HMAC_SHA256_LEN + 1], const uint8_t *key, size_t keylen,
                    const char *t, size_t tlen, const void *body, size_t len)
{
    uint8_t mac[HMAC_SHA256_LEN];
    char signed_t[T_DIGITS_MAX + 2];

    memcpy(signed_t, t, tlen);
    signed_t[tlen] = '.';
    hmac_sha256_2(key, keylen, signed_t, tlen + 1, body, len, mac);
    hex_encode(hex, mac, sizeof mac);
}

void push_signature_make(char out[PUSH_SIGNATURE_MAX], const uint8_t *key, size_t keylen,
                         long long now_ms, const void *body, size_t len)
{
    char t[32], hex[2 * HMAC_SHA256_LEN + 1];
    int tn = snprintf(t, sizeof t, "%lld", now_ms < 0 ? 0 : now_ms);

    mac_hex(hex, key, keylen, t, (size_t)tn, body, len);
    snprintf(out, PUSH_SIGNATURE_MAX, "t=%s,v1=%s", t, hex);
}

/* Splits "t=DIGITS,v1=HEX64" into its time and its hex: 0 or -1. */
static int parse(const char *h, long long *t_ms, const char **hex, char *err, size_t errlen)
{
    size_t digits = 0;
    long long t = 0;

    if (!h || !*h) {
        snprintf(err, errlen, "no %s header", PUSH_SIGNATURE_HEADER);
        return -1;
    }
    if (strncmp(h, "t=", 2) != 0) {
        snprintf(err, errlen, "%s must start with t=", PUSH_SIGNATURE_HEADER);
        return -1;
    }
    for (h += 2; *h >= '0' && *h <= '9' && digits < T_DIGITS_MAX; h++, digits++)
        t = t * 10 + (*h - '0');
    if (digits == 0 || strncmp(h, ",v1=", 4) != 0) {
        snprintf(err, errlen, "%s must be t=<unix ms>,v1=<hex>", PUSH_SIGNATURE_HEADER);
        return -1;
    }
    h += 4;
    if (strlen(h) != 2 * HMAC_SHA256_LEN || strspn(h, "0123456789abcdef") != strlen(h)) {
        snprintf(err, errlen, "%s v1 must be 64 lowercase hex digits", PUSH_SIGNATURE_HEADER);
        return -1;
    }
    *t_ms = t;
    *hex = h;
    return 0;
}

static int fresh_at(long long t, long long now_ms, char *err, size_t errlen)
{
    if (t < now_ms - PUSH_SIGNATURE_MAX_AGE_MS) {
        snprintf(err, errlen, "%s is %lld s old (at most %lld)", PUSH_SIGNATURE_HEADER,
                 (now_ms - t) / 1000, PUSH_SIGNATURE_MAX_AGE_MS / 1000);
        return -1;
    }
    if (t > now_ms + PUSH_SIGNATURE_MAX_AGE_MS) {
        snprintf(err, errlen, "%s is %lld s in the future", PUSH_SIGNATURE_HEADER,
                 (t - now_ms) / 1000);
        return -1;
    }
    return 0;
}

int push_signature_fresh(const char *header, long long now_ms, long long *t_ms, char *err,
                         size_t errlen)
{
    const char *hex;

    if (parse(header, t_ms, &hex, err, errlen) != 0)
        return -1;
    return fresh_at(*t_ms, now_ms, err, errlen);
}

int push_signature_check(const char *header, const uint8_t *key, size_t keylen,
                         long long now_ms, const void *body, size_t len, char *err,
                         size_t errlen)
{
    char want[2 * HMAC_SHA256_LEN + 1];
    const char *hex;
    long long t;

    if (parse(header, &t, &hex, err, errlen) != 0 || fresh_at(t, now_ms, err, errlen) != 0)
        return -1;
    /* the digits run from header + 2 to the ",v1=" before hex */
    mac_hex(want, key, keylen, header + 2, (size_t)(hex - 4 - (header + 2)), body, len);
    if (!ct_equal(hex, want, 2 * HMAC_SHA256_LEN)) {
        snprintf(err, errlen, "%s does not match the body (another key?)",
                 PUSH_SIGNATURE_HEADER);
        return -1;
    }
    return 0;
}
