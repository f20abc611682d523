/* metrics_db.c -- see metrics_db.h. */
#include "metrics_db.h"

#include <errno.h>
#include <libpq-fe.h>
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
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&m->cond, &ca);
    pthread_condattr_destroy(&ca);
    snprintf(m->path, sizeof m->path, "%s", path);
    m->q = q;
    m->n = n < METRICS_DB_MAX_QUERIES ? n : METRICS_DB_MAX_QUERIES;
}

void metrics_db_init_pg(metrics_db *m, const char *dsn, const metrics_query *q, size_t n)
{
    metrics_db_init(m, "PostgreSQL", q, n);
    m->dsn = strdup(dsn); /* NULL when out of memory: no samples */
}

void metrics_db_close(metrics_db *m)
{
    char why[256];

    pthread_mutex_lock(&m->lock);
    m->stopping = 1;
    if (m->ro)
        sqlite3_interrupt(m->ro); /* a count of millions need not finish */
    if (m->cancel)
        PQcancel(m->cancel, why, sizeof why); /* nor on PostgreSQL */
    pthread_cond_broadcast(&m->cond);
    pthread_mutex_unlock(&m->lock);
    if (m->started)
        pthread_join(m->thread, NULL);
    if (m->ro)
        sqlite3_close(m->ro);
    for (size_t i = 0; i < m->n; i++)
        sql_finalize(m->pst[i]);
    if (m->cancel)
        PQfreeCancel(m->cancel);
    sql_close(m->pg);
    free(m->dsn);
    for (size_t i = 0; i < m->n; i++)
        free(m->a[i].text);
    pthread_cond_destroy(&m->cond);
    pthread_mutex_destroy(&m->lock);
    memset(m, 0, sizeof *m);
}

static int open_ro(metrics_db *m)
{
    if (m->ro || m->dsn)
        return 0; /* PostgreSQL: connected outside the lock (ask_pg) */
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

/* One query's samples; on the thread, without the lock. */
static void ask(metrics_db *m, const metrics_query *q, buf *b)
{
    sqlite3_stmt *st = NULL;
    metrics_label l[4];
    size_t nl = 0;
    int rc;

    while (nl < 4 && q->labels[nl])
        nl++;
    if (!m->ro)
        return;
    if (sqlite3_prepare_v2(m->ro, q->sql, -1, &st, NULL) != SQLITE_OK) {
        log_warn("metrics: %s: %s", q->name, sqlite3_errmsg(m->ro));
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

/* m->pg, connected or connected again; on the thread, without the lock.
 * 0, or -1 while the server does not answer (said once). */
static int connect_pg(metrics_db *m)
{
    char why[256];
    PGcancel *cancel;

    if (m->pg && !sql_lost(m->pg))
        return 0;
    if (m->pg ? sql_reset_conn(m->pg) != 0 : !(m->pg = sql_connect_pg(m->dsn, why, sizeof why))) {
        if (!m->pg_down)
            log_warn("metrics: no queue depths while PostgreSQL does not answer%s%s",
                     m->pg ? "" : ": ", m->pg ? "" : why);
        m->pg_down = 1;
        return -1;
    }
    m->pg_down = 0;
    cancel = PQgetCancel(sql_conn_pg(m->pg));
    pthread_mutex_lock(&m->lock);
    if (m->cancel)
        PQfreeCancel(m->cancel);
    m->cancel = cancel;
    pthread_mutex_unlock(&m->lock);
    return 0;
}

/* ask on PostgreSQL: the same SQL (?1 the clock), values as text. */
static void ask_pg(metrics_db *m, size_t i, buf *b)
{
    const metrics_query *q = &m->q[i];
    metrics_label l[4];
    size_t nl = 0;
    sql_stmt *st;

    while (nl < 4 && q->labels[nl])
        nl++;
    if (connect_pg(m) != 0)
        return;
    if (!m->pst[i] && !(m->pst[i] = sql_prepare(m->pg, q->sql)))
        return;
    st = m->pst[i];
    sql_reset(st);
    if (strstr(q->sql, "?1"))
        sql_bind_int64(st, 1, clock_now_ms());
    while (sql_step(st) == 1) {
        for (size_t k = 0; k < nl; k++)
            l[k] = (metrics_label){q->labels[k], sql_text(st, (int)k)};
        metrics_sample(b, q->name, l, nl, strtod(sql_text(st, (int)nl), NULL));
    }
    sql_reset(st);
}

/* Asks query i again and keeps its answer; called and returns with the
 * lock held, which it lets go of while the query runs. */
static void refresh(metrics_db *m, size_t i)
{
    long long t0, took;
    buf b;
    char *text;
    size_t len;

    open_ro(m); /* under the lock, so that close can interrupt it */
    pthread_mutex_unlock(&m->lock);
    t0 = mono_ms();
    buf_init(&b, 256);
    if (m->dsn)
        ask_pg(m, i, &b);
    else
        ask(m, &m->q[i], &b);
    text = buf_take(&b, &len);
    took = mono_ms() - t0;
    pthread_mutex_lock(&m->lock);
    free(m->a[i].text);
    m->a[i].text = text ? text : strdup("");
    m->a[i].len = text ? len : 0;
    m->a[i].at_ms = t0;
    m->a[i].took_s = (double)took / 1000.0;
    m->a[i].fresh_until = mono_ms() + (took * COST_FACTOR > MIN_FRESH_MS ? took * COST_FACTOR
                                                                          : MIN_FRESH_MS);
}

static void *thread_main(void *arg)
{
    metrics_db *m = arg;

    pthread_mutex_lock(&m->lock);
    while (!m->stopping) {
        if (!m->wanted) {
            pthread_cond_wait(&m->cond, &m->lock);
            continue;
        }
        m->wanted = 0;
        for (size_t i = 0; i < m->n && !m->stopping; i++)
            if (!m->a[i].text || mono_ms() >= m->a[i].fresh_until)
                refresh(m, i);
        pthread_cond_broadcast(&m->cond); /* a first scrape may wait */
    }
    pthread_mutex_unlock(&m->lock);
    return NULL;
}

/* 1 when some query has no answer yet. */
static int unanswered(const metrics_db *m)
{
    for (size_t i = 0; i < m->n; i++)
        if (!m->a[i].text)
            return 1;
    return 0;
}

/* Under the lock: wakes the thread when an answer is stale (starting it
 * the first time), and waits a little for answers never given. */
static void want_fresh(metrics_db *m)
{
    long long now = mono_ms();
    struct timespec until;
    int stale = 0;

    for (size_t i = 0; i < m->n; i++)
        stale |= !m->a[i].text || now >= m->a[i].fresh_until;
    if (!stale)
        return;
    if (!m->started && !m->stopping) {
        if (pthread_create(&m->thread, NULL, thread_main, m) != 0) {
            log_warn("metrics: cannot start the queries' thread");
            return;
        }
        m->started = 1;
    }
    m->wanted = 1;
    pthread_cond_broadcast(&m->cond);
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_nsec += METRICS_DB_FIRST_WAIT_MS * 1000000L;
    until.tv_sec += until.tv_nsec / 1000000000L;
    until.tv_nsec %= 1000000000L;
    while (unanswered(m) && !m->stopping)
        if (pthread_cond_timedwait(&m->cond, &m->lock, &until) == ETIMEDOUT)
            break;
}

void metrics_db_render(metrics_db *m, buf *b)
{
    long long now;

    pthread_mutex_lock(&m->lock);
    want_fresh(m);
    now = mono_ms();
    for (size_t i = 0; i < m->n; i++) {
        metrics_family(b, m->q[i].name, "gauge", m->q[i].help);
        if (m->a[i].text)
            buf_append(b, m->a[i].text, m->a[i].len);
    }
    metrics_family(b, "herald_metrics_query_age_seconds", "gauge",
                   "How old each database-counted family's samples are: they are counted "
                   "again at most every second, less often when counting is slow.");
    for (size_t i = 0; i < m->n; i++) {
        metrics_label l = {"family", m->q[i].name};
        if (m->a[i].text)
            metrics_sample(b, "herald_metrics_query_age_seconds", &l, 1,
                           (double)(now - m->a[i].at_ms) / 1000.0);
    }
    metrics_family(b, "herald_metrics_query_duration_seconds", "gauge",
                   "How long counting each database-counted family took last time.");
    for (size_t i = 0; i < m->n; i++) {
        metrics_label l = {"family", m->q[i].name};
        if (m->a[i].text)
            metrics_sample(b, "herald_metrics_query_duration_seconds", &l, 1, m->a[i].took_s);
    }
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
