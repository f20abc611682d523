/* Unit tests for payment_ref.c: the one rule every way a payment comes in
 * (agency send's file, the API's CSV and JSON) is judged by. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "payment_ref.h"

static const char *check(const char *amount, const char *code, const char *due, long long *n,
                         const char **col)
{
    return payment_ref_check(amount, code, due, n, col);
}

static void blank_asks_none(void **state)
{
    long long n = 5;
    const char *col = "x";
    (void)state;

    assert_null(check("", "", "", &n, &col));
    assert_int_equal(n, 0);
    assert_null(col);
    assert_null(check(NULL, NULL, NULL, &n, &col));
    assert_int_equal(n, 0);
}

static void good_ones_are_taken(void **state)
{
    long long n;
    const char *col;
    (void)state;

    assert_null(check("1", "G", NULL, &n, &col));
    assert_int_equal(n, 1);
    assert_null(check("1000000000000", "VA:123.45-6_", "2026-12-31", &n, &col));
    assert_int_equal(n, 1000000000000LL);
    assert_null(check("98000", "01234567890123456789012345678901", "", &n, &col));
    assert_int_equal(n, 98000);
}

static void each_fault_names_its_column(void **state)
{
    static const struct {
        const char *amount, *code, *due, *col;
    } bad[] = {
        {"0", "G", "", "amount_krw"},
        {"-5", "G", "", "amount_krw"},
        {"+5", "G", "", "amount_krw"},
        {" 5", "G", "", "amount_krw"},
        {"5 ", "G", "", "amount_krw"},
        {"1000000000001", "G", "", "amount_krw"},
        {"99999999999999999999", "G", "", "amount_krw"},
        {"5.0", "G", "", "amount_krw"},
        {"", "G", "", "amount_krw"},
        {"", "", "2026-12-31", "amount_krw"},
        {"5", "", "", "payment_code"},
        {"5", "G B", "", "payment_code"},
        {"5", "012345678901234567890123456789012", "", "payment_code"},
        {"5", "VA-971013-9019902", "", "payment_code"},
        {"5", "G", "2026-02-30", "payment_due"},
        {"5", "G", "2026-12-31T00:00:00Z", "payment_due"},
        {"5", "G", "20261231", "payment_due"},
    };
    long long n;
    const char *col;
    (void)state;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        n = 7;
        assert_non_null(check(bad[i].amount, bad[i].code, bad[i].due, &n, &col));
        assert_string_equal(col, bad[i].col);
        assert_int_equal(n, 0);
    }
}

static void columns_go_together(void **state)
{
    (void)state;
    assert_null(payment_ref_columns(0, 0, 0));
    assert_null(payment_ref_columns(1, 1, 0));
    assert_null(payment_ref_columns(1, 1, 1));
    assert_non_null(payment_ref_columns(1, 0, 0));
    assert_non_null(payment_ref_columns(0, 1, 0));
    assert_non_null(payment_ref_columns(0, 0, 1));
    assert_non_null(payment_ref_columns(1, 0, 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(blank_asks_none),
        cmocka_unit_test(good_ones_are_taken),
        cmocka_unit_test(each_fault_names_its_column),
        cmocka_unit_test(columns_go_together),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
