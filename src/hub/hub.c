/* hub.c -- the running hub: its stores, its HTTP server and its workers.
 *
 * Agencies submit notices, platforms report who they reach, the hub relays
 * each notice to the recipient's preferred platform, tracks deadlines and
 * keeps the evidence log. This file opens the stores, starts the HTTP
 * server (hub_api.c) and the workers (hub_relay.c, hub_deadline.c, the
 * log's head signer), stops them, and gives the workers their one meeting
 * point: sleeping until there is work or the hub stops. What hub.ini says
 * is read in hub_main.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "clock.h"
#include "crypto.h"
#include "hub.h"
#include "hub_api.h"
#include "hub_console.h"
#include "log.h"

/* ---- the registry ---- */

void hub_init(hub *h)
{
    memset(h, 0, sizeof *h);
    h->limits = hub_limits_new(); /* NULL: hub_main refuses to start */
    pthread_mutex_init(&h->wake_lock, NULL);
    pthread_mutex_init(&h->health_lock, NULL);
    clock_mono_cond_init(&h->wake);
}

static int add_platform(hub *h, const char *name, const char *url, int common)
{
    hub_platform *p = realloc(h->platforms, (h->nplatforms + 1) * sizeof *p);

    if (!p)
        return -1;
    h->platforms = p;
    p += h->nplatforms;
    memset(p, 0, sizeof *p); /* its health starts at nothing seen */
    snprintf(p->name, sizeof p->name, "%s", name);
    p->url = strdup(url);
    if (!p->url)
        return -1;
    p->common = common;
    h->nplatforms++;
    return 0;
}

int hub_add_client(hub *h, notice_role role, const char *name, const uint8_t hash[32],
                   const char *url, int common, const char *documents)
{
    size_t n = h->clients.count;
    apikey_entry *e = realloc(h->clients.entries, (n + 1) * sizeof *e);
    notice_role *r;
    char **d;

    if (!e)
        return -1;
    h->clients.entries = e;
    r = realloc(h->roles, (n + 1) * sizeof *r);
    if (!r)
        return -1;
    h->roles = r;
    d = realloc(h->documents, (n + 1) * sizeof *d);
    if (!d)
        return -1;
    h->documents = d;
    d[n] = NULL;
    if (documents && !(d[n] = strdup(documents)))
        return -1;
    snprintf(e[n].name, sizeof e[n].name, "%s", name);
    memcpy(e[n].hash, hash, 32);
    r[n] = role;
    h->clients.count = n + 1;
    return url ? add_platform(h, name, url, common) : 0;
}

/* ---- the stores ---- */

/* hub.db in the data directory, and directory.db beside it. */
static int open_sqlite(hub *h, char *err, size_t errlen)
{
    char file[4200], dirfile[4200];

    /* The directory first: it takes its table over from an older hub.db.
     * (data_dir is at most 4095 bytes: both names fit.) */
    snprintf(file, sizeof file, "%s/hub.db", h->data_dir);
    snprintf(dirfile, sizeof dirfile, "%s/directory.db", h->data_dir);
    h->dir = hub_directory_open(dirfile, file, err, errlen);
    if (!h->dir)
        return -1;
    h->db = hub_db_open(file, err, errlen);
    return h->db ? 0 : -1;
}

/* libpq's messages run over lines ("... failed: Connection refused\n\tIs
 * the server running ..."): one line for the log and the terminal. */
static void one_line(char *s)
{
    size_t n = strlen(s);

    while (n && (s[n - 1] == '\n' || s[n - 1] == ' '))
        s[--n] = '\0';
    for (; *s; s++)
        if (*s == '\n' || *s == '\t' || *s == '\r')
            *s = ' ';
}

/* The shared database: the store first (it runs the migrations), then
 * the directory's table in it. */
static int open_pg(hub *h, char *err, size_t errlen)
{
    char why[512];

    h->db = hub_db_open_pg(h->store_dsn, h->store_node, why, sizeof why);
    if (h->db)
        h->dir = hub_directory_open_pg(h->store_dsn, why, sizeof why);
    if (!h->db || !h->dir) {
        one_line(why);
        snprintf(err, errlen, "[store] dsn: %s%s", strncmp(why, "PostgreSQL", 10) ?
                 "PostgreSQL: " : "", why);
        return -1;
    }
    log_info("store: PostgreSQL, node %s", h->store_node);
    return 0;
}

int hub_open(hub *h, const char *dir, const uint8_t *log_seed, char *err, size_t errlen)
{
    size_t released;

    snprintf(h->data_dir, sizeof h->data_dir, "%s", dir);
    if (mkdir(h->data_dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "%s: %s", h->data_dir, strerror(errno));
        return -1;
    }
    if ((h->store_pg ? open_pg(h, err, errlen) : open_sqlite(h, err, errlen)) != 0)
        return -1;
    hub_db_set_directory(h->db, h->dir);
    /* Two rounds' worth: more means the relay is behind, and the rest can
     * wait in the database as well. */
    if (hub_relay_queue_init(&h->routed, (size_t)h->relay_batch * 2) != 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    hub_db_set_fallback_ms(h->db, h->fallback_window_s * 1000LL);
    hub_db_set_reminders(h->db, &h->reminders);
    hub_db_set_consent_window_ms(h->db, h->consent_window_s * 1000LL);
    if (hub_db_relay_recover(h->db, clock_now_ms(), &released) != 0) {
        snprintf(err, errlen, "%s%s: cannot release the relay's leases",
                 h->store_pg ? "PostgreSQL" : h->data_dir, h->store_pg ? "" : "/hub.db");
        return -1;
    }
    if (released)
        log_info("relay: %zu notices held by an unfinished round are due again", released);
    h->log = hub_db_log(h->db);
    hub_metrics_open(h);
    if (log_seed && hub_evidence_log_set_key(h->log, log_seed) != 0) {
        snprintf(err, errlen, "cannot keep the log key in locked memory");
        return -1;
    }
    return 0;
}

/* Routed notices the relay worker did not take (it stopped, or never
 * ran) give their leases back, so that the next start relays them at
 * once rather than when the leases end. */
static void release_routed(hub *h)
{
    hub_relay_item *items = h->db ? malloc(256 * sizeof *items) : NULL;
    size_t n;

    while (items && (n = hub_relay_queue_take(&h->routed, items, 256)) > 0)
        if (hub_db_relay_release(h->db, items, n, clock_now_ms()) != 0)
            log_error("relay: %zu notices keep their leases; they are relayed when those end", n);
    free(items);
}

void hub_free(hub *h)
{
    /* Bound by hub_bind but never started: a start that failed before. */
    if (h->srv)
        http_server_stop(h->srv);
    if (h->routed.ring)
        release_routed(h);
    hub_metrics_close(h);
    hub_console_close(h->console);
    hub_db_close(h->db);
    hub_directory_close(h->dir);
    http_metrics_free(h->requests);
    metrics_access_close(&h->metrics);
    transport_free(&h->tls);
    hub_relay_queue_free(&h->routed);
    for (size_t i = 0; h->documents && i < h->clients.count; i++)
        free(h->documents[i]);
    free(h->documents);
    apikeys_free(&h->clients);
    free(h->roles);
    for (size_t i = 0; i < h->nplatforms; i++)
        free(h->platforms[i].url);
    free(h->platforms);
    secure_wipe(h->hub_key, sizeof h->hub_key);
    hub_limits_free(h->limits);
    pthread_mutex_destroy(&h->wake_lock);
    pthread_mutex_destroy(&h->health_lock);
    pthread_cond_destroy(&h->wake);
}

/* ---- what the workers share ---- */

void hub_wake_relay(hub *h)
{
    pthread_mutex_lock(&h->wake_lock);
    h->relay_pending = 1;
    pthread_cond_broadcast(&h->wake);
    pthread_mutex_unlock(&h->wake_lock);
}

void hub_wake_urgent(hub *h)
{
    pthread_mutex_lock(&h->wake_lock);
    h->relay_pending = h->urgent_pending = 1;
    pthread_cond_broadcast(&h->wake);
    pthread_mutex_unlock(&h->wake_lock);
}

int hub_sleep(hub *h, long ms, int wake)
{
    int on_work = wake & HUB_WAKE_ON_WORK, on_urgent = wake & HUB_WAKE_ON_URGENT;
    struct timespec until;
    int rc = 0, stopping;

    until = clock_mono_after_ms(ms);
    pthread_mutex_lock(&h->wake_lock);
    while (!h->stopping && !(on_urgent && h->urgent_pending) && !(on_work && h->relay_pending) &&
           rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&h->wake, &h->wake_lock, &until);
    if (on_work || (on_urgent && h->urgent_pending))
        h->relay_pending = 0;
    if (on_urgent)
        h->urgent_pending = 0;
    stopping = h->stopping;
    pthread_mutex_unlock(&h->wake_lock);
    return stopping;
}

const hub_platform *hub_platform_find(const hub *h, const char *name)
{
    for (size_t i = 0; i < h->nplatforms; i++)
        if (!strcmp(h->platforms[i].name, name))
            return &h->platforms[i];
    return NULL;
}

int hub_platform_known(void *ctx, const char *name)
{
    return hub_platform_find(ctx, name) != NULL;
}

/* ---- starting and stopping ---- */

/* Stops and joins the workers that started. */
static void stop_workers(hub *h)
{
    pthread_mutex_lock(&h->wake_lock);
    h->stopping = 1;
    pthread_cond_broadcast(&h->wake);
    pthread_mutex_unlock(&h->wake_lock);
    for (; h->nrelay > 0; h->nrelay--)
        pthread_join(h->relay[h->nrelay - 1], NULL);
    if (h->relay_urgent_started)
        pthread_join(h->relay_urgent, NULL);
    h->relay_urgent_started = 0;
    if (h->deadline_started)
        pthread_join(h->deadline, NULL);
    h->deadline_started = 0;
    if (h->tell_started)
        pthread_join(h->tell, NULL);
    h->tell_started = 0;
}

/* The default [hub] public_url: the address the hub listens on. A
 * wildcard address is no address a browser opens, and the console checks
 * every form's origin against public_url: its sign-in would refuse
 * everyone, so the operator is told at start. */
static void default_public_url(hub *h, const char *listen, int port)
{
    char host[256];
    int ignored;

    if (h->public_url[0] || http_split_listen(listen, host, sizeof host, &ignored) != 0)
        return;
    snprintf(h->public_url, sizeof h->public_url, strchr(host, ':') ? "%s://[%s]:%d"
             : "%s://%s:%d", h->tls.cert_pem ? "https" : "http", host, port);
    if (!host[0] || !strcmp(host, "0.0.0.0") || !strcmp(host, "::") || !strcmp(host, "*"))
        log_warn("[hub] public_url is not set and the hub listens on %s: the console's sign-in "
                 "will refuse every browser (its forms must come from public_url's origin), and "
                 "certificates' links name %s; set public_url to the address operators and "
                 "agencies open", listen, h->public_url);
}

/* The relay workers, the deadline worker and the one that tells
 * platforms of reminders and withdrawals. Several relay rounds in
 * flight: one worker records and claims under the writer lock while
 * another's round is at the platforms. One more worker takes only urgent
 * notices, so that one never waits for a bulk round to come back. */
static int start_workers(hub *h, char *err, size_t errlen)
{
    while (h->nrelay < h->relay_workers &&
           pthread_create(&h->relay[h->nrelay], NULL, hub_relay_main, h) == 0)
        h->nrelay++;
    if (h->nrelay < h->relay_workers ||
        pthread_create(&h->relay_urgent, NULL, hub_relay_urgent_main, h) != 0) {
        snprintf(err, errlen, "cannot start the relay workers");
        return -1;
    }
    h->relay_urgent_started = 1;
    if (pthread_create(&h->deadline, NULL, hub_deadline_main, h) != 0) {
        snprintf(err, errlen, "cannot start the deadline worker");
        return -1;
    }
    h->deadline_started = 1;
    if (pthread_create(&h->tell, NULL, hub_tell_main, h) != 0) {
        snprintf(err, errlen, "cannot start the reminders' and withdrawals' worker");
        return -1;
    }
    h->tell_started = 1;
    return 0;
}

int hub_bind(hub *h, const char *listen, char *err, size_t errlen)
{
    h->srv = http_server_bind(listen, err, errlen);
    return h->srv ? 0 : -1;
}

int hub_start(hub *h, const char *listen, unsigned threads, char *err, size_t errlen)
{
    /* Bound first, served after: request threads read public_url (the
     * certificate's QR code), so it is complete before any of them runs. */
    if (!h->srv && hub_bind(h, listen, err, errlen) != 0)
        return -1;
    if (transport_serve(&h->tls, h->srv, listen, "[hub] listen", err, errlen) != 0) {
        hub_stop(h);
        return -1;
    }
    default_public_url(h, listen, http_server_port(h->srv));
    if (!h->console && !(h->console = hub_console_open(h, err, errlen))) {
        hub_stop(h);
        return -1;
    }
    if (!h->requests && !(h->requests = hub_api_metrics_new())) {
        snprintf(err, errlen, "out of memory");
        hub_stop(h);
        return -1;
    }
    http_server_observe(h->srv, h->requests);
    http_server_limit(h->srv, &h->http);
    if (http_server_serve(h->srv, HUB_MAX_BODY, threads, hub_api_gate, hub_api_handle, h, err,
                          errlen) != 0) {
        hub_stop(h);
        return -1;
    }
    /* On PostgreSQL the same thread is the sequencer, which places every
     * node's leaves in the tree and the agencies' changes in the feed:
     * it runs with or without a key to sign heads. */
    if ((hub_evidence_log_has_key(h->log) || h->store_pg) &&
        hub_evidence_log_start_signer(h->log, h->sth_interval_ms) != 0) {
        snprintf(err, errlen, "cannot start the %s", h->store_pg ? "log's sequencer"
                 : "tree head signer");
        hub_stop(h);
        return -1;
    }
    if (start_workers(h, err, errlen) != 0) {
        hub_stop(h);
        return -1;
    }
    return 0;
}

int hub_port(const hub *h)
{
    return http_server_port(h->srv);
}

void hub_stop(hub *h)
{
    if (h->srv)
        http_server_stop(h->srv);
    h->srv = NULL;
    stop_workers(h);
}

void hub_platform_called(hub *h, size_t p, int ok, long long now)
{
    hub_platform_health *hl = &h->platforms[p].health;

    pthread_mutex_lock(&h->health_lock);
    hl->calls++;
    if (ok) {
        hl->last_ok_ms = now;
        hl->failures = 0;
    } else {
        hl->last_fail_ms = now;
        hl->failures++;
        hl->failed++;
    }
    pthread_mutex_unlock(&h->health_lock);
}

hub_platform_health hub_platform_health_of(hub *h, size_t p)
{
    hub_platform_health copy;

    pthread_mutex_lock(&h->health_lock);
    copy = h->platforms[p].health;
    pthread_mutex_unlock(&h->health_lock);
    return copy;
}
