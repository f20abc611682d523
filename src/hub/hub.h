/* hub.h -- the running hub: its state, and the services it runs.
 *
 * hub_main.c fills a hub from hub.ini, starts it and stops it. Once
 * started, hub_api.c answers HTTP, hub_relay.c relays accepted notices to
 * platforms, hub_deadline.c expires unread ones, hub_db.c keeps the
 * notices and hub_directory.c the routes to recipients. They meet in this
 * struct and in the functions below (hub.c); none of them calls back into
 * hub_main.c. */
#ifndef HERALD_HUB_H
#define HERALD_HUB_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "apikeys.h"
#include "hub_db.h"
#include "hub_relay_queue.h"
#include "hub_evidence_log.h"
#include "hub_limits.h"
#include "http_metrics.h"
#include "http_server.h"
#include "sandbox.h"
#include "transport.h"
#include "metrics.h"
#include "metrics_access.h"
#include "transport.h"
#include "metrics_db.h"
#include "notice_state.h"

#define HUB_MAX_RELAY_WORKERS 8
#define HUB_MAX_BODY (16u << 20)
/* [store] dsn: a libpq connection string, longer ones are refused. */
#define HUB_DSN_MAX 1024
/* [store] node: this node's name in leases and the sequencer's row. */
#define HUB_NODE_MAX 64

/* What the relay workers saw of a platform's /v1/relay calls (the
 * operators' console), under hub.health_lock. */
typedef struct hub_platform_health {
    long long last_ok_ms, last_fail_ms; /* 0: never */
    long failures;                      /* failed calls since the last that worked */
    unsigned long long calls, failed;   /* since the hub started */
} hub_platform_health;

typedef struct hub_platform {
    char name[HUB_NAME_MAX + 1];
    char *url;
    int common; /* relays state shared fields once (protocol.md, "Common fields") */
    hub_platform_health health;
} hub_platform;

typedef struct hub {
    /* ---- set before hub_open (hub_main.c, from hub.ini) ---- */
    apikeys clients;       /* agencies' and platforms' key hashes */
    notice_role *roles;    /* roles[i] is clients.entries[i]'s role */
    char **documents;      /* an agency's documents URL (hub.ini), or NULL */
    hub_platform *platforms;
    size_t nplatforms;
    char hub_key[APIKEY_TOKEN_MAX + 1]; /* presented to platforms */
    long relay_batch, relay_interval_ms, relay_gather_ms, deadline_interval_ms, fallback_window_s;
    long consent_window_s; /* a pre-noticed member's time to consent; 0: no pre-notices */
    hub_reminders reminders; /* [hub] reminders */
    long relay_workers;    /* relay rounds in flight at once */
    long sth_interval_ms;  /* how often the log signs a head while it grows */
    char public_url[512];  /* the hub as people reach it: QR codes of certificates */
    long rate_per_s, rate_burst, daily_quota; /* [hub] defaults for every agency */
    hub_limits *limits;    /* each agency's, from those and its own section */
    metrics_access metrics; /* who may read GET /metrics ([hub] metrics) */
    http_limits http;      /* [http]: connections held and how long */
    transport tls;         /* [tls]: how the hub serves; platforms' pins registered */
    int store_pg;          /* [store] kind = postgres: the shared database, not hub.db */
    char store_dsn[HUB_DSN_MAX + 1];   /* [store] dsn (may hold a password: never logged) */
    char store_node[HUB_NODE_MAX + 1]; /* [store] node, or hostname:port once bound */

    /* ---- opened by hub_open ---- */
    char data_dir[4096];   /* [hub] dir: the database, and PDFs being rendered */
    hub_db *db;
    hub_directory *dir;    /* who each platform reaches (directory.db, or PostgreSQL's) */
    hub_evidence_log *log; /* the evidence log (hub_db's); signs with [hub] log_key */
    hub_relay_queue routed; /* accepted notices already routed, for the relay workers */
    metrics_db queues;     /* queue depths for GET /metrics (hub_metrics.c) */
    int queues_open;
    /* Notices in submitted batches: new, duplicate (already held), rejected. */
    metrics_counter submitted[3];

    /* ---- running, between hub_start and hub_stop ---- */
    http_server *srv;
    http_metrics *requests; /* every request srv answers, by route and status */
    pthread_t relay[HUB_MAX_RELAY_WORKERS];
    long nrelay;           /* relay workers started */
    pthread_t relay_urgent; /* relays urgent notices in calls of their own */
    int relay_urgent_started;
    pthread_t deadline;
    int deadline_started;
    pthread_t tell; /* reminders and withdrawals (hub_tell.c) */
    int tell_started;

    struct hub_console *console; /* /console, the operators' pages (hub_console.h) */
    pthread_mutex_t health_lock; /* platforms[].health */

    pthread_mutex_t wake_lock;
    pthread_cond_t wake;
    int stopping;          /* set once, at shutdown */
    int relay_pending;     /* new notices wait: a relay worker need not sleep */
    int urgent_pending;    /* urgent ones wait: no worker may gather a batch */
} hub;

/* ---- the life of a hub (hub_main.c calls these in this order) ---- */

/* An empty hub, its locks ready. */
void hub_init(hub *h);
/* Registers a caller: an agency (documents: the URL its notices' links
 * must start with, or NULL for any), or a platform (url and common set)
 * the hub relays to. Returns 0, or -1 when out of memory. */
int hub_add_client(hub *h, notice_role role, const char *name, const uint8_t hash[32],
                   const char *url, int common, const char *documents);
/* Opens the stores in dir (created if need be), or in PostgreSQL with
 * store_pg, with the numbers already set; log_seed (NULL: heads are not
 * signed) becomes the log key. Returns 0, or -1 with the reason in err. */
int hub_open(hub *h, const char *dir, const uint8_t *log_seed, char *err, size_t errlen);
/* Binds listen ahead of hub_start, so that a hub started as root can
 * give root up before opening its stores. Returns 0, or -1 with why. */
int hub_bind(hub *h, const char *listen, char *err, size_t errlen);
/* Serves HTTP on listen (unless hub_bind bound it) with threads request threads and starts the
 * workers: relay, deadlines and (with a log key) the head signer. Returns
 * 0, or -1 with the reason in err and nothing left running. */
int hub_start(hub *h, const char *listen, unsigned threads, char *err, size_t errlen);
/* The port hub_start listens on. */
int hub_port(const hub *h);
/* Finishes the requests and rounds in flight and stops the workers. */
void hub_stop(hub *h);
/* Closes the stores and frees everything hub_init and after took. */
void hub_free(hub *h);
/* The system calls the hub may make once bound (hub_syscalls.c); with
 * [store] kind = postgres, hub_pg_syscalls: those and libpq's. */
extern const sandbox_list hub_syscalls, hub_pg_syscalls;

/* ---- what the services share ---- */

/* Wakes a relay worker now (new work). */
void hub_wake_relay(hub *h);
/* Wakes a relay worker now even from the pause in which it gathers a
 * bigger batch: urgent notices wait. */
void hub_wake_urgent(hub *h);
/* What ends a sleep early, besides shutting down. */
enum { HUB_WAKE_ON_WORK = 1, HUB_WAKE_ON_URGENT = 2 };
/* Sleeps up to ms, less when shutting down or when a wake that `wake`
 * names comes (hub_wake_urgent counts for both). Returns 1 when the hub
 * is stopping. */
int hub_sleep(hub *h, long ms, int wake);
/* A relay call to platforms[p] worked (ok) or not, at now. */
void hub_platform_called(hub *h, size_t p, int ok, long long now);
/* A copy of platforms[p]'s health. */
hub_platform_health hub_platform_health_of(hub *h, size_t p);
/* The configured platform of that name, or NULL. */
const hub_platform *hub_platform_find(const hub *h, const char *name);
/* hub_platform_known_fn over the hub (ctx): 1 if name is configured. */
int hub_platform_known(void *ctx, const char *name);

/* ---- GET /metrics (hub_metrics.c) ---- */

enum { HUB_SUBMITTED_NEW, HUB_SUBMITTED_DUPLICATE, HUB_SUBMITTED_REJECTED };
/* Starts the queue-depth queries against the hub's database. */
void hub_metrics_open(hub *h);
void hub_metrics_close(hub *h);
/* Appends every hub family but the HTTP ones. */
void hub_metrics_render(hub *h, buf *b);

/* ---- the services hub_start runs; arg is the hub ---- */

void *hub_relay_main(void *arg);    /* hub_relay.c */
void *hub_relay_urgent_main(void *arg); /* hub_relay.c: the urgent lane alone */
void *hub_deadline_main(void *arg); /* hub_deadline.c */
void *hub_tell_main(void *arg);     /* hub_tell.c */

/* How long a reminder or withdrawal call may take, so that a platform
 * that never answers holds the others' up by this at most. Half the
 * reminders' minute of lease (hub_db_remind.c): with one platform hung a
 * reminder is not asked again while its call runs; with several hung in
 * one round it may be, and the platform queues each (notice, n) once. */
#define HUB_TELL_TIMEOUT_MS 30000L

/* ---- reminders, asked for by hub_tell.c (hub_remind.c) ---- */

/* Reminders per round: one call per platform carries its share. */
#define HUB_REMIND_BATCH 1000

typedef struct hub_remind hub_remind;
/* A client per platform; NULL when out of memory. */
hub_remind *hub_remind_new(hub *h);
void hub_remind_free(hub_remind *r);
/* Asks the platforms for the reminders due at now and records the
 * answers: returns how many notices it looked at (a full batch: call
 * again), or 0 when a call failed (the next round would wait on it too)
 * or the hub is stopping. */
size_t hub_remind_round(hub_remind *r, long long now);

/* ---- withdrawals of cancelled notices (hub_withdraw.c) ---- */

/* Tells the platforms of the cancelled notices they hold: returns a
 * nonzero count when a full batch went and more may wait. */
size_t hub_withdraw_round(hub *h);

#endif
