/* Unit tests for multipart.c: a browser's upload form parsed, and the
 * limits and malformed bodies refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "multipart.h"

#define B "----WebKitFormBoundaryAbC123"

static const char body[] =
    "--" B "\r\n"
    "Content-Disposition: form-data; name=\"csrf\"\r\n\r\n"
    "tok\r\n"
    "--" B "\r\n"
    "Content-Disposition: form-data; name=\"csv\"; filename=\"r.csv\"\r\n"
    "Content-Type: text/csv\r\n\r\n"
    "a,b\r\n1,2\r\n"
    "--" B "--\r\n";

static void a_browser_form_is_read(void **state)
{
    char boundary[MULTIPART_BOUNDARY_MAX + 1];
    const multipart_part *p;
    const char *why = NULL;
    multipart m;
    (void)state;

    assert_int_equal(multipart_boundary("multipart/form-data; boundary=" B, boundary), 0);
    assert_string_equal(boundary, B);
    assert_int_equal(multipart_parse(&m, body, sizeof body - 1, boundary, &why), 0);
    assert_int_equal(m.count, 2);
    p = multipart_get(&m, "csrf");
    assert_non_null(p);
    assert_int_equal(p->len, 3);
    assert_memory_equal(p->data, "tok", 3);
    p = multipart_get(&m, "csv");
    assert_non_null(p);
    assert_string_equal(p->filename, "r.csv");
    assert_int_equal(p->len, strlen("a,b\r\n1,2"));
    assert_null(multipart_get(&m, "other"));
}

static void boundaries_are_checked(void **state)
{
    char b[MULTIPART_BOUNDARY_MAX + 1];
    char long_one[120];
    (void)state;

    assert_int_equal(multipart_boundary("multipart/form-data; boundary=\"a b\"", b), 0);
    assert_string_equal(b, "a b");
    assert_int_equal(multipart_boundary("text/csv", b), -1);
    assert_int_equal(multipart_boundary("multipart/form-data", b), -1);
    assert_int_equal(multipart_boundary("multipart/form-data; boundary=", b), -1);
    assert_int_equal(multipart_boundary("multipart/form-data; boundary=a\x01", b), -1);
    strcpy(long_one, "multipart/form-data; boundary=");
    memset(long_one + strlen(long_one), 'x', 71);
    long_one[30 + 71] = '\0';
    assert_int_equal(multipart_boundary(long_one, b), -1);
}

static void bad_bodies_are_refused(void **state)
{
    const char *why = NULL;
    multipart m;
    (void)state;

    /* cut before the closing delimiter */
    assert_int_equal(multipart_parse(&m, body, sizeof body - 20, B, &why), -1);
    assert_non_null(why);
    assert_int_equal(multipart_parse(&m, "garbage", 7, B, &why), -1);
    const char no_name[] = "--X\r\nContent-Disposition: form-data\r\n\r\nv\r\n--X--";
    assert_int_equal(multipart_parse(&m, no_name, sizeof no_name - 1, "X", &why), -1);
    const char no_disp[] = "--X\r\nContent-Type: text/plain\r\n\r\nv\r\n--X--";
    assert_int_equal(multipart_parse(&m, no_disp, sizeof no_disp - 1, "X", &why), -1);
    const char empty[] = "--X--";
    assert_int_equal(multipart_parse(&m, empty, sizeof empty - 1, "X", &why), -1);
}

static void too_many_parts_are_refused(void **state)
{
    char big[4096] = "";
    const char *why = NULL;
    multipart m;
    (void)state;

    for (int i = 0; i < MULTIPART_MAX_PARTS + 1; i++)
        strcat(big, "--X\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nv\r\n");
    strcat(big, "--X--");
    assert_int_equal(multipart_parse(&m, big, strlen(big), "X", &why), -1);
    assert_string_equal(why, "too many parts");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_browser_form_is_read),
        cmocka_unit_test(boundaries_are_checked),
        cmocka_unit_test(bad_bodies_are_refused),
        cmocka_unit_test(too_many_parts_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
