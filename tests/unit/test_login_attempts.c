/* Unit tests for login_attempts.c: the exact "five failures per fifteen
 * minutes" limit and its stored form. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "login_attempts.h"

#define MIN (60LL * 1000)

static void five_failures_lock(void **state)
{
    login_attempts a = {0};
    long long t = 1000000;
    (void)state;

    for (int i = 0; i < 4; i++) {
        login_attempts_record_failure(&a, t + i * MIN);
        assert_int_equal(login_attempts_locked_for(&a, t + i * MIN), 0);
    }
    login_attempts_record_failure(&a, t + 4 * MIN);
    /* Locked until the first failure leaves the window. */
    assert_int_equal(login_attempts_locked_for(&a, t + 4 * MIN), 11 * MIN);
    assert_true(login_attempts_locked_for(&a, t + 15 * MIN - 1) > 0);
    assert_int_equal(login_attempts_locked_for(&a, t + 15 * MIN), 0);
}

static void sliding_window_is_exact(void **state)
{
    login_attempts a = {0};
    long long t = 5000000;
    (void)state;

    /* Four failures early, one just after the first expires: the other
     * three still count, so one more failure locks again. */
    for (int i = 0; i < 4; i++)
        login_attempts_record_failure(&a, t + i * MIN);
    login_attempts_record_failure(&a, t + 15 * MIN);
    assert_int_equal(a.n, 4);
    assert_int_equal(login_attempts_locked_for(&a, t + 15 * MIN), 0);
    login_attempts_record_failure(&a, t + 15 * MIN + 1);
    assert_true(login_attempts_locked_for(&a, t + 15 * MIN + 1) > 0);
}

static void stored_form_round_trips(void **state)
{
    login_attempts a = {0}, b;
    char text[LOGIN_ATTEMPTS_TEXT_MAX + 1];
    (void)state;

    for (int i = 0; i < 5; i++)
        login_attempts_record_failure(&a, 1700000000000LL + i);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(five_failures_lock),
        cmocka_unit_test(sliding_window_is_exact),
        cmocka_unit_test(stored_form_round_trips),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
