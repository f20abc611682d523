/* metrics_db.h -- gauges a role reads from its own database, and the
 * database files' sizes.
 *
 * Queue depths come from counting queries, which must use an index (a
 * partial index over the queue, or a range of rowids past a cursor): a
 * scrape never scans a table. Even so a scrape every second against a
 * backlog of millions would keep the disk busy, so the answers are kept
 * and asked again only when older than a second, or than fifty times as
 * long as the queries took: they never cost more than 2% of a core.
 * They run on a read-only connection of their own, so a scrape never
 * waits for the role's writer lock (WAL readers do not block). */
#ifndef HERALD_METRICS_DB_H
#define HERALD_METRICS_DB_H

#include <pthread.h>
#include <sqlite3.h>
#include <stddef.h>

#include "buf.h"

/* One gauge family: sql returns rows of (label values..., value); a ?1 in
 * it is bound to the role's clock (clock_now_ms). */
typedef struct metrics_query {
    const char *name, *help;
    const char *labels[4]; /* the leading columns' label names, NULL-ended */
    const char *sql;
} metrics_query;

typedef struct metrics_db {
    pthread_mutex_t lock;
    char path[4096];
    sqlite3 *ro;            /* opened at the first scrape */
    const metrics_query *q;
    size_t n;
    char *text;             /* the families as last rendered */
    size_t len;
    long long fresh_until;  /* CLOCK_MONOTONIC ms */
} metrics_db;

/* q (n of them, which must outlive m) against the database at path. */
void metrics_db_init(metrics_db *m, const char *path, const metrics_query *q, size_t n);
void metrics_db_close(metrics_db *m);
/* Appends the families, asked again if the kept answers are stale. A
 * query that fails leaves its family without samples (logged). */
void metrics_db_render(metrics_db *m, buf *b);

/* herald_sqlite_file_bytes{db="NAME",file="main|wal"} for each database
 * at paths[i] (named by its file name), the WAL beside it. */
void metrics_db_sizes(buf *b, const char *const *paths, size_t n);

#endif
