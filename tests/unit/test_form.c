/* Unit tests for form.c: urlencoded parsing, its limits, and UTF-8
 * validation. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "form.h"
#include "utf8.h"

static int parses(const char *body)
{
    form f;
    const char *why;
    int r = form_parse(&f, body, strlen(body), &why);

    if (r == 0)
        form_free(&f);
    else
        assert_non_null(why);
    return r == 0;
}

static void decodes_fields(void **state)
{
    const char *body = "phone=010-1234-5678&pin=1234&name=%ED%99%8D+%EA%B8%B8%EB%8F%99&consent=on&empty=";
    form f;
    const char *why;
    (void)state;

    assert_int_equal(form_parse(&f, body, strlen(body), &why), 0);
    assert_int_equal(f.count, 5);
    assert_string_equal(form_get(&f, "phone"), "010-1234-5678");
    assert_string_equal(form_get(&f, "pin"), "1234");
    assert_string_equal(form_get(&f, "name"), "홍 길동");
    assert_string_equal(form_get(&f, "consent"), "on");
    assert_string_equal(form_get(&f, "empty"), "");
    assert_null(form_get(&f, "rrn"));
    form_free(&f);
    assert_int_equal(f.count, 0);
}

static void accepts_empty_and_stray_ampersands(void **state)
{
    (void)state;
    assert_true(parses(""));
    assert_true(parses("a=1&&b=2&"));
    assert_true(parses("flag"));
}

static void rejects_bad_input(void **state)
{
    char big[FORM_MAX_VALUE + 10];
    (void)state;

    assert_false(parses("a=%4"));          /* truncated escape */
    assert_false(parses("a=%zz"));         /* not hex */
    assert_false(parses("a=%00"));         /* NUL */
    assert_false(parses("a=%C3%28"));      /* bad UTF-8 */
    assert_false(parses("a=%C0%AF"));      /* overlong */
    assert_false(parses("a=%ED%A0%80"));   /* surrogate */
    assert_false(parses("a=1&a=2"));       /* repeated */
    assert_false(parses("=1"));            /* empty name */
    assert_false(parses("a%20b=1"));       /* odd name */
    assert_false(parses("a=1&b=2&c=3&d=4&e=5&f=6&g=7&h=8&i=9&j=10&k=11&l=12&m=13&n=14&o=15&p=16&q=17"));
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    big[0] = 'v', big[1] = '=';
    assert_false(parses(big));
}

static void utf8_rules(void **state)
{
    (void)state;
    assert_true(utf8_valid("abc", 3));
    assert_true(utf8_valid("\xea\xb8\xb8", 3));
    assert_true(utf8_valid("\xf0\x9f\x98\x80", 4));
    assert_false(utf8_valid("\xea\xb8", 2));
    assert_false(utf8_valid("\xf4\x90\x80\x80", 4)); /* past U+10FFFF */
    assert_false(utf8_valid("\xff", 1));
    assert_false(utf8_valid("\x80", 1));
}

static void text_fields(void **state)
{
    char name[70];
    (void)state;

    assert_true(form_text_ok("홍길동", 64));
    assert_false(form_text_ok("", 64));
    assert_false(form_text_ok("a\nb", 64));
    memset(name, 'a', 65);
    name[65] = '\0';
    assert_false(form_text_ok(name, 64));
    name[64] = '\0';
    assert_true(form_text_ok(name, 64));
}

/* form_parse_max: a long value passes only under a larger limit. */
static void larger_values_on_request(void **state)
{
    char *body = malloc(20000);
    form f;
    const char *why;
    (void)state;

    strcpy(body, "certificate=");
    memset(body + 12, 'a', 15000);
    body[15012] = '\0';
    assert_int_equal(form_parse(&f, body, strlen(body), &why), -1);
    assert_int_equal(form_parse_max(&f, body, strlen(body), 16000, &why), 0);
    assert_int_equal(strlen(form_get(&f, "certificate")), 15000);
    form_free(&f);
    assert_int_equal(form_parse_max(&f, body, strlen(body), 14999, &why), -1);
    assert_string_equal(why, "form field too long");
    free(body);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(decodes_fields),
        cmocka_unit_test(larger_values_on_request),
        cmocka_unit_test(accepts_empty_and_stray_ampersands),
        cmocka_unit_test(rejects_bad_input),
        cmocka_unit_test(utf8_rules),
        cmocka_unit_test(text_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
