/* agency_db_cancel.c -- how a document ends at the agency: withdrawn by
 * the agency (after the hub recorded its NoticeCancellation), and deleted
 * with its personalisation once the retention period after its notice's
 * final state has passed (docs/design.md, "Retention"). The row itself
 * stays: its reference, rk, SHA-256 and notice id tie it to the hub's
 * evidence, which is never deleted. */
#include <stdio.h>
#include <string.h>

#include "agency_db_sql.h"
#include "db.h"

int agency_db_cancel_lookup(agency_db *db, const char *reference,
                            char notice[AGENCY_NOTICE_MAX + 1])
{
    sqlite3_stmt *st;
    int rc = -1, s;

    agency_db_lock(db);
    st = db_prepare(db->sql, "SELECT coalesce(notice, '') FROM documents WHERE reference = ?");
    if (st) {
        db_bind_text(st, 1, reference);
        s = sqlite3_step(st);
        if (s == SQLITE_ROW)
            snprintf(notice, AGENCY_NOTICE_MAX + 1, "%s", db_text(st, 0));
        rc = s == SQLITE_ROW ? 1 : s == SQLITE_DONE ? 0 : -1;
        sqlite3_finalize(st);
    }
    agency_db_unlock(db);
    return rc;
}

/* The state is the hub's: one it kept (read, postal, paid: the
 * cancellation is for the record) reaches the document through the feed,
 * which queues its callback only for a document it moves; set to
 * cancelled here, the document would never move again and the back
 * office would hear of no final state at all. */
int agency_db_cancel_record(agency_db *db, const char *reference, const char *reason,
                            const char *hub_state, const char *at, long long now_ms)
{
    sqlite3_stmt *st;
    int rc = -1;

    agency_db_lock(db);
    st = db_prepare(db->sql,
                    "UPDATE documents SET cancelled_at = coalesce(cancelled_at, ?2),"
                    " cancel_reason = coalesce(cancel_reason, ?3),"
                    " final_at = coalesce(final_at, ?4),"
                    " state = CASE WHEN state IN ('read', 'postal', 'paid', 'cancelled')"
                    " OR coalesce(?5, '') <> 'cancelled' THEN state ELSE 'cancelled' END"
                    " WHERE reference = ?1");
    if (st) {
        db_bind_text(st, 1, reference);
        db_bind_text(st, 2, at);
        db_bind_text(st, 3, reason);
        sqlite3_bind_int64(st, 4, now_ms);
        db_bind_text(st, 5, hub_state);
        rc = db_step_done(st);
        sqlite3_finalize(st);
    }
    agency_db_unlock(db);
    return rc;
}

/* The documents due, their bodies, then their names and addresses. A
 * postal notice whose letter is still to be printed, or printed in a batch
 * not yet handed to the print house, is not due: its name, address and
 * document are the letter (a print run held up past the retention would
 * otherwise lose it without a word, and a batch's files go with its last
 * letter, so a hand-over after that would record a letter no one could
 * mail); it goes at the first purge after the hand-over. A postal --new
 * list is a batch as well, handed over the same way; a row of printed
 * without a batch (such a list made before lists had one) counts as
 * handed over. A test key's notices (?3 = 0) are never printed. */
#define LETTER_TO_MAIL                                                                      \
    "state = 'postal' AND cancelled_at IS NULL AND NOT EXISTS (SELECT 1 FROM printed p"     \
    "  LEFT JOIN print_batches b ON b.batch = p.batch"                                      \
    "  WHERE p.reference = documents.reference"                                             \
    "  AND (p.batch IS NULL OR b.handed_over IS NOT NULL))"

static const char purge_sql[] =
    "CREATE TEMP TABLE IF NOT EXISTS purging(reference TEXT PRIMARY KEY);"
    "DELETE FROM purging;"
    "INSERT INTO purging SELECT reference FROM documents INDEXED BY documents_retention"
    " WHERE final_at IS NOT NULL AND purged_at IS NULL AND final_at <= ?1"
    " AND NOT (?3 AND " LETTER_TO_MAIL ");"
    "DELETE FROM bodies WHERE reference IN (SELECT reference FROM purging);"
    "UPDATE documents SET name = '', address = '', purged_at = ?2"
    " WHERE reference IN (SELECT reference FROM purging);";

/* Runs each statement of purge_sql with the same parameters. */
static int run_purge(sqlite3 *sql, long long before_ms, const char *at, int keep_letters,
                     long long *purged)
{
    const char *tail = purge_sql;
    sqlite3_stmt *st;

    while (*tail) {
        if (sqlite3_prepare_v2(sql, tail, -1, &st, &tail) != SQLITE_OK)
            return -1;
        if (!st)
            break;
        if (sqlite3_bind_parameter_count(st) >= 1)
            sqlite3_bind_int64(st, 1, before_ms);
        if (sqlite3_bind_parameter_count(st) >= 2)
            db_bind_text(st, 2, at);
        if (sqlite3_bind_parameter_count(st) >= 3)
            sqlite3_bind_int(st, 3, keep_letters);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_DONE && !strncmp(sqlite3_sql(st), "UPDATE", 6))
            *purged = sqlite3_changes(sql);
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE)
            return -1;
    }
    return 0;
}

/* Every print batch whose letters are all purged, each passed to fn,
 * at every purge: what fn deletes is gone the next time, and a batch a
 * crash or a failed unlink left is taken again. A batch not handed over
 * is only done when its letters were all cancelled: not to be mailed. */
static void batches_done(sqlite3 *sql, void (*fn)(void *ctx, const char *batch), void *ctx)
{
    sqlite3_stmt *st = NULL;

    if (sqlite3_prepare_v2(sql,
                           "SELECT b.batch FROM print_batches b WHERE NOT EXISTS"
                           " (SELECT 1 FROM printed q JOIN documents d ON d.reference = q.reference"
                           "  WHERE q.batch = b.batch AND d.purged_at IS NULL)"
                           " AND (b.handed_over IS NOT NULL OR NOT EXISTS"
                           "  (SELECT 1 FROM printed q JOIN documents d ON d.reference = q.reference"
                           "   WHERE q.batch = b.batch AND d.cancelled_at IS NULL))",
                           -1, &st, NULL) != SQLITE_OK)
        return;
    while (sqlite3_step(st) == SQLITE_ROW)
        fn(ctx, (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
}

/* Postal notices past their retention kept for their letters (to print,
 * or printed and not handed over): 0 when none, or when it cannot tell. */
static long long held_for_print(sqlite3 *sql, long long before_ms)
{
    sqlite3_stmt *st = NULL;
    long long n = 0;

    if (sqlite3_prepare_v2(sql,
                           "SELECT count(*) FROM documents INDEXED BY documents_retention"
                           " WHERE final_at IS NOT NULL AND purged_at IS NULL AND final_at <= ?1"
                           " AND " LETTER_TO_MAIL,
                           -1, &st, NULL) != SQLITE_OK)
        return 0;
    sqlite3_bind_int64(st, 1, before_ms);
    if (sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

int agency_db_purge(agency_db *db, long long before_ms, const char *at, long long *purged,
                    long long *held, void (*batch_done)(void *ctx, const char *batch), void *ctx)
{
    int rc = -1;

    *purged = *held = 0;
    agency_db_lock(db);
    if (db_begin(db->sql) == 0) {
        rc = run_purge(db->sql, before_ms, at, !db->test, purged);
        if (rc != 0 || db_commit(db->sql) != 0) {
            db_rollback(db->sql);
            *purged = 0;
            rc = -1;
        }
    }
    /* The purged names, addresses and documents are still in the main
     * file's old pages, and maybe in older frames of the WAL, until a
     * checkpoint writes the new pages (zeroed where rows went: the file
     * is opened with secure_delete) over them: do it now, and empty the
     * WAL. A reader in the way leaves the rest to the next checkpoint. */
    if (rc == 0 && *purged > 0)
        sqlite3_wal_checkpoint_v2(db->sql, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
    if (rc == 0 && !db->test) {
        *held = held_for_print(db->sql, before_ms);
        if (batch_done)
            batches_done(db->sql, batch_done, ctx);
    }
    agency_db_unlock(db);
    return rc;
}
