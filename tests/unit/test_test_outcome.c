/* Unit tests for test_outcome.c: the magic RRNs are valid RRNs (check
 * digit included) and pick their outcomes; any other RRN is delivered
 * unread; each outcome's steps end in its state, in time order. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "rrn.h"
#include "test_outcome.h"

static test_outcome of(const char *text)
{
    rrn r;
    const char *why;

    assert_int_equal(rrn_parse(text, strlen(text), 20261202, 1, &r, &why), RRN_VALID);
    return test_outcome_of(r.digits);
}

static void magic_rrns_are_valid_and_pick_outcomes(void **state)
{
    (void)state;
    assert_int_equal(of(TEST_RRN_READ), TEST_READ);
    assert_int_equal(of(TEST_RRN_UNREAD), TEST_UNREAD);
    assert_int_equal(of(TEST_RRN_PAPER), TEST_PAPER);
    assert_int_equal(of(TEST_RRN_FAILED), TEST_FAILED);
    assert_int_equal(of("971013-9019902"), TEST_UNREAD);
    assert_int_equal(of("850315-1234566"), TEST_UNREAD);
}

static const char *last_state(test_outcome o, long *prev_ms)
{
    test_step s;
    const char *last = "accepted";

    *prev_ms = 0;
    for (int i = 0; test_outcome_step(o, i, &s); i++) {
        assert_true(s.after_ms > *prev_ms);
        *prev_ms = s.after_ms;
        last = s.state;
    }
    return last;
}

static void steps_end_in_the_outcome(void **state)
{
    long ms;
    test_step s;
    (void)state;

    assert_string_equal(last_state(TEST_READ, &ms), "read");
    assert_string_equal(last_state(TEST_UNREAD, &ms), "received");
    assert_string_equal(last_state(TEST_PAPER, &ms), "postal");
    assert_string_equal(last_state(TEST_FAILED, &ms), "failed");
    assert_true(ms <= 10000);
    assert_int_equal(test_outcome_step(TEST_FAILED, 0, &s), 1);
    assert_non_null(s.reason);
    assert_int_equal(test_outcome_step(TEST_READ, -1, &s), 0);
}

static void names_round_trip(void **state)
{
    (void)state;
    for (int o = 0; o < TEST_OUTCOMES; o++)
        assert_int_equal(test_outcome_parse(test_outcome_name((test_outcome)o)), o);
    assert_int_equal(test_outcome_parse("delivered"), -1);
    assert_int_equal(test_outcome_parse(NULL), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(magic_rrns_are_valid_and_pick_outcomes),
        cmocka_unit_test(steps_end_in_the_outcome),
        cmocka_unit_test(names_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
