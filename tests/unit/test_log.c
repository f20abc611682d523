/* Unit tests for log.c: a line carries what it was given, Korean
 * included, but no control character and no byte that is not UTF-8,
 * whatever a peer sent. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "log.h"

/* The message part of the one line log_warn writes for text. */
static void logged(const char *text, char *out, size_t cap)
{
    FILE *f = tmpfile();
    int saved = dup(2);
    size_t n;
    char line[2048], *msg;

    assert_non_null(f);
    fflush(stderr);
    assert_true(dup2(fileno(f), 2) >= 0);
    log_warn("peer said \"%s\"", text);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    rewind(f);
    n = fread(line, 1, sizeof line - 1, f);
    fclose(f);
    line[n] = '\0';
    msg = strstr(line, "warning: ");
    assert_non_null(msg);
    snprintf(out, cap, "%s", msg + strlen("warning: "));
}

static void text_and_korean_pass_as_they_are(void **state)
{
    char out[256];
    (void)state;

    logged("SMSC-1 \xea\xb8\xb8\xeb\x8f\x99 \xf0\x9f\x98\x80", out, sizeof out);
    assert_string_equal(out, "peer said \"SMSC-1 \xea\xb8\xb8\xeb\x8f\x99 \xf0\x9f\x98\x80\"\n");
}

static void control_characters_and_stray_bytes_become_marks(void **state)
{
    char out[256];
    (void)state;

    /* a forged second line, a lone continuation byte, a Latin-1 byte, an
     * overlong slash, a surrogate, and a character cut at the end */
    logged("a\nherald info: forged\x7f|\x80|\xe9t\xe9|\xc0\xaf|\xed\xa0\x80|\xea\xb8", out,
           sizeof out);
    assert_string_equal(out, "peer said \"a?herald info: forged?|?|?t?|??|???|??\"\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(text_and_korean_pass_as_they_are),
        cmocka_unit_test(control_characters_and_stray_bytes_become_marks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
