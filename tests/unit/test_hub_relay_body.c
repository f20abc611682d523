/* test_hub_relay_body.c -- what the hub puts in a relay call: with
 * "common", the first notice's agency, title and deadline once and only
 * what differs in each notice; without it, every field in every notice. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "hub_relay_body.h"
#include "str_copy.h"

#define D1 1798729199999LL /* 2026-12-31T14:59:59.999Z */
#define D2 1801407599999LL /* 2027-01-31T14:59:59.999Z */

static void item(hub_relay_item *it, int k, const char *agency, const char *title,
                 long long deadline)
{
    memset(it, 0, sizeof *it);
    snprintf(it->n.id, sizeof it->n.id, "0193a000-0000-7000-8000-%012d", k);
    memset(it->n.rk, 'a', 64);
    memset(it->n.doc_sha256, 'b', 64);
    snprintf(it->n.link, sizeof it->n.link, "http://127.0.0.1:7004/documents/REF-%d", k);
    str_copy(it->n.agency, sizeof it->n.agency, agency);
    str_copy(it->n.title, sizeof it->n.title, title);
    it->n.deadline = deadline;
}

static json_t *body_of(const hub_relay_item *items, const size_t *idx, size_t n, int common)
{
    json_error_t e;
    json_t *j;
    buf b;

    buf_init(&b, 256);
    hub_relay_body(&b, items, idx, n, common);
    assert_false(b.broken);
    j = json_loadb(b.data, b.len, JSON_REJECT_DUPLICATES, &e);
    buf_free(&b);
    assert_non_null(j);
    return j;
}

static const char *field(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static void shared_once_and_differences_kept(void **state)
{
    hub_relay_item items[5];
    size_t idx[] = {1, 2, 3, 4};
    json_t *j, *c, *ns;

    (void)state;
    item(&items[0], 0, "never", "sent", D2);
    item(&items[1], 1, "nts", "자동차세 \"2026\"", D1);
    item(&items[2], 2, "nts", "자동차세 \"2026\"", D1);
    item(&items[3], 3, "mois", "Other", D2);
    item(&items[4], 4, "nts", "자동차세 \"2026\"", D2);
    j = body_of(items, idx, 4, 1);
    c = json_object_get(j, "common");
    ns = json_object_get(j, "notices");
    assert_int_equal(json_object_size(c), 3);
    assert_string_equal(field(c, "agency"), "nts");
    assert_string_equal(field(c, "title"), "자동차세 \"2026\"");
    assert_string_equal(field(c, "deadline"), "2026-12-31T14:59:59.999Z");
    assert_int_equal(json_array_size(ns), 4);
    /* the same as the first: four fields, none of the shared ones */
    for (size_t i = 0; i < 2; i++) {
        json_t *o = json_array_get(ns, i);
        assert_int_equal(json_object_size(o), 4);
        assert_non_null(field(o, "notice"));
        assert_non_null(field(o, "rk"));
        assert_non_null(field(o, "doc_sha256"));
        assert_non_null(field(o, "link"));
    }
    assert_string_equal(field(json_array_get(ns, 1), "notice"),
                        "0193a000-0000-7000-8000-000000000002");
    /* another agency, title and deadline: all three its own */
    assert_string_equal(field(json_array_get(ns, 2), "agency"), "mois");
    assert_string_equal(field(json_array_get(ns, 2), "title"), "Other");
    assert_string_equal(field(json_array_get(ns, 2), "deadline"), "2027-01-31T14:59:59.999Z");
    /* only the deadline differs */
    assert_int_equal(json_object_size(json_array_get(ns, 3)), 5);
    assert_string_equal(field(json_array_get(ns, 3), "deadline"), "2027-01-31T14:59:59.999Z");
    json_decref(j);
}

static void without_common_every_field(void **state)
{
    hub_relay_item items[2];
    size_t idx[] = {0, 1};
    json_t *j, *ns;

    (void)state;
    item(&items[0], 0, "nts", "Tax", D1);
    item(&items[1], 1, "nts", "Tax", D1);
    j = body_of(items, idx, 2, 0);
    assert_null(json_object_get(j, "common"));
    ns = json_object_get(j, "notices");
    for (size_t i = 0; i < 2; i++) {
        json_t *o = json_array_get(ns, i);
        assert_int_equal(json_object_size(o), 7);
        assert_string_equal(field(o, "agency"), "nts");
        assert_string_equal(field(o, "title"), "Tax");
        assert_string_equal(field(o, "deadline"), "2026-12-31T14:59:59.999Z");
    }
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(shared_once_and_differences_kept),
        cmocka_unit_test(without_common_every_field),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
