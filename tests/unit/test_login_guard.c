/* Unit tests for login_guard.c and signup_limit.c: the sign-in and
 * sign-up limits, on a clock the test moves. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "login_guard.h"
#include "signup_limit.h"

#define T0 1800000000000LL

static login_verdict decide(const login_view *v, long long now, long long *wait)
{
    return login_guard_decide(v, now, wait);
}

static void pair_delay_grows_and_caps(void **state)
{
    (void)state;
    assert_int_equal(login_guard_pair_wait(0), 0);
    assert_int_equal(login_guard_pair_wait(LOGIN_GUARD_PAIR_FREE - 1), 0);
    assert_int_equal(login_guard_pair_wait(LOGIN_GUARD_PAIR_FREE), 1000);
    assert_int_equal(login_guard_pair_wait(LOGIN_GUARD_PAIR_FREE + 1), 2000);
    assert_int_equal(login_guard_pair_wait(LOGIN_GUARD_PAIR_FREE + 4), 16000);
    assert_int_equal(login_guard_pair_wait(LOGIN_GUARD_PAIR_FREE + 30), LOGIN_GUARD_PAIR_MAX_WAIT_MS);
    assert_int_equal(login_guard_pair_wait(1000000), LOGIN_GUARD_PAIR_MAX_WAIT_MS);
}

/* An attacker's source slows down on the victim's phone; the victim's
 * own source is untouched. */
static void attacker_pair_waits_victim_goes(void **state)
{
    login_view attacker, victim;
    long long now = T0, wait;
    (void)state;

    memset(&attacker, 0, sizeof attacker);
    for (int i = 0; i < LOGIN_GUARD_PAIR_FREE; i++) {
        assert_int_equal(decide(&attacker, now, &wait), LOGIN_GO);
        login_guard_pair_fail(&attacker.pair, now);
    }
    assert_int_equal(decide(&attacker, now, &wait), LOGIN_WAIT_PAIR);
    assert_int_equal(wait, 1000);
    assert_int_equal(decide(&attacker, now + 999, &wait), LOGIN_WAIT_PAIR);
    assert_int_equal(decide(&attacker, now + 1000, &wait), LOGIN_GO);
    login_guard_pair_fail(&attacker.pair, now + 1000);
    assert_int_equal(decide(&attacker, now + 2000, &wait), LOGIN_WAIT_PAIR);
    assert_int_equal(wait, 1000);

    memset(&victim, 0, sizeof victim);
    victim.phone_failures = login_guard_phone_weight(attacker.pair.failures);
    victim.phone_last_ms = attacker.pair.last_ms;
    assert_int_equal(victim.phone_failures, LOGIN_GUARD_PAIR_FREE);
    assert_int_equal(decide(&victim, now + 1000, &wait), LOGIN_GO);
    assert_int_equal(wait, 0);
}

static void pair_forgotten_after_a_day(void **state)
{
    login_pair p = {0, 0};
    login_view v;
    long long wait;
    (void)state;

    for (int i = 0; i < 20; i++)
        login_guard_pair_fail(&p, T0);
    assert_int_equal(p.failures, 20);
    memset(&v, 0, sizeof v);
    v.pair = p;
    assert_int_equal(decide(&v, T0 + LOGIN_GUARD_PAIR_MAX_WAIT_MS - 1, &wait), LOGIN_WAIT_PAIR);
    assert_int_equal(decide(&v, T0 + LOGIN_GUARD_PAIR_MAX_WAIT_MS, &wait), LOGIN_GO);
    login_guard_pair_fail(&p, T0 + LOGIN_GUARD_PAIR_MEMORY_MS);
    assert_int_equal(p.failures, 1);
}

/* Many sources on one phone: it slows (spaced attempts), never locks. */
static void phone_slows_never_locks(void **state)
{
    login_view v;
    long long wait;
    (void)state;

    memset(&v, 0, sizeof v);
    v.phone_failures = LOGIN_GUARD_PHONE_SLOW_AFTER - 1;
    v.phone_last_ms = T0;
    assert_int_equal(decide(&v, T0, &wait), LOGIN_GO);
    v.phone_failures = LOGIN_GUARD_PHONE_SLOW_AFTER;
    assert_int_equal(decide(&v, T0 + 1, &wait), LOGIN_WAIT_PHONE);
    assert_int_equal(wait, LOGIN_GUARD_PHONE_STEP_MS - 1);
    v.phone_failures = 100000;
    assert_int_equal(decide(&v, T0 + LOGIN_GUARD_PHONE_STEP_MS, &wait), LOGIN_GO);
    assert_int_equal(login_guard_phone_weight(50), LOGIN_GUARD_PAIR_FREE);
    assert_int_equal(login_guard_phone_weight(-1), 0);
}

/* A device that signed in to the account before passes the phone's
 * spacing, not its own source's pair wait nor a block. */
static void known_device_not_spaced(void **state)
{
    login_view v;
    long long wait;
    (void)state;

    memset(&v, 0, sizeof v);
    v.phone_failures = LOGIN_GUARD_PHONE_SLOW_AFTER;
    v.phone_last_ms = T0;
    v.known_device = 1;
    assert_int_equal(decide(&v, T0 + 1, &wait), LOGIN_GO);
    v.pair = (login_pair){LOGIN_GUARD_PAIR_FREE + 1, T0};
    assert_int_equal(decide(&v, T0 + 1, &wait), LOGIN_WAIT_PAIR);
    v.pair = (login_pair){0, 0};
    v.source_blocked_until = T0 + 10;
    assert_int_equal(decide(&v, T0 + 1, &wait), LOGIN_SOURCE_BLOCKED);
    /* a device that failed the free tries in the window is spaced */
    assert_true(login_guard_device_trusted(LOGIN_GUARD_PAIR_FREE - 1, T0, T0 + 1));
    assert_false(login_guard_device_trusted(LOGIN_GUARD_PAIR_FREE, T0, T0 + 1));
    assert_false(login_guard_device_trusted(LOGIN_GUARD_PAIR_FREE, T0,
                                            T0 + LOGIN_GUARD_WINDOW_MS - 1));
    assert_true(login_guard_device_trusted(LOGIN_GUARD_PAIR_FREE, T0, T0 + LOGIN_GUARD_WINDOW_MS));
}

static void spraying_blocks_source(void **state)
{
    login_view v;
    long long wait;
    (void)state;

    assert_false(login_guard_is_spraying(LOGIN_GUARD_SPRAY_PHONES - 1, 3));
    assert_true(login_guard_is_spraying(LOGIN_GUARD_SPRAY_PHONES, 10));
    /* a few phones, many guesses each */
    assert_false(login_guard_is_spraying(3, LOGIN_GUARD_SPRAY_FAILURES - 1));
    assert_true(login_guard_is_spraying(3, LOGIN_GUARD_SPRAY_FAILURES));
    memset(&v, 0, sizeof v);
    v.source_blocked_until = T0 + LOGIN_GUARD_BLOCK_MS;
    assert_int_equal(decide(&v, T0, &wait), LOGIN_SOURCE_BLOCKED);
    assert_int_equal(wait, LOGIN_GUARD_BLOCK_MS);
    assert_int_equal(decide(&v, T0 + LOGIN_GUARD_BLOCK_MS, &wait), LOGIN_GO);
}

static void phones_are_masked(void **state)
{
    char m[LOGIN_GUARD_MASKED_MAX];
    (void)state;

    login_guard_mask_phone("01012345678", m);
    assert_string_equal(m, "010****5678");
    login_guard_mask_phone("0212345678", m);
    assert_string_equal(m, "021***5678");
    login_guard_mask_phone("0101", m);
    assert_string_equal(m, "***");
}

static void signup_window_limits(void **state)
{
    signup_window w = {0, 0};
    (void)state;

    for (int i = 0; i < SIGNUP_LIMIT_PER_SOURCE; i++)
        assert_int_equal(signup_limit_take(&w, T0 + i), 0);
    assert_int_equal(signup_limit_take(&w, T0 + 100), SIGNUP_LIMIT_WINDOW_MS - 100);
    assert_int_equal(w.count, SIGNUP_LIMIT_PER_SOURCE);
    assert_int_equal(signup_limit_take(&w, T0 + SIGNUP_LIMIT_WINDOW_MS), 0);
    assert_int_equal(w.count, 1);
    /* A clock moved back starts a new window rather than blocking for ever. */
    assert_int_equal(signup_limit_take(&w, T0 - 5), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pair_delay_grows_and_caps),
        cmocka_unit_test(attacker_pair_waits_victim_goes),
        cmocka_unit_test(pair_forgotten_after_a_day),
        cmocka_unit_test(phone_slows_never_locks),
        cmocka_unit_test(known_device_not_spaced),
        cmocka_unit_test(spraying_blocks_source),
        cmocka_unit_test(phones_are_masked),
        cmocka_unit_test(signup_window_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
