/* hub_main.c -- `herald hub`: the certified relay hub's command.
 *
 * Reads the options and hub.ini (the hub's numbers, its keys, and the
 * registry of agencies and platforms), then starts the hub (hub.c), waits
 * for SIGTERM or SIGINT and stops it. Everything after start runs in
 * hub.c and the files it starts; none of it calls back here. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch.h"
#include "cli.h"
#include "config.h"
#include "crypto.h"
#include "field.h"
#include "http_client.h"
#include "hub.h"
#include "hub_signer_config.h"
#include "hub_user_cmd.h"
#include "keyfile.h"
#include "log.h"
#include "role_confine.h"

static const char usage[] =
    "Usage: herald hub --config FILE [--listen HOST:PORT] [--threads N] [--quiet]\n"
    "       herald hub user add|list|remove ... --config FILE (the console's accounts)\n\n"
    "Runs the relay hub: POST /v1/notices and GET /v1/notices/{id}, GET /v1/changes,\n"
    "POST /v1/cancellations, /v1/payments and /v1/postal/handover (agencies), POST\n"
    "/v1/directory (platforms), POST /v1/events (both), GET /v1/health and /metrics\n"
    "([hub] metrics = off, public or key, metrics_clients: docs/protocol.md); relays\n"
    "accepted notices to platforms and expires unread ones at their deadline.\n"
    "Keeps the evidence log: GET /v1/log/sth, /v1/log/consistency, /v1/log/key and\n"
    "the /verify page (public), GET /v1/notices/{id}/certificate[.pdf].\n"
    "The operators' console at /console: accounts from `herald hub user add`.\n"
    "SIGTERM or SIGINT finishes the work in flight and exits.\n\n"
    "FILE (INI; relative paths are relative to its folder):\n"
    "  [hub]  dir = DIR (hub.db, hub.db.leaves and directory.db; back up hub.db\n"
    "         first, then hub.db.leaves: it only grows), listen = HOST:PORT,\n"
    "         hub_key_file = FILE (the API key presented to platforms, mode 0600),\n"
    "         relay_batch = 4000, relay_interval_ms = 50, relay_gather_ms = 20 (after\n"
    "         a partial round, the wait for more to relay at once), relay_workers = 2\n"
    "         (rounds in flight at once, 1 to 8), deadline_interval_ms = 1000,\n"
    "         fallback_window_s = 259200 (read deadline on a fallback channel),\n"
    "         reminders = 50%, 1h (when the platform holding an unread notice is asked\n"
    "         to remind its member: a share of the read window, or a time before the\n"
    "         deadline in s, m, h or d, up to 8, comma-separated; off: none),\n"
    "         consent_window_s = 604800 (a member known to a platform without consent\n"
    "         is pre-noticed there when no consenting platform is left, and has this\n"
    "         long to consent before the next platform or paper; 0: no pre-notices)\n"
    "         signer = PATH (the socket of herald signer, which holds the log key and\n"
    "         signs tree heads; the hub never reads the key) with log_pub = FILE (the\n"
    "         log's public key, to check them); or, for a small deployment only,\n"
    "         log_key = FILE (the Ed25519 secret from herald keygen --ed25519, the\n"
    "         hub signing in process); with neither the log is kept but heads are\n"
    "         not signed and the log endpoints answer 503; sth_interval_ms = 1000 (at most one\n"
    "         signed tree head per interval while the log grows),\n"
    "         user = NAME (started as root: become NAME once the port is bound and\n"
    "         the key files read; the dir must belong to NAME),\n"
    "         seccomp = on (off: no seccomp filter; docs/operations.md,\n"
    "         \"Privileges\"),\n"
    "         public_url = http(s)://LISTEN (where people reach the verify page),\n"
    "         rate_per_s = 0 (notices a second each agency may submit; 0: no limit),\n"
    "         rate_burst = rate_per_s (the most at once), daily_quota = 0 (notices\n"
    "         an agency may submit a day, Korean time; 0: none); over either, 429\n"
    "         with Retry-After; a batch larger than daily_quota, 413\n"
    "  [store] kind = sqlite (hub.db in [hub] dir) or postgres: the notices, the\n"
    "         log and the directory in one PostgreSQL database that several hubs\n"
    "         (nodes) share, each taking any request; dsn = the libpq connection\n"
    "         string (host=/run/postgresql dbname=herald; a password belongs in\n"
    "         ~/.pgpass, not here), node = a name for this hub, unique among the\n"
    "         nodes (1-64 of A-Z a-z 0-9 . _ : -; default HOSTNAME:PORT). Console\n"
    "         accounts stay in console.db in [hub] dir, per node\n"
    "  [agency NAME]    key_sha256 = SHA-256 hex of the agency's API key;\n"
    "                   rate_per_s, rate_burst, daily_quota: this agency's own;\n"
    "                   documents = https://HOST/PATH/ (its notices' links must\n"
    "                   start with it; unset: any link)\n"
    "  [platform NAME]  key_sha256 = ..., url = https://HOST:PORT, pin = sha256//...\n"
    "                   (the platform's key, as herald keygen --tls printed it),\n"
    "                   common = 0 (1: the platform reads a relay's shared fields\n"
    "                   once, in \"common\"; see protocol.md, \"Common fields\")\n"
    "  [http]  connection limits and waits, as for every role (docs/operations.md):\n"
    "          max_connections = 4096, max_connections_per_source = 64,\n"
    "          header_timeout_s = 10, idle_timeout_s = 15, peer_idle_timeout_s = 120,\n"
    "          request_timeout_s = 60, body_grace_s = 30, body_min_rate = 1024\n"
    "          (bytes a second a body must keep up after its grace),\n"
    "          trusted_proxies = (none; the console's\n"
    "          sign-in limits count the client X-Forwarded-For names)\n"
    "  [tls]  cert = FILE, key = FILE (this hub's certificate and key, PEM, from\n"
    "         herald keygen --tls): serve TLS 1.3 on listen; or plain_http =\n"
    "         loopback: serve, and call platforms at http:// URLs, in plain HTTP on\n"
    "         loopback addresses only. With neither the hub refuses to start.\n\n"
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

/* A platform's url and common. Returns 0 or -1. */
static int read_platform(registry_ctx *rc, const config *cfg, const char *section,
                         const char **url, long *common)
{
    *url = config_require(cfg, section, "url", rc->err, rc->errlen);
    if (!*url)
        return -1;
    if (transport_peer(&rc->h->tls, cfg, section, *url, rc->err, rc->errlen) != 0)
        return -1;
    return config_long(cfg, section, "common", 0, 0, 1, common, rc->err, rc->errlen);
}

/* An agency's rate limit and daily quota: its own keys, else [hub]'s. */
static int read_limits(registry_ctx *rc, const config *cfg, const char *section,
                       const char *name)
{
    hub *h = rc->h;
    long rate, burst, quota;

    if (config_long(cfg, section, "rate_per_s", h->rate_per_s, 0, 1000000, &rate, rc->err,
                    rc->errlen) != 0 ||
        config_long(cfg, section, "rate_burst", h->rate_burst ? h->rate_burst : rate, 0,
                    100000000, &burst, rc->err, rc->errlen) != 0 ||
        config_long(cfg, section, "daily_quota", h->daily_quota, 0, 1000000000000L, &quota,
                    rc->err, rc->errlen) != 0)
        return -1;
    if (!h->limits || hub_limits_add(h->limits, name, rate, burst, quota, clock_now_ms()) != 0) {
        snprintf(rc->err, rc->errlen, "out of memory");
        return -1;
    }
    return 0;
}

/* An agency's documents URL: where its notices' links must point (the
 * member is sent there from the platform), a URL ending in '/' so that
 * its host is whole. NULL when not set: any link. Returns 0 or -1. */
static int read_documents(registry_ctx *rc, const config *cfg, const char *section,
                          const char **documents)
{
    const char *v = config_get(cfg, section, "documents");
    size_t n = v ? strlen(v) : 0;

    *documents = NULL;
    if (!v)
        return 0;
    if (!field_link_ok(v, n) || v[n - 1] != '/' || !strstr(v, "://") ||
        !strchr(strstr(v, "://") + 3, '/')) {
        snprintf(rc->err, rc->errlen,
                 "%s: [%s] documents must be an http(s) URL ending in '/', such as"
                 " https://agency.example/documents/", cfg->path, section);
        return -1;
    }
    *documents = v;
    return 0;
}

static int on_section(void *ctx, const config *cfg, const char *section, const char *name)
{
    registry_ctx *rc = ctx;
    const char *hex = config_require(cfg, section, "key_sha256", rc->err, rc->errlen);
    const char *url = NULL, *documents = NULL;
    uint8_t hash[32];
    long common = 0;

    if (!apikeys_name_ok(name, strlen(name))) {
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
    if (rc->role == ROLE_PLATFORM && read_platform(rc, cfg, section, &url, &common) != 0)
        return -1;
    if (rc->role == ROLE_AGENCY && (read_limits(rc, cfg, section, name) != 0 ||
                                    read_documents(rc, cfg, section, &documents) != 0))
        return -1;
    if (hub_add_client(rc->h, rc->role, name, hash, url, (int)common, documents) != 0) {
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

/* ---- [hub] ---- */

static int load_numbers(hub *h, const config *cfg, char *err, size_t errlen)
{
    if (config_long(cfg, "hub", "relay_batch", 4000, 1, BATCH_MAX_ITEMS, &h->relay_batch,
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
        config_long(cfg, "hub", "consent_window_s", 604800, 0, 31536000,
                    &h->consent_window_s, err, errlen) != 0 ||
        config_long(cfg, "hub", "sth_interval_ms", 1000, 100, 3600000, &h->sth_interval_ms,
                    err, errlen) != 0 ||
        config_long(cfg, "hub", "rate_per_s", 0, 0, 1000000, &h->rate_per_s, err, errlen) != 0 ||
        config_long(cfg, "hub", "rate_burst", 0, 0, 100000000, &h->rate_burst, err,
                    errlen) != 0 ||
        config_long(cfg, "hub", "daily_quota", 0, 0, 1000000000000L, &h->daily_quota, err,
                    errlen) != 0)
        return -1;
    const char *reminders = config_get(cfg, "hub", "reminders");
    if (hub_reminders_parse(reminders ? reminders : HUB_REMINDERS_DEFAULT, &h->reminders, err,
                            errlen) != 0)
        return -1;
    return 0;
}

/* ---- [store] ---- */

static int node_char_ok(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           (c && strchr("._:-", c));
}

static int node_name_ok(const char *s)
{
    size_t n = strlen(s);

    if (n < 1 || n > HUB_NODE_MAX)
        return 0;
    for (; *s; s++)
        if (!node_char_ok(*s))
            return 0;
    return 1;
}

/* [store] kind, dsn and node. The dsn may hold a password: no message
 * quotes it. */
static int load_store(hub *h, const config *cfg, char *err, size_t errlen)
{
    const char *kind = config_get(cfg, "store", "kind");
    const char *dsn = config_get(cfg, "store", "dsn");
    const char *node = config_get(cfg, "store", "node");

    if (kind && strcmp(kind, "sqlite") && strcmp(kind, "postgres")) {
        snprintf(err, errlen, "%s: [store] kind must be sqlite or postgres", cfg->path);
        return -1;
    }
    h->store_pg = kind && !strcmp(kind, "postgres");
    if (!h->store_pg && (dsn || node)) {
        snprintf(err, errlen, "%s: [store] %s is for kind = postgres only", cfg->path,
                 dsn ? "dsn" : "node");
        return -1;
    }
    if (!h->store_pg)
        return 0;
    if (!dsn || !dsn[0]) {
        snprintf(err, errlen, "%s: [store] kind = postgres needs dsn (a libpq connection "
                 "string, such as host=/run/postgresql dbname=herald)", cfg->path);
        return -1;
    }
    if (strlen(dsn) > HUB_DSN_MAX) {
        snprintf(err, errlen, "%s: [store] dsn is longer than %d characters", cfg->path,
                 HUB_DSN_MAX);
        return -1;
    }
    if (node && !node_name_ok(node)) {
        snprintf(err, errlen, "%s: [store] node must be 1-%d of A-Z a-z 0-9 . _ : -",
                 cfg->path, HUB_NODE_MAX);
        return -1;
    }
    snprintf(h->store_dsn, sizeof h->store_dsn, "%s", dsn);
    if (node)
        snprintf(h->store_node, sizeof h->store_node, "%s", node);
    return 0;
}

/* The default node name, once bound: this host's name and the port, so
 * that two hubs on one machine differ. */
static void default_node(hub *h)
{
    char host[HUB_NODE_MAX + 1];
    size_t n;

    if (h->store_node[0])
        return;
    if (gethostname(host, sizeof host) != 0)
        snprintf(host, sizeof host, "hub");
    host[HUB_NODE_MAX - 6] = '\0'; /* room for :PORT */
    for (n = 0; host[n]; n++)
        if (!node_char_ok(host[n]))
            host[n] = '-';
    snprintf(h->store_node, sizeof h->store_node, "%s:%d", host[0] ? host : "hub", hub_port(h));
}

/* [hub] public_url, and the seed file [hub] log_key names (herald keygen
 * --ed25519 wrote it, 0600) into seed. Returns 1 with a seed, 0 without
 * one, -1 on an error. */
static int load_log_key(hub *h, const config *cfg, uint8_t seed[ED25519_SEED_LEN], char *err,
                        size_t errlen)
{
    const char *file = config_get(cfg, "hub", "log_key");
    const char *url = config_get(cfg, "hub", "public_url");
    char path[4096];

    if (url)
        snprintf(h->public_url, sizeof h->public_url, "%s", url);
    if (url && strncmp(url, "http://", 7) && strncmp(url, "https://", 8)) {
        snprintf(err, errlen, "%s: [hub] public_url must start with http:// or https://",
                 cfg->path);
        return -1;
    }
    if (!file) {
        if (!config_get(cfg, "hub", "signer"))
            log_warn("no [hub] signer nor log_key: tree heads are not signed, certificates "
                     "not issued");
        return 0;
    }
    config_path(cfg, file, path, sizeof path);
    return keyfile_read(path, 1, seed, ED25519_SEED_LEN, err, errlen) != 0 ? -1 : 1;
}

/* Everything hub.ini says; the port bound, root given up with [hub]
 * user, the seccomp filter on (role_confine.h); then the stores it
 * names. */
static int configure(hub *h, const config *cfg, const char *listen, char *err, size_t errlen)
{
    const char *keyfile = config_get(cfg, "hub", "hub_key_file"), *dir;
    uint8_t seed[ED25519_SEED_LEN];
    char path[4096];
    int rc;

    if (transport_from_config(&h->tls, cfg, err, errlen) != 0 ||
        load_numbers(h, cfg, err, errlen) != 0 || load_registry(h, cfg, err, errlen) != 0 ||
        http_limits_load(cfg, &h->http, err, errlen) != 0 ||
        load_store(h, cfg, err, errlen) != 0 ||
        metrics_access_config(&h->metrics, cfg, "hub", err, errlen) != 0)
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
    dir = config_require(cfg, "hub", "dir", err, errlen);
    if (!dir)
        return -1;
    config_path(cfg, dir, path, sizeof path);
    hub_signer_config signer;
    int remote = hub_signer_config_read(cfg, &signer, err, errlen);
    rc = remote < 0 ? -1 : load_log_key(h, cfg, seed, err, errlen);
    if (rc >= 0 && hub_bind(h, listen, err, errlen) != 0)
        rc = -1;
    if (rc >= 0)
        default_node(h);
    if (rc >= 0 && (role_confine(cfg, "hub", path, h->store_pg ? &hub_pg_syscalls
                                 : &hub_syscalls, err, errlen) != 0 ||
                    hub_open(h, path, rc ? seed : NULL, err, errlen) != 0))
        rc = -1;
    if (rc >= 0 && remote && hub_evidence_log_set_signer(h->log, signer.socket, signer.pk) != 0) {
        snprintf(err, errlen, "cannot use the signer at %s", signer.socket);
        rc = -1;
    }
    secure_wipe(seed, sizeof seed);
    return rc < 0 ? -1 : 0;
}

/* ---- the command ---- */

static int run(hub *h, const char *listen, long threads)
{
    char err[512], how[128];
    int sig;

    cli_block_shutdown_signals();
    if (hub_start(h, listen, (unsigned)threads, err, sizeof err) != 0)
        return cli_fail("hub", "%s", err);
    log_info("listening on %s (port %d), %zu agencies and platforms, %zu platforms, %s",
             listen, hub_port(h), h->clients.count, h->nplatforms,
             transport_describe(&h->tls, how, sizeof how));
    sig = cli_wait_shutdown_signal();
    log_info("signal %d: finishing requests and relays in flight", sig);
    hub_stop(h);
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
    hub h;
    char err[512];
    int c, rc;

    if (argc > 1 && !strcmp(argv[1], "user"))
        return hub_user_main(argc - 1, argv + 1);
    while ((c = getopt_long(argc, argv, CLI_SHORT_OPTS, opts, NULL)) != -1) {
        switch (c) {
        case 'c': cfgfile = optarg; break;
        case 'l': listen = optarg; break;
        case 't':
            if (cli_parse_long(optarg, 1, 64, &threads) != 0)
                return cli_usage_error("hub", "--threads must be 1 to 64");
            break;
        case 'q': log_set_quiet(1); break;
        case 'h': fputs(usage, stdout); return EXIT_OK;
        default: return cli_bad_option("hub", c, argc, argv);
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
    hub_init(&h);
    if (!listen || configure(&h, &cfg, listen, err, sizeof err) != 0)
        rc = cli_fail("hub", "%s", err);
    else
        rc = run(&h, listen, threads);
    hub_free(&h);
    config_free(&cfg);
    return rc;
}
