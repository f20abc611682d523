/* agency_db_console.c -- what the console's notice pages read: one
 * notice found by either reference (the agency's own, or the back
 * office's for an API notice) with its timeline, a bulk job's notices,
 * and the batches of paper letters. */
#include <stdio.h>
#include <string.h>

#include "agency_db.h"
#include "agency_db_sql.h"
#include "db.h"

static void set_col(json_t *o, const char *key, sqlite3_stmt *st, int col)
{
    if (sqlite3_column_type(st, col) == SQLITE_NULL)
        return;
    if (sqlite3_column_type(st, col) == SQLITE_INTEGER)
        json_object_set_new(o, key, json_integer(sqlite3_column_int64(st, col)));
    else
        json_object_set_new(o, key, json_string(db_text(st, col)));
}

static json_t *events_of(sqlite3 *sql, const char *ref)
{
    sqlite3_stmt *st = db_prepare(sql, "SELECT state, at, reason FROM api_events"
                                       " WHERE reference = ? ORDER BY id LIMIT 100");
    json_t *list = json_array();

    if (!st)
        return list;
    db_bind_text(st, 1, ref);
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_t *e = json_object();
        set_col(e, "state", st, 0);
        set_col(e, "at", st, 1);
        set_col(e, "reason", st, 2);
        json_array_append_new(list, e);
    }
    sqlite3_finalize(st);
    return list;
}

int agency_db_console_notice(agency_db *db, const char *ref, json_t **out)
{
    static const char *const keys[] = {"reference", "caller_ref", "job", "notice", "state",
                                       "title", "deadline", "stored_at", "received_at",
                                       "read_at", "paid_at", "platform", "cancelled_at",
                                       "cancel_reason", "purged_at"};
    sqlite3_stmt *st;
    int rc = -1;

    *out = NULL;
    agency_db_lock(db);
    st = db_prepare(db->sql,
                    "SELECT d.reference, r.caller_ref, r.job, d.notice, d.state, d.title,"
                    " d.deadline, d.stored_at, d.received_at, d.read_at, d.paid_at, d.platform,"
                    " d.cancelled_at, d.cancel_reason, d.purged_at FROM documents d"
                    " LEFT JOIN api_refs r ON r.reference = d.reference WHERE d.reference ="
                    " coalesce((SELECT reference FROM api_refs WHERE caller_ref = ?1), ?1)");
    if (st) {
        db_bind_text(st, 1, ref);
        int s = sqlite3_step(st);
        rc = s == SQLITE_ROW ? 1 : s == SQLITE_DONE ? 0 : -1;
        if (rc == 1) {
            json_t *o = json_object();
            for (int i = 0; i < (int)(sizeof keys / sizeof keys[0]); i++)
                set_col(o, keys[i], st, i);
            json_object_set_new(o, "timeline", events_of(db->sql, db_text(st, 0)));
            *out = o;
        }
        sqlite3_finalize(st);
    }
    agency_db_unlock(db);
    return rc;
}

int agency_db_console_job_notices(agency_db *db, const char *job, size_t limit,
                                  void (*each)(void *ctx, const char *caller_ref,
                                               const char *state),
                                  void *ctx)
{
    sqlite3_stmt *st;
    int rc = SQLITE_ERROR;

    agency_db_lock(db);
    st = db_prepare(db->sql, "SELECT r.caller_ref, d.state FROM api_refs r"
                             " JOIN documents d ON d.reference = r.reference"
                             " WHERE r.job = ? ORDER BY r.caller_ref LIMIT ?");
    if (st) {
        db_bind_text(st, 1, job);
        sqlite3_bind_int64(st, 2, (long long)limit);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW)
            each(ctx, db_text(st, 0), db_text(st, 1));
    }
    sqlite3_finalize(st);
    agency_db_unlock(db);
    return rc == SQLITE_DONE ? 0 : -1;
}

int agency_db_console_batches(agency_db *db, size_t limit,
                              void (*each)(void *ctx, const char *batch, const char *at,
                                           long letters, long pages, const char *handed_over),
                              void *ctx)
{
    sqlite3_stmt *st;
    int rc = SQLITE_ERROR;

    agency_db_lock(db);
    st = db_prepare(db->sql, "SELECT batch, at, letters, pages, coalesce(handed_over, '')"
                             " FROM print_batches ORDER BY batch DESC LIMIT ?");
    if (st) {
        sqlite3_bind_int64(st, 1, (long long)limit);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW)
            each(ctx, db_text(st, 0), db_text(st, 1), (long)sqlite3_column_int64(st, 2),
                 (long)sqlite3_column_int64(st, 3), db_text(st, 4));
    }
    sqlite3_finalize(st);
    agency_db_unlock(db);
    return rc == SQLITE_DONE ? 0 : -1;
}
