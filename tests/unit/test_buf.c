/* Unit tests for buf.c's escapers: every byte a JSON string must escape,
 * at every place in a string, comes back from jansson as it went in; HTML
 * escaping leaves no markup; a broken buffer stays broken. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "buf.h"

static char *json_of(const char *s)
{
    buf b;

    buf_init(&b, 0);
    buf_json_string(&b, s);
    return buf_take(&b, NULL);
}

/* Parses the literal back and checks it is s, byte for byte. */
static void assert_round_trip(const char *s)
{
    char *lit = json_of(s);
    json_error_t err;
    json_t *v;

    assert_non_null(lit);
    v = json_loads(lit, JSON_DECODE_ANY, &err);
    if (!v)
        fail_msg("%s: %s", lit, err.text);
    assert_true(json_is_string(v));
    assert_int_equal(json_string_length(v), strlen(s));
    assert_memory_equal(json_string_value(v), s, strlen(s));
    json_decref(v);
    free(lit);
}

/* s is written as exactly want, quotes included. */
static void assert_literal(const char *s, const char *want)
{
    char *lit = json_of(s);

    assert_non_null(lit);
    assert_string_equal(lit, want);
    free(lit);
}

static void plain_strings_are_quoted_as_they_are(void **state)
{
    (void)state;
    assert_literal("0193a1b2-c3d4-7000-8000-000000000001",
                   "\"0193a1b2-c3d4-7000-8000-000000000001\"");
    assert_literal("", "\"\"");
    assert_literal("2026년 자동차세", "\"2026년 자동차세\"");
}

static void specials_are_escaped(void **state)
{
    (void)state;
    assert_literal("a\"b\\c\nd\te\x01", "\"a\\\"b\\\\c\\nd\\u0009e\\u0001\"");
    assert_literal("\x7f/", "\"\x7f/\"");
}

/* Each ASCII byte from 1 to 127, alone, first, last and amid plain text. */
static void every_byte_round_trips_in_every_place(void **state)
{
    char s[8];
    (void)state;

    for (int c = 1; c < 0x80; c++) {
        snprintf(s, sizeof s, "%c", c);
        assert_round_trip(s);
        snprintf(s, sizeof s, "%cab", c);
        assert_round_trip(s);
        snprintf(s, sizeof s, "ab%c", c);
        assert_round_trip(s);
        snprintf(s, sizeof s, "a%c%cb", c, c);
        assert_round_trip(s);
    }
}

/* Evidence leaves are hashed, so every byte must come out exactly as the
 * rule has always written it: controls as \n or \u00XX, '"' and '\\'
 * backslashed, every other byte (UTF-8 included) as it is. */
static void every_byte_is_written_as_it_always_was(void **state)
{
    char s[4], want[16];
    (void)state;

    for (int c = 1; c < 0x100; c++) {
        snprintf(s, sizeof s, "a%cb", c);
        if (c == '"' || c == '\\')
            snprintf(want, sizeof want, "\"a\\%cb\"", c);
        else if (c == '\n')
            snprintf(want, sizeof want, "\"a\\nb\"");
        else if (c < 0x20)
            snprintf(want, sizeof want, "\"a\\u%04xb\"", c);
        else
            snprintf(want, sizeof want, "\"a%cb\"", c);
        assert_literal(s, want);
    }
}

/* Past the buffer's first 256 bytes without an escape: the one-copy path
 * has to grow the buffer. */
static void long_plain_strings_are_copied_whole(void **state)
{
    size_t n = 70000;
    char *s = malloc(n + 1), *lit;
    (void)state;

    assert_non_null(s);
    for (size_t i = 0; i < n; i++)
        s[i] = (char)('0' + i % 10);
    s[n] = '\0';
    lit = json_of(s);
    assert_non_null(lit);
    assert_int_equal(strlen(lit), n + 2);
    assert_int_equal(lit[0], '"');
    assert_memory_equal(lit + 1, s, n);
    assert_int_equal(lit[n + 1], '"');
    free(lit);
    free(s);
}

static void long_strings_keep_what_was_there(void **state)
{
    buf b;
    char *s = malloc(100001);
    char *lit;
    (void)state;

    assert_non_null(s);
    for (int i = 0; i < 100000; i++)
        s[i] = i % 1000 == 999 ? '"' : 'a' + i % 26;
    s[100000] = '\0';
    assert_round_trip(s);
    buf_init(&b, 0);
    buf_puts(&b, "[");
    buf_json_string(&b, s);
    buf_puts(&b, ",");
    buf_json_string(&b, "x");
    buf_puts(&b, "]");
    lit = buf_take(&b, NULL);
    assert_non_null(lit);
    assert_int_equal(strlen(lit), 1 + 2 + 100000 + 100 + 1 + 3 + 1);
    assert_string_equal(lit + strlen(lit) - 5, ",\"x\"]");
    free(lit);
    free(s);
}

static void html_leaves_no_markup(void **state)
{
    buf b;
    char *out;
    (void)state;

    buf_init(&b, 0);
    buf_html(&b, "<a href=\"x\">Tom & Jerry's</a>");
    buf_html(&b, "");
    buf_html(&b, "plain");
    buf_html(&b, "&");
    out = buf_take(&b, NULL);
    assert_string_equal(out, "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;plain&amp;");
    free(out);
}

static void a_broken_buffer_stays_broken(void **state)
{
    buf b;
    (void)state;

    buf_init(&b, 0);
    b.broken = 1;
    buf_json_string(&b, "abc");
    buf_json_string(&b, "a\"c");
    buf_html(&b, "<>");
    assert_int_equal(b.len, 0);
    assert_null(buf_take(&b, NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plain_strings_are_quoted_as_they_are),
        cmocka_unit_test(specials_are_escaped),
        cmocka_unit_test(every_byte_round_trips_in_every_place),
        cmocka_unit_test(every_byte_is_written_as_it_always_was),
        cmocka_unit_test(long_plain_strings_are_copied_whole),
        cmocka_unit_test(long_strings_keep_what_was_there),
        cmocka_unit_test(html_leaves_no_markup),
        cmocka_unit_test(a_broken_buffer_stays_broken),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
