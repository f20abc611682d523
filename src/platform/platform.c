/* platform.c -- `herald platform`: the command, its configuration, and
 * request routing. See platform.h for how the work is split. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "config.h"
#include "http_client.h"
#include "keyfile.h"
#include "log.h"
#include "platform.h"

static const char usage[] =
    "Usage: herald platform --config FILE [--listen HOST:PORT] [--quiet]\n\n"
    "Runs a certified electronic document intermediary (a messenger or carrier):\n"
    "members sign up (their RRN goes to idsvc and is dropped, the CI is kept),\n"
    "the hub relays notices into their inboxes, and members open them through\n"
    "the web pages, which issue a signed view token for the agency.\n\n"
    "  --config FILE       platform.ini: [platform] name, dir, listen, public_url,\n"
    "                      view_key, clients, pin_hash (interactive|min),\n"
    "                      view_token_ttl_s, session_ttl_s, threads,\n"
    "                      report_interval_ms; [idsvc] url, key_file;\n"
    "                      [hub] url, key_file\n"
    "  --listen HOST:PORT  overrides the config's listen\n"
    "  --quiet             log only warnings and errors\n\n"
    "API (bearer key from the clients file): POST /v1/relay (hub), POST /v1/members,\n"
    "POST /v1/members/verify and POST /v1/consent (admin). Pages: / /login /signup\n"
    "/inbox /notices/ID /notices/ID/open /consent /logout (members who sign up on the\n"
    "web get notices once the back office has verified them). SIGTERM or SIGINT stops\n"
    "cleanly.\n";

json_t *platform_list(const http_request *req, http_response *resp, const char *key,
                      json_t **root)
{
    json_error_t jerr;
    json_t *list;

    *root = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &jerr);
    if (!*root) {
        http_reply_error(resp, 400, "malformed JSON at line %d column %d", jerr.line,
                         jerr.column);
        return NULL;
    }
    list = json_object_get(*root, key);
    if (!json_is_array(list)) {
        http_reply_error(resp, 400, "expected {\"%s\":[...]}", key);
    } else if (json_array_size(list) > PLATFORM_MAX_BATCH) {
        http_reply_error(resp, 413, "at most %d items per request, got %zu",
                         PLATFORM_MAX_BATCH, json_array_size(list));
    } else {
        return list;
    }
    json_decref(*root);
    *root = NULL;
    return NULL;
}

json_t *platform_batch(const http_request *req, http_response *resp, const char *key,
                       json_t **root)
{
    json_t *list = platform_list(req, resp, key, root), *o;
    size_t i;

    if (!list)
        return NULL;
    json_array_foreach(list, i, o)
        if (!json_is_object(o)) {
            http_reply_error(resp, 400, "item %zu is not an object", i);
            json_decref(*root);
            *root = NULL;
            return NULL;
        }
    return list;
}

/* Who may call which API path: the hub relays, the back office signs up
 * and verifies. */
static const char *api_caller(const char *path)
{
    if (!strcmp(path, "/v1/relay"))
        return "hub";
    if (!strcmp(path, "/v1/members") || !strcmp(path, "/v1/members/verify") ||
        !strcmp(path, "/v1/consent"))
        return "admin";
    return NULL;
}

/* Runs on a request's headers, before its body is read: an API call
 * without a key of ours is refused at once instead of after buffering up
 * to 16 MiB, and the citizen pages, open to anyone, take form-sized
 * bodies only. */
static int gate(void *ctx, const http_request *req, size_t *max_body)
{
    platform *p = ctx;

    if (!strcmp(req->path, "/v1/health"))
        return 0;
    if (strncmp(req->path, "/v1/", 4) != 0) {
        *max_body = PLATFORM_PAGE_MAX_BODY;
        return 0;
    }
    if (!api_caller(req->path))
        return 404;
    return apikeys_check(&p->clients, http_header(req, "Authorization")) ? 0 : 401;
}

static void handle_api(platform *p, const http_request *req, http_response *resp)
{
    const char *who = api_caller(req->path);
    const apikey_entry *caller;

    if (!who) {
        http_reply_not_found(resp);
        return;
    }
    if (!http_want_method(req, resp, "POST") ||
        !(caller = apikeys_authorize(&p->clients, req, resp)))
        return;
    if (strcmp(caller->name, who) != 0) {
        http_reply_error(resp, 403, "%s is for %s, not %s", req->path, who, caller->name);
        return;
    }
    if (!strcmp(req->path, "/v1/relay"))
        platform_api_relay(p, req, resp);
    else if (!strcmp(req->path, "/v1/members"))
        platform_api_members(p, req, resp);
    else if (!strcmp(req->path, "/v1/members/verify"))
        platform_api_verify(p, req, resp);
    else
        platform_api_consent(p, req, resp);
}

static void handle(void *ctx, const http_request *req, http_response *resp)
{
    platform *p = ctx;

    if (!strcmp(req->path, "/v1/health")) {
        pthread_mutex_lock(&p->lock);
        long long pending = platform_db_pending_reports(p->db);
        pthread_mutex_unlock(&p->lock);
        http_reply_json(resp, pending < 0 ? 500 : 200,
                        json_pack("{ss sI}", "status", pending < 0 ? "database error" : "ok",
                                  "pending_reports", (json_int_t)pending));
        return;
    }
    if (!strncmp(req->path, "/v1/", 4)) {
        handle_api(p, req, resp);
        return;
    }
    if (!platform_web(p, req, resp)) {
        http_reply_error(resp, 404, "no such page");
    }
}

/* Reads a one-line API key file into secure memory. */
static char *read_key(const config *cfg, const char *section, char *err, size_t errlen)
{
    const char *v = config_require(cfg, section, "key_file", err, errlen);
    char path[PATH_MAX], *key;

    if (!v)
        return NULL;
    config_path(cfg, v, path, sizeof path);
    key = secure_alloc(APIKEY_TOKEN_MAX + 2);
    if (!key) {
        snprintf(err, errlen, "cannot allocate secure memory");
        return NULL;
    }
    if (http_client_read_key(path, key, APIKEY_TOKEN_MAX + 2, err, errlen) != 0) {
        secure_free(key);
        return NULL;
    }
    return key;
}

static int load_view_key(platform *p, const config *cfg, char *err, size_t errlen)
{
    const char *v = config_require(cfg, "platform", "view_key", err, errlen);
    uint8_t seed[ED25519_SEED_LEN], pk[ED25519_PUBLIC_LEN];
    char path[PATH_MAX];

    if (!v)
        return -1;
    config_path(cfg, v, path, sizeof path);
    if (keyfile_read(path, 1, seed, sizeof seed, err, errlen) != 0)
        return -1;
    p->view_sk = secure_alloc(ED25519_SECRET_LEN);
    if (!p->view_sk) {
        secure_wipe(seed, sizeof seed);
        snprintf(err, errlen, "cannot allocate secure memory");
        return -1;
    }
    ed25519_from_seed(pk, p->view_sk, seed);
    secure_wipe(seed, sizeof seed);
    return 0;
}

static int copy_setting(const config *cfg, const char *section, const char *key, char *out,
                        size_t outlen, char *err, size_t errlen)
{
    const char *v = config_require(cfg, section, key, err, errlen);

    if (!v)
        return -1;
    if (strlen(v) >= outlen) {
        snprintf(err, errlen, "%s: [%s] %s is too long", cfg->path, section, key);
        return -1;
    }
    memcpy(out, v, strlen(v) + 1);
    return 0;
}

static int load_settings(platform *p, const config *cfg, long *threads, char *err,
                         size_t errlen)
{
    const char *v;

    if (copy_setting(cfg, "platform", "name", p->name, sizeof p->name, err, errlen) ||
        copy_setting(cfg, "platform", "public_url", p->public_url, sizeof p->public_url, err,
                     errlen) ||
        copy_setting(cfg, "idsvc", "url", p->idsvc_url, sizeof p->idsvc_url, err, errlen) ||
        copy_setting(cfg, "hub", "url", p->hub_url, sizeof p->hub_url, err, errlen))
        return -1;
    if (!apikey_name_ok(p->name, strlen(p->name))) {
        snprintf(err, errlen, "%s: [platform] name must be 1-64 of [A-Za-z0-9._-]", cfg->path);
        return -1;
    }
    p->secure_cookie = !strncmp(p->public_url, "https://", 8);
    v = config_get(cfg, "platform", "pin_hash");
    if (!v || !strcmp(v, "interactive"))
        p->pin_cost = PWHASH_INTERACTIVE;
    else if (!strcmp(v, "min"))
        p->pin_cost = PWHASH_MIN;
    else {
        snprintf(err, errlen, "%s: [platform] pin_hash must be interactive or min", cfg->path);
        return -1;
    }
    if (config_long(cfg, "platform", "view_token_ttl_s", 300, 10, 900, &p->view_token_ttl_s,
                    err, errlen) ||
        config_long(cfg, "platform", "session_ttl_s", 1800, 60, 86400, &p->session_ttl_s, err,
                    errlen) ||
        config_long(cfg, "platform", "threads", 4, 1, 64, threads, err, errlen) ||
        config_long(cfg, "platform", "report_interval_ms", 200, 10, 60000,
                    &p->report_interval_ms, err, errlen))
        return -1;
    return 0;
}

static int open_db(platform *p, const config *cfg, char *err, size_t errlen)
{
    const char *v = config_require(cfg, "platform", "dir", err, errlen);
    char dir[PATH_MAX], path[PATH_MAX + 32];

    if (!v)
        return -1;
    config_path(cfg, v, dir, sizeof dir);
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "%s: %s", dir, strerror(errno));
        return -1;
    }
    snprintf(path, sizeof path, "%s/platform.db", dir);
    p->db = platform_db_open(path, err, errlen);
    return p->db ? 0 : -1;
}

static int load(platform *p, const config *cfg, long *threads, char *err, size_t errlen)
{
    const char *v;
    char path[PATH_MAX];

    if (load_settings(p, cfg, threads, err, errlen) != 0 || load_view_key(p, cfg, err, errlen))
        return -1;
    if (!(v = config_require(cfg, "platform", "clients", err, errlen)))
        return -1;
    config_path(cfg, v, path, sizeof path);
    if (apikeys_load(&p->clients, path, err, errlen) != 0)
        return -1;
    if (!(p->idsvc_key = read_key(cfg, "idsvc", err, errlen)) ||
        !(p->hub_key = read_key(cfg, "hub", err, errlen)))
        return -1;
    if (pwhash_str(p->dummy_pin_hash, "0000", 4, p->pin_cost) != 0) {
        snprintf(err, errlen, "cannot hash a PIN (out of memory?)");
        return -1;
    }
    return open_db(p, cfg, err, errlen);
}

static void unload(platform *p)
{
    if (p->db)
        platform_db_close(p->db);
    apikeys_free(&p->clients);
    if (p->view_sk)
        secure_free(p->view_sk);
    if (p->idsvc_key)
        secure_free(p->idsvc_key);
    if (p->hub_key)
        secure_free(p->hub_key);
    pthread_mutex_destroy(&p->lock);
}

static int run(platform *p, const char *listen, long threads)
{
    char err[512];
    http_server *srv;
    int sig;

    cli_block_shutdown_signals();
    if (platform_reporter_start(p) != 0)
        return cli_fail("platform", "cannot start the reporter thread");
    srv = http_server_start_gated(listen, PLATFORM_MAX_BODY, (unsigned)threads, gate, handle, p,
                                  err, sizeof err);
    if (!srv) {
        platform_reporter_stop(p);
        return cli_fail("platform", "%s", err);
    }
    log_info("listening on %s (port %d), platform %s, %zu clients, %ld threads", listen,
             http_server_port(srv), p->name, p->clients.count, threads);
    sig = cli_wait_shutdown_signal();
    log_info("signal %d: finishing requests in flight", sig);
    http_server_stop(srv);
    platform_reporter_stop(p);
    log_info("stopped");
    return EXIT_OK;
}

int cmd_platform(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, 0, 'c'},
        {"listen", required_argument, 0, 'l'},
        {"quiet", no_argument, 0, 'q'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    const char *cfgfile = NULL, *listen = NULL;
    static platform p; /* large; lives for the whole run */
    config cfg;
    char err[512];
    long threads = 4;
    int c, rc;

    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'c': cfgfile = optarg; break;
        case 'l': listen = optarg; break;
        case 'q': log_set_quiet(1); break;
        case 'h': fputs(usage, stdout); return EXIT_OK;
        default: return cli_usage_error("platform", "unknown option");
        }
    }
    if (optind != argc)
        return cli_usage_error("platform", "unexpected argument '%s'", argv[optind]);
    if (!cfgfile)
        return cli_usage_error("platform", "--config is required");
    log_set_name("platform");
    if (config_load(&cfg, cfgfile, err, sizeof err) != 0)
        return cli_fail("platform", "%s", err);
    if (!listen)
        listen = config_require(&cfg, "platform", "listen", err, sizeof err);
    memset(&p, 0, sizeof p);
    pthread_mutex_init(&p.lock, NULL);
    if (!listen || load(&p, &cfg, &threads, err, sizeof err) != 0) {
        unload(&p);
        config_free(&cfg);
        return cli_fail("platform", "%s", err);
    }
    rc = run(&p, listen, threads);
    unload(&p);
    config_free(&cfg);
    return rc;
}
