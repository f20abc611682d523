/* platform.h -- the running platform: its settings, keys, database and
 * threads, and the calls that start and stop it.
 *
 * `herald platform` is a certified electronic document intermediary (a
 * messenger or a carrier): it signs members up (binding each to a CI
 * through idsvc), keeps their consent, takes relayed notices from the hub
 * into inboxes, tells members, and lets them open a notice by issuing a
 * view token for the agency. The files, each calling only those below it:
 *   platform_main.c     the command: arguments, platform.ini, signals
 *   platform.c          this object: loading, starting, stopping
 *   platform_api.c      the route table and the gate before each body
 *   platform_web.c      citizen pages: sessions, login, inbox, opening
 *   platform_signin.c   a PIN checked under the sign-in limits (login
 *                       and opening a notice share it)
 *   platform_relay.c    POST /v1/relay from the hub
 *   platform_members.c  sign-up, verification and consent (admin API and
 *                       web share it)
 *   platform_reports.c  the background thread reporting to the hub
 *   sms_channel.c       the carrier channel's thread: alerts over SMPP
 *   smpp_session.c      its connection to the SMSC
 *   push_channel.c      the messenger channel ([push]): alerts to a push
 *                       gateway; push_receipts.c its receipt callbacks
 *   platform_pages.c    HTML rendering, no I/O
 *   platform_db.c       schema and every SQL statement
 *   csrf.c              the tokens and origin rule of every form
 *   pin.c, phone.c, login_guard.c, signup_limit.c  signing in and up */
#ifndef HERALD_PLATFORM_H
#define HERALD_PLATFORM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "apikeys.h"
#include "http_metrics.h"
#include "metrics_access.h"
#include "transport.h"
#include "metrics_db.h"
#include "config.h"
#include "crypto.h"
#include "http_server.h"
#include "sandbox.h"
#include "platform_db.h"
#include "sms_channel.h"

#define PLATFORM_MAX_BODY (16u << 20)
/* The citizen pages' forms: a name, a phone, an RRN, a PIN. */
#define PLATFORM_PAGE_MAX_BODY (64u << 10)

typedef struct platform {
    char name[APIKEY_NAME_MAX + 1];
    char public_url[512];
    char public_origin[300];        /* its origin, as Origin headers say it */
    int secure_cookie;              /* public_url is https */
    uint8_t *csrf_key;              /* the forms' token key (csrf.h), secure memory */
    uint8_t *view_sk;               /* Ed25519 secret, in secure memory */
    apikeys clients;
    pwhash_cost pin_cost;
    char dummy_pin_hash[PWHASH_STR_MAX]; /* checked for unknown phones, so
                                          * timing does not tell who is a member */
    long view_token_ttl_s;
    long session_ttl_s;
    long threads;
    /* PIN checks (sign-in, opening a notice) hashing at once, and the most
     * allowed: half the threads (at least one), since each hash takes a
     * thread the hub's relays and the other pages share, ~0.1 s and ~64
     * MiB with pin_hash = interactive (platform_signin.c) */
    atomic_int pin_checks;
    int pin_check_slots;
    atomic_llong pin_checks_busy;     /* refused for want of a slot */
    atomic_llong pin_busy_logged_ms;  /* when the last such refusal was logged */
    http_limits http; /* [http]: connections held and how long */
    char idsvc_url[512], hub_url[512];
    char *idsvc_key, *hub_key;      /* API keys, in secure memory */

    /* One connection, one lock: SQLite serialises writers anyway, and the
     * lock keeps each batch's transaction and its prepared statements
     * from interleaving with another thread's. Never held across a
     * network call or a PIN hash. */
    pthread_mutex_t lock;
    platform_db *db;

    /* The reporter thread (platform_reports.c). */
    pthread_t reporter;
    pthread_mutex_t rep_lock;
    pthread_cond_t rep_wake;
    int rep_pending, rep_stopping, rep_running;
    long report_interval_ms;

    /* The alert channel, at most one: its name, which the outbox's rows
     * carry ("sms", "push", or "none" when the platform has no channel and its
     * alerts stay queued), and the carrier channel when that is it. */
    char channel[8];
    int has_sms;
    sms_settings sms_set;
    sms_channel *sms;

    http_server *server;
    transport tls;            /* [tls]: how server serves; idsvc's and the hub's pins */
    /* [platform] web_listen: the same pages and API again, in plain HTTP on
     * a loopback address, for a TLS-terminating proxy on the same host
     * (or the demo's browser) in front of the citizen pages; NULL: none. */
    char web_listen[300];
    http_server *web;
    http_metrics *requests;   /* every request server answers, by route and status */
    metrics_access metrics;   /* who may read GET /metrics ([platform] metrics) */
    metrics_db queues;        /* the outbox's depth (platform_metrics.c) */
    int queues_open;
    char db_path[4096];

    /* The messenger channel, when platform.ini has [push]; NULL else. */
    struct push_channel *push;
} platform;

/* Reads cfg's settings and keys into p. Returns 0, or -1 with the reason
 * in err; platform_close frees what was loaded either way. */
int platform_open(platform *p, const config *cfg, char *err, size_t errlen);
/* Binds listen and web_listen ahead of platform_start, so that a
 * platform started as root can give root up before opening its database.
 * Returns 0, or -1 with why. */
int platform_bind(platform *p, const char *listen, char *err, size_t errlen);
/* Opens the database in [platform] dir (created if need be), recovers
 * its outbox and gives the alerts still queued under another channel's
 * name to the platform's channel (platform_db_outbox_adopt). Returns 0,
 * or -1 with why. */
int platform_open_db(platform *p, const config *cfg, char *err, size_t errlen);
/* The system calls the platform may make once bound (platform_syscalls.c). */
extern const sandbox_list platform_syscalls;
/* Starts the reporter and the alert channel, then serves on listen
 * ("HOST:PORT", unless platform_bind bound it). 0, or -1 with the reason
 * in err (nothing left running). */
int platform_start(platform *p, const char *listen, char *err, size_t errlen);
/* Finishes the requests in flight, stops the channel (answers awaited
 * briefly, then unbind), then the reporter's last round. */
void platform_stop(platform *p);
void platform_close(platform *p);

/* ---- GET /metrics (platform_metrics.c) ---- */

void platform_metrics_open(platform *p);
void platform_metrics_close(platform *p);
/* Appends every platform family but the HTTP ones. */
void platform_metrics_render(platform *p, buf *b);

#endif
