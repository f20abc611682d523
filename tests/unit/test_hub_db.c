/* test_hub_db.c -- the hub's store at its public functions, against real
 * SQLite files in a temporary folder: data survives a reopen; a notice
 * goes through every state the API can take it through (relay accepted,
 * rejected, failed; reports up to read; deadlines to the next platform
 * and to postal); the same submission or report twice is kept once; a
 * final state is never left by a late or out-of-order answer; the
 * agencies' change feed is ordered and gap-free. What a test reads back
 * is the JSON an agency would get (hub_db_notice_json, hub_db_changes_json).
 * After every test the operators' console's summaries must agree with a
 * count of the notices (assert_summaries_agree).
 *
 * With HERALD_TEST_PG_DSN set (a libpq connection string to an empty
 * database it may wipe), the same cases run on the PostgreSQL store
 * instead, with the log's sequencer running: what the sequencer has yet
 * to integrate is waited for before the feed or the log's size is read
 * (settle). The cases about SQLite files are skipped there; those about
 * several nodes sharing the database run only there. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>
#include <sqlite3.h>

#include <time.h>

#include "certificate.h"
#include "clock.h"
#include "crypto.h"
#include "hub_db.h"
#include "hub_directory.h"
#include "hub_evidence_log.h"
#include "sql.h"

#define T0 1790000000000LL
#define DAY (24 * 3600 * 1000LL)
#define DEADLINE (T0 + 7 * DAY)
#define FALLBACK_MS 5000LL
/* hub_db.c's relay lease: a claimed or routed notice waits this long. */
#define LEASE_MS (5 * 60 * 1000LL)

/* Recipients: rk1 is reached by alpha (first choice), then beta; rk2 by
 * gamma, which the hub does not know, then alpha; rk3 by nobody. */
static const char rk1[] = "1111111111111111111111111111111111111111111111111111111111111111";
static const char rk2[] = "2222222222222222222222222222222222222222222222222222222222222222";
static const char rk3[] = "3333333333333333333333333333333333333333333333333333333333333333";
static const char sha[] = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";

typedef struct fixture {
    char dir[32], path[64], dir_path[64];
    hub_db *db;
    hub_directory *d;
} fixture;

static int known(void *ctx, const char *platform)
{
    (void)ctx;
    return !strcmp(platform, "alpha") || !strcmp(platform, "beta");
}

static void route(hub_directory *d, const char *platform, const char *rk, int preference)
{
    hub_dir_entry e = {.consent = 1, .preference = preference};

    memcpy(e.rk, rk, sizeof e.rk);
    assert_int_equal(hub_directory_put(d, platform, &e, 1, T0), 0);
}

/* The PostgreSQL database the cases run on, or NULL for SQLite files. */
static const char *pg_dsn;

/* A node of the PostgreSQL store, its sequencer running (no key: the
 * cases here read leaves, not heads). */
static hub_db *open_node(const char *node)
{
    char err[256];
    hub_db *db = hub_db_open_pg(pg_dsn, node, err, sizeof err);

    if (!db)
        fail_msg("hub_db_open_pg: %s", err);
    assert_int_equal(hub_evidence_log_start_signer(hub_db_log(db), 20), 0);
    return db;
}

static void open_db(fixture *f)
{
    char err[256];

    f->db = pg_dsn ? open_node("node-a") : hub_db_open(f->path, err, sizeof err);
    if (!f->db)
        fail_msg("hub_db_open: %s", err);
    hub_db_set_directory(f->db, f->d);
    hub_db_set_fallback_ms(f->db, FALLBACK_MS);
}

/* Closes the store for a test that reopens it: a test that fails before
 * the reopen leaves teardown nothing to close twice. */
static void close_db(fixture *f)
{
    hub_db_close(f->db);
    f->db = NULL;
}

/* Runs sql on the PostgreSQL database: 0 or -1. */
static int pg_exec(const char *sql)
{
    char err[256];
    sql_conn *c = sql_connect_pg(pg_dsn, err, sizeof err);
    int ok;

    if (!c)
        fail_msg("PostgreSQL: %s", err);
    ok = sql_exec(c, sql);
    sql_close(c);
    return ok;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    char err[256];

    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/test_hub_db.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/hub.db", f->dir);
    snprintf(f->dir_path, sizeof f->dir_path, "%s/directory.db", f->dir);
    f->d = hub_directory_open(f->dir_path, NULL, err, sizeof err);
    assert_non_null(f->d);
    route(f->d, "alpha", rk1, 1);
    route(f->d, "beta", rk1, 2);
    route(f->d, "gamma", rk2, 1);
    route(f->d, "alpha", rk2, 2);
    if (pg_dsn)
        assert_int_equal(pg_exec("SET client_min_messages = warning;"
                                 " DROP SCHEMA public CASCADE; CREATE SCHEMA public"), 0);
    open_db(f);
    *state = f;
    return 0;
}

/* The first column of sql's first row, on PostgreSQL. */
static long long pg_one_int(const char *sql)
{
    char err[256];
    sql_conn *c = sql_connect_pg(pg_dsn, err, sizeof err);
    sql_stmt *st;
    long long v = -1;

    if (!c)
        fail_msg("PostgreSQL: %s", err);
    st = sql_prepare(c, sql);
    if (st && sql_step(st) == 1)
        v = sql_int64(st, 0);
    sql_finalize(st);
    sql_close(c);
    return v;
}

/* The first column of sql's first row, on the file at path (or the
 * PostgreSQL database). */
static long long one_int(const char *path, const char *sql)
{
    sqlite3 *conn;
    sqlite3_stmt *st;
    long long v = -1;

    if (pg_dsn)
        return pg_one_int(sql);
    assert_int_equal(sqlite3_open(path, &conn), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(conn, sql, -1, &st, NULL), SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(conn);
    return v;
}

/* Rows of a that are not in b, and of b not in a. */
#define DIFFER(a, b) "SELECT (SELECT count(*) FROM (" a " EXCEPT " b ") d1) +" \
                     " (SELECT count(*) FROM (" b " EXCEPT " a ") d2)"
#define STATES "SELECT state, count(*) FROM notices GROUP BY state"
#define DUES "SELECT due / 86400000, count(*) FROM notices" \
             " WHERE state IN ('relayed', 'received') AND due > 0 GROUP BY 1"
#define REACHED "SELECT at / 86400000, agency, coalesce(platform, ''), state, count(*)" \
                " FROM changes WHERE event IS NULL AND state NOT IN ('accepted', 'relayed')" \
                " GROUP BY 1, 2, 3, 4"

/* The console's summaries (hub_db_tally.c) say what a count of the
 * notices says: checked after every test here, whatever it did. */
static void assert_summaries_agree(const char *path)
{
    assert_int_equal(one_int(path, DIFFER(STATES, "SELECT state, n FROM tally_states"
                                                  " WHERE n != 0")), 0);
    assert_int_equal(one_int(path, DIFFER(DUES, "SELECT day, n FROM tally_due WHERE n != 0")),
                     0);
    assert_int_equal(one_int(path, "SELECT (SELECT count(*) FROM notices) = (SELECT"
                                   " coalesce(sum(n), 0) FROM tally_days"
                                   " WHERE state = 'accepted')"), 1);
    /* every other state reached: one row of the agency's feed each */
    assert_int_equal(one_int(path, DIFFER(REACHED, "SELECT day, agency, platform, state, n"
                                                   " FROM tally_days WHERE n != 0 AND state"
                                                   " NOT IN ('accepted', 'relayed')")), 0);
    /* every relay a platform accepted, once, on the days and the histogram */
    assert_int_equal(one_int(path, "SELECT (SELECT count(*) FROM relays WHERE accepted = 1)"
                                   " = (SELECT coalesce(sum(n), 0) FROM tally_days"
                                   " WHERE state = 'relayed')"), 1);
    assert_int_equal(one_int(path, "SELECT (SELECT count(*) FROM relays WHERE accepted = 1)"
                                   " = (SELECT coalesce(sum(n), 0) FROM tally_latency)"), 1);
}

static int teardown(void **state)
{
    fixture *f = *state;
    char cmd[64];

    hub_db_close(f->db);
    assert_summaries_agree(f->path);
    hub_directory_close(f->d);
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

/* ---- driving the store as the hub's handlers and workers do ---- */

static void submission(hub_submission *s, const char *reference, const char *rk)
{
    memset(s, 0, sizeof *s);
    s->reference = reference;
    s->title = "Property tax";
    s->doc_sha256 = sha;
    s->link = "https://nts.example/doc";
    memcpy(s->rk, rk, sizeof s->rk);
    s->deadline = DEADLINE;
}

/* A new notice of agency, not routed: the relay worker's claim finds it. */
static void submit(fixture *f, const char *agency, const char *reference, const char *rk,
                   long long now, char id[NOTICE_ID_LEN + 1])
{
    hub_submission s;
    size_t routed = 99;

    submission(&s, reference, rk);
    assert_int_equal(hub_db_submit(f->db, agency, &s, 1, now, 0, NULL, &routed), 0);
    assert_int_equal(routed, 0);
    assert_int_equal(s.duplicate, 0);
    assert_int_equal(s.state, NS_ACCEPTED);
    assert_true(notice_id_is_well_formed(s.id, strlen(s.id)));
    memcpy(id, s.id, NOTICE_ID_LEN + 1);
}

/* The relay worker's claim: the number of notices to relay. */
static size_t claim(fixture *f, long long now, hub_relay_item *items, size_t max,
                    size_t *postal)
{
    size_t n_out = 99, n_postal = 99;

    assert_int_equal(
        hub_db_relay_next(f->db, items, 0, now, max, known, NULL, NULL, &n_out, &n_postal), 0);
    if (postal)
        *postal = n_postal;
    return n_out;
}

/* Claims exactly one notice, expected to go to platform. */
static void claim_one(fixture *f, long long now, const char *platform, hub_relay_item *it)
{
    size_t postal;

    assert_int_equal(claim(f, now, it, 1, &postal), 1);
    assert_int_equal(postal, 0);
    assert_string_equal(it->n.platform, platform);
}

static void answer(fixture *f, hub_relay_item *it, relay_outcome outcome, int consigned,
                   const char *reason, long long now)
{
    it->outcome = outcome;
    it->consigned = consigned;
    snprintf(it->reason, sizeof it->reason, "%s", reason ? reason : "");
    assert_int_equal(hub_db_relay_record(f->db, it, 1, now), 0);
}

/* One report; its status, or its error. */
static const char *report(fixture *f, notice_role role, const char *caller, const char *id,
                          notice_event ev, const char *reason, long long now)
{
    hub_report r;

    memset(&r, 0, sizeof r);
    memcpy(r.notice, id, NOTICE_ID_LEN + 1);
    r.event = ev;
    r.reason = reason;
    assert_int_equal(hub_db_report(f->db, role, caller, &r, 1, now), 0);
    assert_true((r.status == NULL) != (r.error == NULL));
    return r.status ? r.status : r.error;
}

/* GET /v1/notices/{id} as agency nts. */
static json_t *notice_view(fixture *f, const char *id)
{
    json_error_t jerr;
    json_t *root;
    buf out;

    buf_init(&out, 1024);
    assert_int_equal(hub_db_notice_json(f->db, id, "nts", &out), 200);
    root = json_loadb(out.data, out.len, 0, &jerr);
    if (!root)
        fail_msg("notice JSON: %s", jerr.text);
    buf_free(&out);
    return root;
}

/* What GET /v1/notices/{id} answers agency: 200, 403, 404. */
static int notice_status(fixture *f, const char *id, const char *agency)
{
    buf out;
    int status;

    buf_init(&out, 1024);
    status = hub_db_notice_json(f->db, id, agency, &out);
    buf_free(&out);
    return status;
}

static const char *text(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);

    return json_is_string(v) ? json_string_value(v) : json_is_null(v) ? "null" : "?";
}

static void assert_state(fixture *f, const char *id, const char *state, const char *platform)
{
    json_t *root = notice_view(f, id);

    assert_string_equal(text(root, "state"), state);
    assert_string_equal(text(root, "platform"), platform);
    json_decref(root);
}

/* The notice's evidence as "Event:actor ...", in log order. */
static void timeline(fixture *f, const char *id, char *out, size_t cap)
{
    json_t *root = notice_view(f, id), *ev;
    size_t i, len = 0;

    out[0] = '\0';
    json_array_foreach(json_object_get(root, "events"), i, ev) {
        assert_string_equal(text(ev, "notice"), id);
        len += (size_t)snprintf(out + len, cap - len, "%s%s:%s", i ? " " : "", text(ev, "event"),
                                text(ev, "actor"));
        assert_true(len < cap);
    }
    json_decref(root);
}

#define assert_timeline(f, id, expected)                                                      \
    do {                                                                                      \
        char got_[1024];                                                                      \
        timeline(f, id, got_, sizeof got_);                                                   \
        assert_string_equal(got_, expected);                                                  \
    } while (0)

/* The reason of the notice's last leaf. */
static void assert_last_reason(fixture *f, const char *id, const char *reason)
{
    json_t *root = notice_view(f, id), *events = json_object_get(root, "events");

    assert_string_equal(text(json_array_get(events, json_array_size(events) - 1), "reason"),
                        reason);
    json_decref(root);
}

/* On PostgreSQL: until the sequencer has integrated every leaf and
 * numbered every change committed so far (5 s at most). */
static void settle(void)
{
    const struct timespec pause = {0, 5 * 1000000L};

    if (!pg_dsn)
        return;
    for (int tries = 0; tries < 1000; tries++) {
        if (pg_one_int("SELECT (SELECT count(*) FROM log_pending) +"
                       " (SELECT count(*) FROM changes_queue)") == 0)
            return;
        nanosleep(&pause, NULL);
    }
    fail_msg("the sequencer left leaves or changes behind for 5 s");
}

/* GET /v1/changes for agency after a cursor: "state ..." of the
 * changes ("state:event" for evidence that moved no state), their seqs into seq (room for cap), the cursor into *next. */
static size_t feed(fixture *f, const char *agency, long long after, long limit, char *states,
                   size_t states_cap, long long *seq, size_t cap, long long *next)
{
    json_error_t jerr;
    json_t *root, *ch;
    size_t i, n, len = 0;
    buf out;

    settle();
    buf_init(&out, 1024);
    assert_int_equal(hub_db_changes_json(f->db, agency, after, limit, &out), 0);
    root = json_loadb(out.data, out.len, 0, &jerr);
    if (!root)
        fail_msg("changes JSON: %s", jerr.text);
    buf_free(&out);
    states[0] = '\0';
    n = json_array_size(json_object_get(root, "changes"));
    assert_true(n <= cap);
    json_array_foreach(json_object_get(root, "changes"), i, ch) {
        seq[i] = json_integer_value(json_object_get(ch, "seq"));
        const char *event = json_string_value(json_object_get(ch, "event"));
        len += (size_t)snprintf(states + len, states_cap - len, "%s%s%s%s", i ? " " : "",
                                text(ch, "state"), event ? ":" : "", event ? event : "");
        assert_true(len < states_cap);
    }
    *next = json_integer_value(json_object_get(root, "next"));
    json_decref(root);
    return n;
}

/* The agency's whole feed as "state ...". */
#define assert_feed(f, agency, expected)                                                      \
    do {                                                                                      \
        char got_[512];                                                                       \
        long long seq_[64], next_;                                                            \
        feed(f, agency, 0, 1000, got_, sizeof got_, seq_, 64, &next_);                        \
        assert_string_equal(got_, expected);                                                  \
    } while (0)

/* A notice of nts to rk1, relayed to alpha, which accepts at T0 + 1. */
static void relayed_to_alpha(fixture *f, const char *reference, char id[NOTICE_ID_LEN + 1],
                             hub_relay_item *it)
{
    submit(f, "nts", reference, rk1, T0, id);
    claim_one(f, T0, "alpha", it);
    answer(f, it, RELAY_ACCEPTED, 0, NULL, T0 + 1);
    assert_state(f, id, "relayed", "alpha");
}

static uint64_t leaves(fixture *f)
{
    settle();
    return hub_evidence_log_size(hub_db_log(f->db));
}

/* ---- open, close, reopen ---- */

static void reopen_keeps_notices_evidence_and_feed(void **state)
{
    fixture *f = *state;
    char a[NOTICE_ID_LEN + 1], b[NOTICE_ID_LEN + 1], states[256];
    long long seq[8], next;
    hub_relay_item it;
    hub_submission s;
    size_t routed, postal;
    uint64_t size;

    submit(f, "nts", "A-1", rk1, T0, a);
    submit(f, "nts", "A-2", rk3, T0 + 1, b);
    claim_one(f, T0 + 2, "alpha", &it);
    assert_string_equal(it.n.id, a);
    answer(f, &it, RELAY_ACCEPTED, 1, NULL, T0 + 3);
    size = leaves(f);
    assert_int_equal(size, 4);

    close_db(f);
    open_db(f);

    assert_int_equal(leaves(f), size);
    assert_state(f, a, "received", "alpha");
    assert_timeline(f, a,
                    "SubmissionAcceptance:hub RelayAcceptance:alpha ContentConsignment:alpha");
    assert_state(f, b, "accepted", "null");
    assert_timeline(f, b, "SubmissionAcceptance:hub");
    assert_feed(f, "nts", "received");
    /* the reference is still taken, by the same notice */
    submission(&s, "A-1", rk1);
    assert_int_equal(hub_db_submit(f->db, "nts", &s, 1, T0 + 4, 0, NULL, &routed), 0);
    assert_int_equal(s.duplicate, 1);
    assert_string_equal(s.id, a);
    assert_int_equal(s.state, NS_RECEIVED);
    /* the platform's acceptance is remembered: it may still report */
    assert_int_equal(hub_db_may_see(f->db, a, ROLE_PLATFORM, "alpha"), 200);
    assert_string_equal(report(f, ROLE_PLATFORM, "alpha", a, EV_CONTENT_CONSIGNMENT, NULL,
                               T0 + 5), "duplicate");
    /* the claim goes on where it was: b has no platform, so postal */
    assert_int_equal(claim(f, T0 + 6, &it, 1, &postal), 0);
    assert_int_equal(postal, 1);
    assert_state(f, b, "postal", "null");
    /* the feed goes on after the rows from before the reopen */
    assert_int_equal(feed(f, "nts", 0, 10, states, sizeof states, seq, 8, &next), 2);
    assert_string_equal(states, "received postal");
    assert_int_equal(seq[1], seq[0] + 1);
}

static void open_fails_on_a_path_it_cannot_create(void **state)
{
    fixture *f = *state;
    char path[96], err[256] = "";

    if (pg_dsn)
        skip(); /* a file of SQLite's */
    snprintf(path, sizeof path, "%s/no/such/folder/hub.db", f->dir);
    assert_null(hub_db_open(path, err, sizeof err));
    assert_true(err[0] != '\0');
}

/* ---- submissions ---- */

static void same_reference_is_one_notice(void **state)
{
    fixture *f = *state;
    hub_submission s[3];
    char other[NOTICE_ID_LEN + 1];
    size_t routed;
    hub_relay_item it[2];
    int k;

    /* twice in one batch */
    submission(&s[0], "REF-1", rk1);
    submission(&s[1], "REF-1", rk1);
    submission(&s[2], "REF-2", rk1);
    assert_int_equal(hub_db_submit(f->db, "nts", s, 3, T0, 0, NULL, &routed), 0);
    assert_int_equal(s[0].duplicate, 0);
    assert_int_equal(s[1].duplicate, 1);
    assert_int_equal(s[2].duplicate, 0);
    assert_string_equal(s[1].id, s[0].id);
    assert_string_not_equal(s[2].id, s[0].id);
    assert_int_equal(s[1].state, NS_ACCEPTED);
    assert_int_equal(leaves(f), 2);

    /* again later, with another title: the notice as it is now */
    assert_int_equal(claim(f, T0 + 1, it, 2, NULL), 2);
    k = strcmp(it[0].n.id, s[0].id) != 0;
    assert_string_equal(it[k].n.id, s[0].id);
    answer(f, &it[k], RELAY_ACCEPTED, 0, NULL, T0 + 2);
    submission(&s[1], "REF-1", rk2);
    s[1].title = "Another title";
    assert_int_equal(hub_db_submit(f->db, "nts", &s[1], 1, T0 + 3, 0, NULL, &routed), 0);
    assert_int_equal(s[1].duplicate, 1);
    assert_string_equal(s[1].id, s[0].id);
    assert_int_equal(s[1].state, NS_RELAYED);
    assert_timeline(f, s[0].id, "SubmissionAcceptance:hub RelayAcceptance:alpha");

    /* another agency's reference of the same name is its own notice */
    submit(f, "kcs", "REF-1", rk1, T0 + 4, other);
    assert_string_not_equal(other, s[0].id);
    assert_int_equal(notice_status(f, other, "nts"), 403);
    assert_int_equal(notice_status(f, other, "kcs"), 200);
    assert_int_equal(leaves(f), 4);
}

/* PostgreSQL takes a batch's notices as array literals: what quoting
 * means there must come back as it was sent. */
static void submitted_fields_come_back_as_sent(void **state)
{
    fixture *f = *state;
    hub_submission s[2];
    hub_relay_item it[2];
    size_t routed;
    int k;

    submission(&s[0], "REF \"1\",{x}\\ NULL", rk1);
    s[0].title = "Tax \"2026\", {part} \\ 2 \xea\xb3\xa0\xec\xa7\x80";
    s[0].link = "https://nts.example/d?a=1,b={2}";
    submission(&s[1], "NULL", rk2);
    s[1].title = "";
    s[1].urgent = 1;
    assert_int_equal(hub_db_submit(f->db, "nts", s, 2, T0, 0, NULL, &routed), 0);
    assert_int_equal(s[0].duplicate + s[1].duplicate, 0);
    assert_int_equal(claim(f, T0, it, 2, NULL), 2);
    k = strcmp(it[0].n.id, s[0].id) != 0;
    assert_string_equal(it[k].n.id, s[0].id);
    assert_string_equal(it[k].n.reference, s[0].reference);
    assert_string_equal(it[k].n.title, s[0].title);
    assert_string_equal(it[k].n.link, s[0].link);
    assert_string_equal(it[k].n.rk, rk1);
    assert_int_equal(it[k].n.deadline, DEADLINE);
    assert_int_equal(it[k].n.urgent, 0);
    assert_string_equal(it[!k].n.reference, "NULL");
    assert_string_equal(it[!k].n.title, "");
    assert_int_equal(it[!k].n.urgent, 1);
    /* the urgent one was due first */
    assert_string_equal(it[0].n.id, s[1].id);
}

static void routed_submission_is_leased_to_its_first_platform(void **state)
{
    fixture *f = *state;
    hub_submission s[2];
    hub_notice routed[2];
    hub_relay_item it;
    size_t n_routed;

    submission(&s[0], "R-1", rk1);
    submission(&s[1], "R-2", rk1);
    strcpy(s[0].platform, "alpha");
    strcpy(s[1].platform, "alpha");
    /* room for one: the second waits for the claim */
    assert_int_equal(hub_db_submit(f->db, "nts", s, 2, T0, 1, routed, &n_routed), 0);
    assert_int_equal(n_routed, 1);
    assert_int_equal(s[0].routed, 1);
    assert_int_equal(s[1].routed, 0);
    assert_string_equal(routed[0].id, s[0].id);
    assert_string_equal(routed[0].platform, "alpha");
    assert_string_equal(routed[0].agency, "nts");
    assert_string_equal(routed[0].reference, "R-1");
    assert_int_equal(routed[0].state, NS_ACCEPTED);
    assert_int_equal(routed[0].next_attempt, T0 + LEASE_MS);
    assert_state(f, s[0].id, "accepted", "alpha");

    /* the claim passes the leased one by */
    claim_one(f, T0, "alpha", &it);
    assert_string_equal(it.n.id, s[1].id);
    assert_int_equal(claim(f, T0 + 1, &it, 4, NULL), 0);

    /* the worker relays the routed one without a claim */
    hub_db_relay_item_init(&it, &routed[0]);
    assert_int_equal(it.outcome, RELAY_FAILED);
    answer(f, &it, RELAY_ACCEPTED, 0, NULL, T0 + 2);
    assert_state(f, s[0].id, "relayed", "alpha");
}

static void released_lease_is_claimed_at_once(void **state)
{
    fixture *f = *state;
    hub_submission s;
    hub_notice routed;
    hub_relay_item it;
    size_t n_routed;

    submission(&s, "L-1", rk1);
    strcpy(s.platform, "alpha");
    assert_int_equal(hub_db_submit(f->db, "nts", &s, 1, T0, 1, &routed, &n_routed), 0);
    assert_int_equal(n_routed, 1);
    assert_int_equal(claim(f, T0 + 10, &it, 1, NULL), 0);
    hub_db_relay_item_init(&it, &routed);
    assert_int_equal(hub_db_relay_release(f->db, &it, 1, T0 + 10), 0);
    claim_one(f, T0 + 10, "alpha", &it);
    assert_string_equal(it.n.id, s.id);
    /* a release after the notice moved on changes nothing */
    answer(f, &it, RELAY_ACCEPTED, 0, NULL, T0 + 11);
    assert_int_equal(hub_db_relay_release(f->db, &it, 1, T0 + 12), 0);
    assert_state(f, s.id, "relayed", "alpha");
    assert_int_equal(claim(f, T0 + 12, &it, 1, NULL), 0);
}

/* ---- accepted -> relayed -> received -> read ---- */

static void relayed_received_read(void **state)
{
    fixture *f = *state;
    char id[NOTICE_ID_LEN + 1];
    hub_relay_item it;
    size_t expired;

    submit(f, "nts", "N-1", rk1, T0, id);
    assert_state(f, id, "accepted", "null");
    assert_feed(f, "nts", ""); /* the submission's answer said accepted */
    claim_one(f, T0, "alpha", &it);
    assert_string_equal(it.n.id, id);
    assert_string_equal(it.n.reference, "N-1");
    assert_string_equal(it.n.rk, rk1);
    assert_int_equal(it.n.deadline, DEADLINE);
    assert_state(f, id, "accepted", "alpha");
    assert_int_equal(hub_db_may_see(f->db, id, ROLE_PLATFORM, "alpha"), 403);

    answer(f, &it, RELAY_ACCEPTED, 0, NULL, T0 + 1);
    assert_state(f, id, "relayed", "alpha");
    assert_int_equal(hub_db_may_see(f->db, id, ROLE_PLATFORM, "alpha"), 200);
    assert_string_equal(
        report(f, ROLE_PLATFORM, "alpha", id, EV_CONTENT_CONSIGNMENT, NULL, T0 + 2), "recorded");
    assert_state(f, id, "received", "alpha");
    assert_string_equal(
        report(f, ROLE_PLATFORM, "alpha", id, EV_CONSIGNMENT_NOTIFICATION, NULL, T0 + 3),
        "recorded");
    assert_state(f, id, "received", "alpha");
    assert_string_equal(report(f, ROLE_AGENCY, "nts", id, EV_CONTENT_HANDOVER, NULL, T0 + 4),
                        "recorded");
    assert_state(f, id, "read", "alpha");
    assert_timeline(f, id,
                    "SubmissionAcceptance:hub RelayAcceptance:alpha ContentConsignment:alpha "
                    "ConsignmentNotification:alpha ContentHandover:nts");
    assert_feed(f, "nts", "relayed received read");

    /* read is not claimed again, nor expired */
    assert_int_equal(claim(f, DEADLINE + DAY, &it, 4, NULL), 0);
    assert_int_equal(hub_db_expire(f->db, DEADLINE + DAY, 10, &expired), 0);
    assert_int_equal(expired, 0);
}

/* Runs sql on the store, SQLite's file or PostgreSQL's database. */
static void store_exec(fixture *f, const char *sqlite_sql, const char *pg_sql)
{
    sqlite3 *conn;

    if (pg_dsn) {
        assert_int_equal(pg_exec(pg_sql), 0);
        return;
    }
    assert_int_equal(sqlite3_open(f->path, &conn), SQLITE_OK);
    assert_int_equal(sqlite3_exec(conn, sqlite_sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(conn);
}

/* GET /metrics counts the events the store kept: a batch the store
 * refused, rolled back whole, counts none of its events. */
static void events_of_a_refused_batch_are_not_counted(void **state)
{
    fixture *f = *state;
    char id[NOTICE_ID_LEN + 1];
    hub_relay_item it;
    hub_report r;
    uint64_t moved;

    submit(f, "nts", "N-1", rk1, T0, id);
    claim_one(f, T0, "alpha", &it);
    answer(f, &it, RELAY_ACCEPTED, 0, NULL, T0 + 1);
    moved = hub_db_applied(f->db, EV_CONTENT_CONSIGNMENT, NS_MOVED);
    store_exec(f,
               "CREATE TRIGGER refuse BEFORE UPDATE ON notices WHEN NEW.state = 'received'"
               " BEGIN SELECT RAISE(ABORT, 'refused by the test'); END",
               "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS"
               " $$BEGIN RAISE EXCEPTION 'refused by the test'; END$$;"
               " CREATE TRIGGER refuse BEFORE UPDATE ON notices FOR EACH ROW"
               " WHEN (NEW.state = 'received') EXECUTE FUNCTION refuse()");
    memset(&r, 0, sizeof r);
    memcpy(r.notice, id, NOTICE_ID_LEN + 1);
    r.event = EV_CONTENT_CONSIGNMENT;
    assert_int_not_equal(hub_db_report(f->db, ROLE_PLATFORM, "alpha", &r, 1, T0 + 2), 0);
    assert_state(f, id, "relayed", "alpha");
    assert_int_equal(hub_db_applied(f->db, EV_CONTENT_CONSIGNMENT, NS_MOVED), moved);

    store_exec(f, "DROP TRIGGER refuse", "DROP TRIGGER refuse ON notices; DROP FUNCTION refuse()");
    assert_string_equal(
        report(f, ROLE_PLATFORM, "alpha", id, EV_CONTENT_CONSIGNMENT, NULL, T0 + 3), "recorded");
    assert_state(f, id, "received", "alpha");
    assert_int_equal(hub_db_applied(f->db, EV_CONTENT_CONSIGNMENT, NS_MOVED), moved + 1);
}

static void acceptance_into_the_inbox_is_one_change(void **state)
{
    fixture *f = *state;
    char id[NOTICE_ID_LEN + 1];
    hub_relay_item it;

    submit(f, "nts", "N-2", rk1, T0, id);
    claim_one(f, T0, "alpha", &it);
    answer(f, &it, RELAY_ACCEPTED, 1, NULL, T0 + 1);
    assert_state(f, id, "received", "alpha");
    assert_timeline(f, id,
                    "SubmissionAcceptance:hub RelayAcceptance:alpha ContentConsignment:alpha");
    assert_feed(f, "nts", "received");
    /* the same answer again, and the platform's own report of it: kept once */
    answer(f, &it, RELAY_ACCEPTED, 1, NULL, T0 + 2);
    assert_string_equal(
        report(f, ROLE_PLATFORM, "alpha", id, EV_CONTENT_CONSIGNMENT, NULL, T0 + 3), "duplicate");
    assert_timeline(f, id,
                    "SubmissionAcceptance:hub RelayAcceptance:alpha ContentConsignment:alpha");
    assert_feed(f, "nts", "received");
}

/* ---- rejections, failures, postal ---- */

static void rejected_by_every_platform_goes_postal(void **state)
{
    fixture *f = *state;
    char id[NOTICE_ID_LEN + 1];
    hub_relay_item it;
    size_t postal;

    submit(f, "nts", "P-1", rk1, T0, id);
    claim_one(f, T0, "alpha", &it);
    answer(f, &it, RELAY_REJECTED, 0, "not a member", T0 + 1);
    assert_state(f, id, "accepted", "alpha");
    assert_last_reason(f, id, "not a member");
    assert_feed(f, "nts", ""); /* accepted it was, accepted it is */
    /* on to the next platform at once */
    claim_one(f, T0 + 1, "beta", &it);
    answer(f, &it, RELAY_REJECTED, 0, "blocked", T0 + 2);
    assert_int_equal(claim(f, T0 + 2, &it, 4, &postal), 0);
    assert_int_equal(postal, 1);
    assert_state(f, id, "postal", "beta");
    assert_last_reason(f, id, "no further platform reaches the recipient");
    assert_timeline(f, id,
                    "SubmissionAcceptance:hub RelayRejection:alpha RelayRejection:beta "
                    "RelayToNonERDS:hub");
    assert_feed(f, "nts", "postal");
    /* its letter handed to print: in the feed with its time, the state
     * unmoved; the same batch again adds nothing */
    for (int k = 0; k < 2; k++) {
        hub_report r = {.event = EV_PRINT_HANDOVER, .batch = "20261202T163324Z-102fbe8e"};
        memcpy(r.notice, id, NOTICE_ID_LEN + 1);
        assert_int_equal(hub_db_report(f->db, ROLE_AGENCY, "nts", &r, 1, T0 + 5 + k), 0);
        assert_string_equal(r.status, k ? "duplicate" : "recorded");
    }
    assert_state(f, id, "postal", "beta");
    assert_feed(f, "nts", "postal postal:PrintHandover");
    /* cancelled after its paper: the state stays, the feed has the time */
    hub_cancel c = {.reference = "P-1", .reason = "sent in error"};
    assert_int_equal(hub_db_cancel(f->db, "nts", &c, 1, T0 + 9), 0);
    assert_string_equal(c.status, "recorded");
    assert_feed(f, "nts", "postal postal:PrintHandover postal:NoticeCancellation");
    /* a platform that rejected may neither see nor report */
    assert_int_equal(hub_db_may_see(f->db, id, ROLE_PLATFORM, "alpha"), 403);
    assert_int_equal(hub_db_may_see(f->db, id, ROLE_AGENCY, "nts"), 200);
    assert_string_equal(
        report(f, ROLE_PLATFORM, "beta", id, EV_CONTENT_CONSIGNMENT, NULL, T0 + 3), "unknown notice");
}

static void unreachable_recipient_goes_postal(void **state)
{
    fixture *f = *state;
    char none[NOTICE_ID_LEN + 1], unknown_first[NOTICE_ID_LEN + 1];
    hub_relay_item items[4];
    size_t postal;

    submit(f, "nts", "U-1", rk3, T0, none);
    submit(f, "nts", "U-2", rk2, T0 + 1, unknown_first);
    assert_int_equal(claim(f, T0 + 1, items, 4, &postal), 1);
    assert_int_equal(postal, 1);
    assert_state(f, none, "postal", "null");
    assert_last_reason(f, none, "no platform reaches the recipient");
    /* a platform the hub does not know is passed over */
    assert_string_equal(items[0].n.id, unknown_first);
    assert_string_equal(items[0].n.platform, "alpha");
}

static void failed_relay_backs_off_and_is_logged_once(void **state)
{
    fixture *f = *state;
    char id[NOTICE_ID_LEN + 1];
    hub_relay_item it;
    size_t n_out, postal;

    submit(f, "nts", "F-1", rk1, T0, id);
    claim_one(f, T0, "alpha", &it);
    answer(f, &it, RELAY_FAILED, 0, "timeout", T0);
    assert_state(f, id, "accepted", "alpha");
    assert_last_reason(f, id, "timeout");
    assert_int_equal(claim(f, T0 + 999, &it, 1, NULL), 0);
    claim_one(f, T0 + 1000, "alpha", &it); /* the same platform again */

    /* a round: the failure recorded, then the claim, in one call */
    it.outcome = RELAY_FAILED;
    snprintf(it.reason, sizeof it.reason, "refused");
    assert_int_equal(
        hub_db_relay_next(f->db, &it, 1, T0 + 1000, 1, known, NULL, NULL, &n_out, &postal), 0);
    assert_int_equal(n_out, 0); /* backing off: 2 s after the second failure */
    assert_int_equal(claim(f, T0 + 2999, &it, 1, NULL), 0);
    claim_one(f, T0 + 3000, "alpha", &it);
    answer(f, &it, RELAY_ACCEPTED, 0, NULL, T0 + 3001);
    assert_state(f, id, "relayed", "alpha");
    assert_timeline(f, id, "SubmissionAcceptance:hub RelayFailure:hub RelayAcceptance:alpha");
    assert_feed(f, "nts", "relayed");
}

/* A platform that keeps failing is given up on at the deadline: the
 * next platform, then paper, not retries past it. */
static void failing_relay_is_given_up_at_the_deadline(void **state)
{
    fixture *f = *state;
    char id[NOTICE_ID_LEN + 1];
    hub_relay_item it;
    size_t postal;
    long long t = DEADLINE - 1500, at, paper = 0;

    submit(f, "nts", "G-1", rk1, T0, id);
    claim_one(f, t, "alpha", &it);
    answer(f, &it, RELAY_FAILED, 0, "alpha: no answer", t); /* next try at -500: in time */
    claim_one(f, t + 1000, "alpha", &it);
    answer(f, &it, RELAY_FAILED, 0, "alpha: no answer", t + 1000); /* next: +1500, late */
    assert_state(f, id, "accepted", "alpha");
    assert_last_reason(f, id, "given up at the deadline: alpha: no answer");
    claim_one(f, t + 1000, "beta", &it); /* at once, on the next platform */
    /* beta, a fallback channel, has the fallback window from its first
     * failure: tried again within it, never after it */
    answer(f, &it, RELAY_FAILED, 0, "beta: 503", t + 1000);
    for (at = t + 1000; !paper && at <= t + 1000 + FALLBACK_MS;) {
        at += 500;
        if (claim(f, at, &it, 1, &postal))
            answer(f, &it, RELAY_FAILED, 0, "beta: 503", at);
        else if (postal)
            paper = at;
    }
    assert_true(paper > t + 3000 && paper <= t + 1000 + FALLBACK_MS);
    assert_state(f, id, "postal", "beta");
}

/* After a crash, the leases of the round that died end at the next start. */
static void recover_ends_every_lease(void **state)
{
    fixture *f = *state;
    char id[NOTICE_ID_LEN + 1];
    hub_relay_item it;
    size_t released;

    submit(f, "nts", "L-1", rk1, T0, id);
    claim_one(f, T0, "alpha", &it); /* leased; the process dies here */
    assert_int_equal(claim(f, T0 + 1000, &it, 1, NULL), 0);
    assert_int_equal(hub_db_relay_recover(f->db, T0 + 1000, &released), 0);
    assert_int_equal(released, 1);
    claim_one(f, T0 + 1000, "alpha", &it);
    answer(f, &it, RELAY_ACCEPTED, 0, NULL, T0 + 1001);
    assert_int_equal(hub_db_relay_recover(f->db, T0 + 1002, &released), 0);
    assert_int_equal(released, 0);
    assert_state(f, id, "relayed", "alpha");
}

/* ---- deadlines ---- */

static void unread_at_deadline_goes_to_next_platform_then_postal(void **state)
{
    fixture *f = *state;
    char id[NOTICE_ID_LEN + 1];
    hub_relay_item it;
    size_t expired, postal;
    long long t;

    relayed_to_alpha(f, "D-1", id, &it);
    /* the first channel's deadline is the notice's own */
    assert_int_equal(hub_db_expire(f->db, DEADLINE - 1, 10, &expired), 0);
    assert_int_equal(expired, 0);
    assert_int_equal(hub_db_expire(f->db, DEADLINE, 10, &expired), 0);
    assert_int_equal(expired, 1);
    assert_state(f, id, "accepted", "alpha");
    assert_last_reason(f, id, "unread at the deadline on alpha");
    assert_int_equal(hub_db_expire(f->db, DEADLINE + DAY, 10, &expired), 0);
    assert_int_equal(expired, 0);

    /* the platform left behind is heard, but moves nothing */
    assert_string_equal(
        report(f, ROLE_PLATFORM, "alpha", id, EV_CONTENT_CONSIGNMENT, NULL, DEADLINE + 1),
        "recorded");
    assert_state(f, id, "accepted", "alpha");

    claim_one(f, DEADLINE + 2, "beta", &it);
    t = DEADLINE + 3;
    answer(f, &it, RELAY_ACCEPTED, 0, NULL, t);
    assert_state(f, id, "relayed", "beta");
    /* a fallback channel's deadline is the fallback window */
    assert_int_equal(hub_db_expire(f->db, t + FALLBACK_MS - 1, 10, &expired), 0);
    assert_int_equal(expired, 0);
    assert_int_equal(hub_db_expire(f->db, t + FALLBACK_MS, 10, &expired), 0);
    assert_int_equal(expired, 1);
    assert_int_equal(claim(f, t + FALLBACK_MS, &it, 1, &postal), 0);
    assert_int_equal(postal, 1);
    assert_state(f, id, "postal", "beta");
    assert_timeline(f, id,
                    "SubmissionAcceptance:hub RelayAcceptance:alpha "
                    "AcceptanceRejectionExpiry:hub ContentConsignment:alpha "
                    "RelayAcceptance:beta AcceptanceRejectionExpiry:hub RelayToNonERDS:hub");
    /* the inbox left behind is in the feed: it counts for the legal effect */
    assert_feed(f, "nts", "relayed accepted accepted:ContentConsignment relayed accepted postal");
}

static void expiry_takes_at_most_max(void **state)
{
    fixture *f = *state;
    char id[NOTICE_ID_LEN + 1];
    hub_relay_item items[3];
    size_t expired;

    for (int i = 0; i < 3; i++) {
        char ref[8];
        snprintf(ref, sizeof ref, "M-%d", i);
        submit(f, "nts", ref, rk1, T0 + i, id);
    }
    assert_int_equal(claim(f, T0 + 3, items, 3, NULL), 3);
    for (int i = 0; i < 3; i++)
        items[i].outcome = RELAY_ACCEPTED;
    assert_int_equal(hub_db_relay_record(f->db, items, 3, T0 + 4), 0);
    assert_int_equal(hub_db_expire(f->db, DEADLINE, 2, &expired), 0);
    assert_int_equal(expired, 2);
    assert_int_equal(hub_db_expire(f->db, DEADLINE, 2, &expired), 0);
    assert_int_equal(expired, 1);
    assert_int_equal(hub_db_expire(f->db, DEADLINE, 2, &expired), 0);
    assert_int_equal(expired, 0);
}

/* ---- reports: who, and how often ---- */

static void same_report_is_recorded_once(void **state)
{
    fixture *f = *state;
    char id[NOTICE_ID_LEN + 1];
    hub_relay_item it;
    hub_report r[2];
    uint64_t size;

    relayed_to_alpha(f, "I-1", id, &it);

    /* the same report twice in one batch */
    memset(r, 0, sizeof r);
    for (int i = 0; i < 2; i++) {
        memcpy(r[i].notice, id, sizeof r[i].notice);
        r[i].event = EV_CONSIGNMENT_NOTIFICATION;
    }
    assert_int_equal(hub_db_report(f->db, ROLE_PLATFORM, "alpha", r, 2, T0 + 2), 0);
    assert_string_equal(r[0].status, "recorded");
    assert_string_equal(r[1].status, "duplicate");
    assert_state(f, id, "relayed", "alpha");

    /* and in later batches */
    assert_string_equal(
        report(f, ROLE_PLATFORM, "alpha", id, EV_CONSIGNMENT_NOTIFICATION, NULL, T0 + 3),
        "duplicate");
    /* a failure is a duplicate only with the same reason */
    assert_string_equal(report(f, ROLE_PLATFORM, "alpha", id, EV_CONSIGNMENT_NOTIFICATION_FAILURE,
                               "phone off", T0 + 4),
                        "recorded");
    assert_string_equal(report(f, ROLE_PLATFORM, "alpha", id, EV_CONSIGNMENT_NOTIFICATION_FAILURE,
                               "phone off", T0 + 5),
                        "duplicate");
    assert_string_equal(report(f, ROLE_PLATFORM, "alpha", id, EV_CONSIGNMENT_NOTIFICATION_FAILURE,
                               "no such number", T0 + 6),
                        "recorded");
    assert_string_equal(report(f, ROLE_AGENCY, "nts", id, EV_CONTENT_HANDOVER, NULL, T0 + 7),
                        "recorded");
    size = leaves(f);
    assert_string_equal(report(f, ROLE_AGENCY, "nts", id, EV_CONTENT_HANDOVER, NULL, T0 + 8),
                        "duplicate");
    assert_int_equal(leaves(f), size);
    assert_timeline(f, id,
                    "SubmissionAcceptance:hub RelayAcceptance:alpha ConsignmentNotification:alpha "
                    "ConsignmentNotificationFailure:alpha ConsignmentNotificationFailure:alpha "
                    "ContentHandover:nts");
    /* the first failure came from the current platform: the notice went
     * back to the relay queue, and the read that followed ended it */
    assert_feed(f, "nts", "relayed accepted read");
}

/* A report about an alert, with its channel and reference. */
static const char *report_alert(fixture *f, const char *caller, const char *id, notice_event ev,
                                const char *reason, const char *channel, const char *reference,
                                long long now, int *moved_on)
{
    hub_report r;

    memset(&r, 0, sizeof r);
    memcpy(r.notice, id, NOTICE_ID_LEN + 1);
    r.event = ev;
    r.reason = reason;
    r.channel = channel;
    r.reference = reference;
    assert_int_equal(hub_db_report(f->db, ROLE_PLATFORM, caller, &r, 1, now), 0);
    assert_true((r.status == NULL) != (r.error == NULL));
    if (moved_on)
        *moved_on = r.moved_on;
    return r.status ? r.status : r.error;
}

/* The notice's last leaf's text member key ("absent": not in the leaf). */
static void assert_last_leaf_has(fixture *f, const char *id, const char *key, const char *want)
{
    json_t *root = notice_view(f, id), *events = json_object_get(root, "events");
    json_t *last = json_array_get(events, json_array_size(events) - 1);

    assert_string_equal(json_object_get(last, key) ? text(last, key) : "absent", want);
    json_decref(root);
}

/* Every path reads the clock before it takes the writer's lock: a report
 * whose handler read it before the relay worker, but got the lock after,
 * must not put a leaf before the relay's in time (herald verify refuses a
 * certificate whose leaves go back in time; bench/chaos found one). */
/* The `at` of notice id's first change to state in nts's feed ("" if none). */
static const char *change_at(fixture *f, const char *id, const char *state)
{
    static char at[32];
    json_error_t jerr;
    json_t *root, *ch;
    size_t i;
    buf out;

    settle();
    at[0] = '\0';
    buf_init(&out, 1024);
    assert_int_equal(hub_db_changes_json(f->db, "nts", 0, 100, &out), 0);
    root = json_loadb(out.data, out.len, 0, &jerr);
    buf_free(&out);
    assert_non_null(root);
    json_array_foreach(json_object_get(root, "changes"), i, ch) {
        if (!strcmp(text(ch, "notice"), id) && !strcmp(text(ch, "state"), state)) {
            snprintf(at, sizeof at, "%s", text(ch, "at"));
            break;
        }
    }
    json_decref(root);
    return at;
}

static void evidence_never_goes_back_in_time(void **state)
{
    fixture *f = *state;
    char id[NOTICE_ID_LEN + 1], later[25];
    hub_relay_item it;

    submit(f, "nts", "N-1", rk1, T0, id);
    claim_one(f, T0, "alpha", &it);
    answer(f, &it, RELAY_ACCEPTED, 0, NULL, T0 + 10);
    assert_string_equal(
        report(f, ROLE_PLATFORM, "alpha", id, EV_CONTENT_CONSIGNMENT, NULL, T0 + 5), "recorded");
    clock_rfc3339_ms(later, T0 + 10);
    assert_last_leaf_has(f, id, "event", "ContentConsignment");
    assert_last_leaf_has(f, id, "at", later);
    /* the agency's feed gives the received change that leaf's time, not
     * the clock's: the agency's dates are the certificate's */
    assert_string_equal(change_at(f, id, "received"), later);
    /* a later time is kept as it is */
    assert_string_equal(
        report(f, ROLE_PLATFORM, "alpha", id, EV_CONSIGNMENT_NOTIFICATION, NULL, T0 + 20),
        "recorded");
    clock_rfc3339_ms(later, T0 + 20);
    assert_last_leaf_has(f, id, "at", later);
    /* that report moved no state, so nothing saved the notice: its time
     * was kept all the same (on PostgreSQL, written at the COMMIT) */
    assert_string_equal(report(f, ROLE_PLATFORM, "alpha", id,
                               EV_CONSIGNMENT_NOTIFICATION_DELIVERY, NULL, T0 + 15),
                        "recorded");
    assert_last_leaf_has(f, id, "event", "ConsignmentNotificationDelivery");
    assert_last_leaf_has(f, id, "at", later);
    /* a payment whose handler read the clock before the last leaf: the
     * feed's paid is its leaf's time too */
    hub_payment p = {"N-1", 1000, "GIRO-9", "", NULL};
    assert_int_equal(hub_db_payment(f->db, "nts", &p, T0 + 12), 200);
    assert_string_equal(p.status, "recorded");
    assert_last_leaf_has(f, id, "event", "PaymentReceived");
    assert_last_leaf_has(f, id, "at", later);
    assert_string_equal(change_at(f, id, "paid"), later);
}

/* One batch of reports on several notices, three on one of them, and one
 * on no notice (on PostgreSQL all loaded with one statement): each item
 * finds the notice as the items before it left it. The failed alert sends
 * the notice back to the relay queue, so the ContentConsignment after it
 * is evidence but moves nothing. */
static void batch_of_reports_on_the_same_notice(void **state)
{
    fixture *f = *state;
    char a[NOTICE_ID_LEN + 1], b[NOTICE_ID_LEN + 1];
    hub_relay_item it;
    hub_report r[5];
    const char *ids[5] = {NULL, NULL, NULL, "00000000-0000-0000-0000-000000000000", NULL};
    notice_event evs[5] = {EV_CONSIGNMENT_NOTIFICATION_FAILURE, EV_CONSIGNMENT_NOTIFICATION,
                           EV_CONTENT_CONSIGNMENT, EV_CONSIGNMENT_NOTIFICATION,
                           EV_CONSIGNMENT_NOTIFICATION_FAILURE};

    relayed_to_alpha(f, "I-1", a, &it);
    relayed_to_alpha(f, "I-2", b, &it);
    ids[0] = ids[2] = ids[4] = a;
    ids[1] = b;
    memset(r, 0, sizeof r);
    for (int i = 0; i < 5; i++) {
        memcpy(r[i].notice, ids[i], NOTICE_ID_LEN + 1);
        r[i].event = evs[i];
        r[i].reason = evs[i] == EV_CONSIGNMENT_NOTIFICATION_FAILURE ? "phone off" : NULL;
    }
    assert_int_equal(hub_db_report(f->db, ROLE_PLATFORM, "alpha", r, 5, T0 + 30), 0);
    assert_string_equal(r[0].status, "recorded");
    assert_int_equal(r[0].moved_on, 1);
    assert_string_equal(r[1].status, "recorded");
    assert_string_equal(r[2].status, "recorded");
    assert_string_equal(r[3].error, "unknown notice");
    assert_string_equal(r[4].status, "duplicate");
    assert_state(f, a, "accepted", "alpha");
    assert_state(f, b, "relayed", "alpha");
    assert_timeline(f, a,
                    "SubmissionAcceptance:hub RelayAcceptance:alpha "
                    "ConsignmentNotificationFailure:alpha ContentConsignment:alpha");
    assert_feed(f, "nts", "relayed relayed accepted accepted:ContentConsignment");
}

/* A batch from a platform whose relay answer is still in flight, with a
 * relayed notice beside it: each once-only event counts once in the
 * batch, and what the batch marked or proved holds after it (on
 * PostgreSQL a batch answers these from the relays rows it read at its
 * start, and writes its marks without waiting). */
static void batch_of_reports_before_the_relay_answer(void **state)
{
    fixture *f = *state;
    char a[NOTICE_ID_LEN + 1], b[NOTICE_ID_LEN + 1];
    hub_relay_item ita, itb, late;
    hub_report r[6];
    const char *ids[6];
    notice_event evs[6] = {EV_CONSIGNMENT_NOTIFICATION, EV_CONTENT_CONSIGNMENT,
                           EV_CONSIGNMENT_NOTIFICATION_DELIVERY, EV_CONSIGNMENT_NOTIFICATION,
                           EV_CONSIGNMENT_NOTIFICATION_DELIVERY, EV_CONSIGNMENT_NOTIFICATION};
    const char *want[6] = {"recorded", "duplicate", "recorded",
                           "duplicate", "duplicate", "recorded"};
    uint64_t size;

    relayed_to_alpha(f, "J-1", b, &itb);
    submit(f, "nts", "J-2", rk1, T0, a);
    claim_one(f, T0, "alpha", &ita);
    ids[0] = ids[1] = ids[2] = ids[3] = ids[4] = a;
    ids[5] = b;
    memset(r, 0, sizeof r);
    for (int i = 0; i < 6; i++) {
        memcpy(r[i].notice, ids[i], NOTICE_ID_LEN + 1);
        r[i].event = evs[i];
    }
    assert_int_equal(hub_db_report(f->db, ROLE_PLATFORM, "alpha", r, 6, T0 + 2), 0);
    for (int i = 0; i < 6; i++)
        assert_string_equal(r[i].status, want[i]);
    assert_timeline(f, a,
                    "SubmissionAcceptance:hub RelayAcceptance:alpha ContentConsignment:alpha "
                    "ConsignmentNotification:alpha ConsignmentNotificationDelivery:alpha");
    assert_timeline(f, b,
                    "SubmissionAcceptance:hub RelayAcceptance:alpha "
                    "ConsignmentNotification:alpha");
    size = leaves(f);
    /* the answer the batch proved is kept: the late one adds nothing */
    late = ita;
    answer(f, &late, RELAY_ACCEPTED, 1, NULL, T0 + 3);
    /* and so are its marks, one report at a time as in a batch */
    assert_string_equal(
        report(f, ROLE_PLATFORM, "alpha", a, EV_CONSIGNMENT_NOTIFICATION, NULL, T0 + 4),
        "duplicate");
    assert_string_equal(
        report(f, ROLE_PLATFORM, "alpha", b, EV_CONSIGNMENT_NOTIFICATION, NULL, T0 + 4),
        "duplicate");
    assert_int_equal(leaves(f), size);
    /* another platform's batch on the same notices: not its notices */
    memset(r, 0, 2 * sizeof *r);
    memcpy(r[0].notice, a, NOTICE_ID_LEN + 1);
    memcpy(r[1].notice, b, NOTICE_ID_LEN + 1);
    r[0].event = r[1].event = EV_CONTENT_CONSIGNMENT;
    assert_int_equal(hub_db_report(f->db, ROLE_PLATFORM, "beta", r, 2, T0 + 5), 0);
    assert_string_equal(r[0].error, "unknown notice");
    assert_string_equal(r[1].error, "unknown notice");
    assert_state(f, a, "received", "alpha");
}

static void alert_evidence_names_channel_and_reference(void **state)
{
    fixture *f = *state;
    char id[NOTICE_ID_LEN + 1];
    hub_relay_item it;
    int moved = -1;

    relayed_to_alpha(f, "C-1", id, &it);
    assert_string_equal(report_alert(f, "alpha", id, EV_CONSIGNMENT_NOTIFICATION, NULL, "sms",
                                     "0a1b2c", T0 + 2, &moved),
                        "recorded");
    assert_int_equal(moved, 0);
    assert_last_leaf_has(f, id, "channel", "sms");
    assert_last_leaf_has(f, id, "reference", "0a1b2c");
    /* a delivery is evidence once per platform, whatever it names */
    assert_string_equal(report_alert(f, "alpha", id, EV_CONSIGNMENT_NOTIFICATION_DELIVERY, NULL,
                                     "sms", "0a1b2c", T0 + 3, &moved),
                        "recorded");
    assert_int_equal(moved, 0);
    assert_last_leaf_has(f, id, "reference", "0a1b2c");
    assert_string_equal(report_alert(f, "alpha", id, EV_CONSIGNMENT_NOTIFICATION_DELIVERY, NULL,
                                     "sms", "0a1b2c", T0 + 4, NULL),
                        "duplicate");
    assert_string_equal(report_alert(f, "alpha", id, EV_CONSIGNMENT_NOTIFICATION_DELIVERY, NULL,
                                     "sms", "other", T0 + 4, NULL),
                        "duplicate");
    /* without them, the leaf has neither */
    assert_string_equal(report(f, ROLE_AGENCY, "nts", id, EV_CONTENT_HANDOVER, NULL, T0 + 5),
                        "recorded");
    assert_last_leaf_has(f, id, "channel", "absent");
    assert_last_leaf_has(f, id, "reference", "absent");
    assert_timeline(f, id,
                    "SubmissionAcceptance:hub RelayAcceptance:alpha ConsignmentNotification:alpha "
                    "ConsignmentNotificationDelivery:alpha ContentHandover:nts");
    assert_state(f, id, "read", "alpha");
    assert_feed(f, "nts", "relayed read");
}

/* A failed alert on the current platform: the next platform at once, with
 * the agency's deadline still running; a failure there too: paper. */
static void failed_alert_goes_to_next_platform_then_postal(void **state)
{
    fixture *f = *state;
    char id[NOTICE_ID_LEN + 1];
    hub_relay_item it;
    size_t postal, expired;
    int moved = -1;

    relayed_to_alpha(f, "F-1", id, &it);
    assert_string_equal(report_alert(f, "alpha", id, EV_CONSIGNMENT_NOTIFICATION, NULL, "sms",
                                     "m-1", T0 + 2, NULL),
                        "recorded");
    assert_string_equal(report_alert(f, "alpha", id, EV_CONSIGNMENT_NOTIFICATION_FAILURE,
                                     "sms: UNDELIV", "sms", "m-1", T0 + 3, &moved),
                        "recorded");
    assert_int_equal(moved, 1);
    assert_state(f, id, "accepted", "alpha");
    assert_last_reason(f, id, "sms: UNDELIV");
    assert_last_leaf_has(f, id, "reference", "m-1");
    /* nothing is due any more on alpha */
    assert_int_equal(hub_db_expire(f->db, DEADLINE + DAY, 10, &expired), 0);
    assert_int_equal(expired, 0);
    /* alpha again, for another cause: evidence, the notice has left it */
    assert_string_equal(report_alert(f, "alpha", id, EV_CONSIGNMENT_NOTIFICATION_FAILURE,
                                     "sms: EXPIRED", "sms", "m-1", T0 + 4, &moved),
                        "recorded");
    assert_int_equal(moved, 0);
    assert_state(f, id, "accepted", "alpha");

    /* the relay queue has it at once */
    claim_one(f, T0 + 5, "beta", &it);
    answer(f, &it, RELAY_ACCEPTED, 1, NULL, T0 + 6);
    assert_state(f, id, "received", "beta");
    /* beta's deadline: the agency's, which is longer than the fallback window */
    assert_int_equal(hub_db_expire(f->db, DEADLINE - 1, 10, &expired), 0);
    assert_int_equal(expired, 0);
    /* a late failure from alpha, now another platform's turn: evidence only */
    assert_string_equal(report_alert(f, "alpha", id, EV_CONSIGNMENT_NOTIFICATION_FAILURE,
                                     "sms: REJECTD", "sms", "m-1", T0 + 7, &moved),
                        "recorded");
    assert_int_equal(moved, 0);
    assert_state(f, id, "received", "beta");

    assert_string_equal(report_alert(f, "beta", id, EV_CONSIGNMENT_NOTIFICATION_FAILURE,
                                     "push: gateway refused", "push", NULL, T0 + 8, &moved),
                        "recorded");
    assert_int_equal(moved, 1);
    assert_last_leaf_has(f, id, "channel", "push");
    assert_last_leaf_has(f, id, "reference", "absent");
    assert_int_equal(claim(f, T0 + 9, &it, 1, &postal), 0);
    assert_int_equal(postal, 1);
    assert_state(f, id, "postal", "beta");
    /* once postal, a failure changes nothing */
    assert_string_equal(report_alert(f, "beta", id, EV_CONSIGNMENT_NOTIFICATION_FAILURE,
                                     "push: late", "push", NULL, T0 + 10, &moved),
                        "ignored");
    assert_int_equal(moved, 0);
    assert_timeline(f, id,
                    "SubmissionAcceptance:hub RelayAcceptance:alpha ConsignmentNotification:alpha "
                    "ConsignmentNotificationFailure:alpha ConsignmentNotificationFailure:alpha "
                    "RelayAcceptance:beta ContentConsignment:beta "
                    "ConsignmentNotificationFailure:alpha ConsignmentNotificationFailure:beta "
                    "RelayToNonERDS:hub ConsignmentNotificationFailure:beta");
    assert_feed(f, "nts", "relayed accepted received accepted postal");
}

/* Late in the first channel's deadline, the next platform still gets the
 * fallback window; after a read, a failure is only evidence. */
static void failed_alert_late_or_after_read(void **state)
{
    fixture *f = *state;
    char id[NOTICE_ID_LEN + 1], id2[NOTICE_ID_LEN + 1];
    hub_relay_item it;
    size_t expired;
    long long t = DEADLINE - 1000;
    int moved = -1;

    relayed_to_alpha(f, "L-1", id, &it);
    assert_string_equal(report_alert(f, "alpha", id, EV_CONSIGNMENT_NOTIFICATION_FAILURE,
                                     "sms: UNDELIV", "sms", "x", t, &moved),
                        "recorded");
    assert_int_equal(moved, 1);
    claim_one(f, t + 1, "beta", &it);
    answer(f, &it, RELAY_ACCEPTED, 0, NULL, t + 2);
    assert_int_equal(hub_db_expire(f->db, t + 2 + FALLBACK_MS - 1, 10, &expired), 0);
    assert_int_equal(expired, 0);
    assert_int_equal(hub_db_expire(f->db, t + 2 + FALLBACK_MS, 10, &expired), 0);
    assert_int_equal(expired, 1);

    relayed_to_alpha(f, "L-2", id2, &it);
    assert_string_equal(report(f, ROLE_AGENCY, "nts", id2, EV_CONTENT_HANDOVER, NULL, T0 + 2),
                        "recorded");
    assert_string_equal(report_alert(f, "alpha", id2, EV_CONSIGNMENT_NOTIFICATION_FAILURE,
                                     "sms: UNDELIV", "sms", "y", T0 + 3, &moved),
                        "ignored");
    assert_int_equal(moved, 0);
    assert_state(f, id2, "read", "alpha");
}

/* A failure that arrives before the relay's answer proves the acceptance
 * first, then sends the notice on. */
static void failed_alert_before_the_relay_answer(void **state)
{
    fixture *f = *state;
    char id[NOTICE_ID_LEN + 1];
    hub_relay_item it;
    int moved = -1;

    submit(f, "nts", "E-1", rk1, T0, id);
    claim_one(f, T0, "alpha", &it);
    assert_string_equal(report_alert(f, "alpha", id, EV_CONSIGNMENT_NOTIFICATION_FAILURE,
                                     "sms: REJECTD", "sms", NULL, T0 + 1, &moved),
                        "recorded");
    assert_int_equal(moved, 1);
    answer(f, &it, RELAY_ACCEPTED, 1, NULL, T0 + 2); /* changes nothing */
    assert_state(f, id, "accepted", "alpha");
    claim_one(f, T0 + 3, "beta", &it);
    assert_timeline(f, id,
                    "SubmissionAcceptance:hub RelayAcceptance:alpha ContentConsignment:alpha "
                    "ConsignmentNotificationFailure:alpha");
    /* its state is accepted again, as before, yet the inbox it reached
     * counts for the legal effect: the feed tells of it */
    assert_feed(f, "nts", "received:ContentConsignment");
}

static void reports_only_from_those_it_concerns(void **state)
{
    fixture *f = *state;
    char id[NOTICE_ID_LEN + 1], unknown[NOTICE_ID_LEN + 1];
    hub_relay_item it;
    hub_report r[2];

    relayed_to_alpha(f, "W-1", id, &it);
    memcpy(unknown, id, sizeof unknown);
    unknown[NOTICE_ID_LEN - 1] = unknown[NOTICE_ID_LEN - 1] == '0' ? '1' : '0';

    assert_string_equal(report(f, ROLE_AGENCY, "kcs", id, EV_CONTENT_HANDOVER, NULL, T0 + 2),
                        "unknown notice");
    assert_string_equal(
        report(f, ROLE_PLATFORM, "beta", id, EV_CONTENT_CONSIGNMENT, NULL, T0 + 2), "unknown notice");
    assert_string_equal(
        report(f, ROLE_AGENCY, "nts", unknown, EV_CONTENT_HANDOVER, NULL, T0 + 2),
        "unknown notice");
    assert_int_equal(hub_db_may_see(f->db, unknown, ROLE_AGENCY, "nts"), 404);
    assert_int_equal(hub_db_may_see(f->db, id, ROLE_AGENCY, "kcs"), 403);
    assert_int_equal(hub_db_may_see(f->db, id, ROLE_PLATFORM, "beta"), 403);
    assert_int_equal(notice_status(f, unknown, "nts"), 404);
    /* an item the handler refused is passed over */
    memset(r, 0, sizeof r);
    memcpy(r[0].notice, id, sizeof r[0].notice);
    r[0].event = EV_CONTENT_HANDOVER;
    r[0].error = "event not allowed for this caller";
    memcpy(r[1].notice, id, sizeof r[1].notice);
    r[1].event = EV_CONTENT_HANDOVER;
    assert_int_equal(hub_db_report(f->db, ROLE_AGENCY, "nts", r, 2, T0 + 3), 0);
    assert_null(r[0].status);
    assert_string_equal(r[1].status, "recorded");
    assert_timeline(f, id,
                    "SubmissionAcceptance:hub RelayAcceptance:alpha ContentHandover:nts");
}

/* ---- final states and answers out of order ---- */

static void read_is_final(void **state)
{
    fixture *f = *state;
    char id[NOTICE_ID_LEN + 1];
    hub_relay_item it;
    size_t expired;

    relayed_to_alpha(f, "R-1", id, &it);
    assert_string_equal(report(f, ROLE_AGENCY, "nts", id, EV_CONTENT_HANDOVER, NULL, T0 + 2),
                        "recorded");
    /* late reports are evidence, and move nothing */
    assert_string_equal(
        report(f, ROLE_PLATFORM, "alpha", id, EV_CONTENT_CONSIGNMENT, NULL, T0 + 3), "ignored");
    assert_string_equal(report(f, ROLE_AGENCY, "nts", id, EV_CONTENT_HANDOVER_FAILURE,
                               "link broken", T0 + 4),
                        "ignored");
    assert_int_equal(hub_db_expire(f->db, DEADLINE, 10, &expired), 0);
    assert_int_equal(expired, 0);
    assert_state(f, id, "read", "alpha");
    assert_timeline(f, id,
                    "SubmissionAcceptance:hub RelayAcceptance:alpha ContentHandover:nts "
                    "ContentConsignment:alpha ContentHandoverFailure:nts");
    assert_feed(f, "nts", "relayed read read:ContentConsignment");
}

static void postal_is_final(void **state)
{
    fixture *f = *state;
    char id[NOTICE_ID_LEN + 1];
    hub_relay_item it;
    size_t postal;

    submit(f, "nts", "Q-1", rk3, T0, id);
    assert_int_equal(claim(f, T0, &it, 1, &postal), 0);
    assert_int_equal(postal, 1);
    assert_string_equal(report(f, ROLE_AGENCY, "nts", id, EV_CONTENT_HANDOVER, NULL, T0 + 1),
                        "ignored");
    assert_int_equal(claim(f, T0 + DAY, &it, 1, &postal), 0);
    assert_int_equal(postal, 0);
    assert_state(f, id, "postal", "null");
    assert_timeline(f, id, "SubmissionAcceptance:hub RelayToNonERDS:hub ContentHandover:nts");
    /* read after its paper: the state stays, the feed has the reading's
     * time, which the legal effect may count from */
    assert_feed(f, "nts", "postal postal:ContentHandover");
}

static size_t remind_due(fixture *f, long long now, hub_remind_item *it);

/* A payment settles an unread notice: paid, final, out of the reminders,
 * the deadline worker and the relay; after paper it is evidence only. */
static void payment_stops_reminders_and_paper(void **state)
{
    fixture *f = *state;
    char id[NOTICE_ID_LEN + 1], id2[NOTICE_ID_LEN + 1], err[128];
    hub_relay_item it;
    hub_reminders points;
    size_t expired, postal;
    hub_payment p = {"R-1", 98000, "GIRO-1", "", NULL};

    assert_int_equal(hub_reminders_parse("50%", &points, err, sizeof err), 0);
    hub_db_set_reminders(f->db, &points);
    relayed_to_alpha(f, "R-1", id, &it);
    assert_int_equal(hub_db_payment(f->db, "nts", &p, T0 + 2), 200);
    assert_string_equal(p.status, "recorded");
    assert_string_equal(p.notice, id);
    assert_state(f, id, "paid", "alpha");
    assert_feed(f, "nts", "relayed paid");
    assert_last_leaf_has(f, id, "payment_code", "GIRO-1");
    assert_int_equal(remind_due(f, DEADLINE - 1, NULL), 0);
    assert_int_equal(hub_db_expire(f->db, DEADLINE + DAY, 10, &expired), 0);
    assert_int_equal(expired, 0);
    assert_int_equal(claim(f, DEADLINE + DAY, &it, 1, &postal), 0);
    assert_int_equal(postal, 0);
    assert_state(f, id, "paid", "alpha");
    assert_timeline(f, id, "SubmissionAcceptance:hub RelayAcceptance:alpha PaymentReceived:nts");
    /* the same payment again; a read after it is evidence only */
    assert_int_equal(hub_db_payment(f->db, "nts", &p, T0 + 3), 200);
    assert_string_equal(p.status, "duplicate");
    assert_string_equal(report(f, ROLE_AGENCY, "nts", id, EV_CONTENT_HANDOVER, NULL, T0 + 4),
                        "ignored");
    /* unknown to this agency: 404, nothing written */
    uint64_t before = leaves(f);
    hub_payment other = {"R-1", 5, "X", "", NULL};
    assert_int_equal(hub_db_payment(f->db, "kcg", &other, T0 + 5), 404);
    other.reference = "R-404";
    assert_int_equal(hub_db_payment(f->db, "nts", &other, T0 + 5), 404);
    assert_int_equal(leaves(f), before);
    /* after paper: recorded, still postal */
    submit(f, "nts", "R-2", rk3, T0, id2);
    assert_int_equal(claim(f, T0, &it, 1, &postal), 0);
    assert_int_equal(postal, 1);
    hub_payment late = {"R-2", 7000, "GIRO-2", "", NULL};
    assert_int_equal(hub_db_payment(f->db, "nts", &late, T0 + 6), 200);
    assert_string_equal(late.status, "ignored");
    assert_state(f, id2, "postal", "null");
    assert_timeline(f, id2, "SubmissionAcceptance:hub RelayToNonERDS:hub PaymentReceived:nts");
}

/* The platform reports before its answer to the relay is recorded: the
 * report proves the acceptance, and the answer, when it comes after the
 * notice was read, changes nothing. */
static void report_before_the_relay_answer(void **state)
{
    fixture *f = *state;
    char id[NOTICE_ID_LEN + 1];
    hub_relay_item it, late;
    uint64_t size;

    submit(f, "nts", "O-1", rk1, T0, id);
    claim_one(f, T0, "alpha", &it);
    assert_string_equal(
        report(f, ROLE_PLATFORM, "alpha", id, EV_CONSIGNMENT_NOTIFICATION, NULL, T0 + 1),
        "recorded");
    assert_state(f, id, "received", "alpha");
    assert_timeline(f, id,
                    "SubmissionAcceptance:hub RelayAcceptance:alpha ContentConsignment:alpha "
                    "ConsignmentNotification:alpha");
    assert_string_equal(report(f, ROLE_AGENCY, "nts", id, EV_CONTENT_HANDOVER, NULL, T0 + 2),
                        "recorded");
    size = leaves(f);

    late = it;
    answer(f, &late, RELAY_ACCEPTED, 1, NULL, T0 + 3);
    late = it;
    answer(f, &late, RELAY_FAILED, 0, "timeout", T0 + 4);
    late = it;
    answer(f, &late, RELAY_REJECTED, 0, "not a member", T0 + 5);
    assert_int_equal(leaves(f), size);
    assert_state(f, id, "read", "alpha");
    assert_feed(f, "nts", "received read");
    /* another platform's report, never relayed to: not its notice */
    assert_string_equal(
        report(f, ROLE_PLATFORM, "beta", id, EV_CONTENT_CONSIGNMENT, NULL, T0 + 6), "unknown notice");
}

/* ---- the change feed ---- */

/* ---- reminders and consent pre-notices ---- */

#define HOUR (3600 * 1000LL)

/* The deadline worker's reminders due at now: how many, the first in *it. */
static size_t remind_due(fixture *f, long long now, hub_remind_item *it)
{
    hub_remind_item items[8];
    size_t n = 99, seen = 99;

    assert_int_equal(hub_db_remind_due(f->db, now, 8, items, &n, &seen), 0);
    assert_true(n <= seen);
    if (n && it)
        *it = items[0];
    return n;
}

static int reminder_leaves(fixture *f, const char *id, int k)
{
    json_t *root = notice_view(f, id), *ev;
    size_t i;
    int n = 0;

    json_array_foreach(json_object_get(root, "events"), i, ev)
        n += !strcmp(text(ev, "event"), "ReminderNotification") &&
             json_integer_value(json_object_get(ev, "reminder")) == k;
    json_decref(root);
    return n;
}

static void reminders_midway_and_an_hour_before_once_each(void **state)
{
    fixture *f = *state;
    char id[NOTICE_ID_LEN + 1], id2[NOTICE_ID_LEN + 1], err[128];
    hub_relay_item it;
    hub_remind_item r;
    hub_reminders points;
    long long mid = T0 + 1 + (DEADLINE - T0 - 1) / 2;

    assert_int_equal(hub_reminders_parse("50%, 1h", &points, err, sizeof err), 0);
    hub_db_set_reminders(f->db, &points);
    relayed_to_alpha(f, "R-1", id, &it); /* its window starts at T0 + 1 */
    relayed_to_alpha(f, "R-2", id2, &it);
    assert_int_equal(remind_due(f, mid - 1, NULL), 0);
    assert_int_equal(remind_due(f, mid, &r), 2);
    assert_string_equal(r.platform, "alpha");
    assert_int_equal(r.n, 1);
    /* asked, no answer yet: not asked again within the lease */
    assert_int_equal(remind_due(f, mid + 1, NULL), 0);
    r.answer = REMIND_QUEUED;
    assert_int_equal(hub_db_remind_record(f->db, &r, 1, mid + 2), 0);
    assert_int_equal(hub_db_remind_record(f->db, &r, 1, mid + 3), 0); /* twice: once */
    assert_int_equal(reminder_leaves(f, r.notice, 1), 1);
    /* the other is read meanwhile: its point comes, nothing is asked, ever */
    const char *other = strcmp(r.notice, id) ? id : id2;
    assert_string_equal(report(f, ROLE_AGENCY, "nts", other, EV_CONTENT_HANDOVER, NULL, mid + 4),
                        "recorded");
    assert_int_equal(remind_due(f, mid + 2 * 60000, NULL), 0);
    assert_int_equal(remind_due(f, DEADLINE - HOUR - 1, NULL), 0);
    assert_int_equal(remind_due(f, DEADLINE - HOUR, &r), 1);
    assert_int_equal(r.n, 2);
    r.answer = REMIND_READ; /* the platform says its member has opened it */
    assert_int_equal(hub_db_remind_record(f->db, &r, 1, DEADLINE - HOUR), 0);
    assert_int_equal(reminder_leaves(f, r.notice, 2), 0);
    assert_int_equal(remind_due(f, DEADLINE - 1, NULL), 0);
    assert_int_equal(reminder_leaves(f, other, 1), 0);
}

static void reminders_skip_to_the_latest_and_stop_at_expiry(void **state)
{
    fixture *f = *state;
    char id[NOTICE_ID_LEN + 1], err[128];
    hub_relay_item it;
    hub_remind_item r;
    hub_reminders points;
    size_t expired;

    assert_int_equal(hub_reminders_parse("25%, 50%, 1h", &points, err, sizeof err), 0);
    hub_db_set_reminders(f->db, &points);
    relayed_to_alpha(f, "S-1", id, &it);
    /* the hub was down past two points: only the later one goes */
    assert_int_equal(remind_due(f, DEADLINE - 2 * HOUR, &r), 1);
    assert_int_equal(r.n, 2);
    r.answer = REMIND_QUEUED;
    assert_int_equal(hub_db_remind_record(f->db, &r, 1, DEADLINE - 2 * HOUR), 0);
    assert_int_equal(reminder_leaves(f, id, 2), 1);
    assert_int_equal(reminder_leaves(f, id, 1), 0);
    /* expired before its last point was asked: no reminder after it */
    assert_int_equal(hub_db_expire(f->db, DEADLINE, 10, &expired), 0);
    assert_int_equal(expired, 1);
    assert_int_equal(remind_due(f, DEADLINE + DAY, NULL), 0);
}

/* rk4 is known to beta only, without consent. */
static const char rk4[] = "4444444444444444444444444444444444444444444444444444444444444444";

static void pre_notice(fixture *f, const char *reference, char id[NOTICE_ID_LEN + 1],
                       hub_relay_item *it)
{
    hub_dir_entry e = {.consent = 0, .preference = 1};

    memcpy(e.rk, rk4, sizeof e.rk);
    assert_int_equal(hub_directory_put(f->d, "beta", &e, 1, T0), 0);
    hub_db_set_consent_window_ms(f->db, 2 * DAY);
    submit(f, "nts", reference, rk4, T0, id);
    claim_one(f, T0, "beta", it);
    assert_int_equal(it->pre_notice, 1);
    assert_true(it->consent_until == T0 + 2 * DAY);
    answer(f, it, RELAY_PRE_NOTICED, 0, NULL, T0 + 1);
    assert_state(f, id, "relayed", "beta");
}

static void pre_notice_without_consent_goes_to_paper(void **state)
{
    fixture *f = *state;
    char id[NOTICE_ID_LEN + 1];
    hub_relay_item it;
    size_t expired, postal;

    pre_notice(f, "P-1", id, &it);
    assert_int_equal(hub_db_expire(f->db, T0 + 1 + 2 * DAY - 1, 10, &expired), 0);
    assert_int_equal(expired, 0);
    assert_int_equal(hub_db_expire(f->db, T0 + 1 + 2 * DAY, 10, &expired), 0);
    assert_int_equal(expired, 1);
    assert_last_reason(f, id, "no consent by the end of the window on beta");
    assert_int_equal(claim(f, T0 + 2 * DAY + 2, &it, 1, &postal), 0);
    assert_int_equal(postal, 1);
    assert_timeline(f, id,
                    "SubmissionAcceptance:hub RelayAcceptance:beta ConsentPreNotification:beta "
                    "AcceptanceRejectionExpiry:hub RelayToNonERDS:hub");
    /* with pre-notices off, nobody with consent is nobody */
    char id2[NOTICE_ID_LEN + 1];
    hub_db_set_consent_window_ms(f->db, 0);
    submit(f, "nts", "P-2", rk4, T0, id2);
    assert_int_equal(claim(f, T0 + 3 * DAY, &it, 1, &postal), 0);
    assert_int_equal(postal, 1);
}

/* A pre-notice on a fallback channel: the hub gives the member the
 * fallback window, not the consent window, and the platform is told so
 * (a consent after the hub sent the notice to paper would show it). */
static void pre_notice_on_a_fallback_channel_says_its_shorter_window(void **state)
{
    fixture *f = *state;
    static const char rk5[] =
        "5555555555555555555555555555555555555555555555555555555555555555";
    hub_dir_entry e = {.consent = 1, .preference = 1};
    char id[NOTICE_ID_LEN + 1];
    hub_relay_item it;
    size_t expired;

    memcpy(e.rk, rk5, sizeof e.rk);
    assert_int_equal(hub_directory_put(f->d, "alpha", &e, 1, T0), 0);
    e.consent = 0;
    assert_int_equal(hub_directory_put(f->d, "beta", &e, 1, T0), 0);
    hub_db_set_consent_window_ms(f->db, 2 * DAY);
    submit(f, "nts", "P-4", rk5, T0, id);
    claim_one(f, T0, "alpha", &it);
    answer(f, &it, RELAY_ACCEPTED, 0, NULL, T0 + 1);
    assert_int_equal(hub_db_expire(f->db, DEADLINE, 10, &expired), 0);
    assert_int_equal(expired, 1);
    claim_one(f, DEADLINE + 1, "beta", &it);
    assert_int_equal(it.pre_notice, 1);
    assert_true(it.consent_until == DEADLINE + 1 + FALLBACK_MS);
    answer(f, &it, RELAY_PRE_NOTICED, 0, NULL, DEADLINE + 2);
    /* the hub's window ends with the answer's fallback window, at or
     * after what the platform was told */
    assert_int_equal(hub_db_expire(f->db, DEADLINE + 1 + FALLBACK_MS, 10, &expired), 0);
    assert_int_equal(expired, 0);
    assert_int_equal(hub_db_expire(f->db, DEADLINE + 2 + FALLBACK_MS, 10, &expired), 0);
    assert_int_equal(expired, 1);
}

static void consent_gives_the_read_window(void **state)
{
    fixture *f = *state;
    char id[NOTICE_ID_LEN + 1];
    hub_relay_item it;
    size_t expired;

    pre_notice(f, "P-3", id, &it);
    assert_string_equal(
        report(f, ROLE_PLATFORM, "beta", id, EV_CONSENT_ACCEPTANCE, NULL, T0 + DAY), "recorded");
    assert_string_equal(
        report(f, ROLE_PLATFORM, "beta", id, EV_CONTENT_CONSIGNMENT, NULL, T0 + DAY), "recorded");
    assert_state(f, id, "received", "beta");
    /* the consent window no longer applies: the notice's own deadline does */
    assert_int_equal(hub_db_expire(f->db, T0 + 2 * DAY + 10, 10, &expired), 0);
    assert_int_equal(expired, 0);
    assert_int_equal(hub_db_expire(f->db, DEADLINE, 10, &expired), 0);
    assert_int_equal(expired, 1);
    assert_timeline(f, id,
                    "SubmissionAcceptance:hub RelayAcceptance:beta ConsentPreNotification:beta "
                    "ConsentAcceptance:beta ContentConsignment:beta AcceptanceRejectionExpiry:hub");
}

/* One cancellation of nts's reference: its status, or its error. */
static const char *cancel(fixture *f, const char *agency, const char *reference,
                          const char *reason, long long now)
{
    hub_cancel c = {.reference = reference, .reason = reason};

    assert_int_equal(hub_db_cancel(f->db, agency, &c, 1, now), 0);
    return c.error ? c.error : c.status;
}

static size_t withdrawals_owed(fixture *f, hub_withdrawal *w, size_t max)
{
    int n = hub_db_withdrawals_due(f->db, w, max);

    assert_true(n >= 0);
    return (size_t)n;
}

static void cancel_ends_an_unread_notice_once(void **state)
{
    fixture *f = *state;
    char id[NOTICE_ID_LEN + 1], err[128];
    hub_relay_item it, items[4];
    hub_remind_item r;
    hub_reminders points;
    hub_withdrawal w[4];
    size_t expired, n_out = 0, n_postal = 0;

    assert_int_equal(hub_reminders_parse("50%", &points, err, sizeof err), 0);
    hub_db_set_reminders(f->db, &points);
    relayed_to_alpha(f, "R-1", id, &it);
    assert_string_equal(cancel(f, "lta", "R-1", "x", T0 + 2), "unknown reference");
    assert_string_equal(cancel(f, "nts", "R-1", "sent in error", T0 + 2), "cancelled");
    assert_string_equal(cancel(f, "nts", "R-1", "again", T0 + 3), "duplicate");
    assert_state(f, id, "cancelled", "alpha");
    assert_last_reason(f, id, "sent in error");
    assert_timeline(f, id, "SubmissionAcceptance:hub RelayAcceptance:alpha NoticeCancellation:nts");
    assert_feed(f, "nts", "relayed cancelled");
    /* no reminder, no expiry, no relay, no paper */
    assert_int_equal(remind_due(f, DEADLINE - 1, &r), 0);
    assert_int_equal(hub_db_expire(f->db, DEADLINE + 1, 10, &expired), 0);
    assert_int_equal(expired, 0);
    assert_int_equal(hub_db_relay_next(f->db, items, 0, DEADLINE + 2, 4, known, NULL, NULL,
                                       &n_out, &n_postal),
                     0);
    assert_int_equal(n_out + n_postal, 0);
    /* late reports are evidence only */
    assert_string_equal(report(f, ROLE_AGENCY, "nts", id, EV_CONTENT_HANDOVER, NULL, T0 + 4),
                        "ignored");
    assert_state(f, id, "cancelled", "alpha");
    /* alpha, which accepted it, is owed one withdrawal, until told */
    assert_int_equal(withdrawals_owed(f, w, 4), 1);
    assert_string_equal(w[0].notice, id);
    assert_string_equal(w[0].platform, "alpha");
    assert_string_equal(w[0].reason, "sent in error");
    assert_int_equal(hub_db_withdrawals_done(f->db, w, 1), 0); /* not told: kept */
    assert_int_equal(withdrawals_owed(f, w, 4), 1);
    w[0].told = 1;
    assert_int_equal(hub_db_withdrawals_done(f->db, w, 1), 0);
    assert_int_equal(withdrawals_owed(f, w, 4), 0);
}

/* Cancelled while the relay to alpha is in flight: alpha is told at once
 * and answers "unknown" (not in an inbox yet); then the relay's answer
 * says alpha put it in one. The withdrawal is owed again. */
static void cancel_during_a_relay_is_withdrawn_once_it_lands(void **state)
{
    fixture *f = *state;
    char id[NOTICE_ID_LEN + 1];
    hub_relay_item it;
    hub_withdrawal w[4];

    submit(f, "nts", "R-1", rk1, T0, id);
    claim_one(f, T0, "alpha", &it);
    assert_string_equal(cancel(f, "nts", "R-1", "sent in error", T0 + 1), "cancelled");
    assert_int_equal(withdrawals_owed(f, w, 4), 1);
    assert_string_equal(w[0].platform, "alpha");
    w[0].told = 1;
    assert_int_equal(hub_db_withdrawals_done(f->db, w, 1), 0);
    assert_int_equal(withdrawals_owed(f, w, 4), 0);
    answer(f, &it, RELAY_ACCEPTED, 0, NULL, T0 + 2);
    assert_state(f, id, "cancelled", "alpha");
    assert_int_equal(withdrawals_owed(f, w, 4), 1);
    assert_string_equal(w[0].notice, id);
    assert_string_equal(w[0].platform, "alpha");
    /* told again, it is done */
    w[0].told = 1;
    assert_int_equal(hub_db_withdrawals_done(f->db, w, 1), 0);
    assert_int_equal(withdrawals_owed(f, w, 4), 0);
}

/* The same with a relay call that failed (a timeout): alpha may have put
 * it in an inbox all the same, so it is told again; if it did not, it
 * answers "unknown". */
static void cancel_during_a_failed_relay_is_withdrawn_again(void **state)
{
    fixture *f = *state;
    char id[NOTICE_ID_LEN + 1];
    hub_relay_item it;
    hub_withdrawal w[4];

    submit(f, "nts", "R-1", rk1, T0, id);
    claim_one(f, T0, "alpha", &it);
    assert_string_equal(cancel(f, "nts", "R-1", "sent in error", T0 + 1), "cancelled");
    assert_int_equal(withdrawals_owed(f, w, 4), 1);
    w[0].told = 1;
    assert_int_equal(hub_db_withdrawals_done(f->db, w, 1), 0);
    answer(f, &it, RELAY_FAILED, 0, "alpha: timeout", T0 + 2);
    assert_int_equal(withdrawals_owed(f, w, 4), 1);
    assert_string_equal(w[0].notice, id);
    assert_string_equal(w[0].platform, "alpha");
}

/* The same, but the relay's answer lands while the withdrawal worker is
 * still telling alpha (it read the row, alpha answered "unknown"): the
 * row the worker then takes away is the one it read, not the one owed
 * since, and alpha hears of it again. */
static void withdrawal_owed_again_while_being_told_is_kept(void **state)
{
    fixture *f = *state;
    char id[NOTICE_ID_LEN + 1];
    hub_relay_item it;
    hub_withdrawal w[4];

    submit(f, "nts", "R-1", rk1, T0, id);
    claim_one(f, T0, "alpha", &it);
    assert_string_equal(cancel(f, "nts", "R-1", "sent in error", T0 + 1), "cancelled");
    assert_int_equal(withdrawals_owed(f, w, 4), 1);
    answer(f, &it, RELAY_ACCEPTED, 0, NULL, T0 + 2);
    w[0].told = 1;
    assert_int_equal(hub_db_withdrawals_done(f->db, w, 1), 0);
    assert_int_equal(withdrawals_owed(f, w, 4), 1);
    assert_string_equal(w[0].notice, id);
    assert_string_equal(w[0].platform, "alpha");
    w[0].told = 1;
    assert_int_equal(hub_db_withdrawals_done(f->db, w, 1), 0);
    assert_int_equal(withdrawals_owed(f, w, 4), 0);
}

/* One platform's backlog of withdrawals (it is down, say) does not hold
 * up another's: a round takes each platform's in turn. (SQLite's: on
 * PostgreSQL a round leases what it reads for a minute, so the next
 * rounds take the others.) */
static void withdrawals_take_every_platform_in_turn(void **state)
{
    fixture *f = *state;
    char id[4][NOTICE_ID_LEN + 1], ref[8];
    hub_relay_item it;
    hub_withdrawal w[4];
    for (int k = 0; k < 3; k++) {
        snprintf(ref, sizeof ref, "W-%d", k);
        relayed_to_alpha(f, ref, id[k], &it);
        assert_string_equal(cancel(f, "nts", ref, "sent in error", T0 + 2), "cancelled");
    }
    submit(f, "nts", "W-3", rk1, T0, id[3]);
    claim_one(f, T0, "alpha", &it);
    answer(f, &it, RELAY_REJECTED, 0, "not a member", T0 + 1);
    claim_one(f, T0 + 2, "beta", &it);
    answer(f, &it, RELAY_ACCEPTED, 0, NULL, T0 + 3);
    assert_string_equal(cancel(f, "nts", "W-3", "sent in error", T0 + 4), "cancelled");
    assert_int_equal(withdrawals_owed(f, w, 2), 2);
    assert_string_equal(w[0].platform, "alpha");
    assert_string_equal(w[1].platform, "beta");
    assert_string_equal(w[1].notice, id[3]);
}

static void cancel_after_read_is_for_the_record(void **state)
{
    fixture *f = *state;
    char id[NOTICE_ID_LEN + 1];
    hub_relay_item it;
    hub_withdrawal w[4];

    relayed_to_alpha(f, "R-1", id, &it);
    assert_string_equal(report(f, ROLE_AGENCY, "nts", id, EV_CONTENT_HANDOVER, NULL, T0 + 2),
                        "recorded");
    assert_string_equal(cancel(f, "nts", "R-1", "to be corrected", T0 + 3), "recorded");
    assert_state(f, id, "read", "alpha");
    assert_timeline(f, id,
                    "SubmissionAcceptance:hub RelayAcceptance:alpha ContentHandover:nts "
                    "NoticeCancellation:nts");
    /* no state moved; the feed gives the cancellation's time, as evidence */
    assert_feed(f, "nts", "relayed read read:NoticeCancellation");
    assert_int_equal(withdrawals_owed(f, w, 4), 1);
}

static void feed_is_ordered_and_gap_free(void **state)
{
    fixture *f = *state;
    char ids[6][NOTICE_ID_LEN + 1], states[512];
    const char *agency[6] = {"nts", "kcs", "nts", "kcs", "nts", "nts"};
    hub_relay_item items[6];
    long long seq[16], all[32], after, next;
    size_t total = 0, n;

    for (int i = 0; i < 6; i++) {
        char ref[8];
        snprintf(ref, sizeof ref, "G-%d", i);
        submit(f, agency[i], ref, i == 5 ? rk3 : rk1, T0 + i, ids[i]);
    }
    /* one round: four relayed, one to postal (i = 5) */
    assert_int_equal(claim(f, T0 + 10, items, 4, NULL), 4);
    for (int i = 0; i < 4; i++)
        items[i].outcome = RELAY_ACCEPTED;
    items[1].consigned = 1;
    assert_int_equal(hub_db_relay_record(f->db, items, 4, T0 + 11), 0);
    assert_int_equal(claim(f, T0 + 12, items, 4, NULL), 1); /* i = 4; i = 5 goes postal */
    assert_string_equal(report(f, ROLE_AGENCY, "nts", ids[0], EV_CONTENT_HANDOVER, NULL, T0 + 13),
                        "recorded");
    assert_string_equal(report(f, ROLE_AGENCY, "kcs", ids[3], EV_CONTENT_HANDOVER, NULL, T0 + 14),
                        "recorded");

    /* each agency's pages, in order, with the cursor each page gives */
    for (int a = 0; a < 2; a++) {
        const char *who = a ? "kcs" : "nts";
        long long last = 0;
        after = 0;
        while ((n = feed(f, who, after, 2, states, sizeof states, seq, 16, &next)) > 0) {
            assert_true(n <= 2);
            for (size_t i = 0; i < n; i++) {
                assert_true(seq[i] > last);
                last = all[total++] = seq[i];
            }
            assert_int_equal(next, seq[n - 1]);
            after = next;
        }
        assert_int_equal(next, after); /* past the end: the cursor stays */
    }
    /* both feeds together: 1, 2, ... with none missing or twice */
    assert_int_equal(total, 7);
    for (size_t i = 0; i < total; i++) {
        size_t seen = 0;
        for (size_t k = 0; k < total; k++)
            seen += all[k] == (long long)i + 1;
        assert_int_equal(seen, 1);
    }
    assert_feed(f, "nts", "relayed relayed postal read");
    assert_feed(f, "kcs", "received relayed read");
}

/* A database from before the summaries gets them counted at its first
 * open, as they would have been kept, and they go on from there: a
 * notice back in the relay queue (an alert failed) is not a new
 * submission, and a relay straight into the inbox is a relay. */
static void older_database_is_counted_once(void **state)
{
    fixture *f = *state;
    char id1[NOTICE_ID_LEN + 1], id2[NOTICE_ID_LEN + 1], id3[NOTICE_ID_LEN + 1],
        id4[NOTICE_ID_LEN + 1];
    hub_relay_item it;
    int moved = -1;

    if (pg_dsn)
        skip(); /* surgery on an SQLite file */
    relayed_to_alpha(f, "T-1", id1, &it);
    submit(f, "nts", "T-4", rk1, T0 + 10, id4);
    claim_one(f, T0 + 10, "alpha", &it);
    answer(f, &it, RELAY_ACCEPTED, 1, NULL, T0 + 2 * HOUR);
    assert_state(f, id4, "received", "alpha");
    assert_string_equal(report_alert(f, "alpha", id4, EV_CONSIGNMENT_NOTIFICATION_FAILURE,
                                     "sms: UNDELIV", "sms", "m-4", T0 + 3 * HOUR, &moved),
                        "recorded");
    assert_int_equal(moved, 1);
    submit(f, "nts", "T-2", rk3, T0, id2);
    close_db(f);
    assert_int_equal(one_int(f->path, "SELECT count(*) FROM tally_states WHERE n != 0"), 2);
    assert_int_equal(one_int(f->path, "CREATE TABLE kept AS SELECT 'days' AS t, day, agency,"
                                      " platform, state, n FROM tally_days UNION ALL SELECT"
                                      " 'latency', day, '', '', bucket, n FROM tally_latency"),
                     -1);
    assert_int_equal(one_int(f->path, "DROP TABLE tally_days"), -1);
    assert_int_equal(one_int(f->path, "DROP TABLE tally_states"), -1);
    assert_int_equal(one_int(f->path, "DROP TABLE tally_due"), -1);
    assert_int_equal(one_int(f->path, "DROP TABLE tally_latency"), -1);
    open_db(f);
    assert_summaries_agree(f->path);
    /* what was counted is what had been kept, day by day and bucket by bucket */
    assert_int_equal(one_int(f->path, DIFFER("SELECT t, day, agency, platform, state, n"
                                             " FROM kept WHERE n != 0",
                                             "SELECT * FROM (SELECT 'days', day, agency,"
                                             " platform, state, n FROM tally_days"
                                             " WHERE n != 0 UNION ALL SELECT 'latency', day,"
                                             " '', '', CAST(bucket AS TEXT), n"
                                             " FROM tally_latency WHERE n != 0)")),
                     0);
    submit(f, "kcs", "T-3", rk1, T0 + DAY, id3);
    close_db(f);
    assert_summaries_agree(f->path);
    assert_int_equal(one_int(f->path, "SELECT n FROM tally_states WHERE state = 'accepted'"),
                     3);
    open_db(f);
}

/* ---- several nodes on one PostgreSQL database ---- */

static void newer_schema_is_refused(void **state)
{
    fixture *f = *state;
    char err[256] = "";

    if (!pg_dsn)
        skip();
    close_db(f);
    assert_int_equal(pg_exec("UPDATE hub_schema SET version = 99"), 0);
    assert_null(hub_db_open_pg(pg_dsn, "node-a", err, sizeof err));
    assert_non_null(strstr(err, "version 99"));
    assert_non_null(strstr(err, "version 6)"));
    assert_int_equal(pg_exec("UPDATE hub_schema SET version = 6"), 0);
    open_db(f);
}

/* The log's tree as versions 3 and 4 kept it, a row per leaf in log_tree,
 * made from the blocks of version 5: the first step of every test of a
 * store older than version 5. */
static const char tree_as_version_4[] =
    "CREATE TABLE log_tree(idx bigint PRIMARY KEY, id bigint NOT NULL UNIQUE,"
    " hash bytea NOT NULL);"
    " INSERT INTO log_tree SELECT b.first_idx + u.o - 1, u.id,"
    "  substring(b.hashes FROM (u.o - 1)::int * 32 + 1 FOR 32)"
    "  FROM log_blocks b, unnest(b.ids) WITH ORDINALITY u(id, o);"
    " CREATE OR REPLACE VIEW log_leaves AS SELECT t.idx, e.notice, e.leaf, t.hash"
    "  FROM log_tree t JOIN log_entries e ON e.id = t.id;"
    " DROP TABLE log_blocks;";

/* A key for the log's heads in the cases that need one. */
static const uint8_t test_seed[ED25519_SEED_LEN] = {42};

/* Waits (up to 5 s) for a head over the whole tree, signed with
 * test_seed. */
static void signed_head_covers_all(fixture *f)
{
    hub_evidence_log *log = hub_db_log(f->db);
    sth head;
    uint8_t sig[STH_SIG_LEN];

    assert_int_equal(hub_evidence_log_set_key(log, test_seed), 0);
    for (int i = 0; i < 500; i++) {
        if (hub_evidence_log_latest(log, &head, sig) == 0 &&
            head.tree_size == hub_evidence_log_size(log) && head.tree_size > 0)
            return;
        struct timespec ms10 = {0, 10000000};
        nanosleep(&ms10, NULL);
    }
    fail_msg("no head over the %llu leaves", (unsigned long long)hub_evidence_log_size(log));
}

/* The certificate of notice id verifies against test_seed's key with
 * count leaves. */
static void certificate_verifies(fixture *f, const char *id, size_t count)
{
    hub_evidence_log *log = hub_db_log(f->db);
    uint8_t pk[ED25519_PUBLIC_LEN];
    char why[256];
    int status = 0;
    cert_result *res = malloc(sizeof *res);
    char *json = hub_evidence_log_certificate(log, id, &status);

    assert_non_null(res);
    assert_int_equal(status, 200);
    assert_non_null(json);
    hub_evidence_log_public_key(log, pk);
    if (certificate_verify(json, strlen(json), pk, res, why, sizeof why) != 0)
        fail_msg("certificate of %s: %s", id, why);
    assert_int_equal(res->count, count);
    free(res);
    free(json);
}

/* A store at version 4 kept a row per leaf in log_tree. Opened by this
 * herald, the leaves keep their indexes, bytes and hashes, in blocks of
 * 1,024 (two here: more than 1,024 leaves); the root rebuilt from them
 * matches the last signed head (checked at open), certificates of
 * notices in either block verify, and new leaves follow. */
static void version_4_tree_goes_into_blocks(void **state)
{
    enum { MANY = 1100 };
    fixture *f = *state;
    hub_submission *many = calloc(MANY, sizeof *many);
    char (*refs)[16] = calloc(MANY, sizeof *refs);
    char a[NOTICE_ID_LEN + 1], first[NOTICE_ID_LEN + 1], last[NOTICE_ID_LEN + 1];
    size_t routed;
    long long before;

    if (!pg_dsn)
        skip();
    assert_true(many && refs);
    for (int i = 0; i < MANY; i++) {
        snprintf(refs[i], sizeof refs[i], "B-%d", i);
        submission(&many[i], refs[i], rk1);
    }
    assert_int_equal(hub_db_submit(f->db, "nts", many, MANY, T0, 0, NULL, &routed), 0);
    memcpy(first, many[0].id, NOTICE_ID_LEN + 1);
    memcpy(last, many[MANY - 1].id, NOTICE_ID_LEN + 1);
    settle();
    submit(f, "nts", "B-single", rk1, T0, a);
    settle();
    before = hub_evidence_log_size(hub_db_log(f->db));
    assert_true(before > 1024);
    assert_true(pg_one_int("SELECT count(*) FROM log_blocks") >= 3);
    signed_head_covers_all(f);
    close_db(f);
    assert_int_equal(pg_exec("CREATE TABLE kept AS SELECT idx, notice, leaf, hash FROM log_leaves;"),
                     0);
    assert_int_equal(pg_exec(tree_as_version_4), 0);
    assert_int_equal(pg_exec("UPDATE hub_schema SET version = 4"), 0);
    assert_int_equal(pg_one_int("SELECT count(*) FROM log_tree"), before);
    open_db(f); /* fails if the tree rebuilt from the blocks is not the head's */
    assert_int_equal(pg_one_int("SELECT max(version) FROM hub_schema"), 6);
    assert_int_equal(pg_one_int("SELECT count(*) FROM pg_tables WHERE tablename = 'log_tree'"), 0);
    assert_int_equal(pg_one_int("SELECT count(*) FROM log_blocks"), 2);
    assert_int_equal(pg_one_int("SELECT count(*) FROM log_leaves l JOIN kept k USING (idx)"
                                " WHERE l.notice = k.notice AND l.leaf = k.leaf"
                                " AND l.hash = k.hash AND l.hash = sha256('\\x00'::bytea || l.leaf)"),
                     before);
    assert_int_equal(hub_evidence_log_size(hub_db_log(f->db)), before);
    assert_timeline(f, last, "SubmissionAcceptance:hub");
    submit(f, "nts", "B-after", rk1, T0, a);
    settle();
    assert_true((long long)hub_evidence_log_size(hub_db_log(f->db)) > before);
    assert_int_equal(pg_one_int("SELECT count(*) FROM log_leaves"),
                     (long long)hub_evidence_log_size(hub_db_log(f->db)));
    signed_head_covers_all(f);
    certificate_verifies(f, first, 1); /* the first block */
    certificate_verifies(f, last, 1);  /* the second */
    certificate_verifies(f, a, 1);     /* a block of its own, after them */
    assert_int_equal(pg_exec("DROP TABLE kept"), 0);
    free(many);
    free(refs);
}

/* A store made at version 1 numbered its feed's rows in place; opened by
 * this herald, the rows still waiting for their seq move to the queue,
 * in their order, the numbered ones stay, and the sequencer numbers the
 * moved ones after them. */
static void version_1_changes_move_to_the_queue(void **state)
{
    fixture *f = *state;

    if (!pg_dsn)
        skip();
    close_db(f);
    assert_int_equal(pg_exec(tree_as_version_4), 0);
    assert_int_equal(pg_exec("DROP TABLE changes_queue, changes;"
                             " CREATE TABLE changes(id bigserial PRIMARY KEY, seq bigint UNIQUE,"
                             "  agency text NOT NULL, notice text NOT NULL, state text NOT NULL,"
                             "  at bigint NOT NULL, reference text NOT NULL DEFAULT '',"
                             "  platform text, event text);"
                             " CREATE INDEX changes_agency ON changes(agency, seq)"
                             "  WHERE seq IS NOT NULL;"
                             " CREATE INDEX changes_unsequenced ON changes(id) WHERE seq IS NULL;"
                             " INSERT INTO changes(seq, agency, notice, state, at)"
                             "  VALUES(1, 'nts', 'n-0', 'accepted', 1);"
                             " UPDATE log_state SET feed_seq = 1;"
                             " INSERT INTO changes(agency, notice, state, at, reference)"
                             "  VALUES('nts', 'n-1', 'accepted', 2, 'R-1'),"
                             "  ('kcs', 'n-2', 'relayed', 3, 'R-2');"
                             " UPDATE hub_schema SET version = 1"),
                     0);
    open_db(f);
    settle();
    assert_int_equal(pg_one_int("SELECT max(version) FROM hub_schema"), 6);
    assert_int_equal(pg_one_int("SELECT count(*) FROM changes"), 3);
    assert_int_equal(pg_one_int("SELECT count(*) FROM changes WHERE (seq, agency, notice, state,"
                                " at, reference) IN ((1, 'nts', 'n-0', 'accepted', 1, ''),"
                                " (2, 'nts', 'n-1', 'accepted', 2, 'R-1'),"
                                " (3, 'kcs', 'n-2', 'relayed', 3, 'R-2'))"),
                     3);
    assert_int_equal(pg_one_int("SELECT feed_seq FROM log_state"), 3);
    assert_int_equal(pg_one_int("SELECT count(*) FROM pg_indexes"
                                " WHERE indexname = 'changes_unsequenced'"),
                     0);
}

/* A store at version 2 wrote each leaf's bytes into log_pending, and the
 * sequencer moved them into log_leaves. Opened by this herald, the
 * integrated leaves keep their indexes and bytes, the queued ones are
 * integrated after them in their order, and new leaves follow. */
static void version_2_log_is_carried_over(void **state)
{
    fixture *f = *state;
    char a[NOTICE_ID_LEN + 1];
    long long before;

    if (!pg_dsn)
        skip();
    submit(f, "nts", "M-1", rk1, T0, a);
    submit(f, "nts", "M-2", rk1, T0, a);
    settle();
    before = pg_one_int("SELECT count(*) FROM log_leaves");
    assert_true(before >= 2);
    close_db(f);
    assert_int_equal(pg_exec(tree_as_version_4), 0);
    assert_int_equal(
        pg_exec("CREATE TABLE kept AS SELECT idx, notice, leaf, hash FROM log_leaves;"
                " DROP VIEW log_leaves; DROP TABLE log_entries, log_tree, log_pending;"
                " DROP FUNCTION log_queue();"
                " CREATE TABLE log_leaves(idx bigint PRIMARY KEY, notice text NOT NULL,"
                "  leaf bytea NOT NULL, hash bytea NOT NULL);"
                " CREATE INDEX log_leaves_notice ON log_leaves(notice, idx);"
                " INSERT INTO log_leaves SELECT * FROM kept;"
                " CREATE TABLE log_pending(id bigserial PRIMARY KEY, notice text NOT NULL,"
                "  leaf bytea NOT NULL, hash bytea NOT NULL);"
                " CREATE INDEX log_pending_notice ON log_pending(notice);"
                " INSERT INTO log_pending(notice, leaf, hash) SELECT 'n-q' || i, l,"
                "  sha256('\\x00'::bytea || l) FROM (SELECT i,"
                "  convert_to('{\"queued\":' || i || '}', 'UTF8') AS l"
                "  FROM generate_series(1, 2) i) q ORDER BY i;"
                " UPDATE hub_schema SET version = 2"),
        0);
    open_db(f);
    settle();
    assert_int_equal(pg_one_int("SELECT max(version) FROM hub_schema"), 6);
    assert_int_equal(pg_one_int("SELECT count(*) FROM log_leaves"), before + 2);
    assert_int_equal(pg_one_int("SELECT count(*) FROM log_leaves l JOIN kept k USING (idx)"
                                " WHERE l.notice = k.notice AND l.leaf = k.leaf"
                                " AND l.hash = k.hash"),
                     before);
    assert_int_equal(pg_one_int("SELECT count(*) FROM log_leaves, (SELECT count(*) AS n"
                                " FROM kept) k WHERE (idx, notice) IN ((k.n, 'n-q1'),"
                                " (k.n + 1, 'n-q2')) AND hash = sha256('\\x00'::bytea || leaf)"),
                     2);
    assert_int_equal(hub_evidence_log_size(hub_db_log(f->db)), before + 2);
    assert_int_equal(pg_one_int("SELECT count(*) FROM pg_tables WHERE tablename"
                                " IN ('log_leaves_2', 'log_pending_2')"),
                     0);
    submit(f, "nts", "M-3", rk1, T0, a);
    settle();
    assert_true(pg_one_int("SELECT count(*) FROM log_leaves") > before + 2);
    assert_int_equal(pg_exec("DROP TABLE kept"), 0);
}

/* A store at version 3 kept keys on its queues and on changes' id and
 * seq. Opened by this herald they are gone, the feed's rows keep their
 * seqs, and new ones are numbered after them and read by agency. */
static void version_3_indexes_are_dropped(void **state)
{
    fixture *f = *state;
    char a[NOTICE_ID_LEN + 1], states[256];
    hub_relay_item it;
    long long seq[8], next;

    if (!pg_dsn)
        skip();
    submit(f, "nts", "M-1", rk1, T0, a);
    claim_one(f, T0 + 1, "alpha", &it);
    answer(f, &it, RELAY_ACCEPTED, 0, NULL, T0 + 1);
    settle();
    close_db(f);
    assert_int_equal(pg_exec(tree_as_version_4), 0);
    assert_int_equal(pg_exec("ALTER TABLE log_pending ADD PRIMARY KEY (id);"
                             " ALTER TABLE changes_queue ADD PRIMARY KEY (id);"
                             " ALTER TABLE changes ADD COLUMN id bigserial PRIMARY KEY,"
                             "  ADD CONSTRAINT changes_seq_key UNIQUE (seq);"
                             " DROP INDEX changes_agency;"
                             " CREATE INDEX changes_agency ON changes(agency, seq)"
                             "  WHERE seq IS NOT NULL;"
                             " UPDATE hub_schema SET version = 3"),
                     0);
    open_db(f);
    assert_int_equal(pg_one_int("SELECT max(version) FROM hub_schema"), 6);
    assert_int_equal(pg_one_int("SELECT count(*) FROM pg_indexes WHERE tablename"
                                " IN ('log_pending', 'changes_queue', 'changes')"),
                     1);
    assert_int_equal(pg_one_int("SELECT count(*) FROM pg_index WHERE indisunique"
                                " AND indexrelid = 'changes_agency'::regclass"),
                     1);
    assert_int_equal(pg_one_int("SELECT count(*) FROM information_schema.columns"
                                " WHERE table_name = 'changes' AND column_name = 'id'"),
                     0);
    submit(f, "nts", "M-2", rk1, T0 + 2, a);
    claim_one(f, T0 + 3, "alpha", &it);
    answer(f, &it, RELAY_ACCEPTED, 0, NULL, T0 + 3);
    assert_int_equal(feed(f, "nts", 0, 10, states, sizeof states, seq, 8, &next), 2);
    assert_string_equal(states, "relayed relayed");
    assert_int_equal(seq[0], 1);
    assert_int_equal(seq[1], 2);
}

/* A node that lets go of a routed notice at its stop (held past its
 * lease, which another node has taken since) leaves the other's lease. */
static void release_leaves_another_nodes_lease(void **state)
{
    fixture *f = *state;
    hub_submission s;
    hub_notice routed;
    hub_relay_item it, mine;
    size_t n_routed, n_out, n_postal;
    hub_db *other;

    if (!pg_dsn)
        skip();
    other = open_node("node-b");
    hub_db_set_directory(other, f->d);
    submission(&s, "L-2", rk1);
    strcpy(s.platform, "alpha");
    assert_int_equal(hub_db_submit(f->db, "nts", &s, 1, T0, 1, &routed, &n_routed), 0);
    assert_int_equal(n_routed, 1);
    assert_int_equal(hub_db_relay_next(other, &it, 0, T0 + LEASE_MS + 1, 1, known, NULL, NULL,
                                       &n_out, &n_postal),
                     0);
    assert_int_equal(n_out, 1);
    assert_string_equal(it.n.id, s.id);
    hub_db_relay_item_init(&mine, &routed);
    assert_int_equal(hub_db_relay_release(f->db, &mine, 1, T0 + LEASE_MS + 2), 0);
    assert_int_equal(claim(f, T0 + LEASE_MS + 3, &it, 1, NULL), 0);
    hub_db_close(other);
}

/* Another node's leases are its own: a node starting again frees only
 * the notices it had claimed. */
static void recover_frees_only_this_nodes_leases(void **state)
{
    fixture *f = *state;
    char a[NOTICE_ID_LEN + 1], b[NOTICE_ID_LEN + 1];
    hub_relay_item it[2];
    size_t n_out, n_postal, released;
    hub_db *other;

    if (!pg_dsn)
        skip();
    other = open_node("node-b");
    hub_db_set_directory(other, f->d);
    submit(f, "nts", "M-1", rk1, T0, a);
    assert_int_equal(
        hub_db_relay_next(other, it, 0, T0, 1, known, NULL, NULL, &n_out, &n_postal), 0);
    assert_int_equal(n_out, 1);
    assert_string_equal(it[0].n.id, a);
    submit(f, "nts", "M-2", rk1, T0 + 1, b);
    claim_one(f, T0 + 1, "alpha", &it[1]);
    assert_string_equal(it[1].n.id, b);
    assert_int_equal(hub_db_relay_recover(f->db, T0 + 2, &released), 0);
    assert_int_equal(released, 1);
    claim_one(f, T0 + 3, "alpha", &it[1]);
    assert_string_equal(it[1].n.id, b); /* not a: node-b's lease holds */
    assert_int_equal(hub_db_relay_recover(other, T0 + 4, &released), 0);
    assert_int_equal(released, 1);
    claim_one(f, T0 + 5, "alpha", &it[1]);
    assert_string_equal(it[1].n.id, a);
    hub_db_close(other);
}

/* A notice's leaf times never go back, whichever node adds them: the
 * last one is in the notice's row, not in a node's memory. */
static void leaf_times_hold_across_nodes(void **state)
{
    fixture *f = *state;
    char id[NOTICE_ID_LEN + 1], later[25];
    hub_relay_item it;
    hub_report r;
    hub_db *other;

    if (!pg_dsn)
        skip();
    other = open_node("node-b");
    submit(f, "nts", "N-1", rk1, T0, id);
    claim_one(f, T0, "alpha", &it);
    answer(f, &it, RELAY_ACCEPTED, 0, NULL, T0 + 10);
    memset(&r, 0, sizeof r);
    memcpy(r.notice, id, sizeof r.notice);
    r.event = EV_CONTENT_CONSIGNMENT;
    assert_int_equal(hub_db_report(other, ROLE_PLATFORM, "alpha", &r, 1, T0 + 5), 0);
    assert_string_equal(r.status, "recorded");
    clock_rfc3339_ms(later, T0 + 10);
    assert_last_leaf_has(f, id, "event", "ContentConsignment");
    assert_last_leaf_has(f, id, "at", later);
    /* the agency's feed gives the received change that leaf's time, not
     * the clock's: the agency's dates are the certificate's */
    assert_string_equal(change_at(f, id, "received"), later);
    hub_db_close(other);
}

/* The server ends every connection to the database but the caller's,
 * and has let each go before this returns: the timeout argument waits up
 * to 10 s for each (its answer is false for one that had already gone,
 * and is not looked at). Waiting instead until no other connection was
 * left never ended when the store's sequencer had connected again in the
 * meantime, as it does within ~0.1 s: the two suites run at once saw it
 * hang. */
static void drop_connections(void)
{
    assert_int_equal(pg_exec("SELECT count(pg_terminate_backend(pid, 10000)) FROM pg_stat_activity"
                             " WHERE datname = current_database() AND pid <> pg_backend_pid()"),
                     0);
}

/* The server dropped every connection (a restart, a failover): a call
 * that finds its connection gone before it did anything (a transaction's
 * BEGIN, a read) connects again and goes on. */
static void lost_connections_are_made_again(void **state)
{
    fixture *f = *state;
    char a[NOTICE_ID_LEN + 1];
    hub_submission s;
    size_t routed;

    if (!pg_dsn)
        skip();
    submit(f, "nts", "K-1", rk1, T0, a);
    drop_connections();
    submission(&s, "K-2", rk1);
    assert_int_equal(hub_db_submit(f->db, "nts", &s, 1, T0 + 1, 0, NULL, &routed), 0);
    assert_int_equal(s.duplicate, 0);
    assert_int_equal(notice_status(f, a, "nts"), 200);
    assert_timeline(f, s.id, "SubmissionAcceptance:hub");
    assert_feed(f, "nts", ""); /* new notices are told in the answer, not the feed */
    drop_connections();
    assert_int_equal(hub_db_may_see(f->db, a, ROLE_AGENCY, "nts"), 200);
    drop_connections();
    assert_feed(f, "nts", "");
    if (leaves(f) != 2) /* the log's reader too finds its connection gone once */
        assert_int_equal(leaves(f), 2);
}

/* The feed's seqs come from the log's sequencer, after the commit: a
 * read of the feed still holds every change committed before it. */
static void feed_holds_what_was_committed_before_it(void **state)
{
    fixture *f = *state;
    char id[NOTICE_ID_LEN + 1];
    hub_relay_item it;
    buf out;

    if (!pg_dsn)
        skip();
    relayed_to_alpha(f, "F-1", id, &it); /* no settle() */
    buf_init(&out, 1024);
    assert_int_equal(hub_db_changes_json(f->db, "nts", 0, 10, &out), 0);
    assert_non_null(strstr(out.data, "\"state\":\"relayed\""));
    buf_free(&out);
}

/* A second node, and reference's notice relayed to alpha, cancelled, and
 * its withdrawal leased by the fixture's node into w[0]. */
static hub_db *withdrawal_leased(fixture *f, const char *reference, char id[NOTICE_ID_LEN + 1],
                                 hub_withdrawal *w)
{
    hub_db *other = open_node("node-b");
    hub_relay_item it;

    relayed_to_alpha(f, reference, id, &it);
    assert_string_equal(cancel(f, "nts", reference, "sent in error", T0 + 2), "cancelled");
    assert_int_equal(hub_db_withdrawals_due(f->db, w, 4), 1);
    return other;
}

/* other tells the platform w: none is owed any more. */
static void told_by(hub_db *other, hub_withdrawal *w)
{
    w->told = 1;
    assert_int_equal(hub_db_withdrawals_done(other, w, 1), 0);
    assert_int_equal(pg_one_int("SELECT count(*) FROM withdrawals"), 0);
    hub_db_close(other);
}

/* A withdrawal one node is telling its platform is not told by another
 * meanwhile; one it could not tell is the others' to try again. */
static void a_withdrawal_is_told_by_one_node(void **state)
{
    fixture *f = *state;
    char id[NOTICE_ID_LEN + 1];
    hub_withdrawal w[4];
    hub_db *other;

    if (!pg_dsn)
        skip();
    other = withdrawal_leased(f, "W-1", id, w);
    assert_int_equal(hub_db_withdrawals_due(other, w + 1, 3), 0);
    assert_int_equal(hub_db_withdrawals_done(f->db, w, 1), 0); /* not told */
    assert_int_equal(hub_db_withdrawals_due(other, w + 1, 3), 1);
    assert_string_equal(w[1].notice, id);
    told_by(other, w + 1);
    assert_int_equal(hub_db_withdrawals_due(f->db, w, 4), 0);
}

/* A node whose calls outlast its lease gives back only its own: the
 * node that took the withdrawal since keeps it, so that a third does not
 * tell the platform too. */
static void a_lapsed_lease_is_not_given_back(void **state)
{
    fixture *f = *state;
    char id[NOTICE_ID_LEN + 1];
    hub_withdrawal w[4];
    hub_db *other;

    if (!pg_dsn)
        skip();
    other = withdrawal_leased(f, "W-2", id, w);
    assert_int_equal(pg_exec("UPDATE withdrawals SET leased_until = 1"), 0); /* it lapsed */
    assert_int_equal(hub_db_withdrawals_due(other, w + 1, 3), 1);
    assert_int_equal(hub_db_withdrawals_done(f->db, w, 1), 0); /* not told, too late */
    assert_int_equal(hub_db_withdrawals_due(f->db, w + 2, 2), 0);
    told_by(other, w + 1);
}

typedef struct claimer {
    hub_db *db;
    size_t claimed;
    char (*ids)[NOTICE_ID_LEN + 1];
    int failed;
} claimer;

#define RACE_NOTICES 200

static void *claim_all(void *arg)
{
    claimer *c = arg;
    hub_relay_item it[7];
    size_t n_out, n_postal;

    do {
        if (hub_db_relay_next(c->db, it, 0, T0, 7, known, NULL, NULL, &n_out, &n_postal) != 0) {
            c->failed = 1;
            return NULL;
        }
        for (size_t i = 0; i < n_out && c->claimed < RACE_NOTICES; i++)
            memcpy(c->ids[c->claimed++], it[i].n.id, NOTICE_ID_LEN + 1);
    } while (n_out > 0);
    return NULL;
}

static int id_order(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* Two nodes claiming at once take each notice once: a claim passes over
 * the rows another node's claim holds (SKIP LOCKED). */
static void two_nodes_claim_each_notice_once(void **state)
{
    fixture *f = *state;
    static char ids[2 * RACE_NOTICES][NOTICE_ID_LEN + 1];
    hub_submission s[RACE_NOTICES];
    char refs[RACE_NOTICES][16];
    claimer c[2] = {{f->db, 0, ids, 0}, {NULL, 0, ids + RACE_NOTICES, 0}};
    pthread_t t[2];
    size_t routed;

    if (!pg_dsn)
        skip();
    c[1].db = open_node("node-b");
    hub_db_set_directory(c[1].db, f->d);
    for (int i = 0; i < RACE_NOTICES; i++) {
        snprintf(refs[i], sizeof refs[i], "R-%d", i);
        submission(&s[i], refs[i], rk1);
    }
    assert_int_equal(hub_db_submit(f->db, "nts", s, RACE_NOTICES, T0, 0, NULL, &routed), 0);
    for (int k = 0; k < 2; k++)
        assert_int_equal(pthread_create(&t[k], NULL, claim_all, &c[k]), 0);
    for (int k = 0; k < 2; k++)
        pthread_join(t[k], NULL);
    assert_false(c[0].failed || c[1].failed);
    assert_int_equal(c[0].claimed + c[1].claimed, RACE_NOTICES);
    memmove(ids[c[0].claimed], ids[RACE_NOTICES], c[1].claimed * sizeof ids[0]);
    qsort(ids, RACE_NOTICES, sizeof ids[0], id_order);
    for (int i = 1; i < RACE_NOTICES; i++)
        assert_string_not_equal(ids[i - 1], ids[i]);
    hub_db_close(c[1].db);
}

/* The cases for both stores, then those of the store under test: run
 * with HERALD_TEST_PG_DSN, on PostgreSQL (tests/integration/
 * hub_db_pg.sh starts one), else on SQLite. */
int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest both[] = {
        T(reopen_keeps_notices_evidence_and_feed),
        T(same_reference_is_one_notice),
        T(submitted_fields_come_back_as_sent),
        T(routed_submission_is_leased_to_its_first_platform),
        T(released_lease_is_claimed_at_once),
        T(relayed_received_read),
        T(events_of_a_refused_batch_are_not_counted),
        T(evidence_never_goes_back_in_time),
        T(batch_of_reports_on_the_same_notice),
        T(batch_of_reports_before_the_relay_answer),
        T(acceptance_into_the_inbox_is_one_change),
        T(rejected_by_every_platform_goes_postal),
        T(unreachable_recipient_goes_postal),
        T(failed_relay_backs_off_and_is_logged_once),
        T(failing_relay_is_given_up_at_the_deadline),
        T(recover_ends_every_lease),
        T(unread_at_deadline_goes_to_next_platform_then_postal),
        T(expiry_takes_at_most_max),
        T(same_report_is_recorded_once),
        T(alert_evidence_names_channel_and_reference),
        T(failed_alert_goes_to_next_platform_then_postal),
        T(failed_alert_late_or_after_read),
        T(failed_alert_before_the_relay_answer),
        T(reports_only_from_those_it_concerns),
        T(read_is_final),
        T(postal_is_final),
        T(payment_stops_reminders_and_paper),
        T(report_before_the_relay_answer),
        T(cancel_ends_an_unread_notice_once),
        T(cancel_during_a_relay_is_withdrawn_once_it_lands),
        T(cancel_during_a_failed_relay_is_withdrawn_again),
        T(withdrawal_owed_again_while_being_told_is_kept),
        T(cancel_after_read_is_for_the_record),
        T(feed_is_ordered_and_gap_free),
        T(reminders_midway_and_an_hour_before_once_each),
        T(reminders_skip_to_the_latest_and_stop_at_expiry),
        T(pre_notice_without_consent_goes_to_paper),
        T(pre_notice_on_a_fallback_channel_says_its_shorter_window),
        T(consent_gives_the_read_window),
        T(withdrawals_take_every_platform_in_turn),
    };
    const struct CMUnitTest lite_only[] = {
        T(open_fails_on_a_path_it_cannot_create),
        T(older_database_is_counted_once),
    };
    const struct CMUnitTest pg_only[] = {
        T(newer_schema_is_refused),
        T(version_1_changes_move_to_the_queue),
        T(version_2_log_is_carried_over),
        T(version_3_indexes_are_dropped),
        T(version_4_tree_goes_into_blocks),
        T(release_leaves_another_nodes_lease),
        T(recover_frees_only_this_nodes_leases),
        T(leaf_times_hold_across_nodes),
        T(two_nodes_claim_each_notice_once),
        T(lost_connections_are_made_again),
        T(a_withdrawal_is_told_by_one_node),
        T(a_lapsed_lease_is_not_given_back),
        T(feed_holds_what_was_committed_before_it),
    };
#undef T
    struct CMUnitTest tests[sizeof both / sizeof both[0] + sizeof pg_only / sizeof pg_only[0] +
                            sizeof lite_only / sizeof lite_only[0]];
    const char *dsn = getenv("HERALD_TEST_PG_DSN");
    size_t n = sizeof both / sizeof both[0];

    if (crypto_init() != 0)
        return 1;
    memcpy(tests, both, sizeof both);
    if (dsn && dsn[0]) {
        pg_dsn = dsn;
        memcpy(tests + n, pg_only, sizeof pg_only);
        n += sizeof pg_only / sizeof pg_only[0];
    } else {
        memcpy(tests + n, lite_only, sizeof lite_only);
        n += sizeof lite_only / sizeof lite_only[0];
    }
    return _cmocka_run_group_tests(pg_dsn ? "hub_db (PostgreSQL)" : "hub_db", tests, n, NULL, NULL);
}
