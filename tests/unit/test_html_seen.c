/* Unit tests for html_seen.c: what a reader sees of HTML, and where each
 * character came from. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "html_seen.h"

/* html as seen, as a string (what the tests give is short). */
static const char *seen(const char *html)
{
    static char out[256];
    uint32_t from[256];
    size_t n = html_seen(html, strlen(html), out, from);

    out[n] = '\0';
    return out;
}

static void tags_go_and_blocks_part(void **state)
{
    (void)state;
    assert_string_equal(seen("<b>800101</b>-1234567"), "800101-1234567");
    assert_string_equal(seen("8001<span class=\"a>b\">01</span>"), "800101");
    assert_string_equal(seen("800101<br>1234567"), "800101 1234567");
    assert_string_equal(seen("<td>800101</td><TD>1234567</TD>"), " 800101  1234567 ");
    assert_string_equal(seen("a<!-- <b> 123 -->b"), "ab");
    assert_string_equal(seen("<a href='x>y'>link</a>"), "link");
    assert_string_equal(seen("text <unfinished 800101"), "text ");
    assert_string_equal(seen("1 < 2 > 0"), "1 < 2 > 0");
    assert_string_equal(seen("1 <2"), "1 <2");
}

static void references_are_decoded(void **state)
{
    (void)state;
    assert_string_equal(seen("800101&#45;1234567"), "800101-1234567");
    assert_string_equal(seen("&#x38;00101&#X2d;1234567"), "800101-1234567");
    assert_string_equal(seen("a&amp;b&lt;&nbsp;&#160;&eacute;&#8211;"), "a&b<  x-");
    assert_string_equal(seen("AT&T & co;"), "AT&T & co;");
    /* what is no reference is seen as written */
    assert_string_equal(seen("&;&#;&#x;&#99999999999;&Amp;"), "&;&#;&#x;xx");
}

static void references_end_as_browsers_end_them(void **state)
{
    (void)state;
    /* a number ends at its last digit, ';' or not */
    assert_string_equal(seen("800101&#45<i></i>1234567"), "800101-1234567");
    assert_string_equal(seen("800101&#x2d 1234567"), "800101- 1234567");
    /* legacy names are read without ';' too, the rest follows */
    assert_string_equal(seen("800101&shy1234567"), "8001011234567");
    assert_string_equal(seen("800101&shy1234567;"), "8001011234567;");
    assert_string_equal(seen("&ltb&gt &ampx &notalegacyname"), "<b> &x &notalegacyname");
    /* windows-1252's dashes, as browsers read 0x80-0x9F */
    assert_string_equal(seen("800101&#150;1234567 &#151;"), "800101-1234567 -");
}

static void invisible_characters_show_nothing(void **state)
{
    (void)state;
    /* soft hyphen, zero-width space, word joiner, BOM, direction mark */
    assert_string_equal(seen("800101\xC2\xAD" "1234567"), "8001011234567");
    assert_string_equal(seen("8\xE2\x80\x8B" "00101-\xE2\x81\xA0" "1234567\xEF\xBB\xBF"),
                        "800101-1234567");
    assert_string_equal(seen("800101&shy;&zwj;&ZeroWidthSpace;&#8203;&#x200e;1234567"),
                        "8001011234567");
}

static void look_alikes_are_seen_as_what_they_show(void **state)
{
    (void)state;
    /* full-width digits and hyphen-minus, en dash, minus sign, hangul eu */
    assert_string_equal(seen("\xEF\xBC\x98\xEF\xBC\x90\xEF\xBC\x90" "101\xEF\xBC\x8D" "1234567"),
                        "800101-1234567");
    assert_string_equal(seen("800101\xE2\x80\x93" "1234567 \xE2\x88\x92 \xE3\x85\xA1"),
                        "800101-1234567 - -");
    /* super- and subscript digits, a CJK "one" that is a dash to the eye */
    assert_string_equal(seen("\xC2\xB9\xE2\x82\x89&sup2;\xE4\xB8\x80\xE4\xB8\x81"), "192-x");
    /* a combining mark only marks the digit before it */
    assert_string_equal(seen("8\xCC\x81" "00101"), "800101");
    /* mathematical bold digits */
    assert_string_equal(seen("\xF0\x9D\x9F\x8E\xF0\x9D\x9F\x97"), "09");
    /* any other character is one 'x', a byte that begins none too */
    assert_string_equal(seen("\xEA\xB0\x80\xC3\xA9\xFF" "1"), "xxx1");
    /* white space is a space */
    assert_string_equal(seen("1\t2\xE3\x80\x80" "3"), "1 2 3");
}

static void comments_and_quotes_end_as_browsers_end_them(void **state)
{
    (void)state;
    /* "<!-->" and "<!--->" are empty comments; "--!>" closes one */
    assert_string_equal(seen("800101<!-->&#45;1234567<!-- -->"), "800101-1234567");
    assert_string_equal(seen("a<!--->b<!-- x --!>c"), "abc");
    /* a quote opens a value only after '=' */
    assert_string_equal(seen("<b'>800101</b>-1234567<i x='>'>."), "800101-1234567.");
    assert_string_equal(seen("<b title = \"a>b\" c=d'>e"), "e");
}

static void markup_ends_as_browsers_end_it(void **state)
{
    (void)state;
    /* bogus comments end at the first '>', quotes or not */
    assert_string_equal(seen("<?php x>800101<!DOCTYPE html>-</1 a='>'>1"), "800101-'>1");
    assert_string_equal(seen("<!a=\"> 800101<i></i>-1234567 \">"), " 800101-1234567 \">");
    assert_string_equal(seen("</>a</1 b>c"), "ac");
    /* a quote opens a value only after a name and '=' */
    assert_string_equal(seen("<b=\">1<b =\">2<b a==\">3<b a = '>'>4"), "1234");
    /* a "</" that ends the document is text */
    assert_string_equal(seen("1</"), "1</");
}

/* what html_seen_split reads apart, and checks that the page's reading
 * is html_seen's */
static const char *seen_hidden_too(const char *html)
{
    static char out[256];
    char page[256];
    uint32_t from[256], pfrom[256];
    html_seen_text p = {page, pfrom, 0}, a = {out, from, 0};

    html_seen_split(html, strlen(html), &p, &a);
    page[p.n] = '\0';
    assert_string_equal(page, seen(html));
    out[a.n] = '\0';
    return out;
}

static void raw_text_is_not_markup(void **state)
{
    (void)state;
    /* a name that goes on is a custom element's, not style's */
    assert_string_equal(seen("<style-box>800101<b></b>-1</style-box>"), "800101-1");
    /* noscript's content shows where scripts do not run */
    assert_string_equal(seen("<noscript>8</noscript>0"), "80");
    /* what shows apart, read apart: a title in the tab */
    assert_string_equal(seen_hidden_too("1<title>800101&#45;1</title>2<style>3</style>4"),
                        " 800101-1  3 ");
    assert_string_equal(seen_hidden_too("<b>1</b><textarea><title>2</textarea><script>3"),
                        " 3");
    assert_string_equal(seen_hidden_too("<p>none</p>"), "");
    /* hidden: title, style, script ... up to their end tag, whatever is in them */
    assert_string_equal(seen("800101<title>x</title>-1234567"), "800101-1234567");
    assert_string_equal(seen("<style><!--</style>800101<b></b>-1234567-->"),
                        "800101-1234567-->");
    assert_string_equal(seen("<SCRIPT>1</script >2<script>3"), "2");
    /* shown as written: textarea, xmp, plaintext */
    assert_string_equal(seen("<textarea><!--</textarea>1"), " <!-- 1");
    assert_string_equal(seen("<xmp><b>1</b></xmp>2"), " <b>1</b> 2");
    assert_string_equal(seen("<plaintext><b>1</plaintext>"), " <b>1</plaintext>");
}

static void each_character_knows_its_place(void **state)
{
    static const char html[] = "<b>8</b>&#45;9\xEF\xBC\x91&shy2";
    char out[32];
    uint32_t from[32];
    (void)state;

    assert_int_equal(html_seen(html, strlen(html), out, from), 5);
    assert_memory_equal(out, "8-912", 5);
    assert_int_equal(from[0], 3);
    assert_int_equal(from[1], 8);
    assert_int_equal(from[2], 13);
    assert_int_equal(from[3], 14);
    assert_int_equal(from[4], 21);
    /* and where its source ends */
    assert_int_equal(html_seen_end(html, strlen(html), 3), 4);
    assert_int_equal(html_seen_end(html, strlen(html), 8), 13);
    assert_int_equal(html_seen_end(html, strlen(html), 14), 17);
    assert_int_equal(html_seen_end(html, strlen(html), 17), 21);
    assert_int_equal(html_seen_end(html, strlen(html), 22), 22);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tags_go_and_blocks_part),
        cmocka_unit_test(references_are_decoded),
        cmocka_unit_test(references_end_as_browsers_end_them),
        cmocka_unit_test(invisible_characters_show_nothing),
        cmocka_unit_test(look_alikes_are_seen_as_what_they_show),
        cmocka_unit_test(comments_and_quotes_end_as_browsers_end_them),
        cmocka_unit_test(markup_ends_as_browsers_end_it),
        cmocka_unit_test(raw_text_is_not_markup),
        cmocka_unit_test(each_character_knows_its_place),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
