/* idsvc_main.c -- `herald idsvc`: the Identification Service Agency.
 *
 * The only party that holds the CI key. This file is the command: its
 * options, then open the key and clients (idsvc.c), serve the routes
 * (idsvc_api.c) until SIGTERM or SIGINT, and close. */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "http_server.h"
#include "idsvc.h"
#include "idsvc_api.h"
#include "log.h"
#include "transport.h"

static const char usage[] =
    "Usage: herald idsvc --key-file FILE --listen HOST:PORT --clients FILE\n"
    "                    (--tls-cert FILE --tls-key FILE | --plain-http)\n"
    "                    [--threads N] [--metrics off|public|key]\n"
    "                    [--metrics-clients FILE] [--quiet]\n\n"
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
    "  --quiet             log only warnings and errors\n";

typedef struct idsvc_options {
    const char *key_file, *listen, *clients, *metrics, *metrics_clients;
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
        {"tls-cert", required_argument, 0, 'C'},
        {"tls-key", required_argument, 0, 'K'},
        {"plain-http", no_argument, 0, 'P'},
        {"quiet", no_argument, 0, 'q'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    int c;

    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'k': o->key_file = optarg; break;
        case 'l': o->listen = optarg; break;
        case 'c': o->clients = optarg; break;
        case 't':
            if (cli_parse_long(optarg, 1, 64, &o->threads) != 0)
                return cli_usage_error("idsvc", "--threads must be 1 to 64");
            break;
        case 'm': o->metrics = optarg; break;
        case 'M': o->metrics_clients = optarg; break;
        case 'C': o->tls_cert = optarg; break;
        case 'K': o->tls_key = optarg; break;
        case 'P': o->plain_http = 1; break;
        case 'q': log_set_quiet(1); break;
        case 'h': fputs(usage, stdout); return EXIT_OK;
        default: return cli_usage_error("idsvc", "unknown option");
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

/* Stops serving (srv may be NULL) and frees what cmd_idsvc opened. */
static void stop(idsvc *s, http_server *srv)
{
    http_server_stop(srv);
    http_metrics_free(s->requests);
    metrics_access_close(&s->metrics);
    idsvc_close(s);
}

int cmd_idsvc(int argc, char **argv)
{
    idsvc_options o = {.threads = 2};
    idsvc s = {0};
    transport t;
    char err[512], how[128];
    http_server *srv;
    int rc, sig;

    if ((rc = parse_options(argc, argv, &o)) != -1)
        return rc;
    log_set_name("idsvc");
    if (transport_from_files(&t, o.tls_cert, o.tls_key, o.plain_http, err, sizeof err) != 0 ||
        transport_serve(&t, NULL, o.listen, "--listen", err, sizeof err) != 0) {
        transport_free(&t);
        return cli_fail("idsvc", "%s", err);
    }
    if (idsvc_open(&s, o.key_file, o.clients, err, sizeof err) != 0) {
        transport_free(&t);
        return cli_fail("idsvc", "%s", err);
    }
    if (metrics_access_open(&s.metrics, o.metrics, o.metrics_clients, err, sizeof err) != 0) {
        stop(&s, NULL);
        transport_free(&t);
        return cli_fail("idsvc", "%s", err);
    }
    if (!(s.requests = idsvc_api_metrics_new())) {
        stop(&s, NULL);
        transport_free(&t);
        return cli_fail("idsvc", "out of memory");
    }
    cli_block_shutdown_signals();
    srv = http_server_bind(o.listen, err, sizeof err);
    if (srv && transport_serve(&t, srv, o.listen, "--listen", err, sizeof err) != 0) {
        http_server_stop(srv);
        srv = NULL;
    } else if (srv) {
        http_server_observe(srv, s.requests);
        if (http_server_serve(srv, IDSVC_MAX_BODY, (unsigned)o.threads, idsvc_api_gate,
                              idsvc_api_handle, &s, err, sizeof err) != 0) {
            http_server_stop(srv);
            srv = NULL;
        }
    }
    if (!srv) {
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
