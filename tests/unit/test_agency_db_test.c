/* Unit tests for a test key's database (agency_db_test.c), on a real
 * SQLite file: a scheduled outcome moves nothing before its time, then
 * each due step once, in order, into the document's state, the timeline
 * and the callback queue (ids test-ev-N, marked test); a cancel stops
 * what is left, is only recorded once the notice is final, and names
 * unknown references as such. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "agency_db.h"
#include "agency_db_test.h"
#include "test_outcome.h"

#define T0 1800000000000LL

typedef struct fixture {
    char dir[64], path[96];
    agency_db *db;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    char err[256];

    if (!f)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/test_agency_db_test.XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof f->path, "%s/test.db", f->dir);
    if (!(f->db = agency_db_open_test(f->path, err, sizeof err)))
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    char cmd[128];

    agency_db_close(f->db);
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

/* A test notice as the intake leaves it: stored, its caller's reference
 * kept, accepted under a test- id, its outcome started at T0. */
static void post(fixture *f, const char *ref, const char *caller, test_outcome o)
{
    agency_doc d = {
        .reference = ref, .name = "n", .address = "a", .title = "Tax",
        .deadline = "2026-12-31", .rk = "rk", .doc_sha256 = "ab", .body = "<p>x</p>",
        .body_len = 8, .line = 1, .caller_ref = caller, .created = "t",
    };
    const char *refs[] = {ref}, *callers[] = {caller}, *ids[] = {"test-1"},
               *states[] = {"accepted"};
    int outcomes[] = {(int)o};
    agency_accepted api = {callers, "2027-01-15T08:00:00.000Z", T0, outcomes};

    assert_int_equal(agency_db_docs_store(f->db, &d, 1, NULL), 0);
    /* accepted and its outcome started in one transaction */
    assert_int_equal(agency_db_docs_answered(f->db, refs, ids, states, 1, &api), 0);
}

/* The states of caller's timeline, joined by spaces. */
static const char *timeline(fixture *f, const char *caller)
{
    static char out[128];
    char ref[FIELD_REFERENCE_MAX + 1];
    json_t *o, *e;
    size_t i;

    out[0] = '\0';
    assert_int_equal(agency_db_api_notice(f->db, caller, &o, ref), 1);
    assert_true(json_is_true(json_object_get(o, "test")));
    json_array_foreach(json_object_get(o, "timeline"), i, e) {
        if (i)
            strcat(out, " ");
        strcat(out, json_string_value(json_object_get(e, "state")));
    }
    json_decref(o);
    return out;
}

static void a_read_outcome_plays_out_in_time(void **state)
{
    fixture *f = *state;
    long long last, first;

    post(f, "api-1", "tax-1", TEST_READ);
    assert_int_equal(agency_db_test_advance(f->db, T0 + 999), 0);
    assert_string_equal(timeline(f, "tax-1"), "accepted");
    assert_int_equal(agency_db_test_advance(f->db, T0 + 1000), 1);
    assert_string_equal(timeline(f, "tax-1"), "accepted relayed");
    assert_int_equal(agency_db_test_advance(f->db, T0 + 1000), 0);
    /* Late: one step each call, at the times the schedule says. */
    assert_int_equal(agency_db_test_advance(f->db, T0 + 60000), 1);
    assert_int_equal(agency_db_test_advance(f->db, T0 + 60000), 1);
    assert_int_equal(agency_db_test_advance(f->db, T0 + 60000), 0);
    assert_string_equal(timeline(f, "tax-1"), "accepted relayed received read");

    json_t *events = agency_db_api_events_peek(f->db, 10, &last, &first);
    assert_int_equal(json_array_size(events), 4);
    json_t *read = json_array_get(events, 3);
    assert_string_equal(json_string_value(json_object_get(read, "id")), "test-ev-4");
    assert_string_equal(json_string_value(json_object_get(read, "at")),
                        "2027-01-15T08:00:06.000Z");
    assert_true(json_is_true(json_object_get(read, "test")));
    json_decref(events);
}

static void paper_and_failed_end_with_a_reason(void **state)
{
    fixture *f = *state;
    long long last, first;

    post(f, "api-2", "tax-2", TEST_PAPER);
    assert_int_equal(agency_db_test_advance(f->db, T0 + 60000), 1);
    assert_int_equal(agency_db_test_advance(f->db, T0 + 60000), 0);
    assert_string_equal(timeline(f, "tax-2"), "accepted postal");
    json_t *events = agency_db_api_events_peek(f->db, 10, &last, &first);
    assert_non_null(strstr(json_string_value(json_object_get(json_array_get(events, 1),
                                                             "reason")), "paper"));
    json_decref(events);
}

static void a_cancel_stops_the_outcome(void **state)
{
    fixture *f = *state;
    json_t *out;

    post(f, "api-3", "tax-3", TEST_READ);
    assert_int_equal(agency_db_test_cancel(f->db, "tax-3", "sent in error", T0 + 500, &out),
                     1);
    assert_string_equal(json_string_value(json_object_get(out, "status")), "cancelled");
    json_decref(out);
    assert_int_equal(agency_db_test_advance(f->db, T0 + 60000), 0);
    assert_string_equal(timeline(f, "tax-3"), "accepted cancelled");
    assert_int_equal(agency_db_test_cancel(f->db, "tax-3", "again", T0 + 600, &out), 1);
    assert_string_equal(json_string_value(json_object_get(out, "status")), "duplicate");
    json_decref(out);
    assert_int_equal(agency_db_test_cancel(f->db, "never", "x", T0, &out), 0);
    assert_null(out);
}

static void a_final_notice_keeps_its_state(void **state)
{
    fixture *f = *state;
    json_t *out;

    post(f, "api-4", "tax-4", TEST_FAILED);
    assert_int_equal(agency_db_test_advance(f->db, T0 + 60000), 1);
    assert_int_equal(agency_db_test_cancel(f->db, "tax-4", "for the record", T0 + 70000, &out),
                     1);
    assert_string_equal(json_string_value(json_object_get(out, "status")), "recorded");
    assert_string_equal(json_string_value(json_object_get(out, "state")), "failed");
    json_decref(out);
    assert_string_equal(timeline(f, "tax-4"), "accepted failed");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(a_read_outcome_plays_out_in_time, setup, teardown),
        cmocka_unit_test_setup_teardown(paper_and_failed_end_with_a_reason, setup, teardown),
        cmocka_unit_test_setup_teardown(a_cancel_stops_the_outcome, setup, teardown),
        cmocka_unit_test_setup_teardown(a_final_notice_keeps_its_state, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
