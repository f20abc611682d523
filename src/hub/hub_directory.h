/* hub_directory.h -- who each platform reaches, and the routes a notice
 * takes from it: rk -> (platform, consent, preference), as platforms
 * report it (POST /v1/directory): their verified members, with consent or
 * without.
 *
 * It keeps a database file of its own (directory.db beside hub.db) with
 * its own connection, page cache and lock, so that routing, which looks
 * recipients up at random, neither waits for the notice writer's lock nor
 * holds it. With [store] kind = postgres it is a table of the database
 * the hub's nodes share, on a connection of its own: a member reported
 * through one node routes on every node. Safe to call from any thread. */
#ifndef HERALD_HUB_DIRECTORY_H
#define HERALD_HUB_DIRECTORY_H

#include <stddef.h>

#define HUB_NAME_MAX 64
/* A person reached by more platforms than this is routed among the first
 * ones in preference order. */
#define HUB_MAX_ROUTES 32

typedef struct hub_directory hub_directory;

typedef struct hub_dir_entry {
    char rk[65];
    int consent, preference;
} hub_dir_entry;

/* Opens (creating if needed) path. A directory still kept in the older
 * layout, as a table of hub.db at legacy_path, is moved over first (NULL: none).
 * Returns NULL with a message in err. */
hub_directory *hub_directory_open(const char *path, const char *legacy_path, char *err,
                                  size_t errlen);
/* The directory table in the PostgreSQL database at dsn (created if need
 * be), on a connection of its own. NULL with a message in err. */
hub_directory *hub_directory_open_pg(const char *dsn, char *err, size_t errlen);
void hub_directory_close(hub_directory *d);

/* Stores a platform's entries in one durable transaction; the latest
 * report per (rk, platform) wins. 0, or -1 (nothing stored). */
int hub_directory_put(hub_directory *d, const char *platform, const hub_dir_entry *e, size_t n,
                      long long now);

/* For each of n recipients, in one read transaction: fn gets its index
 * and the platforms that reach it, up to HUB_MAX_ROUTES: first the
 * `consenting` ones that hold its consent, first choice first (ties by
 * name), then those that know the person (verified) without consent, in
 * the same order: a consent pre-notice may go there (design.md). The
 * i-th recipient's rk is at rk + i * stride: the rk field of an array of
 * the caller's structs. 0, or -1 on error. fn runs under the directory's
 * lock: it may use another database, never this one. */
typedef void (*hub_routes_fn)(void *ctx, size_t i, char routes[][HUB_NAME_MAX + 1], int n,
                              int consenting);
int hub_directory_routes_many(hub_directory *d, const char *rk, size_t stride, size_t n,
                              hub_routes_fn fn, void *ctx);

#endif
