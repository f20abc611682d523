/* test_agency_report.c -- the report's outcomes, groups, median and money
 * on a small known set of notices. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "agency_report.h"

#define H 3600000LL

static void outcomes(void **state)
{
    (void)state;
    assert_int_equal(report_outcome_of(&(report_notice){"read", "m", NULL, 0, 0}), OUT_READ);
    /* read evidence wins over a final state that came first here */
    assert_int_equal(report_outcome_of(&(report_notice){"paid", "m", NULL, 1, 2}), OUT_READ);
    assert_int_equal(report_outcome_of(&(report_notice){"postal", NULL, NULL, 0, 0}), OUT_PAPER);
    /* a letter sent stays a letter sent, though opened in an app later */
    assert_int_equal(report_outcome_of(&(report_notice){"postal", "m", NULL, 1, 2}), OUT_PAPER);
    assert_int_equal(report_outcome_of(&(report_notice){"stored", NULL, NULL, 0, 0}), OUT_FAILED);
    assert_int_equal(report_outcome_of(&(report_notice){"received", "c", NULL, 5, 0}),
                     OUT_RECEIVED);
    assert_int_equal(report_outcome_of(&(report_notice){"paid", "c", NULL, 5, 0}), OUT_RECEIVED);
    assert_int_equal(report_outcome_of(&(report_notice){"paid", NULL, NULL, 0, 0}), OUT_PENDING);
    assert_int_equal(report_outcome_of(&(report_notice){"relayed", "c", NULL, 0, 0}),
                     OUT_PENDING);
    /* cancelled before any inbox had it; once received it counts as that */
    assert_int_equal(report_outcome_of(&(report_notice){"cancelled", "c", NULL, 0, 0}),
                     OUT_CANCELLED);
    assert_int_equal(report_outcome_of(&(report_notice){"cancelled", "c", NULL, 5, 0}),
                     OUT_RECEIVED);
}

/* Ten notices: 4 read (after 1, 2, 3 and 10 hours), 2 received unread, 2
 * on paper, 1 failed, 1 pending. */
static void a_known_small_run(void **state)
{
    report r;
    buf out;
    json_t *o;
    (void)state;

    report_init(&r, 0.30, 0.08);
    report_add(&r, &(report_notice){"read", "messenger", "push", 0, 1 * H});
    report_add(&r, &(report_notice){"read", "messenger", "push", 0, 2 * H});
    report_add(&r, &(report_notice){"read", "carrier", "sms", H, 4 * H});
    report_add(&r, &(report_notice){"read", "carrier", "sms", 0, 10 * H});
    report_add(&r, &(report_notice){"received", "carrier", "sms", 5, 0});
    report_add(&r, &(report_notice){"paid", "messenger", "push", 5, 0});
    report_add(&r, &(report_notice){"postal", NULL, NULL, 0, 0});
    report_add(&r, &(report_notice){"postal", NULL, NULL, 0, 0});
    report_add(&r, &(report_notice){"stored", NULL, NULL, 0, 0});
    report_add(&r, &(report_notice){"accepted", NULL, NULL, 0, 0});
    /* three of the reads have both times (received_at 0 is unknown) */
    assert_int_equal(report_median_read_ms(&r), 3 * H);
    assert_int_equal(report_paper_avoided(&r), 6);
    assert_true(report_saved_usd(&r) > 1.319 && report_saved_usd(&r) < 1.321);

    buf_init(&out, 256);
    report_json(&r, "2026-12-01", NULL, &out);
    o = json_loads(out.data, 0, NULL);
    assert_non_null(o);
    assert_int_equal(json_integer_value(json_object_get(o, "notices")), 10);
    json_t *oc = json_object_get(o, "outcomes");
    assert_int_equal(json_integer_value(json_object_get(oc, "read")), 4);
    assert_int_equal(json_integer_value(json_object_get(oc, "received_unread")), 2);
    assert_int_equal(json_integer_value(json_object_get(oc, "paper")), 2);
    assert_int_equal(json_integer_value(json_object_get(oc, "failed")), 1);
    assert_int_equal(json_integer_value(json_object_get(oc, "pending")), 1);
    json_t *sms = json_object_get(json_object_get(o, "channels"), "sms");
    assert_int_equal(json_integer_value(json_object_get(sms, "read")), 2);
    assert_int_equal(json_integer_value(json_object_get(sms, "received_unread")), 1);
    json_t *m = json_object_get(json_object_get(o, "platforms"), "messenger");
    assert_int_equal(json_integer_value(json_object_get(m, "read")), 2);
    assert_int_equal(json_integer_value(json_object_get(o, "median_read_s")), 3 * 3600);
    assert_int_equal(json_integer_value(json_object_get(o, "paper_avoided")), 6);
    assert_true(json_real_value(json_object_get(o, "saved_usd")) > 1.319);
    assert_string_equal(json_string_value(json_object_get(o, "from")), "2026-12-01");
    assert_true(json_is_null(json_object_get(o, "to")));
    json_decref(o);

    out.len = 0;
    report_text(&r, NULL, NULL, &out);
    assert_non_null(strstr(out.data, "read on mobile                  4"));
    assert_non_null(strstr(out.data, "median time from inbox to reading: 3h 0m"));
    assert_non_null(strstr(out.data, "= USD 1.32 saved"));
    buf_free(&out);
    report_free(&r);
}

static void nothing_read(void **state)
{
    report r;
    buf out;
    (void)state;

    report_init(&r, 0.30, 0.08);
    assert_int_equal(report_median_read_ms(&r), -1);
    buf_init(&out, 256);
    report_json(&r, NULL, NULL, &out);
    assert_non_null(strstr(out.data, "\"median_read_s\":null"));
    assert_non_null(strstr(out.data, "\"saved_usd\":0.00"));
    buf_free(&out);
    report_free(&r);
}

static void too_many_platforms_fold_into_other(void **state)
{
    report r;
    char name[16];
    (void)state;

    report_init(&r, 0.30, 0.08);
    for (int i = 0; i < REPORT_GROUPS_MAX + 10; i++) {
        snprintf(name, sizeof name, "p%d", i);
        report_add(&r, &(report_notice){"read", name, NULL, 0, 1});
    }
    assert_int_equal(r.nplatforms, REPORT_GROUPS_MAX);
    assert_string_equal(r.platforms[REPORT_GROUPS_MAX].name, "other");
    assert_int_equal(r.platforms[REPORT_GROUPS_MAX].n[OUT_READ], 10);
    report_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(outcomes),
        cmocka_unit_test(a_known_small_run),
        cmocka_unit_test(nothing_read),
        cmocka_unit_test(too_many_platforms_fold_into_other),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
