/* signup_code.c -- see signup_code.h. */
#include "signup_code.h"

#include <stdint.h>
#include <string.h>

#include "crypto.h"

_Static_assert(SIGNUP_CODE_TRIES == 5, "SIGNUP_CODE_TRIES_SQL says 5");

void signup_code_new(char code[SIGNUP_CODE_DIGITS + 1])
{
    for (int i = 0; i < SIGNUP_CODE_DIGITS; i++) {
        uint8_t b;
        do
            random_bytes(&b, 1);
        while (b >= 250); /* 250 = 25 * 10: no digit more likely than another */
        code[i] = (char)('0' + b % 10);
    }
    code[SIGNUP_CODE_DIGITS] = '\0';
}

void signup_code_hash(const char *phone, const char *code, char out[SIGNUP_CODE_HASH_LEN + 1])
{
    uint8_t h[SHA256_LEN];
    char msg[64];
    size_t n = strlen(phone);

    /* phone '\n' code: the newline keeps one pair from reading as another */
    if (n > sizeof msg - SIGNUP_CODE_DIGITS - 2)
        n = sizeof msg - SIGNUP_CODE_DIGITS - 2;
    memcpy(msg, phone, n);
    msg[n++] = '\n';
    memcpy(msg + n, code, strnlen(code, SIGNUP_CODE_DIGITS));
    n += strnlen(code, SIGNUP_CODE_DIGITS);
    sha256(msg, n, h);
    hex_encode(out, h, sizeof h);
    secure_wipe(msg, sizeof msg);
}

int signup_code_read(const char *typed, char out[SIGNUP_CODE_DIGITS + 1])
{
    size_t n = 0;

    for (const char *c = typed; *c; c++) {
        if (*c >= '0' && *c <= '9') {
            if (n == SIGNUP_CODE_DIGITS)
                return -1;
            out[n++] = *c;
        } else if (*c != ' ' && *c != '-') {
            return -1;
        }
    }
    out[n] = '\0';
    return n == SIGNUP_CODE_DIGITS ? 0 : -1;
}

int signup_code_matches(const char *phone, const char *code, const char *hash)
{
    char mine[SIGNUP_CODE_HASH_LEN + 1];

    if (strlen(hash) != SIGNUP_CODE_HASH_LEN)
        return 0;
    signup_code_hash(phone, code, mine);
    return ct_equal(mine, hash, SIGNUP_CODE_HASH_LEN);
}
