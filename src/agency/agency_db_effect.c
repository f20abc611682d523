/* agency_db_effect.c -- the legal effect in an API notice's timeline.
 *
 * api_effects holds, for each API notice a term of the rule applies to,
 * when it takes effect; a pass of `agency serve` (after each pull of the
 * feed) brings it up to date for the notices whose timeline grew since the
 * last pass, and queues "effective" in the timeline (hence a callback) for
 * each one whose time has come. So a date that comes with time alone
 * (7 days after the inbox, unread) is noted without any new event. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agency_db_sql.h"
#include "agency_effect.h"
#include "clock.h"
#include "db.h"

/* The due ones are read this many at a time, then written. */
#define EFFECT_DUE_BATCH 1000

typedef struct pass {
    sqlite3 *sql;
    const effect_rule *rule;
    sqlite3_stmt *times, *upsert, *drop;
} pass;

/* Sets reference's pending date from the evidence its document holds now,
 * or drops it when a cancellation came first; a date already noted
 * stays. 0 or -1. */
static int refresh(pass *p, const char *reference)
{
    agency_outcome o = {0};
    agency_effect e;
    int r;

    sqlite3_reset(p->times);
    db_bind_text(p->times, 1, reference);
    r = db_step_row(p->times);
    if (r <= 0)
        return r;
    o.received_at = sqlite3_column_int64(p->times, 0);
    o.read_at = sqlite3_column_int64(p->times, 1);
    o.handover_at = sqlite3_column_int64(p->times, 2);
    o.cancellation_at = sqlite3_column_int64(p->times, 3);
    sqlite3_reset(p->times);
    if (!agency_effect_of(p->rule, &o, &e)) {
        sqlite3_reset(p->drop);
        db_bind_text(p->drop, 1, reference);
        return db_step_done(p->drop);
    }
    sqlite3_reset(p->upsert);
    db_bind_text(p->upsert, 1, reference);
    sqlite3_bind_int64(p->upsert, 2, e.at);
    db_bind_text(p->upsert, 3, e.term);
    return db_step_done(p->upsert);
}

/* refresh() for every reference the query (binding its ?1, if any, to
 * arg) gives. */
static int refresh_each(pass *p, const char *query, long long arg)
{
    sqlite3_stmt *st = db_prepare(p->sql, query);
    char **refs = NULL;
    size_t n = 0, cap = 0;
    int rc = st ? 0 : -1, s = SQLITE_DONE;

    if (st && sqlite3_bind_parameter_count(st) > 0)
        sqlite3_bind_int64(st, 1, arg);
    /* read first, then written: api_effects is not changed under a
     * statement that reads it */
    while (rc == 0 && st && (s = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == cap) {
            char **more = realloc(refs, (cap = cap ? 2 * cap : 64) * sizeof *refs);
            if (!more) {
                rc = -1;
                break;
            }
            refs = more;
        }
        if (!(refs[n] = strdup(db_text(st, 0))))
            rc = -1;
        else
            n++;
    }
    if (rc == 0 && s != SQLITE_DONE)
        rc = -1;
    sqlite3_finalize(st);
    for (size_t i = 0; i < n; i++) {
        if (rc == 0 && refresh(p, refs[i]) != 0)
            rc = -1;
        free(refs[i]);
    }
    free(refs);
    return rc;
}

static long long meta_get(sqlite3 *sql, const char *key)
{
    sqlite3_stmt *st = db_prepare(sql, "SELECT value FROM meta WHERE key = ?");
    long long v = -1;

    if (st) {
        db_bind_text(st, 1, key);
        if (sqlite3_step(st) == SQLITE_ROW)
            v = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    return v;
}

static int meta_set(sqlite3 *sql, const char *key, long long v)
{
    sqlite3_stmt *st = db_prepare(sql, "INSERT INTO meta(key, value) VALUES (?1, ?2)"
                                       " ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    int rc = -1;

    if (st) {
        db_bind_text(st, 1, key);
        sqlite3_bind_int64(st, 2, v);
        rc = db_step_done(st);
        sqlite3_finalize(st);
    }
    return rc;
}

/* Every API notice with evidence and no date noted yet, when the rule is
 * not the one the pending dates were computed under (or the database
 * has never had a pass). */
#define ALL_PENDING                                                                       \
    "SELECT d.reference FROM api_refs r JOIN documents d ON d.reference = r.reference"    \
    " WHERE (d.received_at IS NOT NULL OR d.read_at IS NOT NULL OR d.handover_at IS NOT NULL)" \
    " AND NOT EXISTS (SELECT 1 FROM api_effects x"                          \
    " WHERE x.reference = d.reference AND x.noted = 1)"
/* The dates to note now. */
#define DUE "SELECT reference FROM api_effects WHERE noted = 0 AND at <= ?1"
/* The notices whose timeline grew since the last pass by an event that
 * may have brought an evidence time. The others (accepted, relayed, on
 * paper at once: most of a bulk's timeline as it goes) changed no time,
 * and the date is reckoned from the times alone. Read by rowid from the
 * last pass on: with the index on reference the planner chose to walk
 * every event ever queued, for DISTINCT's sake, at each pass. */
#define GREW                                                                               \
    "SELECT DISTINCT reference FROM api_events NOT INDEXED"                                \
    " WHERE id > ?1 AND evidence AND state <> 'effective'"

static int refresh_all(pass *p, long long rule_id)
{
    long long after = meta_get(p->sql, "effect_after");

    if (meta_get(p->sql, "effect_rule") != rule_id &&
        (refresh_each(p, ALL_PENDING, 0) != 0 || meta_set(p->sql, "effect_rule", rule_id) != 0))
        return -1;
    return refresh_each(p, GREW, after < 0 ? 0 : after);
}

typedef struct due {
    char reference[FIELD_REFERENCE_MAX + 1];
    char term[64];
    long long at;
} due;

/* Reads up to EFFECT_DUE_BATCH pending dates at or before limit_ms. */
static long read_due(sqlite3 *sql, long long limit_ms, due *v)
{
    sqlite3_stmt *st = db_prepare(sql, "SELECT reference, at, term FROM api_effects"
                                       " WHERE noted = 0 AND at <= ?1 ORDER BY at LIMIT ?2");
    long n = 0;
    int s = SQLITE_DONE;

    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, limit_ms);
    sqlite3_bind_int(st, 2, EFFECT_DUE_BATCH);
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        db_copy_text(v[n].reference, sizeof v[n].reference, st, 0);
        v[n].at = sqlite3_column_int64(st, 1);
        db_copy_text(v[n].term, sizeof v[n].term, st, 2);
        n++;
    }
    sqlite3_finalize(st);
    return s == SQLITE_DONE ? n : -1;
}

/* "effective" in the timeline of each due notice, at its date, the term
 * that gave it as the reason; and the date marked noted. */
static int note_due(sqlite3 *sql, const due *v, long n, long long now_ms)
{
    sqlite3_stmt *ev = db_prepare(sql, "INSERT INTO api_events(reference, caller_ref, state,"
                                       " reason, at, queued_ms) SELECT reference, caller_ref,"
                                       " 'effective', ?2, ?3, ?4 FROM api_refs"
                                       " WHERE reference = ?1");
    sqlite3_stmt *mark = db_prepare(sql, "UPDATE api_effects SET noted = 1 WHERE reference = ?1");
    int rc = ev && mark ? 0 : -1;

    for (long i = 0; i < n && rc == 0; i++) {
        char at[25];
        clock_rfc3339_ms(at, v[i].at);
        sqlite3_reset(ev);
        db_bind_text(ev, 1, v[i].reference);
        db_bind_text(ev, 2, v[i].term);
        db_bind_text(ev, 3, at);
        sqlite3_bind_int64(ev, 4, now_ms);
        sqlite3_reset(mark);
        db_bind_text(mark, 1, v[i].reference);
        rc = db_step_done(ev) != 0 || db_step_done(mark) != 0 ? -1 : 0;
    }
    sqlite3_finalize(ev);
    sqlite3_finalize(mark);
    return rc;
}

static int note_all_due(sqlite3 *sql, long long limit_ms, long long now_ms, size_t *noted)
{
    due *v = malloc(EFFECT_DUE_BATCH * sizeof *v);
    long n;
    int rc = v ? 0 : -1;

    while (rc == 0 && (n = read_due(sql, limit_ms, v)) != 0) {
        rc = n < 0 ? -1 : note_due(sql, v, n, now_ms);
        if (rc == 0)
            *noted += (size_t)n;
    }
    free(v);
    return rc;
}

/* The dates at or before this may be noted. */
static long long note_limit(long long now_ms, long long settled_ms)
{
    return settled_ms < now_ms ? settled_ms : now_ms;
}

/* 1 when a pass has work: a new rule, a timeline grown, a date come. Read
 * without a write transaction, so that an idle pass, every poll, takes no
 * write lock from `agency send` or the API. */
static int has_work(sqlite3 *sql, long long rule_id, long long limit_ms)
{
    sqlite3_stmt *st;
    int due;

    if (meta_get(sql, "effect_rule") != rule_id ||
        agency_db_single_int(sql, "SELECT coalesce(max(id), 0) FROM api_events") !=
            meta_get(sql, "effect_after"))
        return 1;
    st = db_prepare(sql, "SELECT 1 FROM api_effects WHERE noted = 0 AND at <= ?1 LIMIT 1");
    if (!st)
        return 1; /* the pass will say what is wrong */
    sqlite3_bind_int64(st, 1, limit_ms);
    due = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return due;
}

static int run_pass(pass *p, long long rule_id, long long now_ms, long long settled_ms,
                    size_t *noted)
{
    long long limit = note_limit(now_ms, settled_ms);
    long long last;

    /* the due ones once more, from the document: evidence that added
     * nothing to the timeline (a cancellation after the letter went to
     * print) may have voided them */
    if (refresh_all(p, rule_id) != 0 || refresh_each(p, DUE, limit) != 0 ||
        note_all_due(p->sql, limit, now_ms, noted) != 0)
        return -1;
    /* every event so far was looked at, the ones just queued too; an idle
     * pass writes nothing */
    last = agency_db_single_int(p->sql, "SELECT coalesce(max(id), 0) FROM api_events");
    return last == meta_get(p->sql, "effect_after") ? 0 : meta_set(p->sql, "effect_after", last);
}

int agency_db_effect_pass(agency_db *db, const effect_rule *rule, long long now_ms,
                          long long settled_ms, size_t *noted)
{
    pass p = {db->sql, rule, NULL, NULL, NULL};
    long long rule_id = agency_effect_rule_id(rule);
    int rc = -1;

    *noted = 0;
    agency_db_lock(db);
    if (!has_work(db->sql, rule_id, note_limit(now_ms, settled_ms))) {
        agency_db_unlock(db);
        return 0;
    }
    p.times = db_prepare(db->sql, "SELECT coalesce(received_at, 0), coalesce(read_at, 0),"
                                  " coalesce(handover_at, 0), coalesce(cancellation_at, 0)"
                                  " FROM documents WHERE reference = ?1");
    p.drop = db_prepare(db->sql, "DELETE FROM api_effects WHERE reference = ?1 AND noted = 0");
    p.upsert = db_prepare(db->sql, "INSERT INTO api_effects(reference, at, term)"
                                   " VALUES (?1, ?2, ?3) ON CONFLICT(reference) DO UPDATE"
                                   " SET at = excluded.at, term = excluded.term WHERE noted = 0"
                                   " AND (at <> excluded.at OR term <> excluded.term)");
    if (p.times && p.upsert && p.drop && db_begin(db->sql) == 0) {
        rc = run_pass(&p, rule_id, now_ms, settled_ms, noted);
        if (rc != 0 || db_commit(db->sql) != 0) {
            db_rollback(db->sql);
            rc = -1;
            *noted = 0;
        }
    }
    sqlite3_finalize(p.times);
    sqlite3_finalize(p.upsert);
    sqlite3_finalize(p.drop);
    agency_db_unlock(db);
    return rc;
}
