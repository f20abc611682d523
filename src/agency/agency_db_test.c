/* agency_db_test.c -- see agency_db_test.h. */
#include "agency_db_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agency_db_sql.h"
#include "clock.h"
#include "db.h"
#include "test_outcome.h"

agency_db *agency_db_open_test(const char *path, char *err, size_t errlen)
{
    agency_db *db = agency_db_open(path, err, errlen);

    if (db)
        db->test = 1;
    return db;
}

int agency_db_is_test(const agency_db *db)
{
    return db && db->test;
}

typedef struct schedule {
    const char *const *refs;
    const int *outcomes;
    long long start_ms;
} schedule;

static int step_schedule(sqlite3_stmt *st, size_t i, void *ctx)
{
    const schedule *s = ctx;
    test_step first;

    if (!test_outcome_step((test_outcome)s->outcomes[i], 0, &first))
        return 0;
    sqlite3_bind_text(st, 1, s->refs[i], -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, test_outcome_name((test_outcome)s->outcomes[i]), -1,
                      SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, s->start_ms);
    sqlite3_bind_int64(st, 4, s->start_ms + first.after_ms);
    return db_step_done(st);
}

int agency_db_test_schedule_in(sqlite3 *sql, const char *const *refs,
                               const char *const *notices, const int *outcomes, size_t n,
                               long long start_ms)
{
    schedule s = {refs, outcomes, start_ms};
    sqlite3_stmt *st = db_prepare(sql, "INSERT OR IGNORE INTO test_outcomes(reference,"
                                       " outcome, start_ms, step, due_ms) VALUES (?, ?, ?, 0, ?)");
    int rc = st ? 0 : -1;

    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (!notices[i])
            continue;
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        rc = step_schedule(st, i, &s);
    }
    sqlite3_finalize(st);
    return rc;
}

/* ---- playing the outcomes out ---- */

typedef struct due {
    char reference[FIELD_REFERENCE_MAX + 1];
    int outcome, step;
    long long start_ms;
} due;

/* Up to cap due rows; how many, or -1. */
static long due_rows(sqlite3 *sql, long long now_ms, due *v, long cap)
{
    sqlite3_stmt *st = db_prepare(sql, "SELECT reference, outcome, step, start_ms"
                                       " FROM test_outcomes WHERE due_ms <= ?"
                                       " ORDER BY due_ms LIMIT ?");
    long n = 0;

    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, now_ms);
    sqlite3_bind_int64(st, 2, cap);
    while (n < cap && sqlite3_step(st) == SQLITE_ROW) {
        snprintf(v[n].reference, sizeof v[n].reference, "%s", db_text(st, 0));
        v[n].outcome = test_outcome_parse(db_text(st, 1));
        v[n].step = sqlite3_column_int(st, 2);
        v[n].start_ms = sqlite3_column_int64(st, 3);
        n++;
    }
    sqlite3_finalize(st);
    return n;
}

/* The change one row is due for, then its next step or its end. */
static int apply_one(sqlite3 *sql, const due *d, long long now_ms)
{
    test_step s, next;
    char at[25];
    int rc = 0;

    /* A row past its last step (never written so) or of an unknown
     * outcome (a newer version's) is ended. */
    if (d->outcome < 0 || !test_outcome_step((test_outcome)d->outcome, d->step, &s)) {
        sqlite3_stmt *end = db_prepare(sql, "DELETE FROM test_outcomes WHERE reference = ?");
        if (end)
            sqlite3_bind_text(end, 1, d->reference, -1, SQLITE_STATIC);
        rc = end ? db_step_done(end) : -1;
        sqlite3_finalize(end);
        return rc;
    }
    clock_rfc3339_ms(at, d->start_ms + s.after_ms);
    /* final_at, the schedule's time of the final state, starts the
     * retention period (`agency purge`) as the feed's does for live
     * notices. */
    sqlite3_stmt *doc = db_prepare(sql, "UPDATE documents SET state = ?1, final_at ="
                                        " CASE WHEN ?3 THEN ?4 ELSE final_at END"
                                        " WHERE reference = ?2");
    sqlite3_stmt *ev = db_prepare(sql, "INSERT INTO api_events(reference, caller_ref, state,"
                                       " reason, at, queued_ms) SELECT reference, caller_ref,"
                                       " ?2, ?3, ?4, ?5 FROM api_refs WHERE reference = ?1");
    int more = test_outcome_step((test_outcome)d->outcome, d->step + 1, &next);
    sqlite3_stmt *adv = db_prepare(sql, more ? "UPDATE test_outcomes SET step = step + 1,"
                                               " due_ms = ?2 WHERE reference = ?1"
                                             : "DELETE FROM test_outcomes WHERE reference = ?1");
    if (!doc || !ev || !adv) {
        rc = -1;
        goto done;
    }
    sqlite3_bind_text(doc, 1, s.state, -1, SQLITE_STATIC);
    sqlite3_bind_text(doc, 2, d->reference, -1, SQLITE_STATIC);
    sqlite3_bind_int(doc, 3, !test_outcome_step((test_outcome)d->outcome, d->step + 1, &next));
    sqlite3_bind_int64(doc, 4, d->start_ms + s.after_ms);
    sqlite3_bind_text(ev, 1, d->reference, -1, SQLITE_STATIC);
    sqlite3_bind_text(ev, 2, s.state, -1, SQLITE_STATIC);
    if (s.reason)
        sqlite3_bind_text(ev, 3, s.reason, -1, SQLITE_STATIC);
    sqlite3_bind_text(ev, 4, at, -1, SQLITE_STATIC);
    sqlite3_bind_int64(ev, 5, now_ms);
    sqlite3_bind_text(adv, 1, d->reference, -1, SQLITE_STATIC);
    if (more)
        sqlite3_bind_int64(adv, 2, d->start_ms + next.after_ms);
    rc = db_step_done(doc) || db_step_done(ev) || db_step_done(adv) ? -1 : 0;
done:
    sqlite3_finalize(doc);
    sqlite3_finalize(ev);
    sqlite3_finalize(adv);
    return rc;
}

#define ADVANCE_BATCH 500

long agency_db_test_advance(agency_db *db, long long now_ms)
{
    due *v = malloc(ADVANCE_BATCH * sizeof *v);
    long n = -1;

    if (!v)
        return -1;
    agency_db_lock(db);
    if (db_begin(db->sql) == 0) {
        n = due_rows(db->sql, now_ms, v, ADVANCE_BATCH);
        for (long i = 0; n > 0 && i < n; i++)
            if (apply_one(db->sql, &v[i], now_ms) != 0)
                n = -1;
        if (n < 0 || db_commit(db->sql) != 0) {
            db_rollback(db->sql);
            n = -1;
        }
    }
    agency_db_unlock(db);
    free(v);
    return n;
}

/* ---- cancel ---- */

static int is_final(const char *state)
{
    static const char *const finals[] = {"read", "postal", "failed", "cancelled", "paid"};

    for (size_t i = 0; i < sizeof finals / sizeof finals[0]; i++)
        if (!strcmp(state, finals[i]))
            return 1;
    return 0;
}

/* The notice's reference, id and state; 1, 0 when unknown, -1. */
static int find(sqlite3 *sql, const char *caller_ref, char *ref, char *notice, char *state)
{
    sqlite3_stmt *st = db_prepare(sql, "SELECT r.reference, d.notice, d.state FROM api_refs r"
                                       " JOIN documents d ON d.reference = r.reference"
                                       " WHERE r.caller_ref = ? AND d.notice IS NOT NULL");
    int s;

    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, caller_ref, -1, SQLITE_STATIC);
    s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        snprintf(ref, FIELD_REFERENCE_MAX + 1, "%s", db_text(st, 0));
        snprintf(notice, AGENCY_NOTICE_MAX + 1, "%s", db_text(st, 1));
        snprintf(state, 16, "%s", db_text(st, 2));
    }
    sqlite3_finalize(st);
    return s == SQLITE_ROW ? 1 : s == SQLITE_DONE ? 0 : -1;
}

static int record_cancel(sqlite3 *sql, const char *ref, const char *reason, long long now_ms,
                         int ends)
{
    char at[25];
    sqlite3_stmt *ev = db_prepare(sql, "INSERT INTO api_events(reference, caller_ref, state,"
                                       " reason, at, queued_ms) SELECT reference, caller_ref,"
                                       " 'cancelled', ?2, ?3, ?4 FROM api_refs"
                                       " WHERE reference = ?1");
    sqlite3_stmt *doc = db_prepare(sql, "UPDATE documents SET state = 'cancelled',"
                                        " cancelled_at = ?2, cancel_reason = ?3,"
                                        " final_at = coalesce(final_at, ?4)"
                                        " WHERE reference = ?1");
    sqlite3_stmt *stop = db_prepare(sql, "DELETE FROM test_outcomes WHERE reference = ?");
    int rc = -1;

    clock_rfc3339_ms(at, now_ms);
    if (ev && doc && stop) {
        sqlite3_bind_text(ev, 1, ref, -1, SQLITE_STATIC);
        sqlite3_bind_text(ev, 2, reason, -1, SQLITE_STATIC);
        sqlite3_bind_text(ev, 3, at, -1, SQLITE_STATIC);
        sqlite3_bind_int64(ev, 4, now_ms);
        sqlite3_bind_text(doc, 1, ref, -1, SQLITE_STATIC);
        sqlite3_bind_text(doc, 2, at, -1, SQLITE_STATIC);
        sqlite3_bind_text(doc, 3, reason, -1, SQLITE_STATIC);
        sqlite3_bind_int64(doc, 4, now_ms);
        sqlite3_bind_text(stop, 1, ref, -1, SQLITE_STATIC);
        rc = !ends ? 0 : db_step_done(ev) || db_step_done(doc) || db_step_done(stop) ? -1 : 0;
    }
    sqlite3_finalize(ev);
    sqlite3_finalize(doc);
    sqlite3_finalize(stop);
    return rc;
}

int agency_db_test_cancel(agency_db *db, const char *caller_ref, const char *reason,
                          long long now_ms, json_t **out)
{
    char ref[FIELD_REFERENCE_MAX + 1], notice[AGENCY_NOTICE_MAX + 1], state[16];
    const char *status = "cancelled";
    int found, rc = -1;

    *out = NULL;
    agency_db_lock(db);
    if (db_begin(db->sql) != 0) {
        agency_db_unlock(db);
        return -1;
    }
    found = find(db->sql, caller_ref, ref, notice, state);
    if (found == 1) {
        if (!strcmp(state, "cancelled"))
            status = "duplicate";
        else if (is_final(state))
            status = "recorded";
        found = record_cancel(db->sql, ref, reason, now_ms, !strcmp(status, "cancelled")) == 0
                    ? 1 : -1;
    }
    if (found >= 0 && db_commit(db->sql) == 0) {
        rc = found;
        if (found)
            *out = json_pack("{ssssssss}", "reference", caller_ref, "notice", notice, "status",
                             status, "state", strcmp(status, "cancelled") ? state : "cancelled");
    } else {
        db_rollback(db->sql);
    }
    agency_db_unlock(db);
    return rc;
}
