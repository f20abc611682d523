/* totp.c -- see totp.h. */
#include "totp.h"

#include <ctype.h>
#include <string.h>

#include "crypto.h"

static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

uint32_t hotp_truncate(const uint8_t mac[20], int digits)
{
    int off = mac[19] & 0x0f;
    uint32_t bin = ((uint32_t)(mac[off] & 0x7f) << 24) | ((uint32_t)mac[off + 1] << 16) |
                   ((uint32_t)mac[off + 2] << 8) | (uint32_t)mac[off + 3];
    uint32_t mod = 1;

    for (int i = 0; i < digits && i < 9; i++)
        mod *= 10;
    return bin % mod;
}

uint32_t hotp_code(const uint8_t *key, size_t keylen, uint64_t counter, int digits)
{
    uint8_t msg[8], mac[HMAC_SHA1_LEN];
    uint32_t code;

    for (int i = 7; i >= 0; i--, counter >>= 8)
        msg[i] = (uint8_t)(counter & 0xff);
    hmac_sha1(key, keylen, msg, sizeof msg, mac);
    code = hotp_truncate(mac, digits);
    secure_wipe(mac, sizeof mac);
    return code;
}

uint64_t totp_step(long long unix_s)
{
    return unix_s < 0 ? 0 : (uint64_t)unix_s / TOTP_STEP_S;
}

uint32_t totp_code(const uint8_t *key, size_t keylen, long long unix_s, int digits)
{
    return hotp_code(key, keylen, totp_step(unix_s), digits);
}

/* The code as a number, or -1 when it is not TOTP_DIGITS digits. */
static long parse_code(const char *code)
{
    long v = 0;

    if (!code || strlen(code) != TOTP_DIGITS)
        return -1;
    for (int i = 0; i < TOTP_DIGITS; i++) {
        if (code[i] < '0' || code[i] > '9')
            return -1;
        v = v * 10 + (code[i] - '0');
    }
    return v;
}

uint64_t totp_verify(const uint8_t *key, size_t keylen, long long unix_s, const char *code,
                     uint64_t last_step)
{
    long want = parse_code(code);
    uint64_t now = totp_step(unix_s), found = 0;

    if (want < 0)
        return 0;
    for (int d = -TOTP_SKEW_STEPS; d <= TOTP_SKEW_STEPS; d++) {
        uint64_t step = now + (uint64_t)(int64_t)d;
        uint32_t c = hotp_code(key, keylen, step, TOTP_DIGITS);
        /* No early exit: every candidate step costs the same. */
        if (c == (uint32_t)want && step > last_step && step > found)
            found = step;
    }
    return found;
}

int base32_encode(char *out, size_t outmax, const uint8_t *in, size_t len)
{
    size_t need = (len * 8 + 4) / 5 + 1, o = 0;
    unsigned acc = 0;
    int bits = 0;

    if (outmax < need)
        return -1;
    for (size_t i = 0; i < len; i++) {
        acc = (acc << 8) | in[i];
        bits += 8;
        while (bits >= 5) {
            out[o++] = b32[(acc >> (bits - 5)) & 31];
            bits -= 5;
        }
    }
    if (bits > 0)
        out[o++] = b32[(acc << (5 - bits)) & 31];
    out[o] = '\0';
    return 0;
}

long base32_decode(uint8_t *out, size_t outmax, const char *in)
{
    unsigned acc = 0;
    int bits = 0;
    size_t o = 0;

    for (; *in; in++) {
        const char *p;
        if (*in == '=' || *in == ' ')
            continue;
        p = strchr(b32, toupper((unsigned char)*in));
        if (!p || !*p)
            return -1;
        acc = (acc << 5) | (unsigned)(p - b32);
        bits += 5;
        if (bits >= 8) {
            if (o >= outmax)
                return -1;
            out[o++] = (uint8_t)(acc >> (bits - 8));
            bits -= 8;
        }
    }
    return (long)o;
}
