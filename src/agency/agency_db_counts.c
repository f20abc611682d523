/* agency_db_counts.c -- the console's dashboard figures, kept as notices
 * change rather than counted when asked (docs/design.md, "The agency's
 * console").
 *
 * At ten million notices a count over documents takes seconds; the
 * dashboard must answer in milliseconds. So triggers on documents' state
 * changes and on api_job_errors, and the store of a batch of documents
 * (with their caller references), add to two small tables in the very
 * transaction that changes a notice:
 * console_daily (per UTC day: what was submitted, alerted, received,
 * read, sent on paper, refused, cancelled that day) and console_jobs (the
 * same per bulk job). A stage counts the first time a notice reaches it
 * or a later one, so a notice that goes from relayed straight to read is
 * counted received too. Read times (from inbox to reading) go into coarse
 * buckets per day, from which the median is read. A database made
 * before these tables gets them filled once from its documents as they
 * are then (by the day each was stored, and without read times: what
 * happened on which day was not kept). */
#include <stdio.h>
#include <string.h>

#include "agency_db.h"
#include "agency_db_sql.h"
#include "db.h"

/* How far along the way to reading a state is; paper, cancelled and
 * paid are off that way (-1). */
#define RANK(s)                                                                  \
    "(CASE " s " WHEN 'stored' THEN 0 WHEN 'accepted' THEN 1 WHEN 'relayed' THEN 2" \
    " WHEN 'received' THEN 3 WHEN 'read' THEN 4 ELSE -1 END)"
#define REACHED(stage) \
    "(" RANK("NEW.state") " >= " #stage " AND " RANK("OLD.state") " < " #stage ")"
#define BECAME(s) "(NEW.state = '" s "' AND OLD.state <> '" s "')"
#define COLS "submitted, alerted, received, read, paper, failed, cancelled"
#define ADD_ALL                                                                   \
    " submitted = submitted + excluded.submitted, alerted = alerted + excluded.alerted," \
    " received = received + excluded.received, read = read + excluded.read,"            \
    " paper = paper + excluded.paper, failed = failed + excluded.failed,"               \
    " cancelled = cancelled + excluded.cancelled"
#define CHANGE_VALUES \
    "0, " REACHED(2) ", " REACHED(3) ", " REACHED(4) ", " BECAME("postal") ", 0, " BECAME("cancelled")

/* Read-time buckets' upper bounds in seconds; the last is open. */
static const long long bucket_s[] = {60, 300, 900, 3600, 3 * 3600, 6 * 3600, 12 * 3600,
                                     86400, 2 * 86400, 7 * 86400};
#define NBUCKETS (sizeof bucket_s / sizeof bucket_s[0] + 1)

static const char schema[] =
    "DROP TRIGGER IF EXISTS console_count_state;"
    "CREATE TABLE IF NOT EXISTS console_daily(day TEXT PRIMARY KEY,"
    " submitted INTEGER NOT NULL DEFAULT 0, alerted INTEGER NOT NULL DEFAULT 0,"
    " received INTEGER NOT NULL DEFAULT 0, read INTEGER NOT NULL DEFAULT 0,"
    " paper INTEGER NOT NULL DEFAULT 0, failed INTEGER NOT NULL DEFAULT 0,"
    " cancelled INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS console_jobs(job TEXT PRIMARY KEY,"
    " submitted INTEGER NOT NULL DEFAULT 0, alerted INTEGER NOT NULL DEFAULT 0,"
    " received INTEGER NOT NULL DEFAULT 0, read INTEGER NOT NULL DEFAULT 0,"
    " paper INTEGER NOT NULL DEFAULT 0, failed INTEGER NOT NULL DEFAULT 0,"
    " cancelled INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS console_read_times(day TEXT NOT NULL, bucket INTEGER NOT NULL,"
    " n INTEGER NOT NULL, PRIMARY KEY(day, bucket)) WITHOUT ROWID;"
    /* The dashboard's newest jobs, read in this index's order: sorting
     * every job's figures by their job's creation took 94 ms at 25,000
     * jobs and grew with them (one per bulk call). A job is created
     * once and its created never changes: one B-tree write per job. */
    "CREATE INDEX IF NOT EXISTS api_jobs_created ON api_jobs(created);"
    /* The day's and a job's submitted notices are added up per stored
     * batch (agency_db_counts_stored, agency_db_counts_job_submitted):
     * a trigger per row cost the bulk API 2.3 us a notice for the job's,
     * and each document's insert 1.9 us for the day's. Upgrade every
     * agency process at once: an older one would make the triggers again
     * at its open, and a newer one still running would then count twice. */
    "DROP TRIGGER IF EXISTS console_count_stored;"
    "DROP TRIGGER IF EXISTS console_count_job;"
    "CREATE TRIGGER IF NOT EXISTS console_count_refused AFTER INSERT ON api_job_errors BEGIN"
    " INSERT INTO console_daily(day, " COLS ") VALUES (date('now'), 0, 0, 0, 0, 0, 1, 0)"
    " ON CONFLICT(day) DO UPDATE SET failed = failed + 1;"
    " INSERT INTO console_jobs(job, " COLS ") VALUES (NEW.job, 0, 0, 0, 0, 0, 1, 0)"
    " ON CONFLICT(job) DO UPDATE SET failed = failed + 1; END;"
    /* accepted and paid count nothing: no upsert of zeros for them (as
     * comparisons: an IN list makes SQLite build a B-tree each time). */
    "CREATE TRIGGER IF NOT EXISTS console_count_state_v2 AFTER UPDATE OF state ON documents"
    " WHEN OLD.state <> NEW.state AND NEW.state <> 'accepted' AND NEW.state <> 'paid'"
    " AND NEW.state <> 'stored' BEGIN"
    " INSERT INTO console_daily(day, " COLS ") VALUES (date('now'), " CHANGE_VALUES ")"
    " ON CONFLICT(day) DO UPDATE SET" ADD_ALL ";"
    " INSERT INTO console_jobs(job, " COLS ") SELECT job, " CHANGE_VALUES
    " FROM api_refs WHERE reference = NEW.reference AND job IS NOT NULL"
    " ON CONFLICT(job) DO UPDATE SET" ADD_ALL "; END;";

/* The read-time trigger, its buckets written out from bucket_s. */
static int read_time_trigger(sqlite3 *sql)
{
    char stmt[2048];
    int n = snprintf(stmt, sizeof stmt,
                     "CREATE TRIGGER IF NOT EXISTS console_count_read AFTER UPDATE OF read_at"
                     " ON documents WHEN OLD.read_at IS NULL AND NEW.read_at IS NOT NULL"
                     " AND NEW.received_at IS NOT NULL BEGIN INSERT INTO console_read_times"
                     "(day, bucket, n) VALUES (date('now'), CASE");
    for (size_t i = 0; i + 1 < NBUCKETS; i++)
        n += snprintf(stmt + n, sizeof stmt - (size_t)n,
                      " WHEN NEW.read_at - NEW.received_at < %lld THEN %zu", bucket_s[i] * 1000,
                      i);
    snprintf(stmt + n, sizeof stmt - (size_t)n,
             " ELSE %zu END, 1) ON CONFLICT(day, bucket) DO UPDATE SET n = n + 1; END;",
             NBUCKETS - 1);
    return db_exec(sql, stmt);
}

#define NOW_RANK RANK("d.state")
#define FROM_DOCUMENTS(key)                                                             \
    key ", count(*), sum(" NOW_RANK " >= 2 OR d.received_at IS NOT NULL),"              \
    " sum(" NOW_RANK " >= 3 OR d.received_at IS NOT NULL), sum(" NOW_RANK " = 4 OR"     \
    " d.read_at IS NOT NULL), sum(d.state = 'postal'), 0, sum(d.cancelled_at IS NOT NULL)"

/* The figures of the documents a database already holds, once: the
 * triggers count only what happens after them. */
static const char backfill[] =
    "INSERT INTO console_daily(day, " COLS ") SELECT "
    FROM_DOCUMENTS("date(coalesce(d.stored_at, 0) / 1000, 'unixepoch')")
    " FROM documents d GROUP BY 1;"
    "INSERT INTO console_jobs(job, " COLS ") SELECT "
    FROM_DOCUMENTS("r.job")
    " FROM api_refs r JOIN documents d ON d.reference = r.reference"
    " WHERE r.job IS NOT NULL GROUP BY r.job;";

int agency_db_counts_schema(sqlite3 *sql)
{
    long long had = 0;
    int rc;

    if (db_one_int(sql, "SELECT count(*) FROM sqlite_schema WHERE name = 'console_daily'",
                   &had) < 0 || db_begin(sql) != 0)
        return -1;
    rc = db_exec(sql, schema) == 0 && read_time_trigger(sql) == 0 &&
                 (had || db_exec(sql, backfill) == 0)
             ? 0
             : -1;
    if (rc == 0 && db_commit(sql) == 0)
        return 0;
    db_rollback(sql);
    return -1;
}

/* Adds n to the submitted figure of the row an upsert of ?1 (key) and ?2
 * (n) names, inside the caller's transaction. */
static int add_submitted(sqlite3 *sql, const char *upsert, const char *key, long long n)
{
    sqlite3_stmt *st;
    int rc;

    if (!n)
        return 0;
    if (!(st = db_prepare(sql, upsert)))
        return -1;
    db_bind_text(st, 1, key);
    sqlite3_bind_int64(st, 2, n);
    rc = db_step_done(st);
    sqlite3_finalize(st);
    return rc;
}

#define ADD_SUBMITTED " DO UPDATE SET submitted = submitted + excluded.submitted"

int agency_db_counts_stored(sqlite3 *sql, long long n)
{
    return add_submitted(sql, "INSERT INTO console_daily(day, " COLS ") VALUES"
                              " (coalesce(?1, date('now')), ?2, 0, 0, 0, 0, 0, 0)"
                              " ON CONFLICT(day)" ADD_SUBMITTED, NULL, n);
}

int agency_db_counts_job_submitted(sqlite3 *sql, const char *job, long long n)
{
    return add_submitted(sql, "INSERT INTO console_jobs(job, " COLS ") VALUES"
                              " (?1, ?2, 0, 0, 0, 0, 0, 0) ON CONFLICT(job)" ADD_SUBMITTED,
                         job, n);
}

static void read_counts(sqlite3_stmt *st, int first, agency_counts *c)
{
    long long *v[] = {&c->submitted, &c->alerted, &c->received, &c->read,
                      &c->paper,     &c->failed,  &c->cancelled};

    for (int i = 0; i < 7; i++)
        *v[i] = sqlite3_column_int64(st, first + i);
}

int agency_db_counts_days(agency_db *db, const char *from, const char *to,
                          void (*each)(void *ctx, const char *day, const agency_counts *c),
                          void *ctx)
{
    sqlite3_stmt *st;
    int rc = SQLITE_ERROR;

    agency_db_lock(db);
    st = db_prepare(db->sql, "SELECT day, " COLS " FROM console_daily"
                             " WHERE day >= ? AND day <= ? ORDER BY day");
    if (st) {
        db_bind_text(st, 1, from);
        db_bind_text(st, 2, to);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            agency_counts c;
            read_counts(st, 1, &c);
            each(ctx, db_text(st, 0), &c);
        }
    }
    sqlite3_finalize(st);
    agency_db_unlock(db);
    return rc == SQLITE_DONE ? 0 : -1;
}

int agency_db_counts_jobs(agency_db *db, size_t limit,
                          void (*each)(void *ctx, const char *job, const char *created,
                                       const agency_counts *c),
                          void *ctx)
{
    sqlite3_stmt *st;
    int rc = SQLITE_ERROR;

    agency_db_lock(db);
    /* Every job counted was created first (agency_db_api_job_create),
     * and a job without a notice or a refused row yet has no figures. */
    st = db_prepare(db->sql, "SELECT j.id, j.created, c.submitted, c.alerted,"
                             " c.received, c.read, c.paper, c.failed, c.cancelled"
                             " FROM api_jobs j JOIN console_jobs c ON c.job = j.id"
                             " ORDER BY j.created DESC, j.id DESC LIMIT ?");
    if (st) {
        sqlite3_bind_int64(st, 1, (long long)limit);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            agency_counts c;
            read_counts(st, 2, &c);
            each(ctx, db_text(st, 0), db_text(st, 1), &c);
        }
    }
    sqlite3_finalize(st);
    agency_db_unlock(db);
    return rc == SQLITE_DONE ? 0 : -1;
}

int agency_db_counts_median_read(agency_db *db, const char *from, const char *to,
                                 long long *lo_s, long long *hi_s)
{
    long long n[NBUCKETS] = {0}, total = 0, seen = 0;
    sqlite3_stmt *st;
    int rc = SQLITE_ERROR;

    agency_db_lock(db);
    st = db_prepare(db->sql, "SELECT bucket, sum(n) FROM console_read_times"
                             " WHERE day >= ? AND day <= ? GROUP BY bucket");
    if (st) {
        db_bind_text(st, 1, from);
        db_bind_text(st, 2, to);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            int b = sqlite3_column_int(st, 0);
            if (b >= 0 && (size_t)b < NBUCKETS)
                n[b] += sqlite3_column_int64(st, 1), total += sqlite3_column_int64(st, 1);
        }
    }
    sqlite3_finalize(st);
    agency_db_unlock(db);
    if (rc != SQLITE_DONE)
        return -1;
    for (size_t b = 0; b < NBUCKETS && total; b++) {
        seen += n[b];
        if (seen * 2 >= total) {
            *lo_s = b ? bucket_s[b - 1] : 0;
            *hi_s = b + 1 < NBUCKETS ? bucket_s[b] : -1;
            return 1;
        }
    }
    return 0;
}
