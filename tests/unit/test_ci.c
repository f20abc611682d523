/* Unit tests for ci.c, crypto.c's HMAC and base64, and apikeys.c. The
 * expected CIs are computed here through OpenSSL's one-shot HMAC(), a code
 * path independent of the precomputed-pad HMAC under test. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "apikeys.h"
#include "ci.h"
#include "crypto.h"

static const char *rrns[] = {
    "9710139019902", "9710139019903", "2103153481720", "0001014000000", "8001016123456",
};

static void reference_ci(const uint8_t *key, size_t keylen, const char *digits, char out[89])
{
    uint8_t mac[64];
    unsigned int maclen = 0;

    HMAC(EVP_sha512(), key, (int)keylen, (const unsigned char *)digits, 13, mac, &maclen);
    assert_int_equal(maclen, 64);
    EVP_EncodeBlock((unsigned char *)out, mac, 64);
}

static void ci_matches_independent_hmac(void **state)
{
    uint8_t key[32];
    hmac512_key k;
    (void)state;

    for (int round = 0; round < 50; round++) {
        random_bytes(key, sizeof key);
        hmac512_key_init(&k, key, sizeof key);
        for (size_t i = 0; i < sizeof rrns / sizeof rrns[0]; i++) {
            char got[CI_LEN + 1], want[CI_LEN + 1];
            ci_derive(&k, rrns[i], got);
            reference_ci(key, sizeof key, rrns[i], want);
            assert_string_equal(got, want);
            assert_int_equal(strlen(got), 88);
            assert_true(ci_is_well_formed(got, strlen(got)));
        }
    }
}

static void hmac_long_key_is_hashed_first(void **state)
{
    uint8_t key[200], mac[64], want[64];
    unsigned int n;
    hmac512_key k;
    (void)state;

    random_bytes(key, sizeof key);
    hmac512_key_init(&k, key, sizeof key);
    hmac512(&k, "abc", 3, mac);
    HMAC(EVP_sha512(), key, sizeof key, (const unsigned char *)"abc", 3, want, &n);
    assert_memory_equal(mac, want, 64);
}

static void hmac_rfc4231_case2(void **state)
{
    /* RFC 4231 test case 2: key "Jefe". */
    static const char want[] =
        "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
        "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737";
    uint8_t mac[64];
    char hex[129];
    hmac512_key k;
    (void)state;

    hmac512_key_init(&k, (const uint8_t *)"Jefe", 4);
    hmac512(&k, "what do ya want for nothing?", 28, mac);
    hex_encode(hex, mac, 64);
    assert_string_equal(hex, want);
}

static void different_keys_give_different_ci(void **state)
{
    uint8_t a[32] = {1}, b[32] = {2};
    hmac512_key ka, kb;
    char ca[89], cb[89];
    (void)state;

    hmac512_key_init(&ka, a, 32);
    hmac512_key_init(&kb, b, 32);
    ci_derive(&ka, rrns[0], ca);
    ci_derive(&kb, rrns[0], cb);
    assert_string_not_equal(ca, cb);
}

static void ci_format_check(void **state)
{
    char good[89];
    uint8_t key[32] = {0};
    hmac512_key k;
    (void)state;

    hmac512_key_init(&k, key, 32);
    ci_derive(&k, rrns[0], good);
    assert_true(ci_is_well_formed(good, 88));
    assert_false(ci_is_well_formed(good, 87));
    char bad[89];
    memcpy(bad, good, 89);
    bad[10] = '-'; /* url-safe alphabet is not ours */
    assert_false(ci_is_well_formed(bad, 88));
    memcpy(bad, good, 89);
    bad[87] = 'A'; /* padding missing */
    assert_false(ci_is_well_formed(bad, 88));
    memcpy(bad, good, 89);
    bad[85] = 'B'; /* non-canonical last symbol */
    assert_false(ci_is_well_formed(bad, 88));
}

static void rk_is_sha256_of_prefixed_ci(void **state)
{
    char ci[89], rk[65], want[65];
    uint8_t key[32] = {7}, h[32];
    unsigned char msg[13 + 88];
    hmac512_key k;
    (void)state;

    hmac512_key_init(&k, key, 32);
    ci_derive(&k, rrns[0], ci);
    ci_rk(ci, rk);
    memcpy(msg, "herald-rk-v1:", 13);
    memcpy(msg + 13, ci, 88);
    EVP_Digest(msg, sizeof msg, h, NULL, EVP_sha256(), NULL);
    hex_encode(want, h, 32);
    assert_string_equal(rk, want);
    assert_true(ci_rk_ok(rk, 64));
    assert_false(ci_rk_ok("ABCDEF", 6));
}

static void base64_round_trip_and_rejects(void **state)
{
    uint8_t in[40], out[40];
    char text[BASE64_LEN(40) + 1];
    (void)state;

    for (size_t n = 0; n <= sizeof in; n++) {
        random_bytes(in, n);
        base64_encode(text, in, n);
        assert_int_equal(strlen(text), BASE64_LEN(n));
        assert_int_equal(base64_decode(out, sizeof out, text, strlen(text)), (long)n);
        assert_memory_equal(in, out, n);
    }
    assert_int_equal(base64_decode(out, sizeof out, "!!!!", 4), -1);
    assert_int_equal(base64_decode(out, 2, "AAAA", 4), -1); /* does not fit */
}

static void apikeys_parse_and_check(void **state)
{
    char key[65], hash[65], text[400], err[200], auth[80];
    apikeys keys;
    (void)state;

    apikeys_generate(key, hash);
    snprintf(text, sizeof text, "# callers\n\nagency-a %s  # the tax office\r\n", hash);
    assert_int_equal(apikeys_parse(&keys, text, strlen(text), err, sizeof err), 0);
    assert_int_equal(keys.count, 1);
    snprintf(auth, sizeof auth, "Bearer %s", key);
    assert_non_null(apikeys_check(&keys, auth));
    assert_string_equal(apikeys_check(&keys, auth)->name, "agency-a");
    auth[20] ^= 1;
    assert_null(apikeys_check(&keys, auth));
    assert_null(apikeys_check(&keys, NULL));
    assert_null(apikeys_check(&keys, key)); /* no scheme */
    assert_null(apikeys_check(&keys, "Bearer "));
    apikeys_free(&keys);

    assert_int_equal(apikeys_parse(&keys, "ok deadbeef\n", 12, err, sizeof err), -1);
    assert_non_null(strstr(err, "line 1"));
    snprintf(text, sizeof text, "a %s\nbad name! %s\n", hash, hash);
    assert_int_equal(apikeys_parse(&keys, text, strlen(text), err, sizeof err), -1);
    assert_non_null(strstr(err, "line 2"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ci_matches_independent_hmac),
        cmocka_unit_test(hmac_long_key_is_hashed_first),
        cmocka_unit_test(hmac_rfc4231_case2),
        cmocka_unit_test(different_keys_give_different_ci),
        cmocka_unit_test(ci_format_check),
        cmocka_unit_test(rk_is_sha256_of_prefixed_ci),
        cmocka_unit_test(base64_round_trip_and_rejects),
        cmocka_unit_test(apikeys_parse_and_check),
    };
    if (crypto_init() != 0)
        return 1;
    return cmocka_run_group_tests_name("ci", tests, NULL, NULL);
}
