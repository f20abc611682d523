/* hub_directory_pg.c -- the directory (hub_directory.h) as a table of
 * the PostgreSQL database the hub's nodes share ([store] kind =
 * postgres), so that a member a platform reports through one node routes
 * on every node.
 *
 * Here round trips cost, not page caches: a platform's batch of entries
 * is one statement per thousand (arrays, unnested), a batch of
 * recipients one query per thousand, where SQLite runs a statement per
 * row. The connection is the directory's own, used under its lock; after
 * the server went away it connects again by itself, and a call that
 * failed on the lost connection before anything came of it runs once
 * more. */
#include "hub_directory_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"

/* Rows per statement: about 70 KB of parameters. */
#define DIR_CHUNK 1000

/* pg_advisory_xact_lock: the store's migrations hold the same key
 * (docs/design.md), so two nodes starting at once never race to create
 * it. */
static const char schema_lock[] = "SELECT pg_advisory_xact_lock(4242001)";
static const char schema[] =
    "CREATE TABLE IF NOT EXISTS directory("
    "  rk text NOT NULL, platform text NOT NULL, consent integer NOT NULL,"
    "  preference integer NOT NULL, updated bigint NOT NULL,"
    "  PRIMARY KEY(rk, platform))";

/* The last entry for an rk in a batch wins, as with an upsert each: one
 * statement may not update a row twice, so DISTINCT ON keeps the last. */
static const char upsert_sql[] =
    "INSERT INTO directory(rk, platform, consent, preference, updated)"
    " SELECT DISTINCT ON (e.rk) e.rk, ?2::text, e.consent, e.preference, ?5::bigint"
    " FROM unnest(?1::text[], ?3::int[], ?4::int[]) WITH ORDINALITY"
    "  AS e(rk, consent, preference, at)"
    " ORDER BY e.rk, e.at DESC"
    " ON CONFLICT (rk, platform) DO UPDATE SET consent = excluded.consent,"
    " preference = excluded.preference, updated = excluded.updated";

/* In the order of strcmp: the recipients are walked alongside, sorted. */
static const char routes_sql[] =
    "SELECT rk, platform, preference, consent FROM directory"
    " WHERE rk = ANY(?1::text[]) ORDER BY rk COLLATE \"C\"";

/* ---- opening ---- */

static int create_table(sql_conn *c)
{
    sql_stmt *lock;
    int rc;

    /* Without a NOTICE that the table exists, at every start but the first */
    if (sql_begin(c) != 0 || sql_exec(c, "SET LOCAL client_min_messages = warning") != 0) {
        sql_rollback(c);
        return -1;
    }
    lock = sql_prepare(c, schema_lock);
    rc = lock && sql_step(lock) == 1 ? 0 : -1;
    sql_finalize(lock);
    if (rc == 0)
        rc = sql_exec(c, schema);
    if (rc != 0 || sql_commit(c) != 0) {
        sql_rollback(c);
        return -1;
    }
    return 0;
}

hub_directory *hub_directory_open_pg(const char *dsn, char *err, size_t errlen)
{
    hub_directory *d = calloc(1, sizeof *d);

    if (!d) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&d->lock, NULL);
    d->pg = sql_connect_pg(dsn, err, errlen);
    if (!d->pg) {
        hub_directory_close(d);
        return NULL;
    }
    if (create_table(d->pg) != 0 || !(d->pg_upsert = sql_prepare(d->pg, upsert_sql)) ||
        !(d->pg_routes = sql_prepare(d->pg, routes_sql))) {
        snprintf(err, errlen, "cannot make or use the directory table (the log says why)");
        hub_directory_close(d);
        return NULL;
    }
    return d;
}

void hub_directory_pg_close(hub_directory *d)
{
    sql_finalize(d->pg_upsert);
    sql_finalize(d->pg_routes);
    sql_close(d->pg);
    d->pg_upsert = d->pg_routes = NULL;
    d->pg = NULL;
}

/* A lost connection made again, before a call. 0, or -1 while the
 * server stays away. */
static int connected(hub_directory *d)
{
    if (!sql_lost(d->pg))
        return 0;
    if (sql_reset_conn(d->pg) != 0)
        return -1;
    log_info("directory: connected to PostgreSQL again");
    return 0;
}

/* ---- entries ---- */

static int put_chunk(hub_directory *d, const char *platform, const hub_dir_entry *e, size_t n,
                     long long now)
{
    buf rks, consents, prefs;
    int rc;

    buf_init(&rks, n * 68 + 2);
    buf_init(&consents, n * 2 + 2);
    buf_init(&prefs, n * 4 + 2);
    buf_puts(&rks, "{");
    buf_puts(&consents, "{");
    buf_puts(&prefs, "{");
    for (size_t i = 0; i < n; i++) {
        sql_array_text(&rks, e[i].rk, i == 0);
        buf_printf(&consents, "%s%d", i ? "," : "", e[i].consent ? 1 : 0);
        buf_printf(&prefs, "%s%d", i ? "," : "", e[i].preference);
    }
    buf_puts(&rks, "}");
    buf_puts(&consents, "}");
    buf_puts(&prefs, "}");
    if (rks.broken || consents.broken || prefs.broken) {
        rc = -1; /* out of memory */
        goto done;
    }
    sql_bind_text(d->pg_upsert, 1, rks.data);
    sql_bind_text(d->pg_upsert, 2, platform);
    sql_bind_text(d->pg_upsert, 3, consents.data);
    sql_bind_text(d->pg_upsert, 4, prefs.data);
    sql_bind_int64(d->pg_upsert, 5, now);
    rc = sql_step_done(d->pg_upsert);
    sql_reset(d->pg_upsert);
done:
    buf_free(&rks);
    buf_free(&consents);
    buf_free(&prefs);
    return rc;
}

/* The batch in one transaction. */
static int put_all(hub_directory *d, const char *platform, const hub_dir_entry *e, size_t n,
                   long long now)
{
    int rc = 0;

    if (sql_begin(d->pg) != 0)
        return -1;
    for (size_t i = 0; i < n && rc == 0; i += DIR_CHUNK)
        rc = put_chunk(d, platform, e + i, n - i < DIR_CHUNK ? n - i : DIR_CHUNK, now);
    if (rc != 0 || sql_commit(d->pg) != 0) {
        sql_rollback(d->pg);
        return -1;
    }
    return 0;
}

/* Again after a lost connection: the entries are upserts, so even a
 * commit whose answer was lost may run twice. */
int hub_directory_pg_put(hub_directory *d, const char *platform, const hub_dir_entry *e,
                         size_t n, long long now)
{
    int rc;

    if (!n)
        return 0;
    pthread_mutex_lock(&d->lock);
    rc = connected(d) == 0 ? put_all(d, platform, e, n, now) : -1;
    if (rc != 0 && sql_lost(d->pg) && connected(d) == 0)
        rc = put_all(d, platform, e, n, now);
    pthread_mutex_unlock(&d->lock);
    return rc;
}

/* ---- routes ---- */

typedef struct wanted {
    const char *rk;
    size_t i; /* the caller's index */
} wanted;

static int by_rk(const void *a, const void *b)
{
    return strcmp(((const wanted *)a)->rk, ((const wanted *)b)->rk);
}

typedef struct ranked {
    char routes[HUB_MAX_ROUTES][HUB_NAME_MAX + 1];
    long long prefs[HUB_MAX_ROUTES];
    int n;
    hub_routes_fn fn;
    void *ctx;
} ranked;

/* fn for each recipient of the group at w[at] (those with its rk), with
 * the routes ranked so far; returns where the next group starts. */
static size_t emit(ranked *r, const wanted *w, size_t m, size_t at)
{
    int consenting = hub_directory_consenting(r->prefs, r->n);
    size_t end = at;

    for (; end < m && !strcmp(w[end].rk, w[at].rk); end++)
        r->fn(r->ctx, w[end].i, r->routes, r->n, consenting);
    r->n = 0;
    return end;
}

/* The array literal of the distinct rks from w[at], DIR_CHUNK at most;
 * returns where they end. */
static size_t chunk_of(const wanted *w, size_t n, size_t at, buf *arr)
{
    size_t distinct = 0, j = at;

    arr->len = 0;
    buf_puts(arr, "{");
    for (; j < n; j++) {
        if (j > at && !strcmp(w[j].rk, w[j - 1].rk))
            continue;
        if (distinct == DIR_CHUNK)
            break;
        sql_array_text(arr, w[j].rk, distinct++ == 0);
    }
    buf_puts(arr, "}");
    return j;
}

/* The routes of w[0..m) (sorted), from one query. 0; -1 on an error
 * after fn ran for some; -2 when the query failed before any did. */
static int route_chunk(hub_directory *d, ranked *r, const wanted *w, size_t m, const char *arr)
{
    sql_stmt *st = d->pg_routes;
    size_t j = 0;
    int rc;

    r->n = 0;
    sql_bind_text(st, 1, arr);
    rc = sql_step(st);
    if (rc < 0) {
        sql_reset(st);
        return -2;
    }
    for (; rc == 1; rc = sql_step(st)) {
        const char *rk = sql_text(st, 0), *name = sql_text(st, 1);
        size_t len = strlen(name);
        while (j < m && strcmp(w[j].rk, rk) < 0)
            j = emit(r, w, m, j);
        if (j < m && !strcmp(w[j].rk, rk) && len && len <= HUB_NAME_MAX)
            r->n = hub_directory_rank(r->routes, r->prefs, r->n, name, len,
                                      sql_int(st, 2) +
                                          (sql_int(st, 3) ? 0 : HUB_DIR_UNCONSENTED));
    }
    while (rc == 0 && j < m)
        j = emit(r, w, m, j);
    sql_reset(st);
    return rc == 0 ? 0 : -1;
}

/* Sorted by rk, so that a query's rows, in the same order, meet their
 * recipients in one walk, and a recipient named twice is asked for once. */
static int route_sorted(hub_directory *d, ranked *r, const wanted *w, size_t n)
{
    buf arr;
    int rc = 0;

    buf_init(&arr, (n < DIR_CHUNK ? n : DIR_CHUNK) * 68 + 2);
    for (size_t at = 0, end; at < n && rc == 0; at = end) {
        end = chunk_of(w, n, at, &arr);
        if (arr.broken)
            break; /* out of memory: rc -1 below */
        rc = connected(d) == 0 ? route_chunk(d, r, w + at, end - at, arr.data) : -1;
        if (rc == -2 && sql_lost(d->pg) && connected(d) == 0)
            rc = route_chunk(d, r, w + at, end - at, arr.data);
    }
    rc = rc == 0 && !arr.broken ? 0 : -1;
    buf_free(&arr);
    return rc;
}

int hub_directory_pg_routes_many(hub_directory *d, const char *rk, size_t stride, size_t n,
                                 hub_routes_fn fn, void *ctx)
{
    wanted *w;
    ranked *r;
    int rc;

    if (!n)
        return 0;
    w = malloc(n * sizeof *w);
    r = malloc(sizeof *r);
    if (!w || !r) {
        free(w);
        free(r);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        w[i] = (wanted){rk + i * stride, i};
    qsort(w, n, sizeof *w, by_rk);
    r->fn = fn;
    r->ctx = ctx;
    pthread_mutex_lock(&d->lock);
    rc = route_sorted(d, r, w, n);
    pthread_mutex_unlock(&d->lock);
    free(w);
    free(r);
    return rc;
}
