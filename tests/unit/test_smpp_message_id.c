/* Unit tests for smpp_message_id.c: the forms' names, and the keys of ids
 * in each form at and past their limits. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "smpp_message_id.h"

static void forms_by_name(void **state)
{
    smpp_id_form f;

    (void)state;
    assert_int_equal(smpp_id_form_parse("text", &f), 0);
    assert_int_equal(f, SMPP_ID_TEXT);
    assert_int_equal(smpp_id_form_parse("decimal", &f), 0);
    assert_int_equal(f, SMPP_ID_DECIMAL);
    assert_int_equal(smpp_id_form_parse("hex", &f), 0);
    assert_int_equal(f, SMPP_ID_HEX);
    assert_int_equal(smpp_id_form_parse("HEX", &f), -1);
    assert_int_equal(smpp_id_form_parse("", &f), -1);
    assert_int_equal(smpp_id_form_parse("hexadecimal", &f), -1);
    assert_string_equal(smpp_id_form_name(SMPP_ID_HEX), "hex");
    assert_string_equal(smpp_id_form_name(SMPP_ID_DECIMAL), "decimal");
    assert_string_equal(smpp_id_form_name(SMPP_ID_TEXT), "text");
}

static void key_is(const char *id, smpp_id_form form, const char *want)
{
    char out[65];

    if (smpp_message_id_key(id, form, out, sizeof out) != 0)
        fail_msg("\"%s\" as %s refused", id, smpp_id_form_name(form));
    assert_string_equal(out, want);
}

static void refused(const char *id, smpp_id_form form)
{
    char out[65];

    assert_int_equal(smpp_message_id_key(id, form, out, sizeof out), -1);
    assert_string_equal(out, id); /* left as given, for the log */
}

/* The same message in both forms gives the same key. */
static void hex_and_decimal_meet(void **state)
{
    (void)state;
    key_is("1a2b3c", SMPP_ID_HEX, "1715004");
    key_is("1A2B3C", SMPP_ID_HEX, "1715004");
    key_is("1715004", SMPP_ID_DECIMAL, "1715004");
    key_is("0001715004", SMPP_ID_DECIMAL, "1715004");
    key_is("00001a2b3c", SMPP_ID_HEX, "1715004");
    key_is("0", SMPP_ID_DECIMAL, "0");
    key_is("000", SMPP_ID_HEX, "0");
}

/* 64 bits at most, however many leading zeros come first. */
static void limits(void **state)
{
    (void)state;
    key_is("ffffffffffffffff", SMPP_ID_HEX, "18446744073709551615");
    key_is("0000ffffffffffffffff", SMPP_ID_HEX, "18446744073709551615");
    key_is("18446744073709551615", SMPP_ID_DECIMAL, "18446744073709551615");
    refused("10000000000000000", SMPP_ID_HEX);
    refused("18446744073709551616", SMPP_ID_DECIMAL);
    refused("99999999999999999999", SMPP_ID_DECIMAL);
}

static void not_numbers(void **state)
{
    (void)state;
    refused("", SMPP_ID_HEX);
    refused("", SMPP_ID_DECIMAL);
    refused("1a", SMPP_ID_DECIMAL);
    refused("0x1a", SMPP_ID_HEX);
    refused("1g", SMPP_ID_HEX);
    refused("-1", SMPP_ID_DECIMAL);
    refused("+1", SMPP_ID_DECIMAL);
    refused(" 1", SMPP_ID_DECIMAL);
    refused("1 ", SMPP_ID_HEX);
}

/* Text is compared as given, whatever it holds. */
static void text_as_given(void **state)
{
    (void)state;
    key_is("00A1-b", SMPP_ID_TEXT, "00A1-b");
    key_is("", SMPP_ID_TEXT, "");
    key_is("0001715004", SMPP_ID_TEXT, "0001715004");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(forms_by_name),
        cmocka_unit_test(hex_and_decimal_meet),
        cmocka_unit_test(limits),
        cmocka_unit_test(not_numbers),
        cmocka_unit_test(text_as_given),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
