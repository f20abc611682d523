/* Unit tests for pin.c: PIN and phone rules, and the exact "five failures
 * per fifteen minutes" attempt limit. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "crypto.h"
#include "pin.h"

#define MIN (60LL * 1000)

static void pin_rules(void **state)
{
    (void)state;
    assert_true(pin_ok("1234"));
    assert_true(pin_ok("12345678"));
    assert_false(pin_ok("123"));
    assert_false(pin_ok("123456789"));
    assert_false(pin_ok("12a4"));
    assert_false(pin_ok(""));
}

static void phone_rules(void **state)
{
    char out[PHONE_MAX_CHARS + 1];
    (void)state;

    assert_int_equal(phone_normalize("010-1234-5678", out), 0);
    assert_string_equal(out, "01012345678");
    assert_int_equal(phone_normalize("01012345678", out), 0);
    assert_string_equal(out, "01012345678");
    assert_int_equal(phone_normalize("02-1234-5678", out), 0);
    assert_int_equal(phone_normalize("0212345", out), -1);          /* too short */
    assert_int_equal(phone_normalize("010-1234-56789", out), -1);   /* 14 chars */
    assert_int_equal(phone_normalize("-0101234567", out), -1);
    assert_int_equal(phone_normalize("010--1234567", out), -1);
    assert_int_equal(phone_normalize("010-1234-567a", out), -1);
    assert_int_equal(phone_normalize("010-123-4-56", out), -1);     /* 9 digits */
}

static void five_failures_lock(void **state)
{
    login_attempts a = {0};
    long long t = 1000000;
    (void)state;

    for (int i = 0; i < 4; i++) {
        login_record_failure(&a, t + i * MIN);
        assert_int_equal(login_locked_for(&a, t + i * MIN), 0);
    }
    login_record_failure(&a, t + 4 * MIN);
    /* Locked until the first failure leaves the window. */
    assert_int_equal(login_locked_for(&a, t + 4 * MIN), 11 * MIN);
    assert_true(login_locked_for(&a, t + 15 * MIN - 1) > 0);
    assert_int_equal(login_locked_for(&a, t + 15 * MIN), 0);
}

static void sliding_window_is_exact(void **state)
{
    login_attempts a = {0};
    long long t = 5000000;
    (void)state;

    /* Four failures early, one just after the first expires: the other
     * three still count, so one more failure locks again. */
    for (int i = 0; i < 4; i++)
        login_record_failure(&a, t + i * MIN);
    login_record_failure(&a, t + 15 * MIN);
    assert_int_equal(a.n, 4);
    assert_int_equal(login_locked_for(&a, t + 15 * MIN), 0);
    login_record_failure(&a, t + 15 * MIN + 1);
    assert_true(login_locked_for(&a, t + 15 * MIN + 1) > 0);
}

static void stored_form_round_trips(void **state)
{
    login_attempts a = {0}, b;
    char text[LOGIN_ATTEMPTS_TEXT_MAX + 1];
    (void)state;

    for (int i = 0; i < 5; i++)
        login_record_failure(&a, 1700000000000LL + i);
    login_attempts_format(&a, text);
    login_attempts_parse(&b, text);
    assert_int_equal(b.n, 5);
    assert_memory_equal(a.at, b.at, sizeof a.at);
    login_attempts_parse(&b, "");
    assert_int_equal(b.n, 0);
    login_attempts_parse(&b, "5,3");   /* out of order: damaged */
    assert_int_equal(b.n, 0);
    login_attempts_parse(&b, "x");
    assert_int_equal(b.n, 0);
}

/* crypto.c's Argon2id wrapper, at both costs the platform offers. */
static void pin_hashes_verify(void **state)
{
    char h[PWHASH_STR_MAX];
    (void)state;

    assert_int_equal(crypto_init(), 0);
    for (int cost = PWHASH_INTERACTIVE; cost <= PWHASH_MIN; cost++) {
        assert_int_equal(pwhash_str(h, "123456", 6, (pwhash_cost)cost), 0);
        assert_true(strncmp(h, "$argon2id$", 10) == 0);
        assert_true(pwhash_verify(h, "123456", 6));
        assert_false(pwhash_verify(h, "123457", 6));
    }
    assert_false(pwhash_verify("not a hash", "1234", 4));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pin_rules),
        cmocka_unit_test(phone_rules),
        cmocka_unit_test(five_failures_lock),
        cmocka_unit_test(sliding_window_is_exact),
        cmocka_unit_test(stored_form_round_trips),
        cmocka_unit_test(pin_hashes_verify),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
