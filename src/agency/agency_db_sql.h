/* agency_db_sql.h -- what the agency_db*.c files share and nothing else
 * sees: the handle's insides and the shape of a batched write. */
#ifndef HERALD_AGENCY_DB_SQL_H
#define HERALD_AGENCY_DB_SQL_H

#include <pthread.h>
#include <sqlite3.h>
#include <stddef.h>

#include "agency_db.h"

struct agency_db {
    sqlite3 *sql;
    pthread_mutex_t lock; /* one caller at a time on sql */
    int test;             /* a test key's database (agency_db_test.h) */
};

void agency_db_lock(agency_db *db);
void agency_db_unlock(agency_db *db);

/* Brings the file at sql up to date (migrations, then the schema) and
 * sets its cache and checkpoint sizes. 0, or -1 with a message in err. */
int agency_db_schema_apply(sqlite3 *sql, const char *path, char *err, size_t errlen);

/* The console's count tables and the triggers that keep them
 * (agency_db_counts.c). 0 or -1. */
int agency_db_counts_schema(sqlite3 *sql);

/* Runs a batch of one statement inside one transaction: the shape every
 * batched write here has. step is called for each item with the
 * statement already reset. Call with the lock held. */
typedef int (*agency_db_step)(sqlite3_stmt *st, size_t i, void *ctx);
int agency_db_batch(sqlite3 *sql, const char *stmt, size_t n, agency_db_step step, void *ctx);
/* The same, with last (when not NULL) run after the last item, before
 * the commit: what the batch adds up goes in with it. */
int agency_db_batch_then(sqlite3 *sql, const char *stmt, size_t n, agency_db_step step,
                         void *ctx, int (*last)(sqlite3 *sql, void *ctx));

/* For each of the n keys, the text column 0 of the row stmt finds by it
 * (bound as ?1) into out + i * size, "" when no row or NULL; in one read
 * transaction for the batch, not one (and its locks) per key. 0 or -1.
 * Call with the lock held. */
int agency_db_read_texts(sqlite3 *sql, const char *stmt, const char *const *keys, size_t n,
                         char *out, size_t size);

/* Adds n documents stored for the first time to today's console figures
 * (a write inside the caller's transaction; n 0 writes nothing). 0 or -1. */
int agency_db_counts_stored(sqlite3 *sql, long long n);
/* Adds n notices submitted to bulk job's console figures (a write inside
 * the caller's transaction; n 0 writes nothing). 0 or -1. */
int agency_db_counts_job_submitted(sqlite3 *sql, const char *job, long long n);

/* A postal document still to go on paper, as a condition to add to a
 * WHERE on documents: one the agency cancelled after it went to paper,
 * or whose name and address were purged, is listed and printed no more. */
#define AGENCY_DB_STILL_PAPER " AND cancelled_at IS NULL AND purged_at IS NULL"

/* Starts the simulated outcome (test_outcome.h) of each refs[i] that has
 * a notices[i], counted from start_ms: a write inside the caller's
 * transaction, the one that records them accepted (agency_db_test.c).
 * 0 or -1. */
int agency_db_test_schedule_in(sqlite3 *sql, const char *const *refs,
                               const char *const *notices, const int *outcomes, size_t n,
                               long long start_ms);

/* The single integer sql answers, 0 when none. */
long long agency_db_single_int(sqlite3 *sql, const char *stmt);

#endif
