/* metrics_db.h -- gauges a role reads from its own database, and the
 * database files' sizes.
 *
 * Queue depths come from counting queries, which must use an index (a
 * partial index over the queue, or a range of rowids past a cursor): a
 * scrape never scans a table. Counting is still linear in what it
 * counts (about a million index entries a second), and a hub with
 * millions of notices in their read windows must not spend seconds of
 * every scrape on it. So a thread of its own runs the queries, on a
 * read-only connection (WAL readers never wait for the writer), and a
 * scrape only copies the last answers: it never waits for a query but
 * the first, and that for at most METRICS_DB_FIRST_WAIT_MS. Each query
 * is asked again once its answer is older than a second, or than fifty
 * times as long as it took, so that counting costs at most 2% of a core
 * and of the disk; herald_metrics_query_age_seconds tells how old each
 * answer is. A hub whose store is PostgreSQL asks the same queries there,
 * on a connection of the thread's own. */
#ifndef HERALD_METRICS_DB_H
#define HERALD_METRICS_DB_H

#include <pthread.h>
#include <sqlite3.h>
#include <stddef.h>

#include "buf.h"
#include "sql.h"

#define METRICS_DB_FIRST_WAIT_MS 200

/* One gauge family: sql returns rows of (label values..., value); a ?1 in
 * it is bound to the role's clock (clock_now_ms). */
typedef struct metrics_query {
    const char *name, *help;
    const char *labels[4]; /* the leading columns' label names, NULL-ended */
    const char *sql;
} metrics_query;

/* The last answer to one query. */
typedef struct metrics_answer {
    char *text;            /* its samples, rendered; NULL before the first */
    size_t len;
    long long at_ms;       /* CLOCK_MONOTONIC ms when it was asked */
    long long fresh_until; /* ask again from then on */
    double took_s;
} metrics_answer;

#define METRICS_DB_MAX_QUERIES 8

typedef struct metrics_db {
    pthread_mutex_t lock;
    pthread_cond_t cond;   /* work for the thread, or answers for a scrape */
    pthread_t thread;
    int started, stopping, wanted;
    char path[4096];
    sqlite3 *ro;           /* the thread's own */
    char *dsn;             /* PostgreSQL instead of the file at path */
    sql_conn *pg;          /* the thread's own; connected outside the lock */
    sql_stmt *pst[METRICS_DB_MAX_QUERIES]; /* on pg, prepared once */
    struct pg_cancel *cancel; /* pg's, for close to cut a count short (under lock) */
    int pg_down;           /* said once in the log until it answers again */
    const metrics_query *q;
    size_t n;
    metrics_answer a[METRICS_DB_MAX_QUERIES];
} metrics_db;

/* q (n of them, at most METRICS_DB_MAX_QUERIES, which must outlive m)
 * against the database at path. Nothing runs until the first render. */
void metrics_db_init(metrics_db *m, const char *path, const metrics_query *q, size_t n);
/* The same on the PostgreSQL database at dsn (a libpq connection string). */
void metrics_db_init_pg(metrics_db *m, const char *dsn, const metrics_query *q, size_t n);
/* Stops the thread and frees the answers. */
void metrics_db_close(metrics_db *m);
/* Appends each query's family with its last answer (asking for a new
 * one when it is stale), then herald_metrics_query_age_seconds and
 * herald_metrics_query_duration_seconds. */
void metrics_db_render(metrics_db *m, buf *b);

/* herald_sqlite_file_bytes{db="NAME",file="main|wal"} for each database
 * at paths[i] (named by its file name), the WAL beside it. */
void metrics_db_sizes(buf *b, const char *const *paths, size_t n);

#endif
