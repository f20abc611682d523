/* hub.h -- what the hub's files share: the running hub.
 *
 * hub.c reads the configuration and runs the process, hub_api.c answers
 * HTTP, hub_relay.c relays accepted notices to platforms, hub_deadline.c
 * expires unread ones, hub_db.c keeps the notices and hub_directory.c the
 * routes to recipients. They meet in this struct. */
#ifndef HERALD_HUB_H
#define HERALD_HUB_H

#include <pthread.h>
#include <stddef.h>

#include "apikeys.h"
#include "hub_db.h"
#include "hub_relay_queue.h"
#include "hub_log.h"
#include "http_server.h"
#include "notice_state.h"

#define HUB_MAX_BATCH 10000
#define HUB_MAX_RELAY_WORKERS 8
#define HUB_MAX_BODY (16u << 20)

typedef struct hub_platform {
    char name[HUB_NAME_MAX + 1];
    char *url;
    int common; /* relays state shared fields once (protocol.md, "Common fields") */
} hub_platform;

typedef struct hub {
    hub_db *db;
    hub_directory *dir;    /* who each platform reaches (directory.db) */
    apikeys clients;       /* agencies' and platforms' key hashes */
    notice_role *roles;    /* roles[i] is clients.entries[i]'s role */
    hub_platform *platforms;
    size_t nplatforms;
    char hub_key[APIKEY_TOKEN_MAX + 1]; /* presented to platforms */
    long relay_batch, relay_interval_ms, relay_gather_ms, deadline_interval_ms, fallback_window_s;
    long relay_workers;    /* relay rounds in flight at once */
    hub_log *log;          /* the evidence log (hub_db's); signs with [hub] log_key */
    long sth_interval_ms;  /* how often the log signs a head while it grows */
    char public_url[512];  /* the hub as people reach it: QR codes of certificates */
    char data_dir[4096];   /* [hub] dir: the database, and PDFs being rendered */

    hub_relay_queue routed; /* accepted notices already routed, for the relay workers */

    pthread_mutex_t wake_lock;
    pthread_cond_t wake;
    int stopping;          /* set once, at shutdown */
    int relay_pending;     /* new notices wait: a relay worker need not sleep */
} hub;

/* hub_api.c: the http_server handler; ctx is the hub. */
void hub_handle(void *ctx, const http_request *req, http_response *resp);
/* hub_api.c: the http_server gate, run on a request's headers: public
 * paths pass, a keyed path without a key of the hub's clients is refused
 * (401) and an unknown one (404) before the body is read. */
int hub_gate(void *ctx, const http_request *req, size_t *max_body);

/* hub_log_api.c: the log's public endpoints (/v1/log/..., /verify);
 * returns 1 when path was one of them (and resp is set), 0 otherwise. */
int hub_log_public(hub *h, const http_request *req, http_response *resp);
/* 1 if path is one of those public endpoints (lowering *max_body to what
 * it accepts), 0 otherwise. Headers only: for the gate. */
int hub_log_public_path(const http_request *req, size_t *max_body);
/* GET /v1/notices/{id}/certificate[.pdf], for a caller already known. */
void hub_log_certificate_get(hub *h, notice_role role, const char *caller, int pdf,
                             const http_request *req, http_response *resp);

/* hub_relay.c and hub_deadline.c: thread bodies; arg is the hub. */
void *hub_relay_main(void *arg);
void *hub_deadline_main(void *arg);

/* hub.c: wakes a relay worker now (new work). */
void hub_wake_relay(hub *h);
/* Sleeps up to ms, less when shutting down or (if wake_on_work) when
 * hub_wake_relay is called. Returns 1 when the hub is stopping. */
int hub_sleep(hub *h, long ms, int wake_on_work);
/* The configured platform of that name, or NULL. */
const hub_platform *hub_platform_find(const hub *h, const char *name);
/* hub_platform_known_fn over the hub (ctx): 1 if name is configured. */
int hub_platform_known(void *ctx, const char *name);

#endif
