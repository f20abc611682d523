/* platform_main.c -- `herald platform`: the command line, platform.ini,
 * and the wait for a shutdown signal. The platform itself is platform.c. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "log.h"
#include "platform.h"
#include "role_confine.h"

static const char usage[] =
    "Usage: herald platform --config FILE [--listen HOST:PORT] [--quiet]\n\n"
    "Runs a certified electronic document intermediary (a messenger or carrier):\n"
    "members sign up (their RRN goes to idsvc and is dropped, the CI is kept),\n"
    "the hub relays notices into their inboxes, and members open them through\n"
    "the web pages, which issue a signed view token for the agency.\n\n"
    "  --config FILE       platform.ini: [platform] name, dir, listen, public_url,\n"
    "                      view_key, clients, pin_hash (interactive|min),\n"
    "                      view_token_ttl_s, session_ttl_s, threads,\n"
    "                      report_interval_ms, web_listen (the same pages\n"
    "                      and API in plain HTTP too, on a loopback address:\n"
    "                      for a TLS proxy in front of the citizen pages),\n"
    "                      user (started as root: become it once the ports\n"
    "                      are bound and the keys read; dir must be its),\n"
    "                      seccomp (on|off, on: docs/operations.md);\n"
    "                      [idsvc] url, key_file, pin; [hub] url, key_file,\n"
    "                      pin (https URLs need the peer's pin, sha256//...\n"
    "                      as herald keygen --tls printed it); [tls] cert,\n"
    "                      key (PEM, herald keygen --tls: serve TLS 1.3 on\n"
    "                      listen), or plain_http = loopback (serve and\n"
    "                      call in plain HTTP, on loopback addresses only;\n"
    "                      with neither the platform refuses to start);\n"
    "                      the alert channel, at most\n"
    "                      one (without, alerts stay queued): [sms] host,\n"
    "                      port, system_id, password_file (mode 0600),\n"
    "                      system_type (\"\"), source_addr, window (100),\n"
    "                      max_per_s (0: no cap), throttled_max (120: an\n"
    "                      alert throttled as many times in a row fails),\n"
    "                      tls (off|on), tls_ca_file,\n"
    "                      enquire_link_s (30), reconnect_max_s (30),\n"
    "                      receipts (on|off, on); or [push] (a messenger)\n"
    "                      url, key_file (the HMAC key, one line, mode\n"
    "                      0600), batch (500), timeout_ms (5000); [http]\n"
    "                      max_connections (4096),\n"
    "                      max_connections_per_source (64),\n"
    "                      header_timeout_s (10), idle_timeout_s (15),\n"
    "                      peer_idle_timeout_s (120), request_timeout_s (60),\n"
    "                      body_grace_s (30), body_min_rate (1024),\n"
    "                      trusted_proxies (none: the reverse proxies whose\n"
    "                      X-Forwarded-For names the client for the sign-in\n"
    "                      and sign-up limits) (docs/operations.md)\n"
    "  --listen HOST:PORT  overrides the config's listen\n"
    "  --quiet             log only warnings and errors\n\n"
    "API (bearer key from the clients file): POST /v1/relay, /v1/remind and\n"
    "/v1/withdraw (hub), POST /v1/members, POST /v1/members/verify, POST\n"
    "/v1/members/pin (a new PIN) and POST /v1/consent (admin); POST\n"
    "/v1/push/receipts (the push gateway, signed with the\n"
    "push key); GET /v1/health, and /metrics ([platform] metrics = off, public or\n"
    "key, metrics_clients: docs/protocol.md). Pages: / /login /signup /inbox\n"
    "/notices/ID /notices/ID/open /consent /logout (members who sign up on the\n"
    "web get notices once the back office has verified them). SIGTERM or SIGINT stops\n"
    "cleanly.\n";

/* Settings and keys, the ports bound, root given up with [platform] user
 * and the seccomp filter on (role_confine.h), then the database. */
static int load(platform *p, const config *cfg, const char *listen, char *err, size_t errlen)
{
    const char *dir = config_get(cfg, "platform", "dir");
    char path[PATH_MAX];

    if (platform_open(p, cfg, err, errlen) != 0 || platform_bind(p, listen, err, errlen) != 0)
        return -1;
    if (dir)
        config_path(cfg, dir, path, sizeof path);
    if (role_confine(cfg, "platform", dir ? path : NULL, &platform_syscalls, err, errlen) != 0)
        return -1;
    return platform_open_db(p, cfg, err, errlen);
}

/* Runs a loaded platform until SIGTERM or SIGINT. */
static int serve(platform *p, const char *listen)
{
    char err[512];
    int sig;

    if (platform_start(p, listen, err, sizeof err) != 0)
        return cli_fail("platform", "%s", err);
    sig = cli_wait_shutdown_signal();
    log_info("signal %d: finishing requests in flight", sig);
    platform_stop(p);
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
    int c, rc;

    while ((c = getopt_long(argc, argv, CLI_SHORT_OPTS, opts, NULL)) != -1) {
        switch (c) {
        case 'c': cfgfile = optarg; break;
        case 'l': listen = optarg; break;
        case 'q': log_set_quiet(1); break;
        case 'h': fputs(usage, stdout); return EXIT_OK;
        default: return cli_bad_option("platform", c, argc, argv);
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
    /* Before any thread starts (the database's checkpointer is one), so
     * that every thread leaves the shutdown signals to the wait below. */
    cli_block_shutdown_signals();
    if (!listen || load(&p, &cfg, listen, err, sizeof err) != 0) {
        if (listen)
            platform_close(&p);
        config_free(&cfg);
        return cli_fail("platform", "%s", err);
    }
    rc = serve(&p, listen);
    platform_close(&p);
    config_free(&cfg);
    return rc;
}
