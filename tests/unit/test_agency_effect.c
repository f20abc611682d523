/* Unit tests for the agency's legal effect: the date from the evidence
 * times it holds (agency_effect.c), the rules it can follow, and, on a
 * real SQLite file, what the changes feed keeps of a letter's hand-over
 * and how the effect pass (agency_db_effect.c) queues "handed_over" and
 * "effective" in an API notice's timeline: once, in order, only when its
 * date has come and the feed is known to be whole up to it, never for a
 * notice cancelled before it; and which events send the pass to the
 * document at all. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "agency_db.h"
#include "agency_effect.h"
#include "clock.h"
#include "db.h"

#define DAY EFFECT_DAY_MS
#define T0 1798000000000LL /* 2026-12-23T..., any time will do */

static effect_rule rule_of(const char *text)
{
    effect_rule r;
    char err[256];

    assert_int_equal(effect_rule_parse(text, &r, err, sizeof err), 0);
    return r;
}

/* ---- pure ---- */

static void the_date_counts_from_read_inbox_or_hand_over(void **state)
{
    effect_rule r = rule_of(EFFECT_RULE_DEFAULT);
    agency_outcome o = {.reference = "r"};
    agency_effect e;
    (void)state;

    assert_int_equal(agency_effect_of(&r, &o, &e), 0); /* no evidence yet */
    o.received_at = T0;
    assert_int_equal(agency_effect_of(&r, &o, &e), 1);
    assert_true(e.at == T0 + 7 * DAY && e.event_at == T0 && e.days == 7);
    assert_string_equal(e.event, "ContentConsignment");
    assert_string_equal(e.term, "ContentConsignment+7d");
    o.read_at = T0 + 2 * DAY; /* a read before day 7 brings it forward */
    assert_int_equal(agency_effect_of(&r, &o, &e), 1);
    assert_true(e.at == T0 + 2 * DAY && e.event_at == e.at);
    assert_string_equal(e.term, "ContentHandover");
    /* on paper: 10 days after the hand-over the feed told of */
    o = (agency_outcome){.reference = "p", .handover_at = T0 + 5};
    assert_int_equal(agency_effect_of(&r, &o, &e), 1);
    assert_true(e.at == T0 + 5 + 10 * DAY && e.event_at == T0 + 5);
    assert_string_equal(e.term, "PrintHandover+10d");
    /* cancelled before that date: none; at or after it: it stands */
    o.cancellation_at = T0 + 3 * DAY;
    assert_int_equal(agency_effect_of(&r, &o, &e), 0);
    assert_true(json_is_null(agency_effect_json(&r, &o, T0)));
    o.cancellation_at = T0 + 5 + 10 * DAY;
    assert_int_equal(agency_effect_of(&r, &o, &e), 1);
}

static void rules_naming_events_the_agency_never_learns_are_refused(void **state)
{
    effect_rule ok = rule_of("PrintHandover+3d, ContentHandover"), bad;
    effect_rule cancel = rule_of("NoticeCancellation+1d");
    char err[512];
    (void)state;

    assert_int_equal(agency_effect_rule_check(&ok, err, sizeof err), 0);
    bad = rule_of("ContentHandover, ConsignmentNotification+3d");
    assert_int_equal(agency_effect_rule_check(&bad, err, sizeof err), -1);
    assert_non_null(strstr(err, "term 2: the agency learns no time of ConsignmentNotification"));
    /* the cancellation's time is learnt, but only to void a date */
    assert_int_equal(agency_effect_rule_check(&cancel, err, sizeof err), -1);
}

static void the_rule_id_follows_the_rule(void **state)
{
    effect_rule a = rule_of(EFFECT_RULE_DEFAULT);
    effect_rule b = rule_of(" ContentHandover,ContentConsignment+7d , PrintHandover+10d");
    effect_rule c = rule_of("ContentHandover, ContentConsignment+8d, PrintHandover+10d");
    (void)state;

    assert_true(agency_effect_rule_id(&a) == agency_effect_rule_id(&b));
    assert_true(agency_effect_rule_id(&a) != agency_effect_rule_id(&c));
    assert_true(agency_effect_rule_id(&a) > 0);
}

static void the_json_says_when_what_and_whether_pending(void **state)
{
    effect_rule r = rule_of(EFFECT_RULE_DEFAULT);
    agency_outcome o = {.reference = "r"};
    json_t *j = agency_effect_json(&r, &o, T0);
    char at[25], from[25];
    (void)state;

    assert_true(json_is_null(j));
    o.received_at = T0;
    clock_rfc3339_ms(at, T0 + 7 * DAY);
    clock_rfc3339_ms(from, T0);
    j = agency_effect_json(&r, &o, T0 + DAY);
    assert_string_equal(json_string_value(json_object_get(j, "at")), at);
    assert_true(json_is_true(json_object_get(j, "pending")));
    assert_string_equal(json_string_value(json_object_get(j, "term")), "ContentConsignment+7d");
    assert_string_equal(json_string_value(json_object_get(j, "event")), "ContentConsignment");
    assert_string_equal(json_string_value(json_object_get(j, "event_at")), from);
    assert_string_equal(json_string_value(json_object_get(j, "rule")), EFFECT_RULE_DEFAULT);
    json_decref(j);
    j = agency_effect_json(&r, &o, T0 + 7 * DAY); /* that very millisecond: in effect */
    assert_true(json_is_false(json_object_get(j, "pending")));
    json_decref(j);
}

/* ---- on a database ---- */

typedef struct fixture {
    char dir[64], path[96];
    agency_db *db;
    effect_rule rule;
    long long seq;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    char err[256];

    if (!f)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/test_agency_effect.XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof f->path, "%s/agency.db", f->dir);
    if (!(f->db = agency_db_open(f->path, err, sizeof err)))
        return -1;
    f->rule = rule_of(EFFECT_RULE_DEFAULT);
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

/* An API notice: agency reference ref, caller reference "c-"ref, notice
 * id "N-"ref, accepted by the hub. */
static void api_notice(fixture *f, const char *ref)
{
    char caller[64], notice[64], at[25];
    const char *refs[] = {ref}, *callers[] = {caller}, *notices[] = {notice};
    const char *states[] = {"accepted"};
    agency_doc d = {
        .reference = ref, .name = "Kim", .address = "Seoul", .title = "Fine",
        .deadline = "2027-01-31", .rk = "rk", .doc_sha256 = "ab", .body = "<p>x</p>",
        .body_len = 8, .line = 1, .caller_ref = caller, .created = at,
    };
    agency_accepted api = {callers, at, T0, NULL};

    snprintf(caller, sizeof caller, "c-%s", ref);
    snprintf(notice, sizeof notice, "N-%s", ref);
    clock_rfc3339_ms(at, T0);
    assert_int_equal(agency_db_docs_store(f->db, &d, 1, NULL), 0);
    assert_int_equal(agency_db_docs_answered(f->db, refs, notices, states, 1, &api), 0);
}

/* One feed page of one change of ref: state at at_ms, event NULL or
 * PrintHandover. */
static void feed(fixture *f, const char *ref, const char *state, long long at_ms,
                 const char *event)
{
    char notice[64], at[25];
    size_t applied;

    snprintf(notice, sizeof notice, "N-%s", ref);
    clock_rfc3339_ms(at, at_ms);
    agency_change c = {notice, ref, state, at, at_ms, NULL, event};
    assert_int_equal(agency_db_feed_apply(f->db, &c, 1, f->seq, f->seq + 1, &applied), 0);
    f->seq++;
}

static size_t pass(fixture *f, long long now, long long settled)
{
    size_t noted = 99;

    assert_int_equal(agency_db_effect_pass(f->db, &f->rule, now, settled, &noted), 0);
    return noted;
}

/* ref's timeline as "state@reason ..." (reason only when there is one). */
static const char *timeline(fixture *f, const char *ref)
{
    static char out[512];
    char caller[64], agency_ref[FIELD_REFERENCE_MAX + 1];
    json_t *o, *e;
    size_t i, used = 0;

    snprintf(caller, sizeof caller, "c-%s", ref);
    assert_int_equal(agency_db_api_notice(f->db, caller, &o, agency_ref), 1);
    out[0] = '\0';
    json_array_foreach(json_object_get(o, "timeline"), i, e) {
        const char *reason = json_string_value(json_object_get(e, "reason"));
        used += (size_t)snprintf(out + used, sizeof out - used, "%s%s%s%s", i ? " " : "",
                                 json_string_value(json_object_get(e, "state")),
                                 reason ? "@" : "", reason ? reason : "");
    }
    json_decref(o);
    return out;
}

/* The "at" of ref's last timeline entry. */
static long long last_at(fixture *f, const char *ref)
{
    char caller[64], agency_ref[FIELD_REFERENCE_MAX + 1];
    json_t *o;
    long long ms;

    snprintf(caller, sizeof caller, "c-%s", ref);
    assert_int_equal(agency_db_api_notice(f->db, caller, &o, agency_ref), 1);
    json_t *tl = json_object_get(o, "timeline");
    json_t *last = json_array_get(tl, json_array_size(tl) - 1);
    const char *at = json_string_value(json_object_get(last, "at"));
    ms = effect_parse_time(at);
    json_decref(o);
    return ms;
}

static void an_unread_notice_takes_effect_on_day_7_once(void **state)
{
    fixture *f = *state;

    api_notice(f, "f");
    feed(f, "f", "received", T0 + 100, NULL);
    assert_int_equal(pass(f, T0 + DAY, T0 + DAY), 0);
    assert_string_equal(timeline(f, "f"), "accepted received");
    /* day 7 by the clock, but the feed is known whole only to before it */
    assert_int_equal(pass(f, T0 + 7 * DAY + 200, T0 + 7 * DAY), 0);
    assert_string_equal(timeline(f, "f"), "accepted received");
    assert_int_equal(pass(f, T0 + 7 * DAY + 200, T0 + 7 * DAY + 100), 1);
    assert_string_equal(timeline(f, "f"), "accepted received effective@ContentConsignment+7d");
    assert_true(last_at(f, "f") == T0 + 100 + 7 * DAY);
    /* later passes, and later evidence, note nothing again */
    feed(f, "f", "read", T0 + 8 * DAY, NULL);
    assert_int_equal(pass(f, T0 + 9 * DAY, T0 + 9 * DAY), 0);
    assert_string_equal(timeline(f, "f"),
                        "accepted received effective@ContentConsignment+7d read");
}

/* The first pass dates every notice under the new rule; evidence that
 * comes after it reaches the date through the timeline that grew. */
static void evidence_after_a_pass_is_dated_by_the_next(void **state)
{
    fixture *f = *state;

    api_notice(f, "g");
    api_notice(f, "h");
    assert_int_equal(pass(f, T0 + 10, T0 + 10), 0);
    feed(f, "g", "received", T0 + 100, NULL);
    feed(f, "h", "postal", T0 + 100, NULL); /* on paper, no time: never dated */
    assert_int_equal(pass(f, T0 + 7 * DAY + 200, T0 + 7 * DAY + 200), 1);
    assert_string_equal(timeline(f, "g"), "accepted received effective@ContentConsignment+7d");
    assert_string_equal(timeline(f, "h"), "accepted postal");
}

static void a_read_notice_takes_effect_at_the_read_after_it(void **state)
{
    fixture *f = *state;

    api_notice(f, "e");
    feed(f, "e", "received", T0, NULL);
    feed(f, "e", "read", T0 + 3600000, NULL);
    assert_int_equal(pass(f, T0 + 3600000 + 10, T0 + 3600000), 1);
    assert_string_equal(timeline(f, "e"), "accepted received read effective@ContentHandover");
    assert_true(last_at(f, "e") == T0 + 3600000);
}

static void a_letter_takes_effect_10_days_after_its_hand_over(void **state)
{
    fixture *f = *state;
    char notice[8] = "N-g", at[2][25];
    size_t applied;

    api_notice(f, "g");
    /* postal and the hand-over in one page: the hand-over after a final
     * state still counts */
    clock_rfc3339_ms(at[0], T0 + 10);
    clock_rfc3339_ms(at[1], T0 + DAY);
    agency_change page[2] = {{notice, "g", "postal", at[0], T0 + 10, NULL, NULL},
                             {notice, "g", "postal", at[1], T0 + DAY, NULL, "PrintHandover"}};
    assert_int_equal(agency_db_feed_apply(f->db, page, 2, f->seq, f->seq + 1, &applied), 0);
    f->seq++;
    assert_int_equal(applied, 1);
    assert_string_equal(timeline(f, "g"), "accepted postal handed_over");
    assert_true(last_at(f, "g") == T0 + DAY);
    /* a second batch's hand-over: its time is not the first */
    feed(f, "g", "postal", T0 + 2 * DAY, "PrintHandover");
    assert_string_equal(timeline(f, "g"), "accepted postal handed_over");
    assert_int_equal(pass(f, T0 + 10 * DAY, T0 + 10 * DAY), 0);
    assert_int_equal(pass(f, T0 + 11 * DAY + 10, T0 + 11 * DAY + 10), 1);
    assert_string_equal(timeline(f, "g"),
                        "accepted postal handed_over effective@PrintHandover+10d");
    assert_true(last_at(f, "g") == T0 + 11 * DAY);
}

static void a_notice_cancelled_before_its_date_never_takes_effect(void **state)
{
    fixture *f = *state;

    api_notice(f, "x");
    feed(f, "x", "received", T0, NULL);
    assert_int_equal(pass(f, T0 + DAY, T0 + DAY), 0);
    feed(f, "x", "cancelled", T0 + 3 * DAY, NULL);
    assert_int_equal(pass(f, T0 + 8 * DAY, T0 + 8 * DAY), 0);
    assert_string_equal(timeline(f, "x"), "accepted received cancelled");
    /* on paper, handed over, then cancelled: the state stays postal, and
     * the cancellation adds nothing to the timeline, but voids the date */
    api_notice(f, "y");
    feed(f, "y", "postal", T0, NULL);
    feed(f, "y", "postal", T0 + DAY, "PrintHandover");
    assert_int_equal(pass(f, T0 + 2 * DAY, T0 + 2 * DAY), 0);
    feed(f, "y", "postal", T0 + 5 * DAY, "NoticeCancellation");
    assert_int_equal(pass(f, T0 + 12 * DAY, T0 + 12 * DAY), 0);
    assert_string_equal(timeline(f, "y"), "accepted postal handed_over");
}

static void a_new_rule_moves_the_dates_still_pending(void **state)
{
    fixture *f = *state;

    api_notice(f, "h");
    feed(f, "h", "received", T0, NULL);
    assert_int_equal(pass(f, T0 + DAY, T0 + DAY), 0);
    f->rule = rule_of("ContentHandover, ContentConsignment+2d");
    assert_int_equal(pass(f, T0 + 2 * DAY + 1, T0 + 2 * DAY + 1), 1);
    assert_string_equal(timeline(f, "h"), "accepted received effective@ContentConsignment+2d");
    assert_true(last_at(f, "h") == T0 + 2 * DAY);
}

/* ref's events as "state:evidence ..." in order, read from the file. */
static const char *evidence_marks(fixture *f, const char *ref)
{
    static char out[256];
    char err[256];
    size_t used = 0;
    sqlite3 *sql = db_open(f->path, NULL, 0, err, sizeof err);
    sqlite3_stmt *st;

    assert_non_null(sql);
    st = db_prepare(sql, "SELECT state, evidence FROM api_events WHERE reference = ? ORDER BY id");
    assert_non_null(st);
    sqlite3_bind_text(st, 1, ref, -1, SQLITE_STATIC);
    out[0] = '\0';
    while (sqlite3_step(st) == SQLITE_ROW)
        used += (size_t)snprintf(out + used, sizeof out - used, "%s%s:%d", used ? " " : "",
                                 (const char *)sqlite3_column_text(st, 0),
                                 sqlite3_column_int(st, 1));
    sqlite3_finalize(st);
    db_close(sql);
    return out;
}

/* Only an event whose run brought a time the date is reckoned from sends
 * the pass to the document; the acceptance, a relay, paper at once do
 * not. An older file's events, which say nothing, all do. */
static void only_events_with_evidence_send_the_pass_to_the_document(void **state)
{
    fixture *f = *state;
    char err[256];

    api_notice(f, "a");
    api_notice(f, "b");
    api_notice(f, "c");
    assert_int_equal(pass(f, T0 + 5, T0 + 5), 0); /* the rule is known: no pass of all */
    feed(f, "a", "relayed", T0 + 10, NULL);
    feed(f, "a", "received", T0 + 20, NULL);
    assert_string_equal(evidence_marks(f, "a"), "accepted:0 relayed:0 received:1");
    feed(f, "b", "postal", T0 + 10, NULL);
    feed(f, "b", "postal", T0 + DAY, "PrintHandover");
    assert_string_equal(evidence_marks(f, "b"), "accepted:0 postal:0 handed_over:1");
    /* a file from before the column, holding a received not passed yet */
    feed(f, "c", "received", T0 + 30, NULL);
    agency_db_close(f->db);
    sqlite3 *sql = db_open(f->path, "ALTER TABLE api_events DROP COLUMN evidence;", 0, err,
                           sizeof err);
    assert_non_null(sql);
    db_close(sql);
    assert_non_null(f->db = agency_db_open(f->path, err, sizeof err));
    assert_string_equal(evidence_marks(f, "c"), "accepted:1 received:1");
    assert_int_equal(pass(f, T0 + 7 * DAY + 40, T0 + 7 * DAY + 40), 2);
    assert_string_equal(timeline(f, "a"),
                        "accepted relayed received effective@ContentConsignment+7d");
    assert_string_equal(timeline(f, "c"), "accepted received effective@ContentConsignment+7d");
    assert_int_equal(pass(f, T0 + 11 * DAY + 10, T0 + 11 * DAY + 10), 1);
    assert_string_equal(timeline(f, "b"),
                        "accepted postal handed_over effective@PrintHandover+10d");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_date_counts_from_read_inbox_or_hand_over),
        cmocka_unit_test(rules_naming_events_the_agency_never_learns_are_refused),
        cmocka_unit_test(the_rule_id_follows_the_rule),
        cmocka_unit_test(the_json_says_when_what_and_whether_pending),
        cmocka_unit_test_setup_teardown(an_unread_notice_takes_effect_on_day_7_once, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(evidence_after_a_pass_is_dated_by_the_next, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_read_notice_takes_effect_at_the_read_after_it, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_letter_takes_effect_10_days_after_its_hand_over,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(a_notice_cancelled_before_its_date_never_takes_effect,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(a_new_rule_moves_the_dates_still_pending, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(only_events_with_evidence_send_the_pass_to_the_document,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
