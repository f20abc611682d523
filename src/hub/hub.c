/* hub.c -- `herald hub`: the certified relay hub.
 *
 * Agencies submit notices, platforms report who they reach, the hub relays
 * each notice to the recipient's preferred platform, tracks deadlines and
 * keeps the evidence log. This file reads hub.ini (the registry of
 * agencies and platforms), opens the database, and runs the HTTP server
 * and the two workers until SIGTERM. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "config.h"
#include "crypto.h"
#include "http_client.h"
#include "hub.h"
#include "keyfile.h"
#include "log.h"

static const char usage[] =
    "Usage: herald hub --config FILE [--listen HOST:PORT] [--threads N] [--quiet]\n\n"
    "Runs the relay hub: POST /v1/notices and GET /v1/notices/{id}, GET /v1/changes\n"
    "(agencies), POST /v1/directory (platforms), POST /v1/events (both); relays\n"
    "accepted notices to platforms and expires unread ones at their deadline.\n"
    "Keeps the evidence log: GET /v1/log/sth, /v1/log/consistency, /v1/log/key and\n"
    "the /verify page (public), GET /v1/notices/{id}/certificate[.pdf].\n"
    "SIGTERM or SIGINT finishes the work in flight and exits.\n\n"
    "FILE (INI; relative paths are relative to its folder):\n"
    "  [hub]  dir = DIR (hub.db, hub.db.leaves and directory.db; back up hub.db\n"
    "         first, then hub.db.leaves: it only grows), listen = HOST:PORT,\n"
    "         hub_key_file = FILE (the API key presented to platforms, mode 0600),\n"
    "         relay_batch = 4000, relay_interval_ms = 50, relay_gather_ms = 20 (after\n"
    "         a partial round, the wait for more to relay at once), relay_workers = 2\n"
    "         (rounds in flight at once, 1 to 8), deadline_interval_ms = 1000,\n"
    "         fallback_window_s = 259200 (read deadline on a fallback channel)\n"
    "         log_key = FILE (the evidence log's Ed25519 secret, from herald keygen\n"
    "         --ed25519; without it the log is kept but heads are not signed and\n"
    "         the log endpoints answer 503), sth_interval_ms = 1000 (at most one\n"
    "         signed tree head per interval while the log grows),\n"
    "         public_url = http://LISTEN (where people reach the verify page)\n"
    "  [agency NAME]    key_sha256 = SHA-256 hex of the agency's API key\n"
    "  [platform NAME]  key_sha256 = ..., url = http://HOST:PORT, common = 0 (1: the\n"
    "                   platform reads a relay's shared fields once, in \"common\"; see\n"
    "                   protocol.md, \"Common fields\")\n\n"
    "  --listen HOST:PORT  overrides [hub] listen\n"
    "  --threads N         HTTP worker threads (default 4)\n"
    "  --quiet             log only warnings and errors\n";

/* ---- the registry ---- */

typedef struct registry_ctx {
    hub *h;
    notice_role role;
    char *err;
    size_t errlen;
} registry_ctx;

static int name_taken(const hub *h, const char *name)
{
    for (size_t i = 0; i < h->clients.count; i++)
        if (!strcmp(h->clients.entries[i].name, name))
            return 1;
    return 0;
}

static int add_client(hub *h, notice_role role, const char *name, const uint8_t hash[32])
{
    size_t n = h->clients.count;
    apikey_entry *e = realloc(h->clients.entries, (n + 1) * sizeof *e);
    notice_role *r;

    if (!e)
        return -1;
    h->clients.entries = e;
    r = realloc(h->roles, (n + 1) * sizeof *r);
    if (!r)
        return -1;
    h->roles = r;
    snprintf(e[n].name, sizeof e[n].name, "%s", name);
    memcpy(e[n].hash, hash, 32);
    r[n] = role;
    h->clients.count = n + 1;
    return 0;
}

static int add_platform(hub *h, const char *name, const char *url, int common)
{
    hub_platform *p = realloc(h->platforms, (h->nplatforms + 1) * sizeof *p);

    if (!p)
        return -1;
    h->platforms = p;
    p += h->nplatforms;
    snprintf(p->name, sizeof p->name, "%s", name);
    p->url = strdup(url);
    if (!p->url)
        return -1;
    p->common = common;
    h->nplatforms++;
    return 0;
}

static int on_section(void *ctx, const config *cfg, const char *section, const char *name)
{
    registry_ctx *rc = ctx;
    const char *hex = config_require(cfg, section, "key_sha256", rc->err, rc->errlen);
    const char *url = NULL;
    uint8_t hash[32];
    long common = 0;

    if (!apikey_name_ok(name, strlen(name))) {
        snprintf(rc->err, rc->errlen, "%s: [%s]: names are 1-64 of [A-Za-z0-9._-]",
                 cfg->path, section);
        return -1;
    }
    if (name_taken(rc->h, name) || !strcmp(name, "hub")) {
        snprintf(rc->err, rc->errlen, "%s: [%s]: the name is already taken", cfg->path, section);
        return -1;
    }
    if (!hex)
        return -1;
    if (hex_decode(hash, sizeof hash, hex, strlen(hex)) != 32) {
        snprintf(rc->err, rc->errlen, "%s: [%s] key_sha256 must be 64 hex digits",
                 cfg->path, section);
        return -1;
    }
    if (rc->role == ROLE_PLATFORM) {
        url = config_require(cfg, section, "url", rc->err, rc->errlen);
        if (!url)
            return -1;
        if (strncmp(url, "http://", 7) && strncmp(url, "https://", 8)) {
            snprintf(rc->err, rc->errlen, "%s: [%s] url must start with http:// or https://",
                     cfg->path, section);
            return -1;
        }
        if (config_long(cfg, section, "common", 0, 0, 1, &common, rc->err, rc->errlen) != 0)
            return -1;
    }
    if (add_client(rc->h, rc->role, name, hash) != 0 ||
        (url && add_platform(rc->h, name, url, (int)common) != 0)) {
        snprintf(rc->err, rc->errlen, "out of memory");
        return -1;
    }
    return 0;
}

static int load_registry(hub *h, const config *cfg, char *err, size_t errlen)
{
    registry_ctx rc = {h, ROLE_AGENCY, err, errlen};

    if (config_each_section(cfg, "agency", on_section, &rc) != 0)
        return -1;
    rc.role = ROLE_PLATFORM;
    return config_each_section(cfg, "platform", on_section, &rc) != 0 ? -1 : 0;
}

static int load_numbers(hub *h, const config *cfg, char *err, size_t errlen)
{
    if (config_long(cfg, "hub", "relay_batch", 4000, 1, HUB_MAX_BATCH, &h->relay_batch,
                    err, errlen) != 0 ||
        config_long(cfg, "hub", "relay_interval_ms", 50, 1, 60000, &h->relay_interval_ms,
                    err, errlen) != 0 ||
        config_long(cfg, "hub", "relay_gather_ms", 20, 0, 1000, &h->relay_gather_ms,
                    err, errlen) != 0 ||
        config_long(cfg, "hub", "relay_workers", 2, 1, HUB_MAX_RELAY_WORKERS, &h->relay_workers,
                    err, errlen) != 0 ||
        config_long(cfg, "hub", "deadline_interval_ms", 1000, 1, 3600000,
                    &h->deadline_interval_ms, err, errlen) != 0 ||
        config_long(cfg, "hub", "fallback_window_s", 259200, 1, 31536000,
                    &h->fallback_window_s, err, errlen) != 0 ||
        config_long(cfg, "hub", "sth_interval_ms", 1000, 100, 3600000, &h->sth_interval_ms,
                    err, errlen) != 0)
        return -1;
    return 0;
}

static int open_database(hub *h, const config *cfg, char *err, size_t errlen)
{
    const char *dir = config_require(cfg, "hub", "dir", err, errlen);
    char path[4096], file[4200], dirfile[4200];

    if (!dir)
        return -1;
    config_path(cfg, dir, path, sizeof path);
    snprintf(h->data_dir, sizeof h->data_dir, "%s", path);
    if (mkdir(path, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    /* The directory first: it takes its table over from an older hub.db.
     * (path is at most 4095 bytes: both names fit.) */
    snprintf(file, sizeof file, "%s/hub.db", path);
    snprintf(dirfile, sizeof dirfile, "%s/directory.db", path);
    h->dir = hub_directory_open(dirfile, file, err, errlen);
    if (!h->dir)
        return -1;
    h->db = hub_db_open(file, err, errlen);
    if (!h->db)
        return -1;
    hub_db_set_directory(h->db, h->dir);
    /* Two rounds' worth: more means the relay is behind, and the rest can
     * wait in the database as well. */
    if (hub_relay_queue_init(&h->routed, (size_t)h->relay_batch * 2) != 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    hub_db_set_fallback_ms(h->db, h->fallback_window_s * 1000LL);
    h->log = hub_db_log(h->db);
    return 0;
}

/* [hub] log_key: the seed file herald keygen --ed25519 wrote (0600). */
static int load_log_key(hub *h, const config *cfg, char *err, size_t errlen)
{
    const char *file = config_get(cfg, "hub", "log_key");
    const char *url = config_get(cfg, "hub", "public_url");
    uint8_t seed[ED25519_SEED_LEN];
    char path[4096];
    int rc;

    if (url)
        snprintf(h->public_url, sizeof h->public_url, "%s", url);
    if (url && strncmp(url, "http://", 7) && strncmp(url, "https://", 8)) {
        snprintf(err, errlen, "%s: [hub] public_url must start with http:// or https://",
                 cfg->path);
        return -1;
    }
    if (!file) {
        log_warn("no [hub] log_key: tree heads are not signed, certificates not issued");
        return 0;
    }
    config_path(cfg, file, path, sizeof path);
    if (keyfile_read(path, 1, seed, sizeof seed, err, errlen) != 0)
        return -1;
    rc = hub_log_set_key(h->log, seed);
    secure_wipe(seed, sizeof seed);
    if (rc != 0)
        snprintf(err, errlen, "cannot keep the log key in locked memory");
    return rc;
}

static int load_config(hub *h, const config *cfg, char *err, size_t errlen)
{
    const char *keyfile = config_get(cfg, "hub", "hub_key_file");
    char path[4096];

    if (load_numbers(h, cfg, err, errlen) != 0 || load_registry(h, cfg, err, errlen) != 0)
        return -1;
    if (!keyfile && h->nplatforms) {
        snprintf(err, errlen, "%s: [hub] hub_key_file is required to call platforms",
                 cfg->path);
        return -1;
    }
    if (keyfile) {
        config_path(cfg, keyfile, path, sizeof path);
        if (http_client_read_key(path, h->hub_key, sizeof h->hub_key, err, errlen) != 0)
            return -1;
    }
    if (open_database(h, cfg, err, errlen) != 0)
        return -1;
    return load_log_key(h, cfg, err, errlen);
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

static void hub_free(hub *h)
{
    if (h->routed.ring)
        release_routed(h);
    hub_db_close(h->db);
    hub_directory_close(h->dir);
    hub_relay_queue_free(&h->routed);
    apikeys_free(&h->clients);
    free(h->roles);
    for (size_t i = 0; i < h->nplatforms; i++)
        free(h->platforms[i].url);
    free(h->platforms);
    secure_wipe(h->hub_key, sizeof h->hub_key);
    pthread_mutex_destroy(&h->wake_lock);
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

int hub_sleep(hub *h, long ms, int wake_on_work)
{
    struct timespec until;
    int rc = 0, stopping;

    until = clock_after_ms(ms);
    pthread_mutex_lock(&h->wake_lock);
    while (!h->stopping && !(wake_on_work && h->relay_pending) && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&h->wake, &h->wake_lock, &until);
    if (wake_on_work)
        h->relay_pending = 0;
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

/* Stops and joins the relay workers that started and, when it runs, the
 * deadline one. */
static void stop_workers(hub *h, const pthread_t *relay, long nrelay, const pthread_t *deadline)
{
    pthread_mutex_lock(&h->wake_lock);
    h->stopping = 1;
    pthread_cond_broadcast(&h->wake);
    pthread_mutex_unlock(&h->wake_lock);
    for (long i = 0; i < nrelay; i++)
        pthread_join(relay[i], NULL);
    if (deadline)
        pthread_join(*deadline, NULL);
}

/* ---- the command ---- */

/* The default [hub] public_url: the address the hub listens on. */
static void default_public_url(hub *h, const char *listen, int port)
{
    char host[256];
    int ignored;

    if (h->public_url[0] || http_split_listen(listen, host, sizeof host, &ignored) != 0)
        return;
    snprintf(h->public_url, sizeof h->public_url, strchr(host, ':') ? "http://[%s]:%d"
             : "http://%s:%d", host, port);
}

static int run(hub *h, const char *listen, long threads)
{
    char err[512];
    pthread_t relay[HUB_MAX_RELAY_WORKERS], deadline;
    long nrelay = 0;
    http_server *srv;
    int sig;

    cli_block_shutdown_signals();
    /* Bound first, served after: request threads read public_url (the
     * certificate's QR code), so it is complete before any of them runs. */
    srv = http_server_bind(listen, err, sizeof err);
    if (!srv)
        return cli_fail("hub", "%s", err);
    default_public_url(h, listen, http_server_port(srv));
    if (http_server_serve(srv, HUB_MAX_BODY, (unsigned)threads, hub_gate, hub_handle, h, err,
                          sizeof err) != 0) {
        http_server_stop(srv);
        return cli_fail("hub", "%s", err);
    }
    if (hub_log_has_key(h->log) && hub_log_start_signer(h->log, h->sth_interval_ms) != 0) {
        http_server_stop(srv);
        return cli_fail("hub", "cannot start the tree head signer");
    }
    /* Several rounds in flight: one worker records and claims under the
     * writer lock while another's round is at the platforms. */
    while (nrelay < h->relay_workers &&
           pthread_create(&relay[nrelay], NULL, hub_relay_main, h) == 0)
        nrelay++;
    if (nrelay < h->relay_workers) {
        http_server_stop(srv);
        stop_workers(h, relay, nrelay, NULL);
        return cli_fail("hub", "cannot start the relay workers");
    }
    if (pthread_create(&deadline, NULL, hub_deadline_main, h) != 0) {
        http_server_stop(srv);
        stop_workers(h, relay, nrelay, NULL);
        return cli_fail("hub", "cannot start the deadline worker");
    }
    log_info("listening on %s (port %d), %zu agencies and platforms, %zu platforms",
             listen, http_server_port(srv), h->clients.count, h->nplatforms);
    sig = cli_wait_shutdown_signal();
    log_info("signal %d: finishing requests and relays in flight", sig);
    http_server_stop(srv);
    stop_workers(h, relay, nrelay, &deadline);
    log_info("stopped");
    return EXIT_OK;
}

int cmd_hub(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, 0, 'c'},
        {"listen", required_argument, 0, 'l'},
        {"threads", required_argument, 0, 't'},
        {"quiet", no_argument, 0, 'q'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    const char *cfgfile = NULL, *listen = NULL;
    long threads = 4;
    config cfg;
    hub h = {0};
    char err[512];
    int c, rc;

    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'c': cfgfile = optarg; break;
        case 'l': listen = optarg; break;
        case 't':
            if (cli_parse_long(optarg, 1, 64, &threads) != 0)
                return cli_usage_error("hub", "--threads must be 1 to 64");
            break;
        case 'q': log_set_quiet(1); break;
        case 'h': fputs(usage, stdout); return EXIT_OK;
        default: return cli_usage_error("hub", "unknown option");
        }
    }
    if (optind != argc)
        return cli_usage_error("hub", "unexpected argument '%s'", argv[optind]);
    if (!cfgfile)
        return cli_usage_error("hub", "--config is required");
    log_set_name("hub");
    if (config_load(&cfg, cfgfile, err, sizeof err) != 0)
        return cli_fail("hub", "%s", err);
    if (!listen)
        listen = config_require(&cfg, "hub", "listen", err, sizeof err);
    pthread_mutex_init(&h.wake_lock, NULL);
    pthread_cond_init(&h.wake, NULL);
    if (!listen || load_config(&h, &cfg, err, sizeof err) != 0)
        rc = cli_fail("hub", "%s", err);
    else
        rc = run(&h, listen, threads);
    hub_free(&h);
    config_free(&cfg);
    return rc;
}
