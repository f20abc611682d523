/* Unit tests for config.c: ini files as herald reads them (inih, plus
 * the file's size, a line cut by inih's buffer, continued values). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "config.h"

/* config_read of text; 0 or -1 with err. */
static int read_text(config *cfg, const char *text, char *err, size_t errlen)
{
    FILE *f = fmemopen((void *)text, strlen(text), "r");
    int rc;

    assert_non_null(f);
    rc = config_read(cfg, f, "t.ini", err, errlen);
    fclose(f);
    return rc;
}

static void entries_and_their_lines(void **state)
{
    config cfg;
    char err[256];
    (void)state;

    assert_int_equal(read_text(&cfg, "; a comment\n[hub]\nurl = http://a\n\n[agency nts]\n"
                                     "key = v1\nkey = v2\n", err, sizeof err), 0);
    assert_string_equal(config_get(&cfg, "hub", "url"), "http://a");
    assert_string_equal(config_get(&cfg, "agency nts", "key"), "v2"); /* the last one */
    assert_int_equal(config_line(&cfg, "hub", "url"), 3);
    assert_null(config_get(&cfg, "hub", "nope"));
    config_free(&cfg);
    assert_int_equal(read_text(&cfg, "[hub]\nnot an entry\n", err, sizeof err), -1);
    assert_string_equal(err, "t.ini:2: not a 'key = value' line or '[section]', or too many "
                             "entries");
}

/* A line longer than inih's buffer is an error whatever its rest looks
 * like: a rest that reads as an entry ("tel: 126") would otherwise leave
 * the value cut short, silently. */
static void a_long_line_is_refused(void **state)
{
    config cfg;
    char text[512], err[256];
    (void)state;

    snprintf(text, sizeof text, "[agency]\ncontact = %0*d tel: 126\nname = x\n", 195, 0);
    assert_int_equal(read_text(&cfg, text, err, sizeof err), -1);
    assert_string_equal(err, "t.ini:2: longer than 199 characters");
    snprintf(text, sizeof text, "[agency]\ncontact = %0*d\n", 300, 0);
    assert_int_equal(read_text(&cfg, text, err, sizeof err), -1);
    assert_string_equal(err, "t.ini:2: longer than 199 characters");
    /* 199 characters and its newline fit */
    snprintf(text, sizeof text, "[a]\nk = %0*d\n", 195, 0);
    assert_int_equal(read_text(&cfg, text, err, sizeof err), 0);
    assert_int_equal(strlen(config_get(&cfg, "a", "k")), 195);
    config_free(&cfg);
}

/* An indented line continues the entry above it: its text is joined to
 * the value after a newline, not put in the value's place. */
static void an_indented_line_continues_the_value(void **state)
{
    config cfg;
    char err[256];
    (void)state;

    assert_int_equal(read_text(&cfg, "[agency]\ncontact = 국세청 126\n  평일 09-18\n"
                                     "\tNTS call centre\nname = nts\n", err, sizeof err), 0);
    assert_string_equal(config_get(&cfg, "agency", "contact"),
                        "국세청 126\n평일 09-18\nNTS call centre");
    assert_string_equal(config_get(&cfg, "agency", "name"), "nts");
    config_free(&cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(entries_and_their_lines),
        cmocka_unit_test(a_long_line_is_refused),
        cmocka_unit_test(an_indented_line_continues_the_value),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
