/* Unit tests for signup_code.c: the code that proves a web sign-up's
 * phone, as made, read back from a form, and checked. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "crypto.h"
#include "signup_code.h"

/* Six digits each time, every digit about as often as another: 60,000
 * digits give each 6,000, and 5,500-6,500 is over six deviations wide. */
static void codes_are_uniform_digits(void **state)
{
    long seen[10] = {0};
    char code[SIGNUP_CODE_DIGITS + 1], first[SIGNUP_CODE_DIGITS + 1];
    int differ = 0;
    (void)state;

    assert_int_equal(crypto_init(), 0);
    signup_code_new(first);
    for (int i = 0; i < 10000; i++) {
        signup_code_new(code);
        assert_int_equal(strlen(code), SIGNUP_CODE_DIGITS);
        for (int k = 0; k < SIGNUP_CODE_DIGITS; k++) {
            assert_true(code[k] >= '0' && code[k] <= '9');
            seen[code[k] - '0']++;
        }
        differ += strcmp(code, first) != 0;
    }
    for (int d = 0; d < 10; d++)
        assert_in_range(seen[d], 5500, 6500);
    assert_true(differ > 9990);
}

/* What people type: the code with a space or hyphen in it, nothing else. */
static void codes_are_read_as_typed(void **state)
{
    char out[SIGNUP_CODE_DIGITS + 1];
    (void)state;

    assert_int_equal(signup_code_read("042917", out), 0);
    assert_string_equal(out, "042917");
    assert_int_equal(signup_code_read("042 917", out), 0);
    assert_string_equal(out, "042917");
    assert_int_equal(signup_code_read(" 042-917 ", out), 0);
    assert_string_equal(out, "042917");
    assert_int_equal(signup_code_read("04291", out), -1);
    assert_int_equal(signup_code_read("0429170", out), -1);
    assert_int_equal(signup_code_read("04291x", out), -1);
    assert_int_equal(signup_code_read("０４２９１７", out), -1); /* full-width */
    assert_int_equal(signup_code_read("", out), -1);
    assert_int_equal(signup_code_read("99999999999999999999999999", out), -1);
}

/* A code proves the one phone it was sent to, nothing else; its hash is
 * all that is kept and says nothing of it at a glance. */
static void codes_match_their_phone_only(void **state)
{
    char h[SIGNUP_CODE_HASH_LEN + 1];
    (void)state;

    signup_code_hash("01020000007", "042917", h);
    assert_int_equal(strlen(h), SIGNUP_CODE_HASH_LEN);
    assert_null(strstr(h, "042917"));
    assert_true(signup_code_matches("01020000007", "042917", h));
    assert_false(signup_code_matches("01020000007", "042918", h));
    assert_false(signup_code_matches("01020000008", "042917", h));
    assert_false(signup_code_matches("01020000007", "042917", ""));
    assert_false(signup_code_matches("01020000007", "042917", "00"));
    h[10] ^= 1;
    assert_false(signup_code_matches("01020000007", "042917", h));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(codes_are_uniform_digits),
        cmocka_unit_test(codes_are_read_as_typed),
        cmocka_unit_test(codes_match_their_phone_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
