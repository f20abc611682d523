/* ci.c -- see ci.h. */
#include "ci.h"

#include <string.h>

void ci_derive(const hmac512_key *key, const char digits[13], char out[CI_LEN + 1])
{
    uint8_t mac[HMAC_SHA512_LEN];

    hmac512(key, digits, 13, mac);
    base64_encode(out, mac, sizeof mac);
    secure_wipe(mac, sizeof mac);
}

static int is_b64(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '+' || c == '/';
}

int ci_is_well_formed(const char *s, size_t len)
{
    /* 64 bytes encode to 86 symbols and "==". The last symbol carries only
     * 2 data bits, so its low four bits must be zero (canonical form): it is
     * one of A, Q, g, w. */
    if (len != CI_LEN || s[86] != '=' || s[87] != '=')
        return 0;
    for (size_t i = 0; i < 86; i++)
        if (!is_b64(s[i]))
            return 0;
    return strchr("AQgw", s[85]) != NULL;
}

void ci_rk(const char ci[CI_LEN], char out[RK_HEX_LEN + 1])
{
    static const char prefix[] = "herald-rk-v1:";
    uint8_t h[SHA256_LEN];

    sha256_2(prefix, sizeof prefix - 1, ci, CI_LEN, h);
    hex_encode(out, h, sizeof h);
}

int ci_rk_ok(const char *s, size_t len)
{
    if (len != RK_HEX_LEN)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}
