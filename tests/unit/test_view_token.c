/* Unit tests for view_token.c: a token verifies only with the issuing
 * platform's pinned key, unchanged, unexpired and not too long-lived. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "crypto.h"
#include "view_token.h"

#define NOW 1795766400000LL

static uint8_t pk[32], sk[64], other_pk[32], other_sk[64];

static const uint8_t *lookup(void *ctx, const char *platform)
{
    (void)ctx;
    return !strcmp(platform, "messenger") ? pk : NULL;
}

static view_token sample(long long ttl_ms)
{
    view_token t = {0};

    strcpy(t.platform, "messenger");
    strcpy(t.notice, "0193a1b2-0000-7000-8000-00000000000a");
    memset(t.rk, 'a', 64);
    t.exp_ms = NOW + ttl_ms;
    return t;
}

static int verify(const char *tok, view_token *out, const char **why)
{
    return view_token_verify(tok, strlen(tok), NOW, lookup, NULL, out, why);
}

static void round_trip(void **state)
{
    char tok[VIEW_TOKEN_MAX + 1];
    view_token t = sample(300000), got;
    const char *why;
    (void)state;

    assert_int_equal(view_token_issue(&t, sk, tok), 0);
    assert_int_equal(strlen(t.nonce), VIEW_TOKEN_NONCE_HEX);
    assert_int_equal(verify(tok, &got, &why), 0);
    assert_string_equal(got.notice, t.notice);
    assert_string_equal(got.rk, t.rk);
    assert_string_equal(got.nonce, t.nonce);
    assert_true(got.exp_ms == t.exp_ms);
}

static void nonces_differ(void **state)
{
    char a[VIEW_TOKEN_MAX + 1], b[VIEW_TOKEN_MAX + 1];
    view_token t = sample(300000), u = sample(300000);
    (void)state;

    view_token_issue(&t, sk, a);
    view_token_issue(&u, sk, b);
    assert_string_not_equal(t.nonce, u.nonce);
    assert_string_not_equal(a, b);
}

static void every_character_matters(void **state)
{
    char tok[VIEW_TOKEN_MAX + 1];
    view_token t = sample(300000), got;
    const char *why;
    (void)state;

    view_token_issue(&t, sk, tok);
    size_t n = strlen(tok);
    for (size_t i = 0; i < n; i++) {
        char saved = tok[i];
        tok[i] = saved == 'A' ? 'B' : 'A';
        if (tok[i] != saved)
            assert_int_equal(verify(tok, &got, &why), -1);
        tok[i] = saved;
    }
}

static void other_key_or_unknown_platform_fails(void **state)
{
    char tok[VIEW_TOKEN_MAX + 1];
    view_token t = sample(300000), got;
    const char *why;
    (void)state;

    view_token_issue(&t, other_sk, tok); /* claims messenger, signed by someone else */
    assert_int_equal(verify(tok, &got, &why), -1);
    assert_non_null(strstr(why, "signature"));
    t = sample(300000);
    strcpy(t.platform, "carrier");
    view_token_issue(&t, sk, tok);
    assert_int_equal(verify(tok, &got, &why), -1);
    assert_non_null(strstr(why, "unknown platform"));
}

static void expiry_and_lifetime(void **state)
{
    char tok[VIEW_TOKEN_MAX + 1];
    view_token t, got;
    const char *why;
    (void)state;

    t = sample(0);
    view_token_issue(&t, sk, tok);
    assert_int_equal(verify(tok, &got, &why), VIEW_TOKEN_REFUSED);
    assert_non_null(strstr(why, "expired"));
    assert_string_equal(got.notice, t.notice); /* genuine: the caller learns its notice */
    t = sample(VIEW_TOKEN_MAX_TTL_MS + 1);
    view_token_issue(&t, sk, tok);
    assert_int_equal(verify(tok, &got, &why), VIEW_TOKEN_REFUSED);
    assert_non_null(strstr(why, "longer life"));
    t = sample(VIEW_TOKEN_MAX_TTL_MS);
    view_token_issue(&t, sk, tok);
    assert_int_equal(verify(tok, &got, &why), 0);
}

static void malformed_tokens(void **state)
{
    static const char *bad[] = {"", ".", "abc", "abc.def", "!!!.???", "eyJ2IjoxfQ.AAAA"};
    char big[VIEW_TOKEN_MAX + 10];
    view_token got;
    const char *why;
    (void)state;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(verify(bad[i], &got, &why), -1);
        assert_non_null(why);
    }
    memset(big, 'A', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    big[100] = '.';
    assert_int_equal(verify(big, &got, &why), -1);
}

static void issue_refuses_bad_fields(void **state)
{
    char tok[VIEW_TOKEN_MAX + 1];
    view_token t = sample(1000);
    (void)state;

    strcpy(t.rk, "not-hex");
    assert_int_equal(view_token_issue(&t, sk, tok), -1);
    t = sample(1000);
    strcpy(t.notice, "\"injected\"");
    assert_int_equal(view_token_issue(&t, sk, tok), -1);
    t = sample(1000);
    strcpy(t.platform, "bad name");
    assert_int_equal(view_token_issue(&t, sk, tok), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip),
        cmocka_unit_test(nonces_differ),
        cmocka_unit_test(every_character_matters),
        cmocka_unit_test(other_key_or_unknown_platform_fails),
        cmocka_unit_test(expiry_and_lifetime),
        cmocka_unit_test(malformed_tokens),
        cmocka_unit_test(issue_refuses_bad_fields),
    };
    if (crypto_init() != 0)
        return 1;
    ed25519_keypair(pk, sk);
    ed25519_keypair(other_pk, other_sk);
    return cmocka_run_group_tests_name("view_token", tests, NULL, NULL);
}
