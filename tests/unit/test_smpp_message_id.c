/* Unit tests for smpp_message_id.c: the forms' names, the keys of ids in
 * each form at and past their limits, and which of a receipt's two ids
 * names its alert. */
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
    assert_string_equal(out, ""); /* no key */
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

static smpp_key_source key_of(const char *field, const char *text, smpp_id_form submit,
                              smpp_id_form receipt, const char *want, int want_differ)
{
    char out[65];
    int differ = -1;
    smpp_key_source from = smpp_receipt_key(field, text, submit, receipt, out, sizeof out, &differ);

    assert_string_equal(out, want);
    assert_int_equal(differ, want_differ);
    return from;
}

/* As given, the field wins, as it did before the forms. */
static void receipt_key_as_text(void **state)
{
    (void)state;
    assert_int_equal(key_of("abc", "abc", SMPP_ID_TEXT, SMPP_ID_TEXT, "abc", 0), SMPP_KEY_FIELD);
    assert_int_equal(key_of("abc", "xyz", SMPP_ID_TEXT, SMPP_ID_TEXT, "abc", 1), SMPP_KEY_FIELD);
    assert_int_equal(key_of("abc", NULL, SMPP_ID_TEXT, SMPP_ID_TEXT, "abc", 0), SMPP_KEY_FIELD);
    assert_int_equal(key_of("", "xyz", SMPP_ID_TEXT, SMPP_ID_TEXT, "xyz", 0), SMPP_KEY_TEXT);
}

/* As numbers: the field in the submit's form, the text in the receipt's,
 * the text first. */
static void receipt_key_as_numbers(void **state)
{
    (void)state;
    /* the standard's way: the field repeats submit_sm_resp's hex */
    assert_int_equal(key_of("1a2b3c", "1715004", SMPP_ID_HEX, SMPP_ID_DECIMAL, "1715004", 0),
                     SMPP_KEY_TEXT);
    /* the field alone, read as hex */
    assert_int_equal(key_of("1a2b3c", NULL, SMPP_ID_HEX, SMPP_ID_DECIMAL, "1715004", 0),
                     SMPP_KEY_FIELD);
    /* the field written in the receipt's form: read as hex it is another
     * number, and the text's wins */
    assert_int_equal(key_of("1715004", "1715004", SMPP_ID_HEX, SMPP_ID_DECIMAL, "1715004", 1),
                     SMPP_KEY_TEXT);
    /* a field that is no hex: the text's */
    assert_int_equal(key_of("x-1", "1715004", SMPP_ID_HEX, SMPP_ID_DECIMAL, "1715004", 0),
                     SMPP_KEY_TEXT);
    /* a text that is no decimal: the field's */
    assert_int_equal(key_of("1a2b3c", "1a2b3c", SMPP_ID_HEX, SMPP_ID_DECIMAL, "1715004", 0),
                     SMPP_KEY_FIELD);
}

/* Neither in its form: a mark no key made from a number can equal, even
 * where the id as given looks like one ("10000000000000000" is over 64
 * bits as hex, and the key of hex 2386f26fc10000 as decimal). */
static void receipt_key_none(void **state)
{
    (void)state;
    assert_int_equal(key_of("10000000000000000", NULL, SMPP_ID_HEX, SMPP_ID_DECIMAL,
                            "~10000000000000000", 0), SMPP_KEY_NONE);
    assert_int_equal(key_of("", "1a", SMPP_ID_HEX, SMPP_ID_DECIMAL, "~1a", 0), SMPP_KEY_NONE);
    assert_int_equal(key_of("zz", "1a", SMPP_ID_HEX, SMPP_ID_DECIMAL, "~zz", 0), SMPP_KEY_NONE);
    char k[65];
    assert_int_equal(smpp_message_id_key("2386f26fc10000", SMPP_ID_HEX, k, sizeof k), 0);
    assert_string_equal(k, "10000000000000000");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(forms_by_name),
        cmocka_unit_test(hex_and_decimal_meet),
        cmocka_unit_test(limits),
        cmocka_unit_test(not_numbers),
        cmocka_unit_test(text_as_given),
        cmocka_unit_test(receipt_key_as_text),
        cmocka_unit_test(receipt_key_as_numbers),
        cmocka_unit_test(receipt_key_none),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
