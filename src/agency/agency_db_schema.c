/* agency_db_schema.c -- the agency database's tables, and the steps that
 * bring a file made by an older herald up to them. Every step runs at
 * each open and does nothing once done, so any older file opens. */
#include <stdio.h>

#include "agency_db_sql.h"
#include "db.h"

/* A send and the feed look documents up by reference in batches spread
 * over the whole table: at a million documents SQLite's default 2 MB cache
 * missed on most of them. A checkpoint per 40 MB of WAL, not per 4: each
 * one copied pages the next batch changed again, a fifth of `agency
 * send`'s time. */
#define AGENCY_CHECKPOINT_BYTES (40LL << 20)

/* Whether the change may have given the document an evidence time the
 * legal effect is reckoned from (agency_db_effect.c): only such events
 * send the effect pass to the document. 1 unless the writer knows better,
 * so events of older files, and of any writer that does not say, are
 * looked at as before. */
#define EVENTS_EVIDENCE "evidence INTEGER NOT NULL DEFAULT 1"

/* The body lives in its own rowid table: as a column of the WITHOUT ROWID
 * documents table a ~1 KB body overflowed the index-style pages (about
 * 5 KB of pages per document) and every state change rewrote it. Apart, a
 * body is appended once to densely packed pages and a state change
 * rewrites a ~300-byte row. */
static const char schema[] =
    "CREATE TABLE IF NOT EXISTS documents("
    " reference TEXT PRIMARY KEY,"
    " line INTEGER NOT NULL,"
    " name TEXT NOT NULL,"
    " address TEXT NOT NULL,"
    " title TEXT NOT NULL,"
    " deadline TEXT NOT NULL,"
    " rk TEXT NOT NULL,"
    " doc_sha256 TEXT NOT NULL,"
    " notice TEXT,"
    " state TEXT NOT NULL DEFAULT 'stored'"
    ") WITHOUT ROWID;"
    /* Only the postal list looks documents up by state. An index over
     * every state cost each state change two more B-tree writes (one in
     * `agency send`, one per change the feed brings) to save `agency
     * status` a scan it does once in a while. */
    "DROP INDEX IF EXISTS documents_state;"
    "CREATE INDEX IF NOT EXISTS documents_postal ON documents(reference) WHERE state = 'postal';"
    "CREATE TABLE IF NOT EXISTS bodies("
    " reference TEXT PRIMARY KEY,"
    " body BLOB NOT NULL"
    ");"
    "CREATE TABLE IF NOT EXISTS used_nonces("
    " nonce TEXT PRIMARY KEY,"
    " exp_ms INTEGER NOT NULL"
    ") WITHOUT ROWID;"
    /* a refused hand-over is evidence once per notice and reason (the hub
     * keeps one); a link replayed a thousand times writes one row */
    "CREATE TABLE IF NOT EXISTS handover_refusals("
    " notice TEXT NOT NULL,"
    " reason TEXT NOT NULL,"
    " PRIMARY KEY (notice, reason)"
    ") WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS outbox("
    " id INTEGER PRIMARY KEY,"
    " notice TEXT NOT NULL,"
    " event TEXT NOT NULL,"
    " at TEXT NOT NULL,"
    " reason TEXT"
    ");"
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL);"
    /* Postal notices already handed to the print shop (postal --new), or
     * printed as letters (postal --letters: batch names the PDF). */
    "CREATE TABLE IF NOT EXISTS printed("
    " reference TEXT PRIMARY KEY,"
    " at TEXT NOT NULL,"
    " batch TEXT"
    ") WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS printed_batch ON printed(batch) WHERE batch IS NOT NULL;"
    /* Letters in a batch's files whose notice was cancelled or paid while
     * the run drew them: not printed, but --handed-over names them again,
     * as it names those cancelled after the batch was recorded. */
    "CREATE TABLE IF NOT EXISTS print_left_out("
    " batch TEXT NOT NULL,"
    " reference TEXT NOT NULL,"
    " PRIMARY KEY(batch, reference)"
    ") WITHOUT ROWID;"
    /* One row per PDF of letters; handed_over once the hub has heard of
     * its hand-over to the print house (postal --handed-over). */
    "CREATE TABLE IF NOT EXISTS print_batches("
    " batch TEXT PRIMARY KEY,"
    " at TEXT NOT NULL,"
    " letters INTEGER NOT NULL,"
    " pages INTEGER NOT NULL,"
    " handed_over TEXT"
    ") WITHOUT ROWID;"

    /* The back-office API (agency_db_api.c): the caller's reference of
     * each notice it made, bulk jobs and their refused rows, and every
     * state change of those notices, in order: the timeline, and the
     * callback queue past meta's callback_after. */
    "CREATE TABLE IF NOT EXISTS api_refs("
    " reference TEXT PRIMARY KEY,"
    " caller_ref TEXT NOT NULL UNIQUE,"
    " job TEXT,"
    " created TEXT NOT NULL"
    ") WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS api_jobs("
    " id TEXT PRIMARY KEY,"
    " created TEXT NOT NULL,"
    " state TEXT NOT NULL,"
    " total INTEGER NOT NULL,"
    " processed INTEGER NOT NULL DEFAULT 0,"
    " accepted INTEGER NOT NULL DEFAULT 0,"
    " existing INTEGER NOT NULL DEFAULT 0,"
    " failed INTEGER NOT NULL DEFAULT 0,"
    " finished TEXT"
    ") WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS api_job_errors("
    " job TEXT NOT NULL,"
    " row INTEGER NOT NULL,"
    " field TEXT,"
    " detail TEXT NOT NULL,"
    " PRIMARY KEY(job, row)"
    ") WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS api_events("
    " id INTEGER PRIMARY KEY,"
    " reference TEXT NOT NULL,"
    " caller_ref TEXT NOT NULL,"
    " state TEXT NOT NULL,"
    " reason TEXT,"
    " at TEXT NOT NULL,"
    " queued_ms INTEGER NOT NULL, " EVENTS_EVIDENCE
    ");"
    "CREATE INDEX IF NOT EXISTS api_events_ref ON api_events(reference);"
    /* When each API notice takes legal effect, once a term of the rule
     * applies (agency_db_effect.c): pending until noted in its timeline
     * as "effective", which the index of the pending ones finds by time. */
    "CREATE TABLE IF NOT EXISTS api_effects("
    " reference TEXT PRIMARY KEY,"
    " at INTEGER NOT NULL,"
    " term TEXT NOT NULL,"
    " noted INTEGER NOT NULL DEFAULT 0"
    ") WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS api_effects_due ON api_effects(at) WHERE noted = 0;"
    /* A test key's notices (agency_db_test.c; only test.db holds rows):
     * the simulated outcome, the step it is at, when the next is due. */
    "CREATE TABLE IF NOT EXISTS test_outcomes("
    " reference TEXT PRIMARY KEY,"
    " outcome TEXT NOT NULL,"
    " start_ms INTEGER NOT NULL,"
    " step INTEGER NOT NULL,"
    " due_ms INTEGER NOT NULL"
    ") WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS test_outcomes_due ON test_outcomes(due_ms);"
    /* The console lists a bulk job's first notices by caller reference:
     * in this index's order it reads just those. On (job) alone it read
     * and sorted every notice of the job, 50,000 for the largest, with a
     * document looked up for each (0.1-0.4 s a page). A file that has the
     * older index loses it and builds this one once at open: 39 s for
     * 7.5 million API notices, the machine loaded. */
    "DROP INDEX IF EXISTS api_refs_job;"
    "CREATE INDEX IF NOT EXISTS api_refs_job_caller ON api_refs(job, caller_ref)"
    " WHERE job IS NOT NULL;";

/* 1 when table exists and lacks column, 0 when not, -1 on error. */
static int lacks_column(sqlite3 *sql, const char *table, const char *column)
{
    sqlite3_stmt *st = db_prepare(sql, "SELECT"
        " (SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?1),"
        " (SELECT count(*) FROM pragma_table_info(?1) WHERE name = ?2)");
    int lacks = -1;

    if (st) {
        db_bind_text(st, 1, table);
        db_bind_text(st, 2, column);
        if (sqlite3_step(st) == SQLITE_ROW)
            lacks = sqlite3_column_int(st, 0) == 1 && sqlite3_column_int(st, 1) == 0;
    }
    sqlite3_finalize(st);
    return lacks;
}

/* ALTER TABLE table ADD COLUMN def, where table exists and lacks it; def
 * starts with the column's name. 0 or -1. */
static int add_column(sqlite3 *sql, const char *table, const char *def)
{
    char name[32], alter[160];
    int lacks;

    if (sscanf(def, "%31s", name) != 1 || (lacks = lacks_column(sql, table, name)) < 0)
        return -1;
    snprintf(alter, sizeof alter, "ALTER TABLE %s ADD COLUMN %s", table, def);
    return lacks ? db_exec(sql, alter) : 0;
}

/* printed got its batch column with the letters: older files gain it
 * before the schema's index on it is made. */
static int add_printed_batch(sqlite3 *sql)
{
    return add_column(sql, "printed", "batch TEXT");
}

/* Nothing looks a document up by its notice id: the feed carries each
 * change's reference, and a handover knows the reference it served. An
 * index on notice cost `agency send` a B-tree write for every answered
 * document; databases that have one lose it at open (once: 0.22 s under
 * the write lock for a million documents, which a concurrent open waits
 * out). Its UNIQUE also refused a notice id the hub gave twice;
 * the hub's ids are UUIDv7 with random bits, and no agency check rested
 * on it. Databases older still keep their UNIQUE notice column. Upgrade
 * every agency process at once: an older one would build the index
 * again at its open. */
static const char drop_notice_index[] = "DROP INDEX IF EXISTS documents_notice;";

/* A database made before bodies moved out keeps them in documents.body:
 * move them over once, in one transaction, before the schema above runs. */
static const char migrate_bodies[] =
    "BEGIN IMMEDIATE;"
    "ALTER TABLE documents RENAME TO documents_v1;"
    "DROP INDEX IF EXISTS documents_state;"
    "CREATE TABLE documents("
    " reference TEXT PRIMARY KEY, line INTEGER NOT NULL, name TEXT NOT NULL,"
    " address TEXT NOT NULL, title TEXT NOT NULL, deadline TEXT NOT NULL,"
    " rk TEXT NOT NULL, doc_sha256 TEXT NOT NULL, notice TEXT,"
    " state TEXT NOT NULL DEFAULT 'stored') WITHOUT ROWID;"
    "CREATE TABLE bodies(reference TEXT PRIMARY KEY, body BLOB NOT NULL);"
    "INSERT INTO documents SELECT reference, line, name, address, title, deadline, rk,"
    " doc_sha256, notice, state FROM documents_v1;"
    "INSERT INTO bodies(reference, body) SELECT reference, body FROM documents_v1;"
    "DROP TABLE documents_v1;"
    "COMMIT;";

/* Cancellation and retention (agency_db_cancel.c): when the notice
 * reached its final state (Unix ms, by this agency's clock), when and why
 * the agency cancelled it, and when its document and personalisation
 * were deleted. Added to files made before them. */
static const char *const end_columns[] = {
    "final_at INTEGER",
    "cancelled_at TEXT",
    "cancel_reason TEXT",
    "purged_at TEXT",
};

/* Only the purge looks documents up by final_at, and only those not
 * purged yet. */
static const char retention_index[] =
    "CREATE INDEX IF NOT EXISTS documents_retention ON documents(final_at)"
    " WHERE final_at IS NOT NULL AND purged_at IS NULL;";

static int add_end_columns(sqlite3 *sql)
{
    for (size_t i = 0; i < sizeof end_columns / sizeof end_columns[0]; i++)
        if (add_column(sql, "documents", end_columns[i]) != 0)
            return -1;
    return db_exec(sql, retention_index);
}

/* What the feed says of each notice's evidence (the times it reached an
 * inbox, was read, was paid, its letter was handed to print, it was
 * cancelled, in the hub's Unix ms, and the platform), the payment reference from the recipient
 * file, and when it was stored (the report's period). Added to older files
 * at open. */
static const char *const added_columns[] = {
    "stored_at INTEGER", "received_at INTEGER", "read_at INTEGER", "paid_at INTEGER",
    "platform TEXT", "amount_krw INTEGER", "payment_code TEXT", "payment_due TEXT",
    "handover_at INTEGER", "cancellation_at INTEGER",
};

static int add_columns(sqlite3 *sql)
{
    for (size_t i = 0; i < sizeof added_columns / sizeof added_columns[0]; i++)
        if (add_column(sql, "documents", added_columns[i]) != 0)
            return -1;
    /* api_events' evidence came with the effect pass looking only at
     * events that have it */
    return add_column(sql, "api_events", EVENTS_EVIDENCE);
}

static int has_inline_bodies(sqlite3 *sql)
{
    sqlite3_stmt *st = db_prepare(sql, "SELECT 1 FROM pragma_table_info('documents')"
                                       " WHERE name = 'body'");
    int yes = st && sqlite3_step(st) == SQLITE_ROW;

    sqlite3_finalize(st);
    return yes;
}

int agency_db_schema_apply(sqlite3 *sql, const char *path, char *err, size_t errlen)
{
    char pragma[64];

    if (has_inline_bodies(sql) && db_exec(sql, migrate_bodies) != 0) {
        db_rollback(sql);
        snprintf(err, errlen, "%s: cannot move document bodies to their own table", path);
        return -1;
    }
    snprintf(pragma, sizeof pragma, "PRAGMA wal_autocheckpoint=%d",
             db_pages_for(sql, AGENCY_CHECKPOINT_BYTES));
    if (add_printed_batch(sql) != 0 || db_exec(sql, schema) != 0 ||
        db_exec(sql, drop_notice_index) != 0 || add_end_columns(sql) != 0 ||
        add_columns(sql) != 0 || agency_db_counts_schema(sql) != 0 ||
        db_exec(sql, "PRAGMA cache_size=-32768") != 0 || db_exec(sql, pragma) != 0 ||
        /* a purged or cancelled document's bytes are overwritten, not left
         * in free pages, whatever SQLite's build defaults to */
        db_exec(sql, "PRAGMA secure_delete=ON") != 0) {
        snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(sql));
        return -1;
    }
    return 0;
}
