/* agency_db.c -- the agency database's handle: one connection, its lock,
 * and the batched-write shape the other agency_db*.c files share. */
#include "agency_db.h"

#include <stdio.h>
#include <stdlib.h>

#include "agency_db_sql.h"
#include "db.h"
#include "log.h"

/* Pages of 16 KiB for a new database: documents and bodies are appended
 * in batches, and each commit wrote a quarter as many WAL frames (one
 * system call apiece, and a header) as with 4 KiB pages; `agency send`
 * went from 25-26 to 20-24 µs of CPU per notice at 300,000. */
#define AGENCY_PAGE_SIZE 16384

agency_db *agency_db_open(const char *path, char *err, size_t errlen)
{
    agency_db *db = calloc(1, sizeof *db);

    if (!db) {
        snprintf(err, errlen, "%s: out of memory", path);
        return NULL;
    }
    if (!(db->sql = db_open(path, NULL, AGENCY_PAGE_SIZE, err, errlen)) ||
        agency_db_schema_apply(db->sql, path, err, errlen) != 0) {
        db_close(db->sql);
        free(db);
        return NULL;
    }
    pthread_mutex_init(&db->lock, NULL);
    return db;
}

void agency_db_close(agency_db *db)
{
    if (!db)
        return;
    db_close(db->sql);
    pthread_mutex_destroy(&db->lock);
    free(db);
}

void agency_db_lock(agency_db *db)
{
    pthread_mutex_lock(&db->lock);
}

void agency_db_unlock(agency_db *db)
{
    pthread_mutex_unlock(&db->lock);
}

int agency_db_batch(sqlite3 *sql, const char *stmt, size_t n, agency_db_step step, void *ctx)
{
    return agency_db_batch_then(sql, stmt, n, step, ctx, NULL);
}

int agency_db_batch_then(sqlite3 *sql, const char *stmt, size_t n, agency_db_step step,
                         void *ctx, int (*last)(sqlite3 *sql, void *ctx))
{
    sqlite3_stmt *st;
    int rc = 0;

    if (!n)
        return 0;
    if (!(st = db_prepare(sql, stmt)))
        return -1;
    if (db_begin(sql) != 0) {
        sqlite3_finalize(st);
        return -1;
    }
    for (size_t i = 0; i < n && rc == 0; i++) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        rc = step(st, i, ctx);
    }
    sqlite3_finalize(st);
    if (rc == 0 && last)
        rc = last(sql, ctx);
    if (rc != 0 || db_commit(sql) != 0) {
        log_error("database: %s", sqlite3_errmsg(sql));
        db_rollback(sql);
        return -1;
    }
    return 0;
}

int agency_db_read_texts(sqlite3 *sql, const char *stmt, const char *const *keys, size_t n,
                         char *out, size_t size)
{
    sqlite3_stmt *st = db_prepare(sql, stmt);
    int rc = 0;

    if (!st || db_exec(sql, "BEGIN") != 0) {
        sqlite3_finalize(st);
        return -1;
    }
    for (size_t i = 0; i < n && rc == 0; i++) {
        char *o = out + i * size;
        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, keys[i], -1, SQLITE_STATIC);
        *o = '\0';
        int s = sqlite3_step(st);
        if (s == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
            snprintf(o, size, "%s", (const char *)sqlite3_column_text(st, 0));
        else if (s != SQLITE_ROW && s != SQLITE_DONE)
            rc = -1;
    }
    sqlite3_finalize(st);
    if (db_commit(sql) != 0) {
        db_rollback(sql);
        rc = -1;
    }
    return rc;
}

long long agency_db_single_int(sqlite3 *sql, const char *stmt)
{
    long long v = 0;

    db_one_int(sql, stmt, &v);
    return v;
}
