/* agency_db_postal.c -- the paper list: the notices the hub reached
 * nobody with, and which of them were already handed to the print shop. */
#include "agency_db_sql.h"
#include "db.h"

/* Not printed yet, and still to be (AGENCY_DB_STILL_PAPER). */
#define UNPRINTED " AND reference NOT IN (SELECT reference FROM printed)" AGENCY_DB_STILL_PAPER

static int each_postal(sqlite3 *sql, int only_new, agency_postal_fn fn, void *ctx)
{
    sqlite3_stmt *st = db_prepare(sql, only_new
        ? "SELECT reference, name, address, title FROM documents"
          " WHERE state = 'postal'" UNPRINTED " ORDER BY reference"
        : "SELECT reference, name, address, title FROM documents"
          " WHERE state = 'postal'" AGENCY_DB_STILL_PAPER " ORDER BY reference");
    int rc = 0, s;

    if (!st)
        return -1;
    while (rc == 0 && (s = sqlite3_step(st)) == SQLITE_ROW)
        rc = fn(ctx, db_text(st, 0), db_text(st, 1), db_text(st, 2), db_text(st, 3));
    if (rc == 0 && s != SQLITE_DONE)
        rc = -1;
    sqlite3_finalize(st);
    return rc == 0 ? fn(ctx, NULL, NULL, NULL, NULL) : rc;
}

/* Marks them, in a batch a hand-over can name (PrintHandover starts the
 * legal term of a notice sent on paper). */
static int mark_printed(sqlite3 *sql, const char *at, const char *batch, long long *listed)
{
    sqlite3_stmt *st = db_prepare(sql, "INSERT INTO printed(reference, at, batch)"
                                       " SELECT reference, ?1, ?2"
                                       " FROM documents WHERE state = 'postal'" UNPRINTED);
    int rc;

    if (!st)
        return -1;
    db_bind_text(st, 1, at);
    db_bind_text(st, 2, batch);
    rc = db_step_done(st);
    *listed = rc == 0 ? sqlite3_changes(sql) : 0;
    sqlite3_finalize(st);
    if (rc == 0 && *listed) {
        st = db_prepare(sql, "INSERT INTO print_batches(batch, at, letters, pages)"
                             " VALUES(?1, ?2, ?3, 0)");
        if (!st)
            return -1;
        db_bind_text(st, 1, batch);
        db_bind_text(st, 2, at);
        sqlite3_bind_int64(st, 3, *listed);
        rc = db_step_done(st);
        sqlite3_finalize(st);
    }
    return rc;
}

/* Lists and marks in one write transaction, so the notices marked are
 * exactly the ones listed. */
static int list_new(sqlite3 *sql, const char *at, const char *batch, long long *listed,
                    agency_postal_fn fn, void *ctx)
{
    if (db_begin(sql) != 0)
        return AGENCY_DB_BUSY;
    if (each_postal(sql, 1, fn, ctx) != 0 || mark_printed(sql, at, batch, listed) != 0 ||
        db_commit(sql) != 0) {
        db_rollback(sql);
        return -1;
    }
    return 0;
}

int agency_db_postal_list(agency_db *db, int only_new, const char *at, const char *batch,
                          long long *listed, agency_postal_fn fn, void *ctx)
{
    int rc;

    *listed = 0;
    agency_db_lock(db);
    rc = only_new ? list_new(db->sql, at, batch, listed, fn, ctx)
                  : (each_postal(db->sql, 0, fn, ctx) ? -1 : 0);
    agency_db_unlock(db);
    return rc;
}
