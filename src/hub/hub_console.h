/* hub_console.h -- the operators' web console at /console on `herald
 * hub` (docs/design.md, "The operators' console"): sign-in with a
 * password and a TOTP code, then what the hub is doing, with nothing
 * personal on any page (no rk, no names, no references):
 *
 *   /console          the backlog of each queue, the platforms' health
 *                     as the relay workers see it, the evidence log's
 *                     signed tree head and the signer's state
 *   /console/volumes  notices per agency and per platform per day,
 *                     last 7 days, as tables and SVG bars
 *   /console/latency  the relay latency histogram, last 7 days
 *
 * Accounts (`herald hub user add`) live in console.db in the hub's
 * folder, apart from hub.db, so that a page's session check never waits
 * for the notices' writer (with [store] kind = postgres too: each node
 * keeps its own accounts). Every figure comes from the summaries the
 * store keeps as notices change (hub_db_tally.c), read on a connection
 * of the console's own that only reads (hub.db opened read-only, or the
 * PostgreSQL database the nodes share, so every node shows the same
 * figures): a page costs a few index lookups whatever the number of
 * notices. Accounts, sessions and form checks are src/console's, shared
 * with the agency's console. */
#ifndef HERALD_HUB_CONSOLE_H
#define HERALD_HUB_CONSOLE_H

#include <pthread.h>
#include <sqlite3.h>

#include "console_page.h"
#include "http_server.h"
#include "sql.h"

struct hub;

/* A console form's body. */
#define HUB_CONSOLE_FORM_MAX 8192

typedef struct hub_console {
    struct hub *h;
    console_auth *auth;
    console_web web;
    console_site site;
    pthread_mutex_t lock; /* guards ro and its statements */
    sqlite3 *ro_file;     /* hub.db, read-only (SQLite store) */
    sql_conn *ro;         /* ro_file, or a PostgreSQL connection: the summaries */
    sql_stmt *days, *state, *due, *latency; /* prepared at their first use */
} hub_console;

/* Opens console.db in the hub's folder, and the store read-only, for
 * the console behind the hub's public_url. NULL with the reason in err. */
hub_console *hub_console_open(struct hub *h, char *err, size_t errlen);
void hub_console_close(hub_console *c);

/* The path of the accounts' database in the hub's folder dir. */
void hub_console_db_path(const char *dir, char *out, size_t cap);

/* The route handlers (role is the hub). */
void hub_console_home(void *role, const void *caller, const http_request *req,
                      http_response *resp);
void hub_console_volumes(void *role, const void *caller, const http_request *req,
                         http_response *resp);
void hub_console_latency(void *role, const void *caller, const http_request *req,
                         http_response *resp);
void hub_console_signin_page(void *role, const void *caller, const http_request *req,
                             http_response *resp);
void hub_console_signin(void *role, const void *caller, const http_request *req,
                        http_response *resp);
void hub_console_signout(void *role, const void *caller, const http_request *req,
                         http_response *resp);

/* ---- the summaries, read (hub_console_db.c); c->lock held ---- */

#define HUB_CONSOLE_DAYS 7

/* Calls each for every row of tally_days from day `from` (UTC days since
 * 1970) on. 0, or -1 on a database error. */
int hub_console_db_days(hub_console *c, long long from,
                        void (*each)(void *ctx, long long day, const char *agency,
                                     const char *platform, const char *state, long long n),
                        void *ctx);
/* Notices in state now (tally_states). -1 on a database error. */
long long hub_console_db_state(hub_console *c, const char *state);
/* Notices whose read deadline falls on day `day` or before. */
long long hub_console_db_due_by(hub_console *c, long long day);
/* The latency histogram from day `from` on, into counts[HUB_TALLY_BUCKETS]. */
int hub_console_db_latency(hub_console *c, long long from, long long *counts);

#endif
