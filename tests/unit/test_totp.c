/* Unit tests for totp.c: RFC 4226's HOTP and RFC 6238's TOTP test
 * vectors (SHA-1), the replay and skew rules, and base32 (RFC 4648). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "crypto.h"
#include "totp.h"

static const uint8_t rfc_key[] = "12345678901234567890";
#define RFC_KEY_LEN 20

static void hotp_matches_rfc4226_appendix_d(void **state)
{
    static const uint32_t want[] = {755224, 287082, 359152, 969429, 338314,
                                    254676, 287922, 162583, 399871, 520489};
    (void)state;
    for (uint64_t c = 0; c < 10; c++)
        assert_int_equal(hotp_code(rfc_key, RFC_KEY_LEN, c, 6), want[c]);
}

static void totp_matches_rfc6238_appendix_b(void **state)
{
    static const struct { long long t; uint32_t code; } v[] = {
        {59, 94287082},         {1111111109, 7081804},  {1111111111, 14050471},
        {1234567890, 89005924}, {2000000000, 69279037}, {20000000000LL, 65353130},
    };
    (void)state;
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        assert_int_equal(totp_code(rfc_key, RFC_KEY_LEN, v[i].t, 8), v[i].code);
    assert_int_equal(totp_step(59), 1);
    assert_int_equal(totp_step(1111111109), 0x023523EC);
}

static void code_text(long long t, char out[8])
{
    snprintf(out, 8, "%06u", totp_code(rfc_key, RFC_KEY_LEN, t, 6));
}

static void verify_takes_skew_and_refuses_replay(void **state)
{
    char now[8], before[8], far[8];
    long long t = 1111111111;
    uint64_t step;
    (void)state;

    code_text(t, now);
    code_text(t - 30, before);
    code_text(t - 90, far);
    step = totp_verify(rfc_key, RFC_KEY_LEN, t, now, 0);
    assert_int_equal(step, totp_step(t));
    /* Used once: the same step is refused after. */
    assert_int_equal(totp_verify(rfc_key, RFC_KEY_LEN, t, now, step), 0);
    /* One step behind is accepted, three are not. */
    assert_int_equal(totp_verify(rfc_key, RFC_KEY_LEN, t, before, 0), totp_step(t) - 1);
    assert_int_equal(totp_verify(rfc_key, RFC_KEY_LEN, t, far, 0), 0);
    /* Malformed codes. */
    assert_int_equal(totp_verify(rfc_key, RFC_KEY_LEN, t, "12345", 0), 0);
    assert_int_equal(totp_verify(rfc_key, RFC_KEY_LEN, t, "12345a", 0), 0);
    assert_int_equal(totp_verify(rfc_key, RFC_KEY_LEN, t, "1234567", 0), 0);
    assert_int_equal(totp_verify(rfc_key, RFC_KEY_LEN, t, NULL, 0), 0);
}

static void base32_round_trips_rfc4648(void **state)
{
    static const struct { const char *in, *out; } v[] = {
        {"", ""}, {"f", "MY"}, {"fo", "MZXQ"}, {"foo", "MZXW6"}, {"foob", "MZXW6YQ"},
        {"fooba", "MZXW6YTB"}, {"foobar", "MZXW6YTBOI"},
    };
    char enc[TOTP_BASE32_MAX];
    uint8_t dec[40];
    (void)state;

    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        size_t n = strlen(v[i].in);
        assert_int_equal(base32_encode(enc, sizeof enc, (const uint8_t *)v[i].in, n), 0);
        assert_string_equal(enc, v[i].out);
        assert_int_equal(base32_decode(dec, sizeof dec, v[i].out), (long)n);
        assert_memory_equal(dec, v[i].in, n);
    }
    assert_int_equal(base32_decode(dec, sizeof dec, "mzxw6ytboi======"), 6);
    assert_int_equal(base32_decode(dec, sizeof dec, "MZ1W"), -1);
    assert_int_equal(base32_decode(dec, 2, "MZXW6YTBOI"), -1);
    assert_int_equal(base32_encode(enc, 4, (const uint8_t *)"foo", 3), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hotp_matches_rfc4226_appendix_d),
        cmocka_unit_test(totp_matches_rfc6238_appendix_b),
        cmocka_unit_test(verify_takes_skew_and_refuses_replay),
        cmocka_unit_test(base32_round_trips_rfc4648),
    };
    if (crypto_init() != 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
