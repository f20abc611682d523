/* agency_db_letters.c -- the letters still to print (postal notices no
 * earlier run printed or listed), the batches they were printed in, and
 * which batches the hub has heard were handed to the print house. */
#include <stdlib.h>
#include <string.h>

#include "agency_db_sql.h"
#include "db.h"

#define LETTERS_MAX_PARTS 16
#define TO_PRINT " FROM documents d WHERE d.state = 'postal'" \
                 " AND d.reference NOT IN (SELECT reference FROM printed)" AGENCY_DB_STILL_PAPER

static long count_to_print(sqlite3 *sql)
{
    sqlite3_stmt *st = db_prepare(sql, "SELECT count(*)" TO_PRINT);
    long n = st && sqlite3_step(st) == SQLITE_ROW ? (long)sqlite3_column_int64(st, 0) : -1;

    sqlite3_finalize(st);
    return n;
}

/* The part's first reference: the one after skip letters (a copy). */
static char *part_start(sqlite3 *sql, long skip)
{
    sqlite3_stmt *st = db_prepare(sql, "SELECT d.reference" TO_PRINT
                                       " ORDER BY d.reference LIMIT 1 OFFSET ?1");
    char *ref = NULL;

    if (!st)
        return NULL;
    sqlite3_bind_int64(st, 1, skip);
    if (sqlite3_step(st) == SQLITE_ROW)
        ref = strdup(db_text(st, 0));
    sqlite3_finalize(st);
    return ref;
}

/* One statement per part, over [from, to) of the references ("" and NULL
 * for the open ends). */
static sqlite3_stmt *part_rows(sqlite3 *sql, const char *from, const char *to)
{
    sqlite3_stmt *st = db_prepare(sql,
        "SELECT d.reference, d.line, d.name, d.address, d.title, d.notice, b.body"
        " FROM documents d JOIN bodies b ON b.reference = d.reference"
        " WHERE d.state = 'postal' AND d.reference >= ?1 AND (?2 IS NULL OR d.reference < ?2)"
        " AND d.reference NOT IN (SELECT reference FROM printed)" AGENCY_DB_STILL_PAPER
        " ORDER BY d.reference");

    if (st) {
        db_bind_text(st, 1, from);
        if (to)
            db_bind_text(st, 2, to);
    }
    return st;
}

/* Steps the parts' statements in turn, one row each, until all are done. */
static int read_parts(sqlite3_stmt **st, int parts, agency_letter_fn fn, void *ctx)
{
    int live = parts, rc = 0;
    int done[LETTERS_MAX_PARTS] = {0};

    while (live && rc == 0)
        for (int k = 0; k < parts && rc == 0; k++) {
            if (done[k])
                continue;
            int s = sqlite3_step(st[k]);
            if (s != SQLITE_ROW) {
                done[k] = 1, live--;
                rc = s == SQLITE_DONE ? 0 : -1;
                continue;
            }
            agency_letter_row r = {
                .reference = db_text(st[k], 0), .line = (long)sqlite3_column_int64(st[k], 1),
                .name = db_text(st[k], 2), .address = db_text(st[k], 3),
                .title = db_text(st[k], 4), .notice = db_text(st[k], 5),
                .body = (const char *)sqlite3_column_blob(st[k], 6),
                .body_len = (size_t)sqlite3_column_bytes(st[k], 6),
            };
            if (!r.body)
                r.body = "";
            rc = fn(ctx, k, &r);
        }
    return rc;
}

/* Splits the snapshot's letters and reads them; inside the transaction. */
static int split_and_read(sqlite3 *sql, int max_parts, long min_part,
                          agency_letter_parts_fn parts_fn, agency_letter_fn fn, void *ctx)
{
    long n = count_to_print(sql), sizes[LETTERS_MAX_PARTS];
    char *starts[LETTERS_MAX_PARTS + 1] = {0};
    sqlite3_stmt *st[LETTERS_MAX_PARTS] = {0};
    int parts = max_parts < 1 ? 1 : max_parts > LETTERS_MAX_PARTS ? LETTERS_MAX_PARTS : max_parts;
    int rc = 0;

    if (n < 0)
        return -1;
    if (min_part > 0 && n / min_part < parts)
        parts = n / min_part > 1 ? (int)(n / min_part) : 1;
    if (n < parts)
        parts = n > 1 ? (int)n : 1;
    for (int k = 0; k < parts; k++) {
        sizes[k] = n * (k + 1) / parts - n * k / parts;
        if (k && !(starts[k] = part_start(sql, n * k / parts)))
            rc = -1;
    }
    for (int k = 0; k < parts && rc == 0; k++)
        if (!(st[k] = part_rows(sql, k ? starts[k] : "", starts[k + 1])))
            rc = -1;
    if (rc == 0)
        rc = parts_fn(ctx, parts, sizes);
    if (rc == 0)
        rc = read_parts(st, parts, fn, ctx);
    for (int k = 0; k < parts; k++) {
        sqlite3_finalize(st[k]);
        free(starts[k]);
    }
    return rc;
}

/* Read in one snapshot; the write that marks the batch comes after the PDF
 * is written, so `agency serve` is not held up meanwhile. */
int agency_db_letters_parts(agency_db *db, int max_parts, long min_part,
                            agency_letter_parts_fn parts_fn, agency_letter_fn fn, void *ctx)
{
    int rc;

    agency_db_lock(db);
    if (db_exec(db->sql, "BEGIN") != 0) {
        agency_db_unlock(db);
        return -1;
    }
    rc = split_and_read(db->sql, max_parts, min_part, parts_fn, fn, ctx);
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

/* Marks one reference printed in batch: 1 when marked, 2 when its notice
 * is no longer to be mailed (left out), 0 when another run printed it
 * already, -1. ins and had are insert_printed's statements. */
static int mark_one(sqlite3_stmt *ins, sqlite3_stmt *had, const char *batch, const char *at,
                    const char *ref)
{
    int s;

    sqlite3_reset(ins);
    db_bind_text(ins, 1, ref);
    db_bind_text(ins, 2, at);
    db_bind_text(ins, 3, batch);
    if ((s = db_step_changed(ins)) != 0)
        return s;
    sqlite3_reset(had);
    db_bind_text(had, 1, ref);
    s = db_step_row(had);
    return s < 0 ? -1 : s ? 0 : 2;
}

/* 1 when every reference was marked or left out, 0 when one was printed
 * by another run, -1. */
static int insert_printed(sqlite3 *sql, const char *batch, const char *at,
                          const char *const *refs, size_t n, unsigned char *left_out)
{
    /* Read in the print run's snapshot: a notice cancelled, paid or purged
     * while its letter was drawn is not printed after all. */
    sqlite3_stmt *ins = db_prepare(sql, "INSERT OR IGNORE INTO printed(reference, at, batch)"
                                        " SELECT ?1, ?2, ?3 FROM documents"
                                        " WHERE reference = ?1 AND state = 'postal'"
                                        AGENCY_DB_STILL_PAPER);
    sqlite3_stmt *had = db_prepare(sql, "SELECT 1 FROM printed WHERE reference = ?1");
    sqlite3_stmt *out = db_prepare(sql, "INSERT OR IGNORE INTO print_left_out(batch, reference)"
                                        " VALUES (?1, ?2)");
    int rc = ins && had && out ? 1 : -1;

    for (size_t i = 0; i < n && rc == 1; i++) {
        int s = mark_one(ins, had, batch, at, refs[i]);
        left_out[i] = s == 2;
        rc = s == 2 ? 1 : s;
        if (s == 2) {
            sqlite3_reset(out);
            db_bind_text(out, 1, batch);
            db_bind_text(out, 2, refs[i]);
            rc = db_step_changed(out) < 0 ? -1 : 1;
        }
    }
    sqlite3_finalize(ins);
    sqlite3_finalize(had);
    sqlite3_finalize(out);
    return rc;
}

int agency_db_letters_mark(agency_db *db, const char *batch, const char *at,
                           const char *const *refs, size_t n, long pages,
                           unsigned char *left_out)
{
    int rc;

    agency_db_lock(db);
    if (db_begin(db->sql) != 0) {
        agency_db_unlock(db);
        return AGENCY_DB_BUSY;
    }
    rc = insert_batch(db->sql, batch, at, n, pages) != 0 ? -1
         : insert_printed(db->sql, batch, at, refs, n, left_out);
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
    s = sqlite3_step(st);
    found = s == SQLITE_ROW;
    if (found)
        db_copy_text(handed_over, cap, st, 0);
    sqlite3_finalize(st);
    if (!found && s != SQLITE_DONE) { /* unknown is not what an error says */
        agency_db_unlock(db);
        return -1;
    }
    s = SQLITE_DONE;
    /* a letter left out of the batch (print_left_out) is named as one
     * cancelled after printing: it is in the files all the same */
    st = found ? db_prepare(db->sql, "SELECT d.notice, d.reference, d.cancelled_at IS NOT NULL"
                                     " FROM printed p"
                                     " JOIN documents d ON d.reference = p.reference"
                                     " WHERE p.batch = ?1"
                                     " UNION ALL SELECT d.notice, d.reference, 1"
                                     " FROM print_left_out l"
                                     " JOIN documents d ON d.reference = l.reference"
                                     " WHERE l.batch = ?1 ORDER BY 2")
               : NULL;
    if (found && !st)
        rc = -1;
    if (st) {
        db_bind_text(st, 1, batch);
        while (rc == 0 && (s = sqlite3_step(st)) == SQLITE_ROW)
            rc = fn(ctx, db_text(st, 0), db_text(st, 1), sqlite3_column_int(st, 2));
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

int agency_db_letter_printed(agency_db *db, const char *reference, char *batch, size_t cap,
                             int *handed_over)
{
    sqlite3_stmt *st;
    int s, rc;

    agency_db_lock(db);
    st = db_prepare(db->sql, "SELECT coalesce(p.batch, ''), b.handed_over IS NOT NULL"
                             " FROM printed p LEFT JOIN print_batches b ON b.batch = p.batch"
                             " WHERE p.reference = ?1");
    if (!st) {
        agency_db_unlock(db);
        return -1;
    }
    db_bind_text(st, 1, reference);
    s = sqlite3_step(st);
    rc = s == SQLITE_ROW ? 1 : s == SQLITE_DONE ? 0 : -1;
    if (rc == 1) {
        db_copy_text(batch, cap, st, 0);
        *handed_over = sqlite3_column_int(st, 1);
    }
    sqlite3_finalize(st);
    agency_db_unlock(db);
    return rc;
}
