/* idsvc_main.c -- `herald idsvc`: the Identification Service Agency.
 *
 * The only party that holds the CI key. This file is the command: its
 * options, then open the key and clients (idsvc.c), serve the routes
 * (idsvc_api.c) until SIGTERM or SIGINT, and close. */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "config.h"
#include "http_server.h"
#include "idsvc.h"
#include "idsvc_api.h"
#include "log.h"
#include "privdrop.h"
#include "role_confine.h"
#include "transport.h"

static const char usage[] =
    "Usage: herald idsvc --key-file FILE --listen HOST:PORT --clients FILE\n"
    "                    (--tls-cert FILE --tls-key FILE | --plain-http)\n"
    "                    [--threads N] [--metrics off|public|key]\n"
    "                    [--metrics-clients FILE] [--limits FILE] [--user USER]\n"
    "                    [--seccomp on|off] [--quiet]\n\n"
    "Serves POST /v1/ci: {\"rrns\":[...]} (at most 10,000) -> {\"results\":[...]},\n"
    "each {\"ci\":...} or {\"error\":...}, in order. Callers authenticate with\n"
    "'Authorization: Bearer KEY'; the clients FILE lists \"NAME SHA256-OF-KEY\" per\n"
    "line (see 'herald apikey'). GET /v1/health answers without a key.\n"
    "SIGTERM or SIGINT finishes the requests in flight and exits.\n\n"
    "  --key-file FILE     the CI secret (made by 'herald keygen --hmac')\n"
    "  --listen HOST:PORT  where to listen, e.g. 127.0.0.1:7001\n"
    "  --clients FILE      who may call\n"
    "  --tls-cert FILE     serve TLS 1.3 with this certificate (PEM; made with its\n"
    "                      key by 'herald keygen --tls', which prints the pin\n"
    "                      callers put in their configs)\n"
    "  --tls-key FILE      the certificate's key (PEM, mode 0600)\n"
    "  --plain-http        serve plain HTTP instead: refused unless --listen is a\n"
    "                      loopback address\n"
    "  --threads N         worker threads (default 2)\n"
    "  --metrics MODE      GET /metrics: off (default, 404), public, or key (only\n"
    "                      callers in --metrics-clients, a clients file)\n"
    "  --metrics-clients FILE  who may read the metrics with --metrics key\n"
    "  --limits FILE       an INI file whose [http] section sets the connection\n"
    "                      limits and waits, as in every role's config\n"
    "                      (docs/operations.md; default: the defaults there)\n"
    "  --user USER         started as root: become USER once the key and clients\n"
    "                      are read and the port is bound\n"
    "  --seccomp on|off    on (default): once bound (and --user), only the system\n"
    "                      calls in src/idsvc/idsvc_syscalls.c and\n"
    "                      src/lib/service_syscalls.c; any other stops idsvc with\n"
    "                      a line naming it (docs/operations.md, \"Privileges\")\n"
    "  --quiet             log only warnings and errors\n";

typedef struct idsvc_options {
    const char *key_file, *listen, *clients, *metrics, *metrics_clients, *limits, *user;
    const char *seccomp;
    const char *tls_cert, *tls_key;
    int plain_http;
    long threads;
} idsvc_options;

/* Returns -1 to go on, or the command's exit status (help, usage error). */
static int parse_options(int argc, char **argv, idsvc_options *o)
{
    static const struct option opts[] = {
        {"key-file", required_argument, 0, 'k'},
        {"listen", required_argument, 0, 'l'},
        {"clients", required_argument, 0, 'c'},
        {"threads", required_argument, 0, 't'},
        {"metrics", required_argument, 0, 'm'},
        {"metrics-clients", required_argument, 0, 'M'},
        {"limits", required_argument, 0, 'L'},
        {"user", required_argument, 0, 'u'},
        {"seccomp", required_argument, 0, 'S'},
        {"tls-cert", required_argument, 0, 'C'},
        {"tls-key", required_argument, 0, 'K'},
        {"plain-http", no_argument, 0, 'P'},
        {"quiet", no_argument, 0, 'q'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    metrics_mode mode;
    char err[128];
    int c, on;

    while ((c = getopt_long(argc, argv, CLI_SHORT_OPTS, opts, NULL)) != -1) {
        switch (c) {
        case 'k': o->key_file = optarg; break;
        case 'l': o->listen = optarg; break;
        case 'c': o->clients = optarg; break;
        case 't':
            if (cli_parse_long(optarg, 1, 64, &o->threads) != 0)
                return cli_usage_error("idsvc", "--threads must be 1 to 64");
            break;
        case 'm':
            if (metrics_access_mode(optarg, &mode, err, sizeof err) != 0)
                return cli_usage_error("idsvc", "--%s", err);
            o->metrics = optarg;
            break;
        case 'M': o->metrics_clients = optarg; break;
        case 'L': o->limits = optarg; break;
        case 'u': o->user = optarg; break;
        case 'S':
            if (sandbox_setting(optarg, &on) != 0)
                return cli_usage_error("idsvc", "--seccomp must be on or off, not '%s'", optarg);
            o->seccomp = optarg;
            break;
        case 'C': o->tls_cert = optarg; break;
        case 'K': o->tls_key = optarg; break;
        case 'P': o->plain_http = 1; break;
        case 'q': log_set_quiet(1); break;
        case 'h': fputs(usage, stdout); return EXIT_OK;
        default: return cli_bad_option("idsvc", c, argc, argv);
        }
    }
    if (optind != argc)
        return cli_usage_error("idsvc", "unexpected argument '%s'", argv[optind]);
    if (!o->key_file || !o->listen || !o->clients)
        return cli_usage_error("idsvc", "--key-file, --listen and --clients are required");
    if (o->plain_http && (o->tls_cert || o->tls_key))
        return cli_usage_error("idsvc", "--plain-http goes without --tls-cert and --tls-key");
    return -1;
}

/* The [http] section of --limits FILE, or the defaults without one. */
static int read_limits(const char *path, http_limits *out, char *err, size_t errlen)
{
    static const http_limits def = HTTP_LIMITS_DEFAULT;
    config cfg;
    int rc;

    *out = def;
    if (!path)
        return 0;
    if (config_load(&cfg, path, err, errlen) != 0)
        return -1;
    rc = http_limits_load(&cfg, out, err, errlen);
    config_free(&cfg);
    return rc;
}

/* --user: started as root, become USER once the key and clients are read
 * and the port is bound (docs/design.md §7, "Privileges"). */
static int become_user(const char *name, uid_t uid, gid_t gid, char *err, size_t errlen)
{
    if (privdrop_to(uid, gid, err, errlen) != 0)
        return -1;
    log_info("running as %s (uid %u)", name, (unsigned)uid);
    return 0;
}

/* Stops serving (srv may be NULL) and frees what cmd_idsvc opened. */
static void stop(idsvc *s, http_server *srv)
{
    http_server_stop(srv);
    http_metrics_free(s->requests);
    metrics_access_close(&s->metrics);
    idsvc_close(s);
}

/* The TLS files are read here, before --user drops the rights to them. */
static int open_transport(transport *t, const idsvc_options *o, char *err, size_t errlen)
{
    if (transport_from_files(t, o->tls_cert, o->tls_key, o->plain_http, err, errlen) != 0 ||
        transport_serve(t, NULL, o->listen, "--listen", err, errlen) != 0) {
        transport_free(t);
        return -1;
    }
    return 0;
}

/* Binds, becomes --user, installs the seccomp filter and serves over t;
 * NULL with err. */
static http_server *serve(idsvc *s, const idsvc_options *o, const transport *t,
                          const http_limits *limits, uid_t uid, gid_t gid, int drop,
                          char *err, size_t errlen)
{
    http_server *srv = http_server_bind(o->listen, err, errlen);

    if (srv && ((drop && become_user(o->user, uid, gid, err, errlen) != 0) ||
                role_confine_filter(&idsvc_syscalls, o->seccomp, "--seccomp", err, errlen) != 0 ||
                transport_serve(t, srv, o->listen, "--listen", err, errlen) != 0)) {
        http_server_stop(srv);
        return NULL;
    }
    if (srv) {
        http_server_observe(srv, s->requests);
        http_server_limit(srv, limits);
        if (http_server_serve(srv, IDSVC_MAX_BODY, (unsigned)o->threads, idsvc_api_gate,
                              idsvc_api_handle, s, err, errlen) != 0) {
            http_server_stop(srv);
            srv = NULL;
        }
    }
    return srv;
}

int cmd_idsvc(int argc, char **argv)
{
    idsvc_options o = {.threads = 2};
    idsvc s = {0};
    transport t;
    char err[512], how[128];
    http_server *srv;
    http_limits limits;
    uid_t uid;
    gid_t gid;
    int rc, sig, drop;

    if ((rc = parse_options(argc, argv, &o)) != -1)
        return rc;
    log_set_name("idsvc");
    if (read_limits(o.limits, &limits, err, sizeof err) != 0 ||
        (drop = privdrop_plan(o.user, &uid, &gid, err, sizeof err)) < 0 ||
        open_transport(&t, &o, err, sizeof err) != 0)
        return cli_fail("idsvc", "%s", err);
    if (idsvc_open(&s, o.key_file, o.clients, err, sizeof err) != 0) {
        transport_free(&t);
        return cli_fail("idsvc", "%s", err);
    }
    if (metrics_access_open(&s.metrics, o.metrics, o.metrics_clients, err, sizeof err) != 0 ||
        (!(s.requests = idsvc_api_metrics_new()) &&
         snprintf(err, sizeof err, "out of memory") > 0)) {
        stop(&s, NULL);
        transport_free(&t);
        return cli_fail("idsvc", "%s", err);
    }
    cli_block_shutdown_signals();
    if (!(srv = serve(&s, &o, &t, &limits, uid, gid, drop, err, sizeof err))) {
        stop(&s, NULL);
        transport_free(&t);
        return cli_fail("idsvc", "%s", err);
    }
    log_info("listening on %s (port %d), %zu clients, %ld threads, %s", o.listen,
             http_server_port(srv), s.clients.count, o.threads,
             transport_describe(&t, how, sizeof how));
    sig = cli_wait_shutdown_signal();
    log_info("signal %d: finishing requests in flight", sig);
    stop(&s, srv);
    transport_free(&t);
    log_info("stopped");
    return EXIT_OK;
}
