/* Unit tests for push_signature.c: a header made is checked; a changed
 * body, another key, an old or future time, and malformed headers are
 * refused with a reason; the time is signed as sent (leading zeros); the
 * value agrees with an HMAC computed independently of the module. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "crypto.h"
#include "push_signature.h"

static const uint8_t KEY[] = "whsec-test-key";
#define KEYLEN (sizeof KEY - 1)
static const char BODY[] = "{\"alerts\":[{\"id\":\"1\",\"phone\":\"01011112222\",\"text\":\"x\"}]}";
#define NOW 1795000000000LL

static int check(const char *h, long long now, const char *body, char *err)
{
    return push_signature_check(h, KEY, KEYLEN, now, body, strlen(body), err, 200);
}

static void test_round_trip(void **state)
{
    char h[PUSH_SIGNATURE_MAX], err[200];
    long long t;

    (void)state;
    push_signature_make(h, KEY, KEYLEN, NOW, BODY, strlen(BODY));
    assert_int_equal(strlen(h), strlen("t=1795000000000,v1=") + 64);
    assert_int_equal(check(h, NOW, BODY, err), 0);
    assert_int_equal(check(h, NOW + PUSH_SIGNATURE_MAX_AGE_MS, BODY, err), 0);
    assert_int_equal(push_signature_fresh(h, NOW, &t, err, sizeof err), 0);
    assert_true(t == NOW);
}

/* The same value as HMAC-SHA-256(key, "<t>." + body) in one piece. */
static void test_matches_plain_hmac(void **state)
{
    char h[PUSH_SIGNATURE_MAX], msg[512], want[PUSH_SIGNATURE_MAX];
    char hex[2 * HMAC_SHA256_LEN + 1];
    uint8_t mac[HMAC_SHA256_LEN];
    int n = snprintf(msg, sizeof msg, "%lld.%s", NOW, BODY);

    (void)state;
    hmac_sha256_2(KEY, KEYLEN, msg, (size_t)n, NULL, 0, mac);
    hex_encode(hex, mac, sizeof mac);
    snprintf(want, sizeof want, "t=%lld,v1=%s", NOW, hex);
    push_signature_make(h, KEY, KEYLEN, NOW, BODY, strlen(BODY));
    assert_string_equal(h, want);
}

static void test_refused(void **state)
{
    char h[PUSH_SIGNATURE_MAX], bad[PUSH_SIGNATURE_MAX + 8], err[200];
    static const uint8_t other[] = "another-key";

    (void)state;
    push_signature_make(h, KEY, KEYLEN, NOW, BODY, strlen(BODY));
    assert_int_equal(check(h, NOW, "{\"alerts\":[]}", err), -1);
    assert_non_null(strstr(err, "does not match"));
    assert_int_equal(push_signature_check(h, other, sizeof other - 1, NOW, BODY, strlen(BODY),
                                          err, sizeof err),
                     -1);
    assert_int_equal(check(h, NOW + PUSH_SIGNATURE_MAX_AGE_MS + 1, BODY, err), -1);
    assert_non_null(strstr(err, "old"));
    assert_int_equal(check(h, NOW - PUSH_SIGNATURE_MAX_AGE_MS - 1, BODY, err), -1);
    assert_non_null(strstr(err, "future"));
    /* one hex digit changed */
    memcpy(bad, h, sizeof h);
    bad[strlen(bad) - 1] = bad[strlen(bad) - 1] == '0' ? '1' : '0';
    assert_int_equal(check(bad, NOW, BODY, err), -1);
}

static void test_malformed(void **state)
{
    static const char *const bad[] = {
        NULL,
        "",
        "v1=00,t=1",
        "t=,v1=" "0000000000000000000000000000000000000000000000000000000000000000",
        "t=1795000000000",
        "t=1795000000000,v1=",
        "t=1795000000000,v1=abc",
        "t=1795000000000,v1=" "000000000000000000000000000000000000000000000000000000000000000",
        "t=1795000000000,v1=" "00000000000000000000000000000000000000000000000000000000000000000",
        "t=1795000000000,v1=" "000000000000000000000000000000000000000000000000000000000000000A",
        "t=1795000000000,v1=" "000000000000000000000000000000000000000000000000000000000000000g",
        "t=-1795000000000,v1=" "0000000000000000000000000000000000000000000000000000000000000000",
        "t=1795000000000 ,v1=" "0000000000000000000000000000000000000000000000000000000000000000",
        "t=9999999999999999999999,v1=" "0000000000000000000000000000000000000000000000000000000000000000",
    };
    char err[200];
    long long t;

    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        if (push_signature_fresh(bad[i], NOW, &t, err, sizeof err) != -1)
            fail_msg("accepted: %s", bad[i]);
        assert_true(err[0] != '\0');
        assert_int_equal(check(bad[i], NOW, BODY, err), -1);
    }
}

/* A sender may write its time with leading zeros: what it signed is
 * what it sent. */
static void test_time_signed_as_sent(void **state)
{
    char msg[512], h[PUSH_SIGNATURE_MAX + 4], hex[2 * HMAC_SHA256_LEN + 1], err[200];
    uint8_t mac[HMAC_SHA256_LEN];
    int n = snprintf(msg, sizeof msg, "0%lld.%s", NOW, BODY);

    (void)state;
    hmac_sha256_2(KEY, KEYLEN, msg, (size_t)n, NULL, 0, mac);
    hex_encode(hex, mac, sizeof mac);
    snprintf(h, sizeof h, "t=0%lld,v1=%s", NOW, hex);
    assert_int_equal(check(h, NOW, BODY, err), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_matches_plain_hmac),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_time_signed_as_sent),
    };
    if (crypto_init() != 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
