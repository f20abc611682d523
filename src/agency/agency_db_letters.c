/* agency_db_letters.c -- the letters still to print (postal notices no
 * earlier run printed or listed), the batches they were printed in, and
 * which batches the hub has heard were handed to the print house. */
#include <string.h>

#include "agency_db_sql.h"
#include "db.h"

/* Read in one snapshot; the write that marks the batch comes after the PDF
 * is written, so `agency serve` is not held up meanwhile. */
int agency_db_letters_each(agency_db *db, agency_letter_fn fn, void *ctx)
{
    sqlite3_stmt *st;
    int rc = 0, s = SQLITE_DONE;

    agency_db_lock(db);
    st = db_prepare(db->sql,
        "SELECT d.reference, d.line, d.name, d.address, d.title, d.notice, b.body"
        " FROM documents d JOIN bodies b ON b.reference = d.reference"
        " WHERE d.state = 'postal'"
        " AND d.reference NOT IN (SELECT reference FROM printed) ORDER BY d.reference");
    if (!st || db_exec(db->sql, "BEGIN") != 0) {
        sqlite3_finalize(st);
        agency_db_unlock(db);
        return -1;
    }
    while (rc == 0 && (s = sqlite3_step(st)) == SQLITE_ROW) {
        agency_letter_row r = {
            .reference = db_text(st, 0), .line = (long)sqlite3_column_int64(st, 1),
            .name = db_text(st, 2), .address = db_text(st, 3), .title = db_text(st, 4),
            .notice = db_text(st, 5), .body = (const char *)sqlite3_column_blob(st, 6),
            .body_len = (size_t)sqlite3_column_bytes(st, 6),
        };
        if (!r.body)
            r.body = "";
        rc = fn(ctx, &r);
    }
    if (rc == 0 && s != SQLITE_DONE)
        rc = -1;
    sqlite3_finalize(st);
    db_rollback(db->sql); /* a read: nothing to keep */
    agency_db_unlock(db);
    return rc;
}

static int insert_batch(sqlite3 *sql, const char *batch, const char *at, size_t letters,
                        long pages)
{
    sqlite3_stmt *st = db_prepare(sql, "INSERT INTO print_batches(batch, at, letters, pages)"
                                       " VALUES(?1, ?2, ?3, ?4)");
    int rc;

    if (!st)
        return -1;
    db_bind_text(st, 1, batch);
    db_bind_text(st, 2, at);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)letters);
    sqlite3_bind_int64(st, 4, pages);
    rc = db_step_done(st);
    sqlite3_finalize(st);
    return rc;
}

/* 1 when every reference was new to printed, 0 when one was not, -1. */
static int insert_printed(sqlite3 *sql, const char *batch, const char *at,
                          const char *const *refs, size_t n)
{
    sqlite3_stmt *st = db_prepare(sql, "INSERT OR IGNORE INTO printed(reference, at, batch)"
                                       " VALUES(?1, ?2, ?3)");
    int rc = 1;

    if (!st)
        return -1;
    for (size_t i = 0; i < n && rc == 1; i++) {
        sqlite3_reset(st);
        db_bind_text(st, 1, refs[i]);
        db_bind_text(st, 2, at);
        db_bind_text(st, 3, batch);
        rc = db_step_changed(st);
    }
    sqlite3_finalize(st);
    return rc;
}

int agency_db_letters_mark(agency_db *db, const char *batch, const char *at,
                           const char *const *refs, size_t n, long pages)
{
    int rc;

    agency_db_lock(db);
    if (db_begin(db->sql) != 0) {
        agency_db_unlock(db);
        return AGENCY_DB_BUSY;
    }
    rc = insert_batch(db->sql, batch, at, n, pages) != 0 ? -1
         : insert_printed(db->sql, batch, at, refs, n);
    if (rc == 1 && db_commit(db->sql) == 0)
        rc = 0;
    else {
        db_rollback(db->sql);
        rc = rc == 0 ? 1 : -1;
    }
    agency_db_unlock(db);
    return rc;
}

int agency_db_letters_batch(agency_db *db, const char *batch, agency_batch_fn fn, void *ctx,
                            char *handed_over, size_t cap)
{
    sqlite3_stmt *st;
    int rc = 0, s = SQLITE_DONE, found;

    agency_db_lock(db);
    st = db_prepare(db->sql, "SELECT handed_over FROM print_batches WHERE batch = ?1");
    if (!st) {
        agency_db_unlock(db);
        return -1;
    }
    db_bind_text(st, 1, batch);
    found = sqlite3_step(st) == SQLITE_ROW;
    if (found)
        db_copy_text(handed_over, cap, st, 0);
    sqlite3_finalize(st);
    st = found ? db_prepare(db->sql, "SELECT d.notice, d.reference FROM printed p"
                                     " JOIN documents d ON d.reference = p.reference"
                                     " WHERE p.batch = ?1 ORDER BY p.reference")
               : NULL;
    if (found && !st)
        rc = -1;
    if (st) {
        db_bind_text(st, 1, batch);
        while (rc == 0 && (s = sqlite3_step(st)) == SQLITE_ROW)
            rc = fn(ctx, db_text(st, 0), db_text(st, 1));
        if (rc == 0 && s != SQLITE_DONE)
            rc = -1;
        sqlite3_finalize(st);
    }
    agency_db_unlock(db);
    return rc < 0 ? -1 : rc > 0 ? rc : found;
}

int agency_db_letters_handed_over(agency_db *db, const char *batch, const char *at)
{
    sqlite3_stmt *st;
    int rc;

    agency_db_lock(db);
    st = db_prepare(db->sql, "UPDATE print_batches SET handed_over = ?2"
                             " WHERE batch = ?1 AND handed_over IS NULL");
    if (!st) {
        agency_db_unlock(db);
        return -1;
    }
    db_bind_text(st, 1, batch);
    db_bind_text(st, 2, at);
    rc = db_step_done(st);
    sqlite3_finalize(st);
    agency_db_unlock(db);
    return rc;
}
