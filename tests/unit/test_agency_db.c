/* Unit tests for the agency database (agency_db*.c), through its public
 * functions on a real SQLite file in a temporary folder: documents are
 * stored and found; the hub's answer is recorded once however often it
 * comes; the feed moves states forward and never overwrites read or
 * postal; the postal list and its printed marks; the letters to print
 * split into runs of consecutive references; a handover burns its
 * nonce once and queues its event; a reopened file keeps documents and
 * the feed cursor; the console's day counts move with each change; a
 * job's page reads its first notices by caller reference and its first
 * refused rows, in a file made before its index too; the dashboard
 * lists the newest jobs that have figures. */
#include <setjmp.h>
#include <stdint.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "agency_db.h"
#include "agency_db_sql.h"
#include "db.h"

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
    snprintf(f->dir, sizeof f->dir, "/tmp/test_agency_db.XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof f->path, "%s/agency.db", f->dir);
    if (!(f->db = agency_db_open(f->path, err, sizeof err)))
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

static void reopen(fixture *f)
{
    char err[256];

    agency_db_close(f->db);
    f->db = agency_db_open(f->path, err, sizeof err);
    assert_non_null(f->db);
}

/* Reopens the file after running sql on it as an older agency would. */
static void reopen_with(fixture *f, const char *sql)
{
    char err[256];
    sqlite3 *conn;

    agency_db_close(f->db);
    f->db = NULL;
    conn = db_open(f->path, sql, 0, err, sizeof err);
    assert_non_null(conn);
    db_close(conn);
    reopen(f);
}

/* Stores one document named ref, with body; an API notice's when caller
 * is its caller reference (of bulk job job, NULL for a single notice). */
static void store_doc(fixture *f, const char *ref, const char *name, const char *body,
                      const char *caller, const char *job)
{
    agency_doc d = {
        .reference = ref, .name = name, .address = "Seoul", .title = "Tax",
        .deadline = "2026-12-31", .rk = "rk-of-", .doc_sha256 = "ab",
        .body = body, .body_len = strlen(body), .line = 2,
        .caller_ref = caller, .job = job, .created = caller ? "t" : NULL,
    };
    assert_int_equal(agency_db_docs_store(f->db, &d, 1, NULL), 0);
}

static void store(fixture *f, const char *ref, const char *name, const char *body)
{
    store_doc(f, ref, name, body, NULL, NULL);
}

static void store_api(fixture *f, const char *ref, const char *caller, const char *job)
{
    store_doc(f, ref, "A", "1", caller, job);
}

static void answer(fixture *f, const char *ref, const char *notice, const char *state)
{
    const char *refs[] = {ref}, *notices[] = {notice}, *states[] = {state};

    assert_int_equal(agency_db_docs_answered(f->db, refs, notices, states, 1, NULL), 0);
}

/* The state of ref, and its notice id into notice when given. */
static const char *state_of(fixture *f, const char *ref, char *notice)
{
    static char state[16];
    agency_found d = {0};

    assert_int_equal(agency_db_docs_find(f->db, ref, &d), 1);
    snprintf(state, sizeof state, "%s", d.state);
    if (notice)
        strcpy(notice, d.notice);
    free(d.body);
    return state;
}

/* Applies one page of changes given as "notice reference state" triples. */
static size_t feed(fixture *f, long long next, const char *const *triples, size_t n)
{
    agency_change c[8];
    size_t applied = 99;

    for (size_t i = 0; i < n; i++)
        c[i] = (agency_change){triples[3 * i], triples[3 * i + 1], triples[3 * i + 2], NULL,
                               1000 + (long long)i, NULL, NULL};
    assert_int_equal(agency_db_feed_apply(f->db, c, n, agency_db_feed_cursor(f->db), next,
                                          &applied), 0);
    return applied;
}

static const char *name_of(fixture *f, const char *ref);

static int store_outcome(fixture *f, const char *ref, const char *name, const char *sha)
{
    unsigned char outcome[1] = {0};
    agency_doc d = {
        .reference = ref, .name = name, .address = "Seoul", .title = "Tax",
        .deadline = "2026-12-31", .rk = "rk-of-", .doc_sha256 = sha,
        .body = sha, .body_len = strlen(sha), .line = 2,
    };
    assert_int_equal(agency_db_docs_store(f->db, &d, 1, outcome), 0);
    return outcome[0];
}

/* A reference stored but not yet answered by the hub is written again
 * only with the same document: the hub may hold the first, and a notice
 * whose document is not the one its evidence names cannot be proved. */
static void a_reference_keeps_the_document_the_hub_may_hold(void **state)
{
    fixture *f = *state;
    char notices[1][AGENCY_NOTICE_MAX + 1];
    const char *refs[] = {"r-1"};

    assert_int_equal(store_outcome(f, "r-1", "first", "ab"), AGENCY_DOC_NEW);
    assert_int_equal(store_outcome(f, "r-1", "another", "cd"), AGENCY_DOC_CONFLICT);
    assert_string_equal(name_of(f, "r-1"), "first");
    assert_int_equal(store_outcome(f, "r-1", "first, spelt again", "ab"), AGENCY_DOC_KEPT);
    assert_string_equal(name_of(f, "r-1"), "first, spelt again");
    /* once the hub has answered, nothing is written and nothing conflicts */
    feed(f, 1, (const char *[]){"N-1", "r-1", "accepted"}, 1);
    assert_int_equal(agency_db_docs_known(f->db, refs, 1, notices), 0);
    assert_string_equal(notices[0], "N-1");
    assert_int_equal(store_outcome(f, "r-1", "late", "cd"), AGENCY_DOC_KEPT);
    assert_string_equal(name_of(f, "r-1"), "first, spelt again");
}

/* An API notice's document comes with its caller reference or not at
 * all: one stored once keeps its first agency reference, and a caller
 * reference missing its time fails the batch rather than vanishing. */
static void a_caller_reference_is_kept_with_its_document(void **state)
{
    fixture *f = *state;
    const char *callers[] = {"c-1", "c-2"};
    char refs[2][FIELD_REFERENCE_MAX + 1];
    agency_found d = {0};

    store_api(f, "api-1", "c-1", NULL);
    store_api(f, "api-9", "c-1", NULL); /* the same caller reference again */
    agency_doc bad = {
        .reference = "api-2", .name = "A", .address = "Seoul", .title = "Tax",
        .deadline = "2026-12-31", .rk = "rk", .doc_sha256 = "ab", .body = "1",
        .body_len = 1, .line = 2, .caller_ref = "c-2",
    };
    assert_int_equal(agency_db_docs_store(f->db, &bad, 1, NULL), -1);
    assert_int_equal(agency_db_api_refs_of(f->db, callers, 2, refs), 0);
    assert_string_equal(refs[0], "api-1");
    assert_string_equal(refs[1], "");
    assert_int_equal(agency_db_docs_find(f->db, "api-2", &d), 0);
    free(d.body);
}

static void a_stored_document_is_found_whole(void **state)
{
    fixture *f = *state;
    agency_found d = {0};
    char notices[2][AGENCY_NOTICE_MAX + 1];
    const char *refs[] = {"run-2", "run-9"};

    store(f, "run-2", "Kim", "<p>hello</p>");
    assert_int_equal(agency_db_docs_find(f->db, "run-2", &d), 1);
    assert_string_equal(d.state, "stored");
    assert_string_equal(d.notice, "");
    assert_string_equal(d.rk, "rk-of-");
    assert_int_equal(d.body_len, 12);
    assert_memory_equal(d.body, "<p>hello</p>", 12);
    free(d.body);
    assert_int_equal(agency_db_docs_find(f->db, "run-9", &d), 0);
    assert_int_equal(agency_db_docs_known(f->db, refs, 2, notices), 0);
    assert_string_equal(notices[0], "");
    assert_string_equal(notices[1], "");

    /* Not yet answered: a re-run replaces it. */
    store(f, "run-2", "Kim", "<p>again</p>");
    assert_int_equal(agency_db_docs_find(f->db, "run-2", &d), 1);
    assert_memory_equal(d.body, "<p>again</p>", 12);
    free(d.body);
}

static void the_hubs_answer_is_recorded_once(void **state)
{
    fixture *f = *state;
    char notices[1][AGENCY_NOTICE_MAX + 1], notice[AGENCY_NOTICE_MAX + 1];
    const char *refs[] = {"run-2"};
    agency_found d = {0};

    store(f, "run-2", "Kim", "<p>hello</p>");
    answer(f, "run-2", "N-1", "accepted");
    answer(f, "run-2", "N-1", "accepted");
    assert_string_equal(state_of(f, "run-2", notice), "accepted");
    assert_string_equal(notice, "N-1");
    assert_int_equal(agency_db_docs_known(f->db, refs, 1, notices), 0);
    assert_string_equal(notices[0], "N-1");

    /* Answered: a re-run's store leaves it alone, body included. */
    store(f, "run-2", "Lee", "<p>other</p>");
    assert_int_equal(agency_db_docs_find(f->db, "run-2", &d), 1);
    assert_memory_equal(d.body, "<p>hello</p>", 12);
    free(d.body);

    /* A late answer never moves a document back. */
    feed(f, 1, (const char *[]){"N-1", "run-2", "received"}, 1);
    answer(f, "run-2", "N-1", "accepted");
    assert_string_equal(state_of(f, "run-2", NULL), "received");
}

/* Two processes pull the feed (agency serve, postal --sync): a page the
 * slower one applies after the other moved on is left, not applied over
 * the newer states with the cursor wound back. */
static void a_stale_page_is_left(void **state)
{
    fixture *f = *state;
    agency_change c = {"N-1", "r-1", "relayed", NULL, 0, NULL, NULL};
    size_t applied = 99;

    store(f, "r-1", "A", "1");
    answer(f, "r-1", "N-1", "accepted");
    assert_int_equal(feed(f, 10, (const char *[]){"N-1", "r-1", "relayed"}, 1), 1);
    assert_int_equal(feed(f, 20, (const char *[]){"N-1", "r-1", "received"}, 1), 1);
    /* the page after 0 again, as a process that read the cursor at 0 got it */
    assert_int_equal(agency_db_feed_apply(f->db, &c, 1, 0, 10, &applied), 0);
    assert_int_equal(applied, 0);
    assert_int_equal(agency_db_feed_cursor(f->db), 20);
    assert_string_equal(state_of(f, "r-1", NULL), "received");
}

static void the_feed_moves_states_and_final_ones_stay(void **state)
{
    fixture *f = *state;
    char notice[AGENCY_NOTICE_MAX + 1];

    store(f, "r-1", "A", "1");
    store(f, "r-2", "B", "2");
    store(f, "r-3", "C", "3");
    answer(f, "r-1", "N-1", "accepted");
    answer(f, "r-2", "N-2", "accepted");

    assert_int_equal(feed(f, 10, (const char *[]){"N-1", "r-1", "received"}, 1), 1);
    assert_string_equal(state_of(f, "r-1", NULL), "received");
    assert_int_equal(feed(f, 11, (const char *[]){"N-1", "r-1", "read"}, 1), 1);
    assert_int_equal(feed(f, 12, (const char *[]){"N-1", "r-1", "received",
                                                  "N-2", "r-2", "postal"}, 2), 1);
    assert_string_equal(state_of(f, "r-1", NULL), "read");
    assert_string_equal(state_of(f, "r-2", NULL), "postal");
    assert_int_equal(feed(f, 13, (const char *[]){"N-2", "r-2", "relayed",
                                                  "N-1", "r-1", "postal"}, 2), 0);
    assert_string_equal(state_of(f, "r-1", NULL), "read");
    assert_string_equal(state_of(f, "r-2", NULL), "postal");

    /* Within one page a notice ends where its changes in order would: at
     * the first final state. The feed may also come before the answer. */
    assert_int_equal(feed(f, 14, (const char *[]){"N-3", "r-3", "relayed",
                                                  "N-3", "r-3", "read",
                                                  "N-3", "r-3", "received"}, 3), 1);
    assert_string_equal(state_of(f, "r-3", notice), "read");
    assert_string_equal(notice, "N-3");
    assert_int_equal(agency_db_feed_cursor(f->db), 14);
}

static int keep_outcome(void *ctx, const agency_outcome *o)
{
    *(agency_outcome *)ctx = *o;
    return 0;
}

static agency_outcome outcome_of(fixture *f, const char *ref)
{
    agency_outcome o = {0};

    assert_int_equal(agency_db_outcomes(f->db, ref, 0, 0, keep_outcome, &o), 0);
    return o;
}

/* The states queued in the callback queue, space-separated. */
static void queued_states(fixture *f, char *out, size_t cap)
{
    long long last = 0, first = 0;
    json_t *v = agency_db_api_events_peek(f->db, 100, &last, &first), *e;
    size_t i, len = 0;

    out[0] = '\0';
    json_array_foreach(v, i, e)
        len += (size_t)snprintf(out + len, cap - len, "%s%s", i ? " " : "",
                                json_string_value(json_object_get(e, "state")));
    json_decref(v);
}

static int cancelled(fixture *f, const char *ref)
{
    agency_found d = {0};

    assert_int_equal(agency_db_docs_find(f->db, ref, &d), 1);
    free(d.body);
    return d.cancelled;
}

/* A cancellation the hub recorded on a notice it had sent to paper
 * before the feed told the agency: the state stays the hub's, and the
 * feed's postal, when it comes, moves the document and is queued for the
 * back office, which would otherwise hear of no final state at all. */
static void a_cancel_after_the_hub_went_to_paper_keeps_postal(void **state)
{
    fixture *f = *state;
    char states[256];

    store_api(f, "r-1", "tax-1", NULL);
    store_api(f, "r-2", "tax-2", NULL);
    answer(f, "r-1", "N-1", "accepted");
    answer(f, "r-2", "N-2", "accepted");
    assert_int_equal(feed(f, 10, (const char *[]){"N-1", "r-1", "received", "N-2", "r-2",
                                                  "received"}, 2), 2);
    assert_int_equal(agency_db_cancel_record(f->db, "r-1", "sent in error", "postal",
                                             "2026-12-02T00:00:00.000Z", 1), 0);
    assert_int_equal(agency_db_cancel_record(f->db, "r-2", "sent in error", "cancelled",
                                             "2026-12-02T00:00:00.000Z", 1), 0);
    assert_string_equal(state_of(f, "r-1", NULL), "received");
    assert_string_equal(state_of(f, "r-2", NULL), "cancelled");
    assert_true(cancelled(f, "r-1")); /* withdrawn all the same: it no longer opens */
    store_api(f, "r-3", "tax-3", NULL); /* no state from the hub: the document keeps its own */
    assert_int_equal(agency_db_cancel_record(f->db, "r-3", "sent in error", NULL,
                                             "2026-12-02T00:00:00.000Z", 1), 0);
    assert_string_not_equal(state_of(f, "r-3", NULL), "cancelled");
    assert_true(cancelled(f, "r-3"));
    assert_int_equal(feed(f, 11, (const char *[]){"N-1", "r-1", "postal"}, 1), 1);
    assert_string_equal(state_of(f, "r-1", NULL), "postal");
    queued_states(f, states, sizeof states);
    assert_string_equal(states, "received received postal");
}

/* An inbox or a reading that moved no state at the hub (the notice gone
 * to paper first) comes as evidence: its time is kept once, as the
 * certificate's first one is, and an API notice's timeline says so. */
static void evidence_after_paper_gives_its_time_once(void **state)
{
    fixture *f = *state;
    char states[256];
    agency_change c[3] = {
        {"N-1", "r-1", "postal", "1970-01-01T00:00:05.000Z", 5000, NULL, "ContentHandover"},
        {"N-1", "r-1", "postal", "1970-01-01T00:00:04.000Z", 4000, NULL, "ContentConsignment"},
        {"N-1", "r-1", "postal", "1970-01-01T00:00:06.000Z", 6000, NULL, "ContentHandover"},
    };
    size_t applied = 99;

    store_api(f, "r-1", "tax-1", NULL);
    answer(f, "r-1", "N-1", "accepted");
    assert_int_equal(feed(f, 10, (const char *[]){"N-1", "r-1", "postal"}, 1), 1);
    assert_int_equal(outcome_of(f, "r-1").read_at, 0);
    assert_int_equal(agency_db_feed_apply(f->db, c, 1, 10, 11, &applied), 0);
    assert_int_equal(applied, 1);
    assert_string_equal(state_of(f, "r-1", NULL), "postal");
    assert_int_equal(outcome_of(f, "r-1").read_at, 5000);
    /* a later reading changes nothing; an inbox, in the same page, is new */
    assert_int_equal(agency_db_feed_apply(f->db, c + 1, 2, 11, 12, &applied), 0);
    assert_int_equal(applied, 1);
    assert_int_equal(outcome_of(f, "r-1").read_at, 5000);
    assert_int_equal(outcome_of(f, "r-1").received_at, 4000);
    assert_string_equal(state_of(f, "r-1", NULL), "postal");
    queued_states(f, states, sizeof states);
    assert_string_equal(states, "postal opened reached_inbox");

    /* An inbox left behind, then another inbox as a state, in one page:
     * the first is the time kept, as in the certificate, and comes first */
    agency_change d[2] = {
        {"N-2", "r-2", "accepted", "1970-01-01T00:00:02.000Z", 2000, NULL, "ContentConsignment"},
        {"N-2", "r-2", "received", "1970-01-01T00:00:07.000Z", 7000, "beta", NULL},
    };
    store_api(f, "r-2", "tax-2", NULL);
    answer(f, "r-2", "N-2", "accepted");
    assert_int_equal(agency_db_feed_apply(f->db, d, 2, 12, 13, &applied), 0);
    assert_int_equal(applied, 1);
    assert_string_equal(state_of(f, "r-2", NULL), "received");
    assert_int_equal(outcome_of(f, "r-2").received_at, 2000);
    queued_states(f, states, sizeof states);
    assert_string_equal(states, "postal opened reached_inbox reached_inbox received");

    /* The notice's own inbox, then one left behind, then paper, in one
     * page: the first inbox is kept, not the later one */
    agency_change g[3] = {
        {"N-3", "r-3", "received", "1970-01-01T00:00:05.000Z", 5000, "beta", NULL},
        {"N-3", "r-3", "received", "1970-01-01T00:00:06.000Z", 6000, "beta", "ContentConsignment"},
        {"N-3", "r-3", "postal", "1970-01-01T00:00:08.000Z", 8000, "beta", NULL},
    };
    store_api(f, "r-3", "tax-3", NULL);
    answer(f, "r-3", "N-3", "accepted");
    assert_int_equal(agency_db_feed_apply(f->db, g, 3, 13, 14, &applied), 0);
    assert_int_equal(applied, 1);
    assert_string_equal(state_of(f, "r-3", NULL), "postal");
    assert_int_equal(outcome_of(f, "r-3").received_at, 5000);
}

typedef struct listed {
    char refs[4][16];
    int n, ended;
    char batch[16]; /* an only_new listing's */
} listed;

static int collect(void *ctx, const char *reference, const char *name, const char *address,
                   const char *title)
{
    listed *l = ctx;

    (void)name, (void)address, (void)title;
    if (!reference) {
        l->ended = 1;
        return 0;
    }
    if (l->n < 4)
        snprintf(l->refs[l->n], sizeof l->refs[0], "%s", reference);
    l->n++;
    return 0;
}

static int refuse_at_end(void *ctx, const char *reference, const char *name,
                         const char *address, const char *title)
{
    return reference ? collect(ctx, reference, name, address, title) : -1;
}

static int list_letter(void *ctx, const char *notice, const char *reference, int cancelled);

/* A listing; an only_new one is print batch "new-K", K counting them. */
static listed postal(fixture *f, int only_new)
{
    static int k;
    listed l = {0};
    long long n = -1;
    char batch[16];

    snprintf(batch, sizeof batch, "new-%d", ++k);
    assert_int_equal(agency_db_postal_list(f->db, only_new, "2026-12-01T00:00:00.000Z", batch,
                                           &n, collect, &l), 0);
    assert_true(l.ended);
    assert_int_equal(n, only_new ? l.n : 0);
    snprintf(l.batch, sizeof l.batch, "%s", batch);
    return l;
}

static void the_postal_list_and_its_printed_marks(void **state)
{
    fixture *f = *state;
    listed l = {0};

    store(f, "r-b", "B", "b");
    store(f, "r-a", "A", "a");
    store(f, "r-c", "C", "c");
    feed(f, 5, (const char *[]){"N-b", "r-b", "postal", "N-a", "r-a", "postal",
                                "N-c", "r-c", "received"}, 3);
    l = postal(f, 0);
    assert_int_equal(l.n, 2);
    assert_string_equal(l.refs[0], "r-a");
    assert_string_equal(l.refs[1], "r-b");

    /* A listing that fails at its end marks nothing. */
    memset(&l, 0, sizeof l);
    long long n = -1;
    assert_int_equal(agency_db_postal_list(f->db, 1, "2026-12-01T00:00:00.000Z", "refused", &n,
                                           refuse_at_end, &l), -1);
    assert_int_equal(postal(f, 1).n, 2);
    /* ... a batch a hand-over can name: PrintHandover for each of them */
    char names[64] = "", was[32];
    int found = 0;
    for (int k = 1; k < 8 && !found; k++) {
        char batch[16];
        snprintf(batch, sizeof batch, "new-%d", k);
        found = agency_db_letters_batch(f->db, batch, list_letter, names, was, sizeof was) == 1;
    }
    assert_true(found);
    assert_string_equal(names, "r-a r-b ");
    assert_int_equal(postal(f, 1).n, 0);
    feed(f, 6, (const char *[]){"N-c", "r-c", "postal"}, 1);
    l = postal(f, 1);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.refs[0], "r-c");
    assert_int_equal(postal(f, 0).n, 3);
}

/* Retention keeps a postal notice's letter until it is printed. */
static void a_letter_still_to_print_outlives_its_retention(void **state)
{
    fixture *f = *state;
    long long purged = -1, held = -1;

    store(f, "r-a", "A", "a");
    store(f, "r-b", "B", "b");
    store(f, "r-c", "C", "c");
    feed(f, 5, (const char *[]){"N-a", "r-a", "postal"}, 1);
    listed first = postal(f, 1); /* r-a listed for the print house */
    assert_int_equal(first.n, 1);
    feed(f, 6, (const char *[]){"N-b", "r-b", "postal", "N-c", "r-c", "read"}, 2);
    assert_int_equal(agency_db_purge(f->db, 1LL << 50, "2027-05-31T00:00:00.000Z", &purged, &held, NULL, NULL), 0);
    assert_int_equal(purged, 1); /* r-c; r-a's list not handed over, r-b's letter to print */
    assert_int_equal(held, 2);
    assert_int_equal(agency_db_letters_handed_over(f->db, first.batch, "2026-12-02T00:00:00.000Z"), 0);
    assert_int_equal(agency_db_purge(f->db, 1LL << 50, "2027-06-01T00:00:00.000Z", &purged, &held, NULL, NULL), 0);
    assert_int_equal(purged, 1); /* r-a */
    assert_int_equal(held, 1);
    listed l = postal(f, 1);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.refs[0], "r-b");
    assert_int_equal(agency_db_letters_handed_over(f->db, l.batch, "2026-12-03T00:00:00.000Z"), 0);
    assert_int_equal(agency_db_purge(f->db, 1LL << 50, "2027-06-02T00:00:00.000Z", &purged, &held, NULL, NULL), 0);
    assert_int_equal(purged, 1);
    assert_int_equal(held, 0);
}

static void count_batch(void *ctx, const char *batch)
{
    (void)batch;
    (*(int *)ctx)++;
}

/* A letter printed in a batch not yet handed to the print house is still
 * to be mailed: kept past its retention, and its batch's files with it;
 * a batch whose letters were all cancelled goes without a hand-over. */
static void a_printed_letter_waits_for_its_hand_over(void **state)
{
    fixture *f = *state;
    long long purged = -1, held = -1;
    const char *a[] = {"r-a"}, *b[] = {"r-b"};
    int done = 0;
    unsigned char out[1];

    store(f, "r-a", "A", "a");
    store(f, "r-b", "B", "b");
    feed(f, 5, (const char *[]){"N-a", "r-a", "postal", "N-b", "r-b", "postal"}, 2);
    assert_int_equal(agency_db_letters_mark(f->db, "b1", "2026-12-01T00:00:00.000Z", a, 1, 1, out),
                     0);
    assert_int_equal(agency_db_letters_mark(f->db, "b2", "2026-12-01T00:00:00.000Z", b, 1, 1, out),
                     0);
    assert_int_equal(agency_db_cancel_record(f->db, "r-b", "wrong address", "postal",
                                             "2026-12-02T00:00:00.000Z", 1), 0);
    assert_int_equal(agency_db_purge(f->db, 1LL << 50, "2027-06-01T00:00:00.000Z", &purged, &held,
                                     count_batch, &done), 0);
    assert_int_equal(purged, 1); /* r-b, cancelled: not to be mailed */
    assert_int_equal(held, 1);
    assert_int_equal(done, 1); /* b2 */
    assert_int_equal(agency_db_letters_handed_over(f->db, "b1", "2026-12-03T00:00:00.000Z"), 0);
    done = 0;
    assert_int_equal(agency_db_purge(f->db, 1LL << 50, "2027-06-02T00:00:00.000Z", &purged, &held,
                                     count_batch, &done), 0);
    assert_int_equal(purged, 1);
    assert_int_equal(held, 0);
    assert_int_equal(done, 2); /* b1 now, and b2 again: its files are deleted by then */
}

static int list_letter(void *ctx, const char *notice, const char *reference, int cancelled)
{
    char *out = ctx;

    (void)notice;
    snprintf(out + strlen(out), 64 - strlen(out), "%s%s ", reference, cancelled ? "(x)" : "");
    return 0;
}

/* A notice cancelled while its letter was drawn is not marked printed:
 * the batch is recorded without it, and says so (left_out), for its
 * letter to be taken out. One cancelled after its batch was marked is
 * named as such to the hand-over, and to the cancel. A letter another run
 * printed meanwhile throws the batch away. */
static void a_letter_cancelled_meanwhile_is_not_printed(void **state)
{
    fixture *f = *state;
    const char *both[] = {"r-a", "r-b"}, *a[] = {"r-a"};
    char listed[64] = "", was[32], batch[64];
    unsigned char out[2] = {9, 9};
    int handed = -1;

    store(f, "r-a", "A", "a");
    store(f, "r-b", "B", "b");
    feed(f, 5, (const char *[]){"N-a", "r-a", "postal", "N-b", "r-b", "postal"}, 2);
    /* the run read both; r-b is cancelled before the run marks them */
    assert_int_equal(agency_db_cancel_record(f->db, "r-b", "wrong address", "postal",
                                             "2026-12-02T00:00:00.000Z", 1), 0);
    assert_int_equal(agency_db_letters_mark(f->db, "b1", "2026-12-02T00:00:01.000Z", both, 2, 2,
                                            out), 0);
    assert_int_equal(out[0], 0);
    assert_int_equal(out[1], 1);
    assert_int_equal(agency_db_letter_printed(f->db, "r-a", batch, sizeof batch, &handed), 1);
    assert_string_equal(batch, "b1");
    assert_int_equal(handed, 0);
    assert_int_equal(agency_db_letter_printed(f->db, "r-b", batch, sizeof batch, &handed), 0);
    /* another run that drew r-a too: nothing of it is recorded */
    assert_int_equal(agency_db_letters_mark(f->db, "b2", "2026-12-02T00:00:02.000Z", a, 1, 1, out),
                     1);
    assert_int_equal(agency_db_letters_batch(f->db, "b2", list_letter, listed, was, sizeof was),
                     0);
    assert_int_equal(agency_db_cancel_record(f->db, "r-a", "paid already", "postal",
                                             "2026-12-03T00:00:00.000Z", 1), 0);
    assert_int_equal(agency_db_letters_batch(f->db, "b1", list_letter, listed, was, sizeof was),
                     1);
    /* r-b, left out but in the batch's files, is named at the hand-over
     * as a letter to take out, as r-a, cancelled since, is */
    assert_string_equal(listed, "r-a(x) r-b(x) ");
    assert_int_equal(agency_db_letters_handed_over(f->db, "b1", "2026-12-03T00:00:00.000Z"), 0);
    assert_int_equal(agency_db_letter_printed(f->db, "r-a", batch, sizeof batch, &handed), 1);
    assert_int_equal(handed, 1);
    assert_int_equal(agency_db_letter_printed(f->db, "r-b", batch, sizeof batch, &handed), 0);
}

/* What agency_db_letters_parts gave: the parts' sizes, and each row's
 * part and reference in the order they came. */
typedef struct parts_seen {
    int parts;
    long sizes[4];
    int part[16];
    char refs[16][8];
    int n;
} parts_seen;

static int take_parts(void *ctx, int parts, const long *sizes)
{
    parts_seen *p = ctx;

    p->parts = parts;
    for (int k = 0; k < parts && k < 4; k++)
        p->sizes[k] = sizes[k];
    return 0;
}

static int take_row(void *ctx, int part, const agency_letter_row *row)
{
    parts_seen *p = ctx;

    if (p->n == 16)
        return -1;
    p->part[p->n] = part;
    snprintf(p->refs[p->n++], 8, "%s", row->reference);
    return 0;
}

static parts_seen letter_parts(fixture *f, int max_parts, long min_part)
{
    parts_seen p = {0};

    assert_int_equal(agency_db_letters_parts(f->db, max_parts, min_part, take_parts, take_row,
                                             &p), 0);
    return p;
}

static void the_letters_split_into_runs_of_references(void **state)
{
    fixture *f = *state;
    const char *refs[] = {"r-5", "r-1", "r-7", "r-3", "r-2", "r-6", "r-4", "r-8"};
    char notice[8];
    parts_seen p;

    for (int i = 0; i < 8; i++) {
        store(f, refs[i], "N", "<p>x</p>");
        snprintf(notice, sizeof notice, "N-%d", i);
        answer(f, refs[i], notice, i == 7 ? "received" : "postal"); /* r-8: not to print */
    }
    /* 7 letters in 3 runs: 2, 2, 3, fed one row of each in turn */
    p = letter_parts(f, 3, 0);
    assert_int_equal(p.parts, 3);
    assert_int_equal(p.sizes[0] + p.sizes[1] + p.sizes[2], 7);
    assert_int_equal(p.sizes[0], 2);
    assert_int_equal(p.sizes[2], 3);
    assert_int_equal(p.n, 7);
    const char *order[] = {"r-1", "r-3", "r-5", "r-2", "r-4", "r-6", "r-7"};
    const int in[] = {0, 1, 2, 0, 1, 2, 2};
    for (int i = 0; i < 7; i++) {
        assert_string_equal(p.refs[i], order[i]);
        assert_int_equal(p.part[i], in[i]);
    }
    /* at least 3 a run: 2 runs (3 and 4); at least 8: one run */
    p = letter_parts(f, 3, 3);
    assert_int_equal(p.parts, 2);
    assert_int_equal(p.sizes[0], 3);
    assert_int_equal(p.sizes[1], 4);
    assert_int_equal(letter_parts(f, 4, 8).parts, 1);
    /* more runs asked for than letters: one letter each */
    p = letter_parts(f, 16, 0);
    assert_int_equal(p.parts, 7);
    assert_int_equal(p.n, 7);
}

static void a_handover_burns_its_nonce_once(void **state)
{
    fixture *f = *state;
    long long last = -1;
    json_t *events;

    store(f, "r-1", "A", "1");
    answer(f, "r-1", "N-1", "received");
    assert_null(agency_db_outbox_peek(f->db, 10, &last));
    assert_int_equal(last, 0);
    assert_int_equal(agency_db_outbox_handover(f->db, "nonce-1", 5000, "r-1", "N-1",
                                               "2026-12-01T00:00:00.000Z"), 0);
    assert_int_equal(agency_db_outbox_handover(f->db, "nonce-1", 5000, "r-1", "N-1",
                                               "2026-12-01T00:00:01.000Z"), 1);
    assert_string_equal(state_of(f, "r-1", NULL), "read");
    assert_int_equal(agency_db_outbox_refusal(f->db, "N-1", "2026-12-01T00:00:02.000Z",
                                              "token already used"), 0);
    assert_int_equal(agency_db_outbox_count(f->db), 2);
    /* the same refusal again, as often as a link is replayed: nothing more */
    for (int i = 0; i < 5; i++)
        assert_int_equal(agency_db_outbox_refusal(f->db, "N-1", "2026-12-01T00:00:02.500Z",
                                                  "token already used"), 0);
    assert_int_equal(agency_db_outbox_count(f->db), 2);

    events = agency_db_outbox_peek(f->db, 10, &last);
    assert_non_null(events);
    assert_int_equal(json_array_size(events), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(events, 0), "event")),
                        "ContentHandover");
    assert_true(json_is_null(json_object_get(json_array_get(events, 0), "reason")));
    assert_string_equal(json_string_value(json_object_get(json_array_get(events, 1), "reason")),
                        "token already used");
    json_decref(events);
    assert_int_equal(agency_db_outbox_drop(f->db, last), 0);
    assert_int_equal(agency_db_outbox_count(f->db), 0);

    /* A paid notice opened stays paid, as at the hub. */
    store(f, "r-2", "B", "2");
    answer(f, "r-2", "N-2", "received");
    feed(f, 100, (const char *[]){"N-2", "r-2", "paid"}, 1);
    assert_int_equal(agency_db_outbox_handover(f->db, "nonce-2", 5000, "r-2", "N-2",
                                               "2026-12-01T00:00:04.000Z"), 0);
    assert_string_equal(state_of(f, "r-2", NULL), "paid");
    assert_int_equal(agency_db_outbox_drop(f->db, last + 1), 0);

    /* A purged nonce is forgotten once its token is a minute past expiry. */
    assert_int_equal(agency_db_outbox_purge_nonces(f->db, 5000 + 60001), 0);
    assert_int_equal(agency_db_outbox_handover(f->db, "nonce-1", 5000, "r-1", "N-1",
                                               "2026-12-01T00:00:03.000Z"), 0);
}

/* A document withdrawn between the request's look-up and its hand-over
 * is not handed over: no nonce burnt, no ContentHandover after the
 * cancellation. */
static void a_document_cancelled_meanwhile_is_not_handed_over(void **state)
{
    fixture *f = *state;

    store(f, "r-1", "A", "1");
    answer(f, "r-1", "N-1", "received");
    assert_int_equal(agency_db_cancel_record(f->db, "r-1", "sent in error", "cancelled",
                                             "2026-12-02T00:00:00.000Z", 1), 0);
    assert_int_equal(agency_db_outbox_handover(f->db, "nonce-1", 5000, "r-1", "N-1",
                                               "2026-12-02T00:00:01.000Z"), 2);
    assert_int_equal(agency_db_outbox_count(f->db), 0);
    /* nor an unknown reference */
    assert_int_equal(agency_db_outbox_handover(f->db, "nonce-2", 5000, "r-9", "N-9",
                                               "2026-12-02T00:00:01.000Z"), 2);
}

static int deny_commit(void *ctx, int action, const char *a, const char *b, const char *c,
                       const char *d)
{
    (void)ctx, (void)b, (void)c, (void)d;
    return action == SQLITE_TRANSACTION && a && !strcmp(a, "COMMIT") ? SQLITE_DENY : SQLITE_OK;
}

/* A COMMIT that fails leaves no transaction open on the shared
 * connection: the next hand-over goes through. */
static void a_failed_handover_commit_is_rolled_back(void **state)
{
    fixture *f = *state;

    store(f, "r-1", "A", "1");
    answer(f, "r-1", "N-1", "received");
    sqlite3_set_authorizer(f->db->sql, deny_commit, NULL);
    assert_int_equal(agency_db_outbox_handover(f->db, "nonce-1", 5000, "r-1", "N-1",
                                               "2026-12-02T00:00:01.000Z"), -1);
    sqlite3_set_authorizer(f->db->sql, NULL, NULL);
    assert_true(sqlite3_get_autocommit(f->db->sql));
    assert_int_equal(agency_db_outbox_handover(f->db, "nonce-1", 5000, "r-1", "N-1",
                                               "2026-12-02T00:00:02.000Z"), 0);
    assert_int_equal(agency_db_outbox_count(f->db), 1);
}

static void count_state(void *ctx, const char *state, long long n)
{
    if (!strcmp(state, "received"))
        *(long long *)ctx += n;
}

static void a_reopened_file_keeps_documents_and_cursor(void **state)
{
    fixture *f = *state;
    char notice[AGENCY_NOTICE_MAX + 1];
    long long received = 0;

    assert_int_equal(agency_db_feed_cursor(f->db), 0);
    store(f, "r-1", "A", "1");
    answer(f, "r-1", "N-1", "accepted");
    feed(f, 77, (const char *[]){"N-1", "r-1", "received"}, 1);
    reopen(f);
    assert_int_equal(agency_db_feed_cursor(f->db), 77);
    assert_string_equal(state_of(f, "r-1", notice), "received");
    assert_string_equal(notice, "N-1");
    assert_int_equal(agency_db_docs_count(f->db, count_state, &received), 0);
    assert_int_equal(received, 1);

    /* An empty page moves the cursor all the same. */
    feed(f, 80, NULL, 0);
    reopen(f);
    assert_int_equal(agency_db_feed_cursor(f->db), 80);
}

static void sum_days(void *ctx, const char *day, const agency_counts *c)
{
    agency_counts *t = ctx;

    (void)day;
    t->submitted += c->submitted, t->alerted += c->alerted, t->received += c->received;
    t->read += c->read, t->paper += c->paper, t->failed += c->failed;
    t->cancelled += c->cancelled;
}

static agency_counts counted(fixture *f)
{
    agency_counts t = {0};

    assert_int_equal(agency_db_counts_days(f->db, "1970-01-01", "2999-12-31", sum_days, &t), 0);
    return t;
}

static void the_day_counts_follow_each_change_once(void **state)
{
    fixture *f = *state;
    agency_counts c;

    store(f, "r-1", "A", "1");
    store(f, "r-2", "B", "2");
    store(f, "r-3", "C", "3");
    c = counted(f);
    assert_int_equal(c.submitted, 3);
    assert_int_equal(c.received, 0);
    answer(f, "r-1", "N-1", "accepted");
    answer(f, "r-2", "N-2", "accepted");
    answer(f, "r-3", "N-3", "accepted");
    /* r-1 is relayed, then read without a "received" first: both count. */
    feed(f, 1, (const char *[]){"N-1", "r-1", "relayed", "N-2", "r-2", "postal"}, 2);
    feed(f, 2, (const char *[]){"N-1", "r-1", "read", "N-1", "r-1", "read"}, 2);
    c = counted(f);
    assert_int_equal(c.alerted, 1);
    assert_int_equal(c.received, 1);
    assert_int_equal(c.read, 1);
    assert_int_equal(c.paper, 1);
    assert_int_equal(c.cancelled, 0);
    /* A final state stays: a later "received" for r-2 counts nothing. */
    feed(f, 3, (const char *[]){"N-2", "r-2", "received"}, 1);
    c = counted(f);
    assert_int_equal(c.received, 1);
    assert_int_equal(c.submitted, 3);
}

static void an_older_file_gets_its_counts_once(void **state)
{
    fixture *f = *state;
    agency_counts c;

    store(f, "r-1", "A", "1");
    store(f, "r-2", "B", "2");
    answer(f, "r-1", "N-1", "accepted");
    feed(f, 1, (const char *[]){"N-1", "r-1", "read"}, 1);
    /* a file from before the console: no count tables, no triggers */
    reopen_with(f, "DROP TABLE console_daily; DROP TABLE console_jobs;"
                   "DROP TRIGGER IF EXISTS console_count_stored;"
                   "DROP TRIGGER console_count_refused; DROP TRIGGER console_count_state_v2;");
    c = counted(f);
    assert_int_equal(c.submitted, 2);
    assert_int_equal(c.read, 1);
    assert_int_equal(c.received, 1);
    /* and only once */
    reopen(f);
    c = counted(f);
    assert_int_equal(c.submitted, 2);
}

typedef struct job_listing {
    char refs[8][16];
    size_t n;
} job_listing;

static void list_job_ref(void *ctx, const char *caller_ref, const char *state)
{
    job_listing *l = ctx;

    (void)state;
    if (l->n < 8)
        snprintf(l->refs[l->n++], sizeof l->refs[0], "%s", caller_ref);
}

/* The console's job page: the first 3 of job J's notices by caller
 * reference (K's not among them), the first 2 of its 3 refused rows. */
static void check_job_page(fixture *f)
{
    job_listing l = {0};
    json_t *o = NULL;

    assert_int_equal(agency_db_console_job_notices(f->db, "J", 3, list_job_ref, &l), 0);
    assert_int_equal(l.n, 3);
    assert_string_equal(l.refs[0], "a");
    assert_string_equal(l.refs[1], "b");
    assert_string_equal(l.refs[2], "c");
    assert_int_equal(agency_db_api_job_get(f->db, "J", 2, &o), 1);
    assert_int_equal(json_array_size(json_object_get(o, "errors")), 2);
    json_t *second = json_array_get(json_object_get(o, "errors"), 1);
    assert_int_equal(json_integer_value(json_object_get(second, "row")), 5);
    json_decref(o);
    assert_int_equal(agency_db_api_job_get(f->db, "J", SIZE_MAX, &o), 1);
    assert_int_equal(json_array_size(json_object_get(o, "errors")), 3);
    json_decref(o);
}

static void a_jobs_page_reads_its_first_notices_and_rows(void **state)
{
    fixture *f = *state;
    const char *refs[] = {"r-1", "r-2", "r-3", "r-4"}, *callers[] = {"d", "b", "a", "c"};
    const char *k_refs[] = {"r-5"}, *k_callers[] = {"0"};
    const long rows[] = {2, 5, 9};
    const char *fields[] = {"rrn", "phone", NULL}, *details[] = {"bad", "bad", "bad"};
    char err[256];
    long long n;

    for (size_t i = 0; i < 4; i++)
        store_api(f, refs[i], callers[i], "J");
    store_api(f, k_refs[0], k_callers[0], "K");
    assert_int_equal(agency_db_api_job_create(f->db, "J", 7, "t"), 0);
    assert_int_equal(agency_db_api_job_errors(f->db, "J", rows, fields, details, 3), 0);
    check_job_page(f);
    /* a file with the index of before: it goes, the new one comes */
    reopen_with(f, "DROP INDEX api_refs_job_caller;"
                   "CREATE INDEX api_refs_job ON api_refs(job) WHERE job IS NOT NULL;");
    check_job_page(f);
    sqlite3 *sql = db_open(f->path, NULL, 0, err, sizeof err);
    assert_non_null(sql);
    assert_int_equal(db_one_int(sql, "SELECT 10 * sum(name = 'api_refs_job_caller')"
                                     " + sum(name = 'api_refs_job') FROM sqlite_schema", &n), 1);
    db_close(sql);
    assert_int_equal(n, 10);
}

static void list_job(void *ctx, const char *job, const char *created, const agency_counts *c)
{
    job_listing *l = ctx;

    (void)created;
    if (l->n < 8)
        snprintf(l->refs[l->n++], sizeof l->refs[0], "%s:%lld", job, c->submitted);
}

static void the_dashboard_lists_the_newest_jobs(void **state)
{
    fixture *f = *state;
    const char *jobs[] = {"A", "C", "B", "D"};
    const char *at[] = {"2026-12-01T00:00:01.000Z", "2026-12-01T00:00:03.000Z",
                        "2026-12-01T00:00:02.000Z", "2026-12-01T00:00:04.000Z"};
    job_listing l = {0};
    char ref[8];

    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(agency_db_api_job_create(f->db, jobs[i], 2, at[i]), 0);
        if (i == 3)
            continue; /* D: nothing counted yet */
        for (int k = 0; k <= (int)i; k++) {
            snprintf(ref, sizeof ref, "%s%d", jobs[i], k);
            store_api(f, ref, ref, jobs[i]);
        }
    }
    assert_int_equal(agency_db_counts_jobs(f->db, 2, list_job, &l), 0);
    assert_int_equal(l.n, 2);
    assert_string_equal(l.refs[0], "C:2");
    assert_string_equal(l.refs[1], "B:3");
    l.n = 0;
    assert_int_equal(agency_db_counts_jobs(f->db, 10, list_job, &l), 0);
    assert_int_equal(l.n, 3);
    assert_string_equal(l.refs[2], "A:1");
}

/* The jobs' figures as "JOB:submitted ..." from the newest job. */
static const char *job_figures(fixture *f)
{
    static char out[128];
    job_listing l = {0};
    size_t used = 0;

    assert_int_equal(agency_db_counts_jobs(f->db, 8, list_job, &l), 0);
    out[0] = '\0';
    for (size_t i = 0; i < l.n; i++)
        used += (size_t)snprintf(out + used, sizeof out - used, "%s%s", i ? " " : "", l.refs[i]);
    return out;
}

/* An API notice's document, its caller reference its own reference. */
static agency_doc api_doc(const char *ref, const char *job)
{
    return (agency_doc){
        .reference = ref, .name = "A", .address = "Seoul", .title = "Tax",
        .deadline = "2026-12-31", .rk = "rk", .doc_sha256 = "ab", .body = "1",
        .body_len = 1, .line = 2, .caller_ref = ref, .job = job, .created = "t",
    };
}

/* A batch adds each job's new notices once, whatever the order of its
 * rows; a caller reference stored before adds nothing. A file whose
 * older version counted by a trigger on api_refs loses the trigger, so
 * nothing is counted twice. */
static void a_batch_counts_its_jobs_notices_once(void **state)
{
    fixture *f = *state;
    static const char *const refs[] = {"a", "b", "c", "d", "e", "a", "f"};
    static const char *const jobs[] = {"J1", "J1", "J2", "J1", NULL, "J1", "J1"};
    agency_doc d[7];

    assert_int_equal(agency_db_api_job_create(f->db, "J1", 4, "2026-12-01T00:00:01.000Z"), 0);
    assert_int_equal(agency_db_api_job_create(f->db, "J2", 2, "2026-12-01T00:00:02.000Z"), 0);
    for (size_t i = 0; i < 7; i++)
        d[i] = api_doc(refs[i], jobs[i]);
    assert_int_equal(agency_db_docs_store(f->db, d, 5, NULL), 0);
    assert_string_equal(job_figures(f), "J2:1 J1:3");
    assert_int_equal(agency_db_docs_store(f->db, d + 5, 2, NULL), 0); /* a again, and f */
    assert_string_equal(job_figures(f), "J2:1 J1:4");
    reopen_with(f, "CREATE TRIGGER console_count_job AFTER INSERT ON api_refs"
                   " WHEN NEW.job IS NOT NULL BEGIN INSERT INTO console_jobs(job,"
                   " submitted) VALUES (NEW.job, 1) ON CONFLICT(job) DO UPDATE SET"
                   " submitted = submitted + 1; END;");
    d[0] = api_doc("g", "J2");
    assert_int_equal(agency_db_docs_store(f->db, d, 1, NULL), 0);
    assert_string_equal(job_figures(f), "J2:2 J1:4");
}

/* ref's name as stored, read on a connection of its own. */
static const char *name_of(fixture *f, const char *ref)
{
    static char name[64];
    char err[256];
    sqlite3 *sql = db_open(f->path, NULL, 0, err, sizeof err);
    sqlite3_stmt *st = sql ? db_prepare(sql, "SELECT name FROM documents WHERE reference = ?")
                           : NULL;

    assert_non_null(st);
    sqlite3_bind_text(st, 1, ref, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    snprintf(name, sizeof name, "%s", db_text(st, 0));
    sqlite3_finalize(st);
    db_close(sql);
    return name;
}

/* The day's submitted figure counts a document the first time it is
 * stored: not again when a re-run stores it before the hub answered, nor
 * after; and an older file's per-row trigger goes at open. */
static void a_document_is_counted_once_however_often_stored(void **state)
{
    fixture *f = *state;

    store(f, "r-1", "A", "1");
    store(f, "r-2", "B", "2");
    assert_int_equal(counted(f).submitted, 2);
    store(f, "r-2", "B2", "2");
    store(f, "r-3", "C", "3");
    assert_int_equal(counted(f).submitted, 3);
    assert_string_equal(name_of(f, "r-2"), "B2"); /* stored again all the same */
    answer(f, "r-1", "N-1", "accepted");
    store(f, "r-1", "A2", "1");
    assert_int_equal(counted(f).submitted, 3);
    assert_string_equal(name_of(f, "r-1"), "A"); /* answered: left alone */
    reopen_with(f, "CREATE TRIGGER console_count_stored AFTER INSERT ON documents BEGIN"
                   " INSERT INTO console_daily(day, submitted) VALUES (date('now'), 1)"
                   " ON CONFLICT(day) DO UPDATE SET submitted = submitted + 1; END;");
    store(f, "r-4", "D", "4");
    assert_int_equal(counted(f).submitted, 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(a_caller_reference_is_kept_with_its_document, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_stored_document_is_found_whole, setup, teardown),
        cmocka_unit_test_setup_teardown(the_hubs_answer_is_recorded_once, setup, teardown),
        cmocka_unit_test_setup_teardown(a_stale_page_is_left, setup, teardown),
        cmocka_unit_test_setup_teardown(the_feed_moves_states_and_final_ones_stay, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_letter_still_to_print_outlives_its_retention, setup, teardown),
        cmocka_unit_test_setup_teardown(a_printed_letter_waits_for_its_hand_over, setup, teardown),
        cmocka_unit_test_setup_teardown(a_reference_keeps_the_document_the_hub_may_hold, setup, teardown),
        cmocka_unit_test_setup_teardown(a_letter_cancelled_meanwhile_is_not_printed, setup, teardown),
        cmocka_unit_test_setup_teardown(the_postal_list_and_its_printed_marks, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(the_letters_split_into_runs_of_references, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_handover_burns_its_nonce_once, setup, teardown),
        cmocka_unit_test_setup_teardown(a_document_cancelled_meanwhile_is_not_handed_over, setup, teardown),
        cmocka_unit_test_setup_teardown(a_failed_handover_commit_is_rolled_back, setup, teardown),
        cmocka_unit_test_setup_teardown(a_cancel_after_the_hub_went_to_paper_keeps_postal, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(evidence_after_paper_gives_its_time_once, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_reopened_file_keeps_documents_and_cursor, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(the_day_counts_follow_each_change_once, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(an_older_file_gets_its_counts_once, setup, teardown),
        cmocka_unit_test_setup_teardown(a_batch_counts_its_jobs_notices_once, setup, teardown),
        cmocka_unit_test_setup_teardown(a_document_is_counted_once_however_often_stored, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_jobs_page_reads_its_first_notices_and_rows, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(the_dashboard_lists_the_newest_jobs, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
