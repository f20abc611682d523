/* test_batch.c -- a batch's "common" object: accepted only with
 * the fields its endpoint lets items share, and an item's own field wins
 * over it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "batch.h"

static const char *const shared[] = {"title", "deadline", NULL};

static json_t *parse(const char *text)
{
    json_error_t e;
    json_t *j = json_loads(text, 0, &e);

    assert_non_null(j);
    return j;
}

/* batch_read_common on text: its return, *common set or not, and err. */
static int common_of(const char *text, int *has, char *err, size_t errlen)
{
    json_t *root = parse(text), *common = (json_t *)1;
    int rc;

    err[0] = '\0';
    rc = batch_read_common(root, shared, &common, err, errlen);
    *has = common != NULL;
    json_decref(root);
    return rc;
}

static void absent_is_fine(void **state)
{
    char err[160];
    int has;

    (void)state;
    assert_int_equal(common_of("{\"notices\":[]}", &has, err, sizeof err), 0);
    assert_false(has);
    assert_string_equal(err, "");
}

static void shareable_fields_accepted(void **state)
{
    char err[160];
    int has;

    (void)state;
    assert_int_equal(common_of("{\"common\":{\"title\":\"t\",\"deadline\":\"2026-12-31\"}}",
                               &has, err, sizeof err), 0);
    assert_true(has);
    assert_int_equal(common_of("{\"common\":{}}", &has, err, sizeof err), 0);
    assert_true(has);
}

static void others_refused_naming_the_allowed(void **state)
{
    char err[160];
    int has;

    (void)state;
    assert_int_equal(common_of("{\"common\":{\"title\":\"t\",\"ci\":\"x\"}}", &has, err,
                               sizeof err), -1);
    assert_false(has);
    assert_non_null(strstr(err, "title, deadline"));
    assert_null(strstr(err, "ci")); /* the caller's key is not echoed */
    assert_int_equal(common_of("{\"common\":\"title\"}", &has, err, sizeof err), -1);
    assert_false(has);
    assert_non_null(strstr(err, "object"));
    assert_int_equal(common_of("{\"common\":[\"title\"]}", &has, err, sizeof err), -1);
    assert_int_equal(common_of("{\"common\":null}", &has, err, sizeof err), -1);
}

static void error_text_fits_any_buffer(void **state)
{
    char err[8];
    int has;

    (void)state;
    assert_int_equal(common_of("{\"common\":1}", &has, err, sizeof err), -1);
    assert_int_equal(strlen(err), sizeof err - 1);
}

static void item_wins_then_common(void **state)
{
    json_t *item = parse("{\"title\":\"own\",\"link\":\"l\"}");
    json_t *common = parse("{\"title\":\"shared\",\"deadline\":\"d\"}");

    (void)state;
    assert_string_equal(json_string_value(batch_field(item, common, "title")), "own");
    assert_string_equal(json_string_value(batch_field(item, common, "deadline")), "d");
    assert_string_equal(json_string_value(batch_field(item, common, "link")), "l");
    assert_null(batch_field(item, common, "agency"));
    assert_null(batch_field(item, NULL, "deadline"));
    assert_string_equal(json_string_value(batch_field(item, NULL, "title")), "own");
    json_decref(item);
    json_decref(common);
}

static void strings_with_their_length(void **state)
{
    json_t *item = parse("{\"title\":\"\ud55c\",\"n\":5}"), *common = parse("{\"deadline\":\"d\"}");
    size_t len = 99;

    (void)state;
    assert_string_equal(batch_str(item, common, "title", &len), "\xed\x95\x9c");
    assert_int_equal(len, 3);
    assert_string_equal(batch_str(item, common, "deadline", NULL), "d");
    len = 99;
    assert_null(batch_str(item, common, "n", &len)); /* not a string */
    assert_int_equal(len, 99);
    assert_null(batch_str(item, NULL, "deadline", &len));
    json_decref(item);
    json_decref(common);
}

static void own_null_is_not_replaced(void **state)
{
    /* An item that says null has the field: it is checked as null. */
    json_t *item = parse("{\"title\":null}"), *common = parse("{\"title\":\"shared\"}");

    (void)state;
    assert_true(json_is_null(batch_field(item, common, "title")));
    json_decref(item);
    json_decref(common);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(absent_is_fine),
        cmocka_unit_test(shareable_fields_accepted),
        cmocka_unit_test(others_refused_naming_the_allowed),
        cmocka_unit_test(error_text_fits_any_buffer),
        cmocka_unit_test(item_wins_then_common),
        cmocka_unit_test(strings_with_their_length),
        cmocka_unit_test(own_null_is_not_replaced),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
