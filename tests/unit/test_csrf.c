/* Unit tests for csrf.c: tokens bound to a cookie, and the origin rule. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "crypto.h"
#include "csrf.h"

static const uint8_t key[CSRF_KEY_LEN] = {1, 2, 3};

static void token_is_bound_to_cookie_and_kind(void **state)
{
    char t[CSRF_TOKEN_LEN + 1], u[CSRF_TOKEN_LEN + 1];
    uint8_t other[CSRF_KEY_LEN] = {9};
    (void)state;

    csrf_token(key, CSRF_PRE_SESSION, "aaaa", t);
    assert_int_equal(strlen(t), CSRF_TOKEN_LEN);
    assert_true(csrf_token_ok(key, CSRF_PRE_SESSION, "aaaa", t));
    assert_false(csrf_token_ok(key, CSRF_PRE_SESSION, "aaab", t));
    assert_false(csrf_token_ok(key, CSRF_SESSION, "aaaa", t));
    assert_false(csrf_token_ok(other, CSRF_PRE_SESSION, "aaaa", t));
    csrf_token(key, CSRF_PRE_SESSION, "aaaa", u);
    assert_string_equal(t, u);
    t[5] ^= 1;
    assert_false(csrf_token_ok(key, CSRF_PRE_SESSION, "aaaa", t));
    assert_false(csrf_token_ok(key, CSRF_PRE_SESSION, "aaaa", ""));
    assert_false(csrf_token_ok(key, CSRF_PRE_SESSION, "aaaa", NULL));
    assert_false(csrf_token_ok(key, CSRF_PRE_SESSION, NULL, u));
}

static void origin_of_url(void **state)
{
    char o[CSRF_ORIGIN_MAX];
    (void)state;

    assert_int_equal(csrf_origin_of("http://127.0.0.1:7010", o), 0);
    assert_string_equal(o, "http://127.0.0.1:7010");
    assert_int_equal(csrf_origin_of("HTTPS://Msg.Example:443/app/?x", o), 0);
    assert_string_equal(o, "https://msg.example");
    assert_int_equal(csrf_origin_of("http://a.example:80/", o), 0);
    assert_string_equal(o, "http://a.example");
    assert_int_equal(csrf_origin_of("https://a.example:80/", o), 0);
    assert_string_equal(o, "https://a.example:80");
    assert_int_equal(csrf_origin_of("ftp://a.example", o), -1);
    assert_int_equal(csrf_origin_of("http:///x", o), -1);
    assert_int_equal(csrf_origin_of("http://u@evil.example/", o), -1);
    assert_int_equal(csrf_origin_of("null", o), -1);
}

static void origin_rule(void **state)
{
    const char *us = "https://msg.example";
    (void)state;

    assert_true(csrf_origin_ok(us, "https://msg.example", NULL));
    assert_true(csrf_origin_ok(us, "https://MSG.example:443", NULL));
    assert_false(csrf_origin_ok(us, "https://evil.example", NULL));
    assert_false(csrf_origin_ok(us, "http://msg.example", NULL));
    assert_false(csrf_origin_ok(us, "https://msg.example.evil.example", NULL));
    assert_false(csrf_origin_ok(us, "null", NULL));
    assert_false(csrf_origin_ok(us, "https://msg.example/inbox", NULL));
    /* Origin wins over Referer. */
    assert_false(csrf_origin_ok(us, "https://evil.example", "https://msg.example/inbox"));
    assert_true(csrf_origin_ok(us, NULL, "https://msg.example/inbox"));
    assert_false(csrf_origin_ok(us, NULL, "https://evil.example/https://msg.example/"));
    assert_false(csrf_origin_ok(us, NULL, NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(token_is_bound_to_cookie_and_kind),
        cmocka_unit_test(origin_of_url),
        cmocka_unit_test(origin_rule),
    };
    assert_int_equal(crypto_init(), 0);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
