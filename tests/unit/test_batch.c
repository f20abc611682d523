/* test_batch.c -- the batch reader (400 and 413 in the same words for
 * every role, secrets wiped before the body is freed), the results writer,
 * and a batch's "common" object: accepted only with the fields its
 * endpoint lets items share, and an item's own field wins over it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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

/* batch_read's answer to body: its status, and the message in err. */
static int read_status(const char *body, const batch_spec *spec, char *err, size_t errlen)
{
    batch b;
    int rc = batch_read(&b, spec, body, strlen(body), err, errlen);

    if (rc == 0)
        batch_free(&b);
    return rc;
}

static void bad_bodies_get_400_with_the_place(void **state)
{
    const batch_spec spec = {.key = "notices", .objects = 1};
    char err[160];

    (void)state;
    assert_int_equal(read_status("{\"notices\":[1,", &spec, err, sizeof err), 400);
    assert_string_equal(err, "JSON cut short at line 1 column 14");
    assert_int_equal(read_status("{\"notices\":[1,}", &spec, err, sizeof err), 400);
    assert_string_equal(err, "malformed JSON at line 1 column 15");
    /* Each fault a client can mend named, the key itself (an RRN, it may
     * be) not quoted. */
    assert_int_equal(read_status("{\"notices\":[],\n\"971013-9019902\":1,\"971013-9019902\":2}",
                                 &spec, err, sizeof err), 400);
    assert_string_equal(err, "a key given twice in one object at line 2 column 35");
    assert_int_equal(read_status("{\"notices\":[]} {}", &spec, err, sizeof err), 400);
    assert_string_equal(err, "more after the JSON value at line 1 column 16");
    assert_int_equal(read_status("{\"notices\":[\"\xff\"]}", &spec, err, sizeof err), 400);
    assert_true(strncmp(err, "text that is not UTF-8 at line 1", 32) == 0);
    assert_int_equal(read_status("{\"notices\":[1e999]}", &spec, err, sizeof err), 400);
    assert_true(strncmp(err, "a number out of range at line 1", 31) == 0);
    assert_int_equal(read_status("{\"rrns\":[]}", &spec, err, sizeof err), 400);
    assert_string_equal(err, "expected {\"notices\":[...]}");
    assert_int_equal(read_status("{\"notices\":{}}", &spec, err, sizeof err), 400);
    assert_int_equal(read_status("{\"notices\":[{},2]}", &spec, err, sizeof err), 400);
    assert_string_equal(err, "item 1 is not an object");
    assert_int_equal(read_status("{\"notices\":[1],\"notices\":[]}", &spec, err, sizeof err),
                     400); /* a duplicate key is refused, not resolved */
    assert_int_equal(read_status("{\"notices\":[{},{}]}", &spec, err, sizeof err), 0);
}

static void too_many_items_get_413(void **state)
{
    const batch_spec two = {.key = "rrns", .max_items = 2};
    const batch_spec any = {.key = "rrns"};
    char err[160], *body = malloc(8 * (BATCH_MAX_ITEMS + 1) + 16);
    size_t used = (size_t)sprintf(body, "{\"rrns\":[");

    (void)state;
    assert_int_equal(read_status("{\"rrns\":[1,2]}", &two, err, sizeof err), 0);
    assert_int_equal(read_status("{\"rrns\":[1,2,3]}", &two, err, sizeof err), 413);
    assert_string_equal(err, "at most 2 items per request, got 3");
    for (int i = 0; i <= BATCH_MAX_ITEMS; i++)
        used += (size_t)sprintf(body + used, "%s1", i ? "," : "");
    strcpy(body + used, "]}");
    assert_int_equal(read_status(body, &any, err, sizeof err), 413);
    body[used - 2] = ']', body[used - 1] = '}', body[used] = '\0'; /* one fewer */
    assert_int_equal(read_status(body, &any, err, sizeof err), 0);
    free(body);
}

/* A body within its byte limit may still be millions of tiny values,
 * each some 40 bytes once parsed: refused before parsing, past 64 for
 * each item the route takes; separators inside strings do not count. */
static void a_swarm_of_values_gets_413_before_parsing(void **state)
{
    const batch_spec two = {.key = "notices", .max_items = 2};
    size_t n = 3 * 64, used;
    char err[160], *body = malloc(2 * n + 64);

    (void)state;
    used = (size_t)sprintf(body, "{\"notices\":[{\"x\":[");
    for (size_t i = 0; i < n - 5; i++)
        used += (size_t)sprintf(body + used, "%s0", i ? "," : "");
    strcpy(body + used, "]}]}");
    assert_int_equal(read_status(body, &two, err, sizeof err), 0); /* 191 values */
    used = (size_t)sprintf(body, "{\"notices\":[{\"x\":[");
    for (size_t i = 0; i < n; i++)
        used += (size_t)sprintf(body + used, "%s0", i ? "," : "");
    strcpy(body + used, "]}]}");
    assert_int_equal(read_status(body, &two, err, sizeof err), 413);
    assert_string_equal(err, "more than 192 JSON values (64 for each of the 2 items a request"
                             " may hold)");
    used = (size_t)sprintf(body, "{\"notices\":[{\"x\":\"");
    for (size_t i = 0; i < n; i++)
        body[used++] = ',';
    strcpy(body + used, "\\\"\",\"y\":1}]}"); /* an escaped quote, then the end */
    assert_int_equal(read_status(body, &two, err, sizeof err), 0);
    free(body);
}

static void common_only_where_shareable(void **state)
{
    const batch_spec with = {.key = "notices", .shareable = shared};
    const batch_spec without = {.key = "notices"};
    const char *body = "{\"notices\":[{}],\"common\":{\"title\":\"t\"}}";
    char err[160];
    batch b;

    (void)state;
    assert_int_equal(batch_read(&b, &with, body, strlen(body), err, sizeof err), 0);
    assert_string_equal(batch_str(json_array_get(b.items, 0), b.common, "title", NULL), "t");
    batch_free(&b);
    assert_null(b.root);
    /* A call that shares nothing ignores common, as protocol.md says. */
    assert_int_equal(batch_read(&b, &without, body, strlen(body), err, sizeof err), 0);
    assert_null(b.common);
    batch_free(&b);
    assert_int_equal(read_status("{\"notices\":[],\"common\":{\"link\":1}}", &with, err,
                                 sizeof err), 400);
}

/* jansson's memory, watched: every block freed is searched for a secret,
 * so a test can see whether a batch wiped it before letting go. */
static const char *watched;
static int secret_freed;

static void *watch_malloc(size_t n)
{
    size_t *p = malloc(n + sizeof *p);

    if (!p)
        return NULL;
    *p = n;
    return p + 1;
}

static void watch_free(void *ptr)
{
    size_t *p = ptr ? (size_t *)ptr - 1 : NULL;

    if (!p)
        return;
    if (watched && memmem(ptr, *p, watched, strlen(watched)))
        secret_freed = 1;
    free(p);
}

static int freed_with_secret(const char *body, const batch_spec *spec, const char *secret)
{
    char err[160];
    batch b;

    watched = secret;
    secret_freed = 0;
    json_set_alloc_funcs(watch_malloc, watch_free);
    if (batch_read(&b, spec, body, strlen(body), err, sizeof err) == 0)
        batch_free(&b);
    json_set_alloc_funcs(malloc, free);
    watched = NULL;
    return secret_freed;
}

static void secrets_are_wiped_before_free(void **state)
{
    static const char *const ci_pin[] = {"ci", "pin", NULL};
    const batch_spec ci = {.key = "notices", .secrets = ci_pin};
    const batch_spec rrns = {.key = "rrns", .secret_items = 1, .max_items = 1};
    const batch_spec plain = {.key = "notices"};
    const char *notice = "{\"notices\":[{\"ci\":\"SECRETCI0123\",\"pin\":\"SECRETPIN9\","
                         "\"title\":\"t\"}]}";

    (void)state;
    assert_true(freed_with_secret(notice, &plain, "SECRETCI0123")); /* the probe sees it */
    assert_false(freed_with_secret(notice, &ci, "SECRETCI0123"));
    assert_false(freed_with_secret(notice, &ci, "SECRETPIN9")); /* every field listed */
    assert_false(freed_with_secret("{\"rrns\":[\"9710139019902\"]}", &rrns, "9710139019902"));
    /* A batch refused whole (413) is wiped too. */
    assert_false(freed_with_secret("{\"rrns\":[\"9710139019902\",\"9710139019903\"]}", &rrns,
                                   "971013901990"));
}

static void results_in_order_with_errors(void **state)
{
    buf out;
    char *text;

    (void)state;
    batch_results_open(&out, 3, 8);
    batch_results_next(&out, 0);
    buf_puts(&out, "{\"ok\":1}");
    batch_results_next(&out, 1);
    batch_results_error(&out, "reference", "r-1", "title is \"bad\"");
    batch_results_next(&out, 2);
    batch_results_error(&out, "reference", NULL, "no reference");
    batch_results_close(&out);
    text = buf_take(&out, NULL);
    assert_string_equal(text, "{\"results\":[{\"ok\":1},{\"reference\":\"r-1\",\"error\":"
                              "\"title is \\\"bad\\\"\"},{\"reference\":null,\"error\":"
                              "\"no reference\"}]}");
    free(text);
    batch_results_open(&out, 0, 8);
    batch_results_close(&out);
    text = buf_take(&out, NULL);
    assert_string_equal(text, "{\"results\":[]}");
    free(text);
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
        cmocka_unit_test(bad_bodies_get_400_with_the_place),
        cmocka_unit_test(too_many_items_get_413),
        cmocka_unit_test(a_swarm_of_values_gets_413_before_parsing),
        cmocka_unit_test(common_only_where_shareable),
        cmocka_unit_test(secrets_are_wiped_before_free),
        cmocka_unit_test(results_in_order_with_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
