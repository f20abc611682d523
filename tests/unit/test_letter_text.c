/* Unit tests for letter_text.c: the stored HTML document as a letter's
 * text, and what a letter refuses to print. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "letter_text.h"

static int convert(const char *html, buf *out, char *err)
{
    buf_init(out, 64);
    return letter_text_from_html(html, strlen(html), out, err, 128);
}

static void paragraphs_headings_and_lists_are_lines(void **state)
{
    buf b;
    char err[128];
    (void)state;

    assert_int_equal(convert("<!doctype html><html><head><title>T</title><style>p{}</style>"
                             "</head><body><h1>고지 / Notice</h1><p>홍길동 님,\n  안녕하세요</p>"
                             "<ul><li>a &amp; b</li><li>&#54620;&#x00E9;&lt;</li></ul>"
                             "<!-- note --><p>x<br>y</p><script>no()</script></body></html>",
                             &b, err), 0);
    assert_string_equal(b.data, "고지 / Notice\n\n홍길동 님, 안녕하세요\n\n• a & b\n• 한é<\n\nx\ny");
    buf_free(&b);
}

static void a_bare_ampersand_is_text(void **state)
{
    buf b;
    char err[128];
    (void)state;

    assert_int_equal(convert("<p>Tom & Jerry; R&D</p>", &b, err), 0);
    assert_string_equal(b.data, "Tom & Jerry; R&D");
    buf_free(&b);
}

/* Comments end where a browser ends them, as the page's check reads them */
static void comments_end_as_browsers_end_them(void **state)
{
    buf b;
    char err[128];
    (void)state;

    assert_int_equal(convert("<p>800101<!-->x<!---->-1<!--->y<!--a--!>z<?php w>v</p>", &b, err), 0);
    assert_string_equal(b.data, "800101x-1yzv");
    buf_free(&b);
}

static void table_cells_stay_apart(void **state)
{
    buf b;
    char err[128];
    (void)state;

    assert_int_equal(convert("<table><caption>납부 내역</caption><tr><th>기</th><th>금액</th></tr>"
                             "<tr><td>3</td><td>125,000</td></tr><tr><td> 4 </td>\n<td>9</td></tr>"
                             "</table><p>끝</p>", &b, err), 0);
    assert_string_equal(b.data, "납부 내역\n기 | 금액\n3 | 125,000\n4 | 9\n\n끝");
    buf_free(&b);
    /* a blank first cell keeps its place */
    assert_int_equal(convert("<table><tr><td></td><td>125,000</td></tr><tr><td>&nbsp;</td>"
                             "<td>7</td><td></td><td>8</td></tr></table>", &b, err), 0);
    assert_string_equal(b.data, "| 125,000\n| 7 | | 8");
    buf_free(&b);
}

/* "Pay by step 2" must find a 2 on paper: an <ol>'s items keep their
 * numbers (from its start), nested lists are indented. */
static void ordered_lists_keep_their_numbers(void **state)
{
    buf b;
    char err[128];
    (void)state;

    assert_int_equal(convert("<ol><li>Log in</li><li>Pay<ul><li>card</li><li>transfer</li></ul>"
                             "</li><li>Keep the receipt</li></ol>"
                             "<ol start=\"7\"><li>seven</li><li>eight</li></ol>"
                             "<ol start=x><li>one</li></ol><li>loose</li>",
                             &b, err), 0);
    assert_string_equal(b.data, "1. Log in\n2. Pay\n  • card\n  • transfer\n3. Keep the receipt\n"
                                "7. seven\n8. eight\n1. one\n• loose");
    buf_free(&b);
    /* nested past the depth kept: bullets, indented no further */
    char deep[512] = "";
    for (int i = 0; i < 20; i++)
        strcat(deep, "<ol>");
    strcat(deep, "<li>x");
    assert_int_equal(convert(deep, &b, err), 0);
    assert_string_equal(b.data, "              • x");
    buf_free(&b);
}

/* A link's target is what paper cannot click: printed after its text,
 * unless the text is the address already; a page of the same site or a
 * script prints its text alone. */
static void links_print_their_targets(void **state)
{
    buf b;
    char err[128];
    char big[2200 + 64];
    (void)state;

    assert_int_equal(convert("<p>Pay at <a href=\"https://pay.example.kr/x?a=1&amp;b=2\">the portal</a>,"
                             " or <a class=c href='mailto:help@example.kr'>write</a>"
                             " or call <a href=tel:1588-0000>1588-0000</a>. See "
                             "<a href=\"https://www.example.kr\">www.example.kr</a>, "
                             "<a href=\"/faq\">our FAQ</a> and <a>nothing</a>.</p>"
                             "<p><a title=\"a > b\" href=\"http://x.kr/\">x</a></p>",
                             &b, err), 0);
    assert_string_equal(b.data, "Pay at the portal (https://pay.example.kr/x?a=1&b=2), or write "
                                "(help@example.kr) or call 1588-0000. See www.example.kr, our "
                                "FAQ and nothing.\n\nx (http://x.kr/)");
    buf_free(&b);
    /* spaces and line breaks around '=' and the target; a target broken
     * over lines prints its text alone; an apostrophe outside a quoted
     * value is text, not the start of one */
    assert_int_equal(convert("<p title=Owner's><a href\n= \" https://x.kr/a \">x</a>"
                             " <a href=\"https://x.kr/&#10;b\">y</a></p><p>it's</p>", &b, err), 0);
    assert_string_equal(b.data, "x (https://x.kr/a) y\n\nit's");
    buf_free(&b);
    /* a link whose text the line's end trimmed away before it began */
    assert_int_equal(convert("&nbsp;<a href=\"https://x.kr\"><br></a>z", &b, err), 0);
    assert_string_equal(b.data, "(https://x.kr)z");
    buf_free(&b);
    snprintf(big, sizeof big, "<a href=\"https://x.kr/%02200d\">x</a>", 0);
    assert_int_equal(convert(big, &b, err), -1);
    assert_string_equal(err, "a link's target over 2048 bytes cannot be printed");
    buf_free(&b);
}

static void what_paper_cannot_show_is_refused_by_name(void **state)
{
    buf b;
    char err[128];
    (void)state;

    assert_int_equal(convert("<p>a</p><IMG src=x>", &b, err), -1);
    assert_string_equal(err, "element <img> cannot be printed on a letter");
    assert_int_equal(b.len, 0);
    buf_free(&b);
    assert_int_equal(convert("<p>&bogus;</p>", &b, err), -1);
    assert_string_equal(err, "entity &bogus; cannot be printed");
    buf_free(&b);
    assert_int_equal(convert("<p>&#0;</p>", &b, err), -1);
    buf_free(&b);
    assert_int_equal(convert("<p>a</p><p", &b, err), -1);
    assert_string_equal(err, "a tag is never closed");
    buf_free(&b);
    assert_int_equal(convert("<p>\xff</p>", &b, err), -1);
    assert_string_equal(err, "invalid UTF-8");
    buf_free(&b);
}

/* "<" opens a tag only before a letter (or '/' and a letter), as in a
 * browser: what the page shows is not dropped from the letter. */
static void a_less_than_sign_before_no_letter_is_text(void **state)
{
    buf b;
    char err[128];
    (void)state;

    assert_int_equal(convert("<p>금리 <3% 이하, 1 < 2 <= 3</p><p>다음</p>", &b, err), 0);
    assert_string_equal(b.data, "금리 <3% 이하, 1 < 2 <= 3\n\n다음");
    buf_free(&b);
    /* "</1...>" is a bogus comment; "</" at the end is text */
    assert_int_equal(convert("<p>a</1 b>c</p>x</", &b, err), 0);
    assert_string_equal(b.data, "ac\n\nx</");
    buf_free(&b);
}

static void entities_templates_use_are_printed(void **state)
{
    buf b;
    char err[128];
    (void)state;

    assert_int_equal(convert("<p>2026&ndash;2027 &mdash; &ldquo;납부&rdquo; &rarr; 은행&hellip;"
                             " 10&times;2 &le; 30&deg; &euro;5 &bull; a&shy;b</p>", &b, err), 0);
    assert_string_equal(b.data, "2026\xE2\x80\x93" "2027 \xE2\x80\x94 \xE2\x80\x9C납부\xE2\x80\x9D"
                                " \xE2\x86\x92 은행\xE2\x80\xA6 10\xC3\x97" "2 \xE2\x89\xA4 30\xC2\xB0"
                                " \xE2\x82\xAC" "5 \xE2\x80\xA2 ab");
    buf_free(&b);
}

/* A <pre>'s lines and spaces are kept: a table drawn in text stays one. */
static void preformatted_text_keeps_its_lines(void **state)
{
    buf b;
    char err[128];
    (void)state;

    assert_int_equal(convert("<p>표</p><pre>\n항목    금액\n세금  1,000\n</pre><p>끝  말</p>", &b, err),
                     0);
    assert_string_equal(b.data, "표\n\n항목    금액\n세금  1,000\n\n끝 말");
    buf_free(&b);
    /* with no break after its tag, its first line starts at once */
    assert_int_equal(convert("<pre>a  b\nc</pre>", &b, err), 0);
    assert_string_equal(b.data, "a  b\nc");
    buf_free(&b);
}

static void names_and_addresses_are_checked_where_they_come_in(void **state)
{
    (void)state;
    assert_null(letter_field_problem("서울특별시 종로구\n세종대로 209", 42));
    assert_null(letter_field_problem("홍길동", 9));
    assert_string_equal(letter_field_problem("a\r\nb", 4),
                        "must not hold control characters (a line break is \\n alone)");
    assert_non_null(letter_field_problem("a\x7f", 2));
    assert_non_null(letter_field_problem("a\0b", 3)); /* the length counts, not the NUL */
    assert_string_equal(letter_field_problem(" \t\n ", 4), "must not be blank");
    assert_string_equal(letter_field_problem("", 0), "must not be blank");
    assert_string_equal(letter_field_problem("a\xc3", 2), "must be valid UTF-8");
    assert_non_null(letter_field_problem("a\x01" "b", 3));
}

/* Korean data pads with ideographic spaces; a zero-width space, a no-break
 * space, a Hangul filler show as little: a name or address of nothing else
 * prints an empty window. */
static void invisible_names_and_addresses_are_blank(void **state)
{
    static const char *const blank[] = {
        "\u3000\u3000",             /* ideographic spaces */
        "\u00a0\u200b",             /* no-break and zero-width spaces */
        "\ufeff\u00ad \u2060",      /* BOM, soft hyphen, word joiner */
        "\u2028\u2029\u205f\u202f", /* separators, narrow spaces */
        "\u3164",                   /* Hangul filler */
        "\u200d\u200c\t\n",         /* joiners */
    };
    (void)state;

    for (size_t i = 0; i < sizeof blank / sizeof blank[0]; i++) {
        const char *why = letter_field_problem(blank[i], strlen(blank[i]));
        assert_non_null(why);
        assert_string_equal(why, "must not be blank");
    }
    /* padded, they still hold a name */
    assert_null(letter_field_problem("\u3000홍길동\u3000", strlen("\u3000홍길동\u3000")));
    assert_null(letter_field_problem("\u200bA", strlen("\u200bA")));
}

/* "\u202e" + the reversed digits of an RRN + "\u202c" holds no RRN to a
 * check of its bytes, yet pango draws the RRN: refused, naming the
 * character, in names, addresses and values, and in a document. */
static void direction_controls_are_refused(void **state)
{
    static const char *const controls[] = {"\u061c", "\u200e", "\u200f", "\u202a", "\u202b",
                                           "\u202c", "\u202d", "\u202e", "\u2066", "\u2067",
                                           "\u2068", "\u2069"};
    static const char why[] = "holds a direction control character (U+202E), which can change "
                              "what is printed";
    char s[64], err[160];
    const char *p;
    buf b;
    (void)state;

    snprintf(s, sizeof s, "\u202e%s\u202c", "4313521-706026");
    assert_non_null(p = letter_field_problem(s, strlen(s)));
    assert_string_equal(p, why);
    assert_non_null(p = letter_value_problem(s, strlen(s)));
    assert_string_equal(p, why);
    for (size_t i = 0; i < sizeof controls / sizeof controls[0]; i++) {
        snprintf(s, sizeof s, "서울 %s종로구", controls[i]);
        assert_non_null(p = letter_field_problem(s, strlen(s)));
        assert_non_null(strstr(p, "direction control"));
        assert_non_null(p = letter_value_problem(s, strlen(s)));
        assert_non_null(strstr(p, "direction control"));
    }
    /* what is no direction control passes as a value, blank or not */
    assert_null(letter_value_problem("", 0));
    assert_null(letter_value_problem("125,000 \u200b원\r\n", strlen("125,000 \u200b원\r\n")));
    /* a stored document holding one, raw or as an entity, is not printed */
    assert_int_equal(convert("<p>주소 \u202e4313521-706026\u202c</p>", &b, err), -1);
    assert_string_equal(err, "the text holds a direction control character (U+202E), which can "
                             "change what is printed");
    buf_free(&b);
    assert_int_equal(convert("<p>&#x2067;a</p>", &b, err), -1);
    assert_non_null(strstr(err, "U+2067"));
    buf_free(&b);
    /* &lrm; and &rlm; print as nothing, as before */
    assert_int_equal(convert("<p>a&lrm;b&rlm;</p>", &b, err), 0);
    assert_string_equal(b.data, "ab");
    buf_free(&b);
}

/* U+0080-U+009F are control characters as C0's are: U+0085 (NEL) breaks
 * a printed line. (A universal character name cannot write them in C.) */
static void c1_controls_are_refused(void **state)
{
    const char *p;
    (void)state;

    assert_non_null(p = letter_field_problem("서울\xc2\x85" "종로구", strlen("서울\xc2\x85" "종로구")));
    assert_string_equal(p, "must not hold control characters (a line break is \\n alone)");
    assert_non_null(letter_field_problem("a\xc2\x80", strlen("a\xc2\x80")));
    assert_non_null(letter_field_problem("\xc2\x9f" "a", strlen("\xc2\x9f" "a")));
    assert_non_null(letter_value_problem("1\xc2\x85" "2", strlen("1\xc2\x85" "2")));
    /* U+00A0 and above are not */
    assert_null(letter_field_problem("a\u00a0b\u00e9", strlen("a\u00a0b\u00e9")));
    assert_null(letter_value_problem("a\u00a0b", strlen("a\u00a0b")));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(paragraphs_headings_and_lists_are_lines),
        cmocka_unit_test(a_bare_ampersand_is_text),
        cmocka_unit_test(comments_end_as_browsers_end_them),
        cmocka_unit_test(table_cells_stay_apart),
        cmocka_unit_test(ordered_lists_keep_their_numbers),
        cmocka_unit_test(links_print_their_targets),
        cmocka_unit_test(what_paper_cannot_show_is_refused_by_name),
        cmocka_unit_test(a_less_than_sign_before_no_letter_is_text),
        cmocka_unit_test(entities_templates_use_are_printed),
        cmocka_unit_test(preformatted_text_keeps_its_lines),
        cmocka_unit_test(names_and_addresses_are_checked_where_they_come_in),
        cmocka_unit_test(invisible_names_and_addresses_are_blank),
        cmocka_unit_test(direction_controls_are_refused),
        cmocka_unit_test(c1_controls_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
