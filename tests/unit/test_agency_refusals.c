/* test_agency_refusals.c -- the ring of refusals nobody waited for: found
 * by reference, replaced in place when refused again, forgotten when
 * posted again, the oldest going first when full. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "agency_refusals.h"

static intake_result why(int status, const char *detail)
{
    intake_result r = {.status = status};

    snprintf(r.detail, sizeof r.detail, "%s", detail);
    return r;
}

static void found_by_reference_and_replaced_in_place(void **state)
{
    refusals rs;
    intake_result a = why(422, "title refused"), b = why(503, "hub unavailable");
    (void)state;

    assert_int_equal(refusals_init(&rs, 3), 0);
    assert_null(refusals_find(&rs, "r1"));
    refusals_put(&rs, "r1", &a, 10);
    refusals_put(&rs, "r2", &a, 11);
    refusals_put(&rs, "r1", &b, 12); /* again: the same slot */
    const refusal *r = refusals_find(&rs, "r1");
    assert_non_null(r);
    assert_int_equal(r->why.status, 503);
    assert_int_equal(r->at_ms, 12);
    refusals_put(&rs, "r3", &a, 13); /* the third slot: r1 and r2 stay */
    assert_non_null(refusals_find(&rs, "r1"));
    assert_non_null(refusals_find(&rs, "r2"));
    assert_null(refusals_find(&rs, ""));
    refusals_free(&rs);
}

static void the_oldest_goes_first_when_full(void **state)
{
    refusals rs;
    intake_result a = why(502, "x");
    char ref[16];
    (void)state;

    assert_int_equal(refusals_init(&rs, 4), 0);
    for (int i = 0; i < 6; i++) {
        snprintf(ref, sizeof ref, "r%d", i);
        refusals_put(&rs, ref, &a, i);
    }
    assert_null(refusals_find(&rs, "r0"));
    assert_null(refusals_find(&rs, "r1"));
    for (int i = 2; i < 6; i++) {
        snprintf(ref, sizeof ref, "r%d", i);
        assert_non_null(refusals_find(&rs, ref));
    }
    refusals_free(&rs);
}

static void forgotten_when_posted_again(void **state)
{
    refusals rs;
    intake_result a = why(422, "x");
    char long_ref[FIELD_REFERENCE_MAX + 2];
    (void)state;

    assert_int_equal(refusals_init(&rs, 2), 0);
    refusals_put(&rs, "r1", &a, 1);
    refusals_forget(&rs, "r1");
    assert_null(refusals_find(&rs, "r1"));
    refusals_forget(&rs, "never"); /* nothing to forget */
    memset(long_ref, 'a', sizeof long_ref - 1);
    long_ref[sizeof long_ref - 1] = '\0';
    refusals_put(&rs, long_ref, &a, 2); /* no reference is that long: kept nowhere */
    assert_null(refusals_find(&rs, long_ref));
    refusals_free(&rs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(found_by_reference_and_replaced_in_place),
        cmocka_unit_test(the_oldest_goes_first_when_full),
        cmocka_unit_test(forgotten_when_posted_again),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
