/* hub_directory.c -- see hub_directory.h.
 *
 * Why a file of its own: at a million notices, looking every recipient up
 * at random inside the notice writer's transaction was 15% of a busy
 * hub's time, all of it under the one lock every submission, relay round
 * and report waits for, and the directory's pages crowded the notices out
 * of the writer's cache. A second connection onto hub.db was no help: it
 * drops its cache whenever another connection commits, i.e. dozens of
 * times a second. This file changes only when platforms report sign-ups,
 * so its cache stays warm, and submissions route before they take the
 * writer's lock. */
#include "hub_directory_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "log.h"

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS directory("
    "  rk TEXT NOT NULL, platform TEXT NOT NULL, consent INTEGER NOT NULL,"
    "  preference INTEGER NOT NULL, updated INTEGER NOT NULL,"
    "  PRIMARY KEY(rk, platform)) WITHOUT ROWID;";

/* Lookups are random over the whole table: pages of 4 KiB make a miss
 * cheap, and 32 MiB keep a few hundred thousand people in memory. */
#define DIRECTORY_CACHE "PRAGMA cache_size=-32768"

/* Before this file existed the directory was a table of hub.db: copied
 * here (idempotent, so a crash between the two steps only repeats the
 * copy), then dropped there. */
static int move_legacy(sqlite3 *conn, const char *legacy_path)
{
    sqlite3_stmt *st;
    int has = 0, rc = 0;

    if (!legacy_path || access(legacy_path, F_OK) != 0)
        return 0;
    st = db_prepare(conn, "ATTACH DATABASE ?1 AS legacy");
    if (!st)
        return -1;
    db_bind_text(st, 1, legacy_path);
    rc = db_step_done(st);
    sqlite3_finalize(st);
    if (rc != 0)
        return -1;
    st = db_prepare(conn, "SELECT 1 FROM legacy.sqlite_schema"
                          " WHERE type = 'table' AND name = 'directory'");
    has = st ? sqlite3_step(st) : SQLITE_ERROR;
    sqlite3_finalize(st);
    if (has != SQLITE_ROW && has != SQLITE_DONE)
        rc = -1; /* unreadable: not the same as no table */
    if (has == SQLITE_ROW) {
        rc = db_exec(conn, "BEGIN IMMEDIATE;"
                           "INSERT OR REPLACE INTO main.directory"
                           " SELECT rk, platform, consent, preference, updated"
                           " FROM legacy.directory;"
                           "COMMIT;");
        if (rc == 0) {
            log_info("directory: moved %d entries from %s to their own file",
                     sqlite3_changes(conn), legacy_path);
            rc = db_exec(conn, "DROP TABLE legacy.directory");
        } else {
            db_rollback(conn);
        }
    }
    if (db_exec(conn, "DETACH DATABASE legacy") != 0)
        rc = -1;
    return rc;
}

hub_directory *hub_directory_open(const char *path, const char *legacy_path, char *err,
                                  size_t errlen)
{
    hub_directory *d = calloc(1, sizeof *d);

    if (!d) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&d->lock, NULL);
    d->conn = db_open_unlocked(path, schema, 0, err, errlen);
    if (!d->conn) {
        hub_directory_close(d);
        return NULL;
    }
    if (db_exec(d->conn, DIRECTORY_CACHE) != 0 || move_legacy(d->conn, legacy_path) != 0) {
        snprintf(err, errlen, "%s: cannot take over the directory from %s: %s", path,
                 legacy_path, sqlite3_errmsg(d->conn));
        hub_directory_close(d);
        return NULL;
    }
    d->upsert = db_prepare(d->conn,
                           "INSERT INTO directory(rk, platform, consent, preference, updated)"
                           " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(rk, platform) DO UPDATE"
                           " SET consent = excluded.consent,"
                           " preference = excluded.preference, updated = excluded.updated");
    /* No ORDER BY: SQLite would build a temporary B-tree per lookup for
     * the few rows of one person; routes_of orders them itself. */
    d->routes = db_prepare(d->conn, "SELECT platform, preference, consent FROM directory"
                                    " WHERE rk = ?1");
    if (!d->upsert || !d->routes) {
        snprintf(err, errlen, "%s: cannot prepare statements", path);
        hub_directory_close(d);
        return NULL;
    }
    return d;
}

void hub_directory_close(hub_directory *d)
{
    if (!d)
        return;
    hub_directory_pg_close(d);
    sqlite3_finalize(d->upsert);
    sqlite3_finalize(d->routes);
    if (d->conn)
        db_close(d->conn);
    pthread_mutex_destroy(&d->lock);
    free(d);
}

int hub_directory_put(hub_directory *d, const char *platform, const hub_dir_entry *e, size_t n,
                      long long now)
{
    int ok = 0;

    if (d->pg)
        return hub_directory_pg_put(d, platform, e, n, now);
    pthread_mutex_lock(&d->lock);
    if (db_begin(d->conn) != 0) {
        pthread_mutex_unlock(&d->lock);
        return -1;
    }
    for (size_t i = 0; i < n && ok == 0; i++) {
        sqlite3_bind_text(d->upsert, 1, e[i].rk, -1, SQLITE_STATIC);
        sqlite3_bind_text(d->upsert, 2, platform, -1, SQLITE_STATIC);
        sqlite3_bind_int(d->upsert, 3, e[i].consent);
        sqlite3_bind_int(d->upsert, 4, e[i].preference);
        sqlite3_bind_int64(d->upsert, 5, now);
        ok = db_run(d->upsert);
    }
    if (ok != 0 || db_commit(d->conn) != 0) {
        db_rollback(d->conn);
        ok = -1;
    }
    pthread_mutex_unlock(&d->lock);
    return ok;
}

int hub_directory_rank(char routes[HUB_MAX_ROUTES][HUB_NAME_MAX + 1],
                       long long prefs[HUB_MAX_ROUTES], int n, const char *name, size_t len,
                       long long pref)
{
    int at = n;

    while (at > 0 && (prefs[at - 1] > pref ||
                      (prefs[at - 1] == pref && strcmp(routes[at - 1], name) > 0)))
        at--;
    if (at == HUB_MAX_ROUTES)
        return n;
    if (n == HUB_MAX_ROUTES)
        n--;
    memmove(routes[at + 1], routes[at], (size_t)(n - at) * sizeof routes[0]);
    memmove(prefs + at + 1, prefs + at, (size_t)(n - at) * sizeof prefs[0]);
    memcpy(routes[at], name, len);
    routes[at][len] = '\0';
    prefs[at] = pref;
    return n + 1;
}

int hub_directory_consenting(const long long prefs[HUB_MAX_ROUTES], int n)
{
    int k = 0;

    while (k < n && prefs[k] < HUB_DIR_UNCONSENTED)
        k++;
    return k;
}

/* Under d->lock. */
static int routes_of(hub_directory *d, const char *rk,
                     char routes[HUB_MAX_ROUTES][HUB_NAME_MAX + 1], int *consenting)
{
    long long prefs[HUB_MAX_ROUTES];
    int n = 0, rc;

    sqlite3_bind_text(d->routes, 1, rk, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(d->routes)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(d->routes, 0);
        size_t len = (size_t)sqlite3_column_bytes(d->routes, 0);
        long long rank = sqlite3_column_int(d->routes, 1) +
                         (sqlite3_column_int(d->routes, 2) ? 0 : HUB_DIR_UNCONSENTED);
        if (name && len <= HUB_NAME_MAX)
            n = hub_directory_rank(routes, prefs, n, name, len, rank);
    }
    *consenting = hub_directory_consenting(prefs, n);
    if (rc != SQLITE_DONE) {
        log_error("directory: %s", sqlite3_errmsg(d->conn));
        n = -1;
    }
    sqlite3_reset(d->routes);
    sqlite3_clear_bindings(d->routes);
    return n;
}

/* One read transaction for the batch: each lookup on its own opened and
 * closed one, a few system calls on the WAL's lock file apiece. */
int hub_directory_routes_many(hub_directory *d, const char *rk, size_t stride, size_t n,
                              hub_routes_fn fn, void *ctx)
{
    char routes[HUB_MAX_ROUTES][HUB_NAME_MAX + 1];
    int rc = 0;

    if (d->pg)
        return hub_directory_pg_routes_many(d, rk, stride, n, fn, ctx);
    pthread_mutex_lock(&d->lock);
    if (db_exec(d->conn, "BEGIN") != 0) {
        pthread_mutex_unlock(&d->lock);
        return -1;
    }
    for (size_t i = 0; i < n && rc == 0; i++) {
        int consenting, k = routes_of(d, rk + i * stride, routes, &consenting);
        if (k < 0)
            rc = -1;
        else
            fn(ctx, i, routes, k, consenting);
    }
    if (db_exec(d->conn, "COMMIT") != 0) {
        db_rollback(d->conn);
        rc = -1;
    }
    pthread_mutex_unlock(&d->lock);
    return rc;
}
