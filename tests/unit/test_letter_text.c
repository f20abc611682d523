/* Unit tests for letter_text.c: the stored HTML document as a letter's
 * text, and what a letter refuses to print. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(paragraphs_headings_and_lists_are_lines),
        cmocka_unit_test(a_bare_ampersand_is_text),
        cmocka_unit_test(table_cells_stay_apart),
        cmocka_unit_test(what_paper_cannot_show_is_refused_by_name),
        cmocka_unit_test(names_and_addresses_are_checked_where_they_come_in),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
