/* metrics_db.c -- see metrics_db.h. */
#include "metrics_db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "clock.h"
#include "log.h"
#include "metrics.h"

#define MIN_FRESH_MS 1000
#define COST_FACTOR 50

static long long mono_ms(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

void metrics_db_init(metrics_db *m, const char *path, const metrics_query *q, size_t n)
{
    memset(m, 0, sizeof *m);
    pthread_mutex_init(&m->lock, NULL);
    snprintf(m->path, sizeof m->path, "%s", path);
    m->q = q;
    m->n = n;
}

void metrics_db_close(metrics_db *m)
{
    if (m->ro)
        sqlite3_close(m->ro);
    free(m->text);
    pthread_mutex_destroy(&m->lock);
    memset(m, 0, sizeof *m);
}

static int open_ro(metrics_db *m)
{
    if (m->ro)
        return 0;
    if (sqlite3_open_v2(m->path, &m->ro, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        log_warn("metrics: cannot open %s: %s", m->path, sqlite3_errmsg(m->ro));
        sqlite3_close(m->ro);
        m->ro = NULL;
        return -1;
    }
    sqlite3_busy_timeout(m->ro, 1000);
    return 0;
}

/* One family's samples from its query. */
static void run_query(metrics_db *m, const metrics_query *q, buf *b)
{
    sqlite3_stmt *st = NULL;
    metrics_label l[4];
    size_t nl = 0;
    int rc;

    metrics_family(b, q->name, "gauge", q->help);
    while (nl < 4 && q->labels[nl])
        nl++;
    if (!m->ro || sqlite3_prepare_v2(m->ro, q->sql, -1, &st, NULL) != SQLITE_OK) {
        log_warn("metrics: %s: %s", q->name, m->ro ? sqlite3_errmsg(m->ro) : "no database");
        sqlite3_finalize(st);
        return;
    }
    if (sqlite3_bind_parameter_count(st) > 0)
        sqlite3_bind_int64(st, 1, clock_now_ms());
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        for (size_t i = 0; i < nl; i++) {
            const unsigned char *v = sqlite3_column_text(st, (int)i);
            l[i] = (metrics_label){q->labels[i], v ? (const char *)v : ""};
        }
        metrics_sample(b, q->name, l, nl, sqlite3_column_double(st, (int)nl));
    }
    if (rc != SQLITE_DONE)
        log_warn("metrics: %s: %s", q->name, sqlite3_errmsg(m->ro));
    sqlite3_finalize(st);
}

/* Asks every query again and keeps the text; under m->lock. */
static void refresh(metrics_db *m)
{
    long long t0 = mono_ms(), took;
    buf b;

    buf_init(&b, 1024);
    open_ro(m);
    if (m->ro)
        sqlite3_exec(m->ro, "BEGIN", NULL, NULL, NULL); /* one snapshot for all */
    for (size_t i = 0; i < m->n; i++)
        run_query(m, &m->q[i], &b);
    if (m->ro)
        sqlite3_exec(m->ro, "COMMIT", NULL, NULL, NULL);
    free(m->text);
    m->text = buf_take(&b, &m->len);
    took = mono_ms() - t0;
    m->fresh_until = mono_ms() + (took * COST_FACTOR > MIN_FRESH_MS ? took * COST_FACTOR
                                                                     : MIN_FRESH_MS);
}

void metrics_db_render(metrics_db *m, buf *b)
{
    pthread_mutex_lock(&m->lock);
    if (!m->text || mono_ms() >= m->fresh_until)
        refresh(m);
    if (m->text)
        buf_append(b, m->text, m->len);
    pthread_mutex_unlock(&m->lock);
}

void metrics_db_sizes(buf *b, const char *const *paths, size_t n)
{
    char wal[4200];
    struct stat st;

    metrics_family(b, "herald_sqlite_file_bytes", "gauge",
                   "Size of each SQLite database file and of its write-ahead log.");
    for (size_t i = 0; i < n; i++) {
        const char *name = strrchr(paths[i], '/');
        name = name ? name + 1 : paths[i];
        metrics_label l[2] = {{"db", name}, {"file", "main"}};
        if (stat(paths[i], &st) == 0)
            metrics_sample(b, "herald_sqlite_file_bytes", l, 2, (double)st.st_size);
        snprintf(wal, sizeof wal, "%s-wal", paths[i]);
        l[1].value = "wal";
        metrics_sample(b, "herald_sqlite_file_bytes", l, 2,
                       stat(wal, &st) == 0 ? (double)st.st_size : 0);
    }
}
