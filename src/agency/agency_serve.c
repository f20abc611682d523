/* agency_serve.c -- `herald agency serve`: the document server's
 * command. Reads the options and the config, runs the server
 * (agency_server.h) until SIGTERM or SIGINT, then stops it cleanly. */
#include <stdio.h>

#include "agency_commands.h"
#include "agency_config.h"
#include "agency_opts.h"
#include "agency_server.h"
#include "cli.h"
#include "log.h"
#include "role_confine.h"

static const char usage[] =
    "Usage: herald agency serve --config agency.ini [--listen HOST:PORT] [--quiet]\n\n"
    "Serves GET /documents/REFERENCE?token=TOKEN: checks the view token against the\n"
    "pinned platform keys ([platform NAME] view_pub), its expiry, that it names this\n"
    "document's notice and recipient and that it was never used, then serves the\n"
    "HTML document once and reports ContentHandover to the hub. An unknown\n"
    "reference, a forged token or another notice's token gets 404, as if there\n"
    "were no such document. A genuine token for this notice that is refused\n"
    "(expired, reused, another recipient's) gets a 403 page saying why, and\n"
    "ContentHandoverFailure is reported. A cancelled document answers 410; a\n"
    "purged one 410 with [agency] contact; one the hub has not yet confirmed,\n"
    "to its recipient, 503 with Retry-After. GET /v1/health answers\n"
    "{\"status\":\"ok\"}.\n"
    "POST /v1/notices/REFERENCE/cancel {\"reason\":\"TEXT\"}, for the back office\n"
    "with a key from `agency key add`, cancels a notice as\n"
    "`herald agency cancel` does.\n"
    "In the background it sends queued events to the hub (POST /v1/events) every\n"
    "[agency] report_ms (default 500), and follows the hub's changes feed\n"
    "(GET /v1/changes) every [agency] poll_ms (default 2000), every 100 ms while\n"
    "notices are changing, to record each notice's state. Once poll_ms after\n"
    "start and then daily it deletes documents [agency] retention_days (default\n"
    "90) after their notice's final state, test keys' ones too, as `herald agency\n"
    "purge` does.\n"
    "SIGTERM or SIGINT finishes the requests in flight, flushes events once more\n"
    "and exits.\n\n"
    "The back-office API (docs/protocol.md; `herald agency routes` lists every\n"
    "route, GET /openapi.json describes them): POST /v1/notices, POST\n"
    "/v1/notices/bulk (JSON or CSV, up to 50,000 rows), GET /v1/jobs/ID, GET\n"
    "/v1/notices/REFERENCE[/certificate], GET /v1/templates, GET and PUT\n"
    "/v1/templates/ID, POST /v1/templates/ID/preview, for callers with a key\n"
    "from `agency key add` ([agency] api_clients, default DIR/api.clients).\n"
    "Notices go through the pipeline of `agency send` (needs [idsvc]), with\n"
    "templates [agency] templates (default DIR/templates, one ID.html each).\n"
    "Their status changes, the hand-over of their letters to print and the day\n"
    "each takes legal effect ([agency] effect_rule: after each pull of the feed,\n"
    "once the date has passed) go into their timelines and are posted, signed, to\n"
    "[callback] url or the URL `agency callback set` wrote.\n\n"
    "The staff's console at /console (docs/protocol.md, \"The staff's console\"):\n"
    "sign-in with a password and a TOTP code for accounts from `agency user add`,\n"
    "a dashboard, notice search with certificates and cancel, and sending a CSV\n"
    "after a preview. Its forms must come from [agency] public_url's origin.\n\n"
    "  --config FILE       agency.ini ([agency] name, dir, listen, public_url,\n"
    "                      api_clients, templates, retention_days, contact,\n"
    "                      threads (1 to 64, default 4), metrics = off, public\n"
    "                      or key, metrics_clients (docs/protocol.md);\n"
    "                      [idsvc] and [hub] url, key_file, pin (an https URL\n"
    "                      needs the peer's pin, sha256//..., as herald keygen\n"
    "                      --tls printed it); [platform NAME] view_pub;\n"
    "                      [callback] url; [http] connection limits, waits\n"
    "                      and trusted_proxies (docs/operations.md); [tls]\n"
    "                      cert, key (PEM, from herald keygen --tls: serve\n"
    "                      TLS 1.3), or\n"
    "                      plain_http = loopback (serve and call in plain HTTP,\n"
    "                      on loopback addresses only; with neither, serve\n"
    "                      refuses to start); [agency] user (started as root:\n"
    "                      become it once the port is bound and the keys\n"
    "                      read; dir must be its) and seccomp (on|off, on:\n"
    "                      docs/operations.md))\n"
    "  --listen HOST:PORT  overrides [agency] listen\n"
    "  --quiet             log only warnings and errors\n";

/* The port bound, root given up with [agency] user and the seccomp
 * filter on (role_confine.h), then the server: its database and threads. */
static int run(const agency_cfg *cfg, const char *listen)
{
    agency_server *s;
    http_server *http;
    char err[1024], how[128];
    int sig;

    cli_block_shutdown_signals();
    if (!(http = http_server_bind(listen, err, sizeof err)))
        return cli_fail("agency serve", "%s", err);
    if (role_confine(&cfg->ini, "agency", cfg->dir, &agency_syscalls, err, sizeof err) != 0) {
        http_server_stop(http);
        return cli_fail("agency serve", "%s", err);
    }
    if (!(s = agency_server_start(cfg, http, listen, err, sizeof err)))
        return cli_fail("agency serve", "%s", err);
    log_info("listening on %s (port %d), agency %s, %zu pinned platforms, %s", listen,
             agency_server_port(s), cfg->name, cfg->nplatforms,
             transport_describe(&cfg->tls, how, sizeof how));
    sig = cli_wait_shutdown_signal();
    log_info("signal %d: finishing requests in flight", sig);
    agency_server_stop(s);
    log_info("stopped");
    return EXIT_OK;
}

int agency_serve_main(int argc, char **argv)
{
    const char *listen;
    agency_cfg cfg;
    agency_opts o;
    char err[1024];
    int rc;

    if ((rc = agency_opts_parse(argc, argv, "agency serve", usage,
                                AGENCY_OPT_LISTEN | AGENCY_OPT_QUIET, &o)) != 0)
        return rc < 0 ? EXIT_OK : rc;
    if (o.quiet)
        log_set_quiet(1);
    log_set_name("agency");
    if (agency_config_load(&cfg, o.config, AGENCY_NEED_HUB | AGENCY_NEED_PLATFORMS | AGENCY_WANT_IDSVC,
                           err,
                           sizeof err) != 0) {
        agency_config_free(&cfg);
        return cli_fail("agency serve", "%s", err);
    }
    listen = o.listen ? o.listen : cfg.listen;
    if (!listen) {
        agency_config_free(&cfg);
        return cli_usage_error("agency serve", "no [agency] listen in %s and no --listen",
                               o.config);
    }
    rc = run(&cfg, listen);
    agency_config_free(&cfg);
    return rc;
}
