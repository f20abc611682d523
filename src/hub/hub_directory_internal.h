/* hub_directory_internal.h -- what the directory's two stores share:
 * hub_directory.c keeps it in SQLite (directory.db), hub_directory_pg.c
 * in the PostgreSQL database the hub's nodes share. One struct, one
 * ranking of a person's platforms, so both route alike. */
#ifndef HERALD_HUB_DIRECTORY_INTERNAL_H
#define HERALD_HUB_DIRECTORY_INTERNAL_H

#include <pthread.h>
#include <sqlite3.h>

#include "hub_directory.h"
#include "sql.h"

struct hub_directory {
    sqlite3 *conn; /* SQLite: directory.db; used under lock only */
    sqlite3_stmt *upsert, *routes;
    sql_conn *pg;  /* PostgreSQL: this directory's own connection, under lock */
    sql_stmt *pg_upsert, *pg_routes;
    pthread_mutex_t lock;
};

/* A platform without the person's consent ranks after every one with
 * it: its preference plus this. */
#define HUB_DIR_UNCONSENTED (1LL << 32)

/* Inserts (name, rank) into routes[0..n), kept in order of rank then
 * name; when full, the last choice falls off. Returns the new n. */
int hub_directory_rank(char routes[HUB_MAX_ROUTES][HUB_NAME_MAX + 1],
                       long long prefs[HUB_MAX_ROUTES], int n, const char *name, size_t len,
                       long long pref);
/* How many of the n ranked routes hold the person's consent. */
int hub_directory_consenting(const long long prefs[HUB_MAX_ROUTES], int n);

/* The PostgreSQL side of hub_directory_put and _routes_many, and its
 * close (hub_directory_pg.c). */
int hub_directory_pg_put(hub_directory *d, const char *platform, const hub_dir_entry *e,
                         size_t n, long long now);
int hub_directory_pg_routes_many(hub_directory *d, const char *rk, size_t stride, size_t n,
                                 hub_routes_fn fn, void *ctx);
void hub_directory_pg_close(hub_directory *d);

#endif
