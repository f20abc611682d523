/* Unit tests for phone.c: which numbers are accepted and their digits-only
 * form. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "phone.h"

static void phone_rules(void **state)
{
    char out[PHONE_MAX_CHARS + 1];
    (void)state;

    assert_int_equal(phone_normalize("010-1234-5678", out), 0);
    assert_string_equal(out, "01012345678");
    assert_int_equal(phone_normalize("01012345678", out), 0);
    assert_string_equal(out, "01012345678");
    assert_int_equal(phone_normalize("011-123-4567", out), 0);
    assert_string_equal(out, "0111234567");
    assert_true(phone_is_mobile(out));
    assert_int_equal(phone_normalize("02-1234-5678", out), 0);      /* found, as before */
    assert_false(phone_is_mobile(out));                             /* but not a new one */
    assert_int_equal(phone_normalize("9001011234567", out), -1);    /* an RRN in the box */
    assert_string_equal(out, "");
    assert_int_equal(phone_normalize("9013011234567", out), 0);     /* 13 digits, no date */
    assert_false(phone_is_mobile(out));
    assert_int_equal(phone_normalize("900101-1234567", out), -1);
    assert_int_equal(phone_normalize("010123456789", out), 0);
    assert_false(phone_is_mobile(out));                             /* 12 digits */
    assert_int_equal(phone_normalize("0212345", out), -1);          /* too short */
    assert_int_equal(phone_normalize("010-1234-56789", out), -1);   /* 14 chars */
    assert_int_equal(phone_normalize("-0101234567", out), -1);
    assert_int_equal(phone_normalize("010--1234567", out), -1);
    assert_int_equal(phone_normalize("010-1234-567a", out), -1);
    assert_int_equal(phone_normalize("010-123-4-56", out), -1);     /* 9 digits */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(phone_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
