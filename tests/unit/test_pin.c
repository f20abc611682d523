/* Unit tests for pin.c: what a PIN looks like, and the Argon2id hashes
 * it is stored as. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "crypto.h"
#include "pin.h"

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

/* The PINs tried first are refused when chosen, each with its reason;
 * the rest of the 4-digit space is left alone. */
static void guessable_pins(void **state)
{
    static const char *const refused[][2] = {
        {"0000", "one digit repeated"},      {"99999999", "one digit repeated"},
        {"1234", "consecutive digits"},      {"4321", "consecutive digits"},
        {"7890", "consecutive digits"},      {"098765", "consecutive digits"},
        {"12345678", "consecutive digits"},  {"1212", "a short pattern repeated"},
        {"6969", "a short pattern repeated"}, {"123123", "a short pattern repeated"},
        {"12341234", "a short pattern repeated"}, {"1122", "each digit doubled"},
        {"112233", "each digit doubled"},    {"1004", "one of the most common PINs"},
        {"2580", "one of the most common PINs"},
    };
    static const char *const kept[] = {"1357", "8642", "246810", "975310", "1123",
                                       "12312", "1235", "31415926"};
    char pin[5];
    int n = 0;
    (void)state;

    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        const char *why = pin_guessable(refused[i][0]);
        assert_non_null(why);
        assert_string_equal(why, refused[i][1]);
    }
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++)
        assert_null(pin_guessable(kept[i]));
    /* 10 repeated + 20 runs (up and down, from each digit) + 90 "abab"
     * + 90 "aabb" + 3 well known: 213 of 10,000 four-digit PINs. */
    for (int v = 0; v < 10000; v++) {
        pin[0] = (char)('0' + v / 1000);
        pin[1] = (char)('0' + v / 100 % 10);
        pin[2] = (char)('0' + v / 10 % 10);
        pin[3] = (char)('0' + v % 10);
        pin[4] = '\0';
        n += pin_guessable(pin) != NULL;
    }
    assert_int_equal(n, 213);
}

/* What others may know of the member: the phone's digits, the date of
 * birth as year, month and day. */
static void pins_echoing_the_member(void **state)
{
    (void)state;
    assert_string_equal(pin_echoes("5678", "010-1234-5678", 0), "part of the phone number");
    assert_string_equal(pin_echoes("0101", "01012345678", 0), "part of the phone number");
    assert_string_equal(pin_echoes("12345678", "010-1234-5678", 0), "part of the phone number");
    assert_string_equal(pin_echoes("1985", "010-1234-5678", 19850315), "part of the date of birth");
    assert_string_equal(pin_echoes("0315", "010-1234-5678", 19850315), "part of the date of birth");
    assert_string_equal(pin_echoes("850315", "010-1234-5678", 19850315), "part of the date of birth");
    assert_string_equal(pin_echoes("19850315", "010-1234-5678", 19850315),
                        "part of the date of birth");
    assert_string_equal(pin_echoes("0107", "010-2000-0003", 20010705), "part of the date of birth");
    assert_null(pin_echoes("1503", "010-1234-5678", 19850315));
    assert_null(pin_echoes("4729", "010-1234-5678", 19850315));
    assert_null(pin_echoes("1985", "010-1234-5678", 0)); /* no birth date known */
    assert_null(pin_echoes("4729", "", 0));
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
        cmocka_unit_test(guessable_pins),
        cmocka_unit_test(pins_echoing_the_member),
        cmocka_unit_test(pin_hashes_verify),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
