/* agency_db_outcomes.c -- what became of each notice, as the feed told
 * it: the rows `agency status` computes legal effect from and `agency
 * report` counts. One read transaction, streamed row by row. */
#include <string.h>

#include "agency_db_sql.h"
#include "db.h"

static long long int_or_0(sqlite3_stmt *st, int col)
{
    return sqlite3_column_type(st, col) == SQLITE_NULL ? 0 : sqlite3_column_int64(st, col);
}

static const char *text_or_null(sqlite3_stmt *st, int col)
{
    return sqlite3_column_type(st, col) == SQLITE_NULL ? NULL
                                                        : (const char *)sqlite3_column_text(st, col);
}

static void read_outcome(sqlite3_stmt *st, agency_outcome *o)
{
    o->reference = db_text(st, 0);
    o->notice = db_text(st, 1);
    o->state = db_text(st, 2);
    o->platform = text_or_null(st, 3);
    o->stored_at = int_or_0(st, 4);
    o->received_at = int_or_0(st, 5);
    o->read_at = int_or_0(st, 6);
    o->paid_at = int_or_0(st, 7);
    o->amount_krw = int_or_0(st, 8);
    o->payment_code = text_or_null(st, 9);
    o->payment_due = text_or_null(st, 10);
    o->handover_at = int_or_0(st, 11);
    o->cancellation_at = int_or_0(st, 12);
}

#define OUTCOME_COLS                                                                      \
    "reference, coalesce(notice, ''), state, platform, stored_at, received_at, read_at," \
    " paid_at, amount_krw, payment_code, payment_due, handover_at,"  \
    " cancellation_at"

int agency_db_outcomes(agency_db *db, const char *reference, long long from_ms,
                       long long to_ms, int (*fn)(void *ctx, const agency_outcome *o),
                       void *ctx)
{
    sqlite3_stmt *st;
    agency_outcome o;
    int s = SQLITE_ERROR, stop = 0;

    agency_db_lock(db);
    st = db_prepare(db->sql, reference
                                 ? "SELECT " OUTCOME_COLS " FROM documents WHERE reference = ?1"
                                 : "SELECT " OUTCOME_COLS " FROM documents"
                                   " WHERE (?2 = 0 OR coalesce(stored_at, 0) >= ?2)"
                                   " AND (?3 = 0 OR coalesce(stored_at, 0) < ?3)"
                                   " ORDER BY reference");
    if (st && db_exec(db->sql, "BEGIN") == 0) {
        if (reference)
            db_bind_text(st, 1, reference);
        else {
            sqlite3_bind_int64(st, 2, from_ms);
            sqlite3_bind_int64(st, 3, to_ms);
        }
        while (!stop && (s = sqlite3_step(st)) == SQLITE_ROW) {
            read_outcome(st, &o);
            stop = fn(ctx, &o);
        }
        db_exec(db->sql, "COMMIT");
    }
    sqlite3_finalize(st);
    agency_db_unlock(db);
    return s == SQLITE_DONE || (stop && s == SQLITE_ROW) ? 0 : -1;
}
