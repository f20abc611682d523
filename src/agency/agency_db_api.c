/* agency_db_api.c -- what the back-office API keeps: caller references,
 * bulk jobs and their refused rows, and the state changes of API notices
 * (their timeline, and the durable queue of callbacks). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agency_db_sql.h"
#include "db.h"

/* ---- references ---- */

int agency_db_api_refs_of(agency_db *db, const char *const *caller_refs, size_t n,
                          char (*refs)[FIELD_REFERENCE_MAX + 1])
{
    int rc;

    agency_db_lock(db);
    rc = agency_db_read_texts(db->sql, "SELECT reference FROM api_refs WHERE caller_ref = ?",
                              caller_refs, n, refs[0], sizeof *refs);
    agency_db_unlock(db);
    return rc;
}

static void set_text(json_t *o, const char *key, sqlite3_stmt *st, int col)
{
    if (sqlite3_column_type(st, col) == SQLITE_NULL)
        json_object_set_new(o, key, json_null());
    else
        json_object_set_new(o, key, json_string(db_text(st, col)));
}

static json_t *timeline(sqlite3 *sql, const char *ref)
{
    sqlite3_stmt *st = db_prepare(sql, "SELECT state, at, reason FROM api_events"
                                       " WHERE reference = ? ORDER BY id");
    json_t *list = json_array();

    if (!st)
        return list;
    sqlite3_bind_text(st, 1, ref, -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_t *e = json_object();
        set_text(e, "state", st, 0);
        set_text(e, "at", st, 1);
        set_text(e, "reason", st, 2);
        json_array_append_new(list, e);
    }
    sqlite3_finalize(st);
    return list;
}

/* The notice's payment reference from columns at..at+2, or null. */
static json_t *payment_of(sqlite3_stmt *st, int at)
{
    json_t *o;

    if (sqlite3_column_int64(st, at) <= 0)
        return json_null();
    o = json_object();
    json_object_set_new(o, "amount_krw", json_integer(sqlite3_column_int64(st, at)));
    set_text(o, "payment_code", st, at + 1);
    set_text(o, "payment_due", st, at + 2);
    return o;
}

int agency_db_api_notice(agency_db *db, const char *caller_ref, json_t **out,
                         char ref[FIELD_REFERENCE_MAX + 1])
{
    sqlite3_stmt *st;
    int rc = -1;

    *out = NULL;
    agency_db_lock(db);
    /* A stored notice last told "interrupted" (agency_db_interrupted.c) is that. */
    st = db_prepare(db->sql, "SELECT r.caller_ref, d.notice, CASE WHEN d.state = 'stored'"
                             " AND (SELECT e.state FROM api_events e WHERE e.reference ="
                             " r.reference ORDER BY e.id DESC LIMIT 1) = 'interrupted'"
                             " THEN 'interrupted' ELSE d.state END, d.title, d.deadline,"
                             " r.created, r.job, r.reference, d.amount_krw, d.payment_code,"
                             " d.payment_due FROM api_refs r"
                             " JOIN documents d ON d.reference = r.reference"
                             " WHERE r.caller_ref = ?");
    if (st) {
        sqlite3_bind_text(st, 1, caller_ref, -1, SQLITE_STATIC);
        int s = sqlite3_step(st);
        rc = s == SQLITE_ROW ? 1 : s == SQLITE_DONE ? 0 : -1;
        if (rc == 1) {
            json_t *o = json_object();
            static const char *const keys[] = {"reference", "notice", "state", "title",
                                               "deadline", "created", "job"};
            for (int i = 0; i < 7; i++)
                set_text(o, keys[i], st, i);
            snprintf(ref, FIELD_REFERENCE_MAX + 1, "%s", db_text(st, 7));
            json_object_set_new(o, "payment", payment_of(st, 8));
            json_object_set_new(o, "timeline", timeline(db->sql, ref));
            if (db->test)
                json_object_set_new(o, "test", json_true());
            *out = o;
        }
        sqlite3_finalize(st);
    }
    agency_db_unlock(db);
    return rc;
}

/* ---- jobs ---- */

int agency_db_api_job_create(agency_db *db, const char *id, long total, const char *at)
{
    sqlite3_stmt *st;
    int rc = -1;

    agency_db_lock(db);
    st = db_prepare(db->sql, "INSERT INTO api_jobs(id, created, state, total)"
                             " VALUES (?, ?, 'queued', ?)");
    if (st) {
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, at, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, total);
        rc = db_step_done(st);
        sqlite3_finalize(st);
    }
    agency_db_unlock(db);
    return rc;
}

int agency_db_api_job_update(agency_db *db, const char *id, const char *state, long processed,
                             long accepted, long existing, long failed, const char *finished)
{
    sqlite3_stmt *st;
    int rc = -1;

    agency_db_lock(db);
    st = db_prepare(db->sql, "UPDATE api_jobs SET state = ?2, processed = ?3, accepted = ?4,"
                             " existing = ?5, failed = ?6, finished = ?7 WHERE id = ?1");
    if (st) {
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, state, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, processed);
        sqlite3_bind_int64(st, 4, accepted);
        sqlite3_bind_int64(st, 5, existing);
        sqlite3_bind_int64(st, 6, failed);
        if (finished)
            sqlite3_bind_text(st, 7, finished, -1, SQLITE_STATIC);
        rc = db_step_done(st);
        sqlite3_finalize(st);
    }
    agency_db_unlock(db);
    return rc;
}

typedef struct job_errs {
    const char *id;
    const long *rows;
    const char *const *fields, *const *details;
} job_errs;

static int step_error(sqlite3_stmt *st, size_t i, void *ctx)
{
    const job_errs *e = ctx;

    sqlite3_bind_text(st, 1, e->id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, e->rows[i]);
    if (e->fields[i] && *e->fields[i])
        sqlite3_bind_text(st, 3, e->fields[i], -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, e->details[i], -1, SQLITE_STATIC);
    return db_step_done(st);
}

int agency_db_api_job_errors(agency_db *db, const char *id, const long *rows,
                             const char *const *fields, const char *const *details, size_t n)
{
    job_errs e = {id, rows, fields, details};
    int rc;

    agency_db_lock(db);
    rc = agency_db_batch(db->sql, "INSERT OR IGNORE INTO api_job_errors(job, row, field, detail)"
                                  " VALUES (?, ?, ?, ?)", n, step_error, &e);
    agency_db_unlock(db);
    return rc;
}

static json_t *job_errors_json(sqlite3 *sql, const char *id, size_t max_errors)
{
    sqlite3_stmt *st = db_prepare(sql, "SELECT row, field, detail FROM api_job_errors"
                                       " WHERE job = ? ORDER BY row LIMIT ?");
    json_t *list = json_array();

    if (!st)
        return list;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, max_errors > INT64_MAX ? INT64_MAX : (long long)max_errors);
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_t *e = json_object();
        json_object_set_new(e, "row", json_integer(sqlite3_column_int64(st, 0)));
        if (sqlite3_column_type(st, 1) != SQLITE_NULL) /* a row the CSV reader refused has none */
            set_text(e, "field", st, 1);
        set_text(e, "detail", st, 2);
        json_array_append_new(list, e);
    }
    sqlite3_finalize(st);
    return list;
}

int agency_db_api_job_get(agency_db *db, const char *id, size_t max_errors, json_t **out)
{
    sqlite3_stmt *st;
    int rc = -1;

    *out = NULL;
    agency_db_lock(db);
    st = db_prepare(db->sql, "SELECT id, state, created, finished, total, processed, accepted,"
                             " existing, failed FROM api_jobs WHERE id = ?");
    if (st) {
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        int s = sqlite3_step(st);
        rc = s == SQLITE_ROW ? 1 : s == SQLITE_DONE ? 0 : -1;
        if (rc == 1) {
            static const char *const texts[] = {"id", "state", "created", "finished"};
            static const char *const ints[] = {"total", "processed", "accepted", "existing",
                                               "failed"};
            json_t *o = json_object();
            for (int i = 0; i < 4; i++)
                set_text(o, texts[i], st, i);
            for (int i = 0; i < 5; i++)
                json_object_set_new(o, ints[i], json_integer(sqlite3_column_int64(st, 4 + i)));
            long long total = sqlite3_column_int64(st, 4), done = sqlite3_column_int64(st, 5);
            json_object_set_new(o, "progress",
                                json_real(total ? (double)done / (double)total : 1.0));
            json_object_set_new(o, "errors", job_errors_json(db->sql, id, max_errors));
            *out = o;
        }
        sqlite3_finalize(st);
    }
    agency_db_unlock(db);
    return rc;
}

int agency_db_api_jobs_interrupt(agency_db *db, const char *at)
{
    sqlite3_stmt *st;
    int rc = -1;

    agency_db_lock(db);
    st = db_prepare(db->sql, "UPDATE api_jobs SET state = 'interrupted', finished = ?"
                             " WHERE state IN ('queued', 'running')");
    if (st) {
        sqlite3_bind_text(st, 1, at, -1, SQLITE_STATIC);
        rc = db_step_done(st);
        sqlite3_finalize(st);
    }
    agency_db_unlock(db);
    return rc;
}

/* ---- the callback queue ---- */

/* The last event delivered (or given up), or -1 when it cannot be read:
 * never 0 then, which would send every event ever queued again. */
static long long cursor(sqlite3 *sql)
{
    long long v;

    return db_one_int(sql, "SELECT coalesce(max(value), 0) FROM meta"
                           " WHERE key = 'callback_after'", &v) < 0 ? -1 : v;
}

json_t *agency_db_api_events_peek(agency_db *db, size_t limit, long long *last_id,
                                  long long *first_ms)
{
    sqlite3_stmt *st;
    json_t *list = NULL;

    long long after;

    *last_id = *first_ms = 0;
    agency_db_lock(db);
    after = cursor(db->sql);
    st = after < 0 ? NULL
                   : db_prepare(db->sql, "SELECT id, caller_ref, state, reason, at, queued_ms"
                                         " FROM api_events WHERE id > ? ORDER BY id LIMIT ?");
    if (st) {
        sqlite3_bind_int64(st, 1, after);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)limit);
        while (sqlite3_step(st) == SQLITE_ROW) {
            char id[32];
            json_t *e = json_object();
            *last_id = sqlite3_column_int64(st, 0);
            if (!list) {
                list = json_array();
                *first_ms = sqlite3_column_int64(st, 5);
            }
            /* a test key's events are told apart (agency_db_test.h) */
            snprintf(id, sizeof id, "%sev-%lld", db->test ? "test-" : "", *last_id);
            json_object_set_new(e, "id", json_string(id));
            set_text(e, "reference", st, 1);
            set_text(e, "state", st, 2);
            set_text(e, "reason", st, 3);
            set_text(e, "at", st, 4);
            if (db->test)
                json_object_set_new(e, "test", json_true());
            json_array_append_new(list, e);
        }
        sqlite3_finalize(st);
    }
    agency_db_unlock(db);
    return list;
}

long long agency_db_api_events_expired(agency_db *db, long long before_ms, size_t *n)
{
    sqlite3_stmt *st;
    long long last = 0, after;

    *n = 0;
    agency_db_lock(db);
    after = cursor(db->sql);
    /* the run from the cursor up to the first event not yet that old:
     * read by id, it stops there */
    st = after < 0 ? NULL
                   : db_prepare(db->sql, "SELECT count(*), coalesce(max(id), 0) FROM api_events"
                                         " WHERE id > ?1 AND id < coalesce((SELECT min(id)"
                                         " FROM api_events WHERE id > ?1 AND queued_ms > ?2),"
                                         " 9223372036854775807)");
    if (st) {
        sqlite3_bind_int64(st, 1, after);
        sqlite3_bind_int64(st, 2, before_ms);
        if (sqlite3_step(st) == SQLITE_ROW) {
            *n = (size_t)sqlite3_column_int64(st, 0);
            last = sqlite3_column_int64(st, 1);
        }
        sqlite3_finalize(st);
    }
    agency_db_unlock(db);
    return last;
}

int agency_db_api_events_done(agency_db *db, long long last_id)
{
    sqlite3_stmt *st;
    int rc = -1;

    agency_db_lock(db);
    st = db_prepare(db->sql, "INSERT INTO meta(key, value) VALUES ('callback_after', ?)"
                             " ON CONFLICT(key) DO UPDATE SET value = max(value, excluded.value)");
    if (st) {
        sqlite3_bind_int64(st, 1, last_id);
        rc = db_step_done(st);
        sqlite3_finalize(st);
    }
    agency_db_unlock(db);
    return rc;
}

long long agency_db_api_events_waiting(agency_db *db)
{
    long long n;

    agency_db_lock(db);
    n = agency_db_single_int(db->sql, "SELECT count(*) FROM api_events WHERE id >"
                                      " (SELECT coalesce(max(value), 0) FROM meta"
                                      " WHERE key = 'callback_after')");
    agency_db_unlock(db);
    return n;
}
