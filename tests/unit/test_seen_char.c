/* Unit tests for seen_char.c: what a reader takes characters for, an RRN
 * in plain text however its digits and hyphen are written, and text that
 * shows nothing but space. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rrn.h"
#include "seen_char.h"

#define HAS(s) seen_text_has_rrn(s, strlen(s), RRN_ANY_DAY)

static void characters_as_seen(void **state)
{
    (void)state;
    assert_int_equal(seen_char('7'), '7');
    assert_int_equal(seen_char(0xFF17), '7');   /* full-width */
    assert_int_equal(seen_char(0x1D7D5), '7');  /* mathematical bold */
    assert_int_equal(seen_char(0x2013), '-');   /* en dash */
    assert_int_equal(seen_char(0xFF0D), '-');   /* full-width hyphen-minus */
    assert_int_equal(seen_char(0x00AD), SEEN_NOTHING); /* soft hyphen */
    assert_int_equal(seen_char(0x200B), SEEN_NOTHING); /* zero-width space */
    assert_int_equal(seen_char(0x3000), ' ');   /* ideographic space */
    assert_int_equal(seen_char(0xD55C), 'x');   /* hangul */
}

static void utf8_characters(void **state)
{
    uint32_t cp;
    (void)state;
    assert_int_equal(seen_char_utf8((const unsigned char *)"\xef\xbc\x98", 3, &cp), 3);
    assert_int_equal(cp, 0xFF18);
    /* cut short, or a stray continuation byte: one character of its own */
    assert_int_equal(seen_char_utf8((const unsigned char *)"\xef\xbc", 2, &cp), 1);
    assert_int_equal(cp, 0xFFFD);
    assert_int_equal(seen_char_utf8((const unsigned char *)"\x98", 1, &cp), 1);
    assert_int_equal(cp, 0xFFFD);
}

static void an_rrn_however_written(void **state)
{
    (void)state;
    assert_true(HAS("850315-1234566"));
    assert_true(HAS("주소 ８５０３１５－１２３４５６６ 끝"));
    assert_true(HAS("８５０３１５１２３４５６６"));
    assert_true(HAS("850315\xe2\x80\x8b" "1234566"));  /* a zero-width space */
    assert_true(HAS("850315\xc2\xad" "1234566"));      /* a soft hyphen */
    assert_true(HAS("850315\xe2\x80\x93" "1234566"));  /* an en dash */
    /* numbers that are no RRN, in any width */
    assert_false(HAS("서울 강남구 테헤란로 123-4567"));
    assert_false(HAS("８５０３１５"));
    assert_false(HAS("991399-1234566"));
    assert_false(HAS("Invoice 12345678901234"));
    assert_false(HAS(""));
    /* digits parted by a character that shows */
    assert_false(HAS("850315 가 1234566"));
}

/* Beside a right-to-left letter, runs of digits are shown in the other
 * order: stored as "1234566-850315", seen as 850315-1234566. */
static void an_rrn_laid_out_right_to_left(void **state)
{
    (void)state;
    assert_true(HAS("\u05e9 1234566\u2013" "850315"));  /* Hebrew shin first */
    assert_true(HAS("\u0627 1234566-850315 \u0628"));   /* Arabic alef, beh */
    assert_true(HAS("abc \u05e9 1234566-850315 def"));  /* one stretch among Latin */
    /* the same digits with nothing right to left: shown as stored */
    assert_false(HAS("1234566-850315"));
    assert_false(HAS("\u05e9 123-4567"));
    /* parted by the letter, which shows, as "850315 가 1234566" is */
    assert_false(HAS("1234566\u05d0" "850315"));
}

/* Long text is folded on the heap, and its end still counts. */
static void long_text(void **state)
{
    size_t n = 70000;
    char *s = malloc(n + 64);
    (void)state;
    assert_non_null(s);
    for (size_t i = 0; i < n; i += 3)
        memcpy(s + i, "\xea\xb0\x80", 3); /* 가 */
    s[n] = '\0';
    assert_false(HAS(s));
    strcpy(s + n, "\xef\xbc\x98" "50315-1234566");
    assert_true(HAS(s));
    free(s);
}

/* What shows a reader nothing but space: Unicode's White_Space, its
 * format characters and what seen_char sees as nothing. */
static void blank_text(void **state)
{
    static const char *const blank[] = {
        "", " \t\n", "\v\f\r", "\u3000\u3000", "\u00a0\u200b", "\u00ad\u2060\ufeff",
        "\xc2\x85" "\u2028\u2029", /* NEL (no universal character name in C) */
        "\u1680\u205f\u202f", "\u3164\u115f\uffa0", "\u202e\u202c\u200e", "\ufff9\U000e0041",
        "\u2800\u2800", /* Braille blanks */
    };
    static const char *const not_blank[] = {
        "a", "\u3000가", "\u200b0", ".", "\xe3\x80", /* cut short: shows a box */
        "\x01", "\u00a0\u00b7",
    };
    (void)state;

    for (size_t i = 0; i < sizeof blank / sizeof blank[0]; i++)
        assert_true(seen_text_blank(blank[i], strlen(blank[i])));
    for (size_t i = 0; i < sizeof not_blank / sizeof not_blank[0]; i++)
        assert_false(seen_text_blank(not_blank[i], strlen(not_blank[i])));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(characters_as_seen),
        cmocka_unit_test(utf8_characters),
        cmocka_unit_test(an_rrn_however_written),
        cmocka_unit_test(an_rrn_laid_out_right_to_left),
        cmocka_unit_test(long_text),
        cmocka_unit_test(blank_text),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
