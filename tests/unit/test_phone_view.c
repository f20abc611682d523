/* Unit tests for phone_texts.c and phone_view.c's text rendering: the
 * demo's phone view reads another process's /stats and shows its texts
 * as HTML, so numbers in any spelling must find their phone, malformed
 * answers must be skipped, and a text must never become markup, while
 * its links become links. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"
#include "phone_texts.h"
#include "phone_view.h"

static void numbers_in_any_spelling_find_the_phone(void **state)
{
    char out[14];
    (void)state;

    assert_int_equal(phone_texts_number("01012345678", out), 0);
    assert_string_equal(out, "010-1234-5678");
    assert_int_equal(phone_texts_number("010-1234-5678", out), 0);
    assert_string_equal(out, "010-1234-5678");
    assert_int_equal(phone_texts_number("+821012345678", out), 0);
    assert_string_equal(out, "010-1234-5678");
    assert_int_equal(phone_texts_number("82 10 1234 5678", out), 0);
    assert_string_equal(out, "010-1234-5678");
    assert_int_equal(phone_texts_number("0101234567", out), -1);   /* a digit short */
    assert_int_equal(phone_texts_number("010123456789", out), -1); /* a digit over */
    assert_int_equal(phone_texts_number("01112345678", out), -1);  /* not 010 */
    assert_int_equal(phone_texts_number("0101234567x", out), -1);
    assert_int_equal(phone_texts_number("", out), -1);
    assert_int_equal(phone_texts_number("0101234567801012345678010123456780", out), -1);
}

static void collect(void *ctx, const char *text)
{
    buf *b = ctx;
    buf_puts(b, text);
    buf_puts(b, "|");
}

static void texts_are_found_and_bad_entries_skipped(void **state)
{
    json_error_t jerr;
    json_t *stats = json_loads(
        "{\"submits\":9,\"destinations\":{"
        "\"01012345678\":{\"texts\":[\"one\",\"two\",7,null,\"three\"]},"
        "\"+821012345678\":{\"texts\":[\"four\"]},"
        "\"01099998888\":{\"texts\":[\"other\"]},"
        "\"bogus\":{\"texts\":[\"x\"]},"
        "\"01011112222\":{\"texts\":\"not an array\"},"
        "\"01033334444\":{\"texts\":[\"nul\\u0000inside\"]}}}",
        JSON_ALLOW_NUL, &jerr);
    buf b;
    (void)state;

    assert_non_null(stats);
    buf_init(&b, 64);
    assert_int_equal(phone_texts_each(stats, "010-1234-5678", collect, &b), 4);
    assert_string_equal(b.data, "one|two|three|four|");
    b.len = 0;
    b.data[0] = '\0';
    assert_int_equal(phone_texts_each(stats, "010-1111-2222", collect, &b), 0);
    assert_int_equal(phone_texts_each(stats, "010-3333-4444", collect, &b), 0);
    assert_int_equal(phone_texts_each(NULL, "010-1234-5678", collect, &b), 0);
    buf_free(&b);
    json_decref(stats);
}

static void count_each(void *ctx, const char *phone, int texts)
{
    int *n = ctx;
    if (!strcmp(phone, "010-1234-5678"))
        n[0] += texts;
    else
        n[1] += texts;
}

static void counts_name_each_demo_number(void **state)
{
    json_error_t jerr;
    json_t *stats = json_loads("{\"destinations\":{\"01012345678\":{\"texts\":[\"a\",\"b\"]},"
                               "\"821012345678\":{\"texts\":[\"c\"]},"
                               "\"x\":{\"texts\":[\"d\"]},\"01055556666\":{}}}",
                               0, &jerr);
    int n[2] = {0, 0};
    (void)state;

    phone_texts_counts(stats, count_each, n);
    assert_int_equal(n[0], 3);
    assert_int_equal(n[1], 0);
    json_decref(stats);
    /* The gateway's answer names them phones. */
    stats = json_loads("{\"phones\":{\"01012345678\":{\"texts\":[\"a\"]}}}", 0, &jerr);
    n[0] = 0;
    phone_texts_counts(stats, count_each, n);
    assert_int_equal(n[0], 1);
    json_decref(stats);
}

static void a_phone_holds_at_most_the_limit(void **state)
{
    json_t *texts = json_array(), *stats;
    buf b;
    (void)state;

    for (int i = 0; i < PHONE_TEXTS_MAX + 5; i++)
        json_array_append_new(texts, json_string("t"));
    stats = json_pack("{s{s{so}}}", "destinations", "01012345678", "texts", texts);
    buf_init(&b, 64);
    assert_int_equal(phone_texts_each(stats, "010-1234-5678", collect, &b), PHONE_TEXTS_MAX);
    buf_free(&b);
    json_decref(stats);
}

static char *html_of(const char *text)
{
    buf b;
    size_t len;

    buf_init(&b, 64);
    phone_view_text_html(&b, text);
    return buf_take(&b, &len);
}

static void links_become_links_and_nothing_else_markup(void **state)
{
    char *h;
    (void)state;

    h = html_of("[carrier] 새 고지: 세금 (nts). http://127.0.0.1:8080 에서 확인하세요.");
    assert_string_equal(h, "[carrier] 새 고지: 세금 (nts). <a href=\"http://127.0.0.1:8080\">"
                           "http://127.0.0.1:8080</a> 에서 확인하세요.");
    free(h);
    /* A sentence's full stop and a closing bracket stay outside. */
    h = html_of("Read it at https://x.example/n/7Q2X9. (see http://a.b/c)");
    assert_string_equal(h, "Read it at <a href=\"https://x.example/n/7Q2X9\">"
                           "https://x.example/n/7Q2X9</a>. (see <a href=\"http://a.b/c\">"
                           "http://a.b/c</a>)");
    free(h);
    /* Markup in a text is shown, not run; a quote ends an address. */
    h = html_of("<script>alert(1)</script> http://a.b/\"onmouseover=x&y");
    assert_string_equal(h, "&lt;script&gt;alert(1)&lt;/script&gt; <a href=\"http://a.b/\">"
                           "http://a.b/</a>&quot;onmouseover=x&amp;y");
    free(h);
    /* Korean right after an address ends it. */
    h = html_of("http://127.0.0.1:1/에서");
    assert_string_equal(h, "<a href=\"http://127.0.0.1:1/\">http://127.0.0.1:1/</a>에서");
    free(h);
    /* Only http and https: javascript: and the like stay text. */
    h = html_of("javascript:alert(1) ftp://x");
    assert_string_equal(h, "javascript:alert(1) ftp://x");
    free(h);
    h = html_of("http:// alone");
    assert_string_equal(h, "http:// alone");
    free(h);
    h = html_of("");
    assert_string_equal(h, "");
    free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(numbers_in_any_spelling_find_the_phone),
        cmocka_unit_test(texts_are_found_and_bad_entries_skipped),
        cmocka_unit_test(counts_name_each_demo_number),
        cmocka_unit_test(a_phone_holds_at_most_the_limit),
        cmocka_unit_test(links_become_links_and_nothing_else_markup),
    };
    return cmocka_run_group_tests_name("phone_view", tests, NULL, NULL);
}
