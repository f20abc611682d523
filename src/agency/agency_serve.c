/* agency_serve.c -- `herald agency serve`: the document server.
 *
 * The document never leaves the institution until the citizen asks for it
 * with a view token that a pinned platform signed for exactly this notice
 * and recipient; each token opens it once. Two background threads talk to
 * the hub: the reporter sends queued ContentHandover(Failure) events in
 * batches with retry, the poller follows the changes feed so that the
 * agency knows which notices went to paper. Both work from the database,
 * so nothing is lost when the hub is away or the process restarts. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agency.h"
#include "agency_db.h"
#include "agency_feed.h"
#include "agency_ref.h"
#include "buf.h"
#include "cli.h"
#include "html_page.h"
#include "http_client.h"
#include "http_server.h"
#include "log.h"
#include "viewtoken.h"

#define SERVE_MAX_BODY (64u << 10) /* GET only: nothing big is expected */
#define REPORT_BATCH 10000
#define RETRY_MAX_MS 30000

typedef struct server {
    agency_cfg cfg;
    agency_db *db; /* the request handlers' connection */
    pthread_mutex_t lock; /* guards stopping and kick, with wake */
    pthread_cond_t wake;
    int stopping, kick;
} server;

static const char usage[] =
    "Usage: herald agency serve --config agency.ini [--listen HOST:PORT] [--quiet]\n\n"
    "Serves GET /documents/REFERENCE?token=TOKEN: checks the view token against the\n"
    "pinned platform keys ([platform NAME] view_pub), its expiry, that it names this\n"
    "document's notice and recipient and that it was never used, then serves the\n"
    "HTML document once and reports ContentHandover to the hub. A refused token gets\n"
    "a 403 page saying why; ContentHandoverFailure is reported only for a genuine\n"
    "token issued for that notice (expired, reused), never for garbage or another\n"
    "notice's token. GET /v1/health answers {\"status\":\"ok\"}.\n"
    "In the background it sends queued events to the hub (POST /v1/events) every\n"
    "[agency] report_ms (default 500), and follows the hub's changes feed\n"
    "(GET /v1/changes) every [agency] poll_ms (default 2000), every 100 ms while\n"
    "notices are changing, to record each notice's state. SIGTERM or SIGINT\n"
    "finishes the requests in flight, flushes events once more and exits.\n\n"
    "  --config FILE       agency.ini ([agency] name, dir, listen, public_url;\n"
    "                      [hub] url, key_file; [platform NAME] view_pub)\n"
    "  --listen HOST:PORT  overrides [agency] listen\n"
    "  --quiet             log only warnings and errors\n";

/* ---- pages ---- */

static const char *reason_ko(const char *why)
{
    static const struct { const char *en, *ko; } t[] = {
        {"no view token", "열람 권한 정보가 없습니다"},
        {"token has expired", "열람 가능 시간이 지났습니다"},
        {"token already used", "이미 사용된 열람 링크입니다"},
        {"token is for another notice", "다른 문서의 열람 권한입니다"},
        {"token is for another recipient", "다른 수신자의 열람 권한입니다"},
        {"token issued by an unknown platform", "인정되지 않은 중계자가 발급한 열람 권한입니다"},
        {"token signature is not valid", "열람 권한의 서명이 올바르지 않습니다"},
        {"document has not been delivered yet", "아직 발송되지 않은 문서입니다"},
    };

    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (!strcmp(why, t[i].en))
            return t[i].ko;
    return "열람 권한을 확인할 수 없습니다";
}

static void reply_page(http_response *resp, int status, const char *heading_ko,
                       const char *heading_en, const char *why)
{
    buf b;
    size_t len;
    char *text;

    buf_init(&b, 1024);
    html_page_begin(&b, heading_ko, heading_en, NULL,
                    "body{font-family:sans-serif;max-width:480px;margin:0 auto;padding:12px}"
                    ".en{color:#555}");
    buf_puts(&b, "<p>사유: ");
    buf_html(&b, reason_ko(why));
    buf_puts(&b, "<br><span lang=\"en\">Reason: ");
    buf_html(&b, why);
    buf_puts(&b, "</span></p>\n<p>받은 알림에서 문서를 다시 열어 주세요. 열람 링크는 한 번, "
                 "5분 동안만 쓸 수 있습니다.<br><span lang=\"en\">Please open the document again "
                 "from the notice in your app: a viewing link works once, for five "
                 "minutes.</span></p>\n");
    html_page_end(&b);
    text = buf_take(&b, &len);
    if (!text) {
        http_reply_error(resp, 500, "out of memory");
        return;
    }
    http_reply_body(resp, status, "text/html; charset=utf-8", text, len);
}

/* The token travels in the URL: keep it out of Referer headers and keep
 * the document from loading anything from elsewhere. */
static void add_document_headers(http_response *resp)
{
    http_add_header(resp, "Referrer-Policy", "no-referrer");
    http_add_header(resp, "X-Content-Type-Options", "nosniff");
    http_add_header(resp, "Content-Security-Policy",
                    "default-src 'none'; style-src 'unsafe-inline'; img-src data:");
}

/* ---- documents ---- */

static const uint8_t *pinned_key(void *ctx, const char *platform)
{
    const agency_cfg *c = ctx;

    for (size_t i = 0; i < c->nplatforms; i++)
        if (!strcmp(c->platforms[i].name, platform))
            return c->platforms[i].view_pub;
    return NULL;
}

static void kick_reporter(server *s)
{
    pthread_mutex_lock(&s->lock);
    s->kick = 1;
    pthread_cond_broadcast(&s->wake);
    pthread_mutex_unlock(&s->lock);
}

/* Refuses the request. A ContentHandoverFailure goes into the notice's
 * evidence only when report is set: for a genuine token issued for this
 * very notice (expired, reused, wrong recipient). Anyone can send garbage
 * or someone else's token to a document URL; that must not write into a
 * stranger's evidence. */
static void refuse(server *s, const char *reference, const agency_found *doc, int report,
                   const char *why, http_response *resp)
{
    char at[25];

    if (report && doc && doc->notice[0]) {
        clock_rfc3339_ms(at, clock_now_ms());
        int rc = agency_db_outbox_queue(s->db, doc->notice, "ContentHandoverFailure", at, why);
        if (rc != 0)
            log_error("cannot queue ContentHandoverFailure for %s", reference);
        kick_reporter(s);
    }
    log_warn("GET /documents/%s refused: %s", reference, why);
    reply_page(resp, 403, "문서를 열람할 수 없습니다", "This document cannot be opened", why);
    add_document_headers(resp);
}

/* NULL when the token may open doc, else why not. */
static const char *check_binding(const view_token *t, const agency_found *doc)
{
    if (!doc->notice[0])
        return "document has not been delivered yet";
    if (strcmp(t->notice, doc->notice) != 0)
        return "token is for another notice";
    if (strcmp(t->rk, doc->rk) != 0)
        return "token is for another recipient";
    return NULL;
}

static void serve_document(server *s, const char *reference, const char *token,
                           http_response *resp)
{
    agency_found doc = {0};
    view_token t;
    const char *why = NULL;
    char at[25];
    int found, used;

    found = agency_db_docs_find(s->db, reference, &doc);
    if (found < 0) {
        http_reply_error(resp, 500, "database error");
        return;
    }
    if (found == 0) {
        reply_page(resp, 404, "문서를 찾을 수 없습니다", "No such document", "unknown reference");
        return;
    }
    int rc = VIEW_TOKEN_FORGED, genuine_for_doc;
    if (!token || !*token)
        why = "no view token";
    else if ((rc = view_token_verify(token, strlen(token), clock_now_ms(), pinned_key, &s->cfg,
                                     &t, &why)) == 0)
        why = check_binding(&t, &doc);
    genuine_for_doc = rc != VIEW_TOKEN_FORGED && doc.notice[0] && !strcmp(t.notice, doc.notice);
    if (why) {
        refuse(s, reference, &doc, genuine_for_doc, why, resp);
        free(doc.body);
        return;
    }
    clock_rfc3339_ms(at, clock_now_ms());
    used = agency_db_outbox_handover(s->db, t.nonce, t.exp_ms, reference, doc.notice, at);
    if (used != 0) {
        if (used > 0)
            refuse(s, reference, &doc, 1, "token already used", resp);
        else
            http_reply_error(resp, 500, "database error");
        free(doc.body);
        return;
    }
    http_reply_body(resp, 200, "text/html; charset=utf-8", doc.body, doc.body_len);
    add_document_headers(resp);
    kick_reporter(s);
    log_info("GET /documents/%s: handed over (notice %s, platform %s)", reference,
             doc.notice, t.platform);
}

static void handle(void *ctx, const http_request *req, http_response *resp)
{
    server *s = ctx;
    const char *ref;

    if (http_answer_health(req, resp))
        return;
    if (strncmp(req->path, "/documents/", 11) != 0) {
        http_reply_not_found(resp);
        return;
    }
    if (!http_want_method(req, resp, "GET"))
        return;
    ref = req->path + 11;
    if (!field_reference_ok(ref, strlen(ref))) {
        reply_page(resp, 404, "문서를 찾을 수 없습니다", "No such document", "unknown reference");
        return;
    }
    serve_document(s, ref, http_query(req, "token"), resp);
}

/* ---- background workers ---- */

/* Sleeps up to ms or until stopped (or kicked, when kickable). Returns 1
 * when the server is stopping. */
static int nap(server *s, long ms, int kickable)
{
    struct timespec until;
    int stopping;

    until = clock_after_ms(ms);
    pthread_mutex_lock(&s->lock);
    while (!s->stopping && !(kickable && s->kick))
        if (pthread_cond_timedwait(&s->wake, &s->lock, &until) != 0)
            break;
    if (kickable)
        s->kick = 0;
    stopping = s->stopping;
    pthread_mutex_unlock(&s->lock);
    return stopping;
}

/* Logs per-item refusals: the hub will not take those events however often
 * they are sent, so they leave the queue with the rest. */
static void log_event_results(json_t *reply)
{
    json_t *results = json_object_get(reply, "results"), *r;
    size_t i;

    json_array_foreach(results, i, r) {
        const char *e = json_string_value(json_object_get(r, "error"));
        if (e)
            log_warn("hub refused an event for notice %s: %s",
                     json_string_value(json_object_get(r, "notice")), e);
    }
}

/* Sends one batch. Returns 1 if a full batch went (more may wait), 0 when
 * the queue is drained, -1 when the hub did not take it. */
static int report_batch(agency_db *db, http_client *hub)
{
    long long last = 0;
    json_t *events = agency_db_outbox_peek(db, REPORT_BATCH, &last), *reply = NULL;
    size_t n = json_array_size(events);
    char err[512];
    int status;

    if (!events)
        return 0;
    json_t *body = json_pack("{so}", "events", events);
    status = http_client_json(hub, "POST", "/v1/events", body, &reply, err, sizeof err);
    json_decref(body);
    if (status != 200) {
        log_warn("reporting %zu events: %s", n, err);
        json_decref(reply);
        return -1;
    }
    log_event_results(reply);
    json_decref(reply);
    if (agency_db_outbox_drop(db, last) != 0)
        return -1;
    log_info("reported %zu events to the hub", n);
    return n == REPORT_BATCH;
}

typedef struct worker_env {
    agency_db *db;
    http_client *hub;
} worker_env;

static int worker_open(server *s, worker_env *w)
{
    char err[512];

    w->db = agency_db_open(s->cfg.db_path, err, sizeof err);
    w->hub = http_client_new(s->cfg.hub_url, s->cfg.hub_key);
    if (!w->db || !w->hub) {
        log_error("background worker: %s", w->db ? "cannot make an HTTP client" : err);
        agency_db_close(w->db);
        http_client_free(w->hub);
        return -1;
    }
    return 0;
}

static void *reporter_main(void *arg)
{
    server *s = arg;
    worker_env w;
    long delay = s->cfg.report_ms;
    int stopping = 0, r;

    if (worker_open(s, &w) != 0)
        return NULL;
    while (!stopping) {
        stopping = nap(s, delay, 1);
        while ((r = report_batch(w.db, w.hub)) > 0)
            ;
        /* Back off while the hub is away; come back to the normal pace
         * as soon as it answers. */
        delay = r < 0 ? (delay * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : delay * 2)
                      : s->cfg.report_ms;
    }
    long long left = agency_db_outbox_count(w.db);
    if (left)
        log_warn("%lld events stay queued for the next start", left);
    agency_db_close(w.db);
    http_client_free(w.hub);
    return NULL;
}

/* While notices are moving the feed is followed at this pace rather than
 * every poll_ms: at 2 s, an agency learned of a delivery up to 2 s after
 * it happened, longer than the whole trip from the agency to the inbox. */
#define FEED_BUSY_MS 100
/* How often a busy feed is summed up in the log. */
#define FEED_LOG_MS 10000

static void *poller_main(void *arg)
{
    server *s = arg;
    worker_env w;
    char err[512];
    int failing = 0;
    long wait = s->cfg.poll_ms, unlogged = 0;
    long long logged = clock_now_ms(), purged = 0;

    if (worker_open(s, &w) != 0)
        return NULL;
    while (!nap(s, wait, 0)) {
        long n = agency_feed_pull(w.db, w.hub, err, sizeof err);
        long long now = clock_now_ms();
        if (n < 0 && !failing++)
            log_warn("changes feed: %s (retrying every %ld ms)", err, s->cfg.poll_ms);
        if (n >= 0) {
            if (failing)
                log_info("changes feed: reachable again");
            failing = 0;
            unlogged += n;
        }
        if (unlogged && (n <= 0 || now - logged >= FEED_LOG_MS)) {
            log_info("changes feed: %ld notices changed state", unlogged);
            unlogged = 0;
            logged = now;
        }
        wait = n > 0 && FEED_BUSY_MS < s->cfg.poll_ms ? FEED_BUSY_MS : s->cfg.poll_ms;
        if (now - purged >= s->cfg.poll_ms) {
            agency_db_outbox_purge_nonces(w.db, now);
            purged = now;
        }
    }
    agency_db_close(w.db);
    http_client_free(w.hub);
    return NULL;
}

/* ---- the command ---- */

static int run(server *s, const char *listen)
{
    pthread_t reporter, poller;
    char err[512];
    http_server *srv;
    int sig;

    cli_block_shutdown_signals();
    srv = http_server_start(listen, SERVE_MAX_BODY, (unsigned)s->cfg.threads, handle, s,
                            err, sizeof err);
    if (!srv)
        return cli_fail("agency serve", "%s", err);
    if (pthread_create(&reporter, NULL, reporter_main, s) != 0) {
        http_server_stop(srv);
        return cli_fail("agency serve", "cannot start the event reporter thread");
    }
    if (pthread_create(&poller, NULL, poller_main, s) != 0) {
        pthread_mutex_lock(&s->lock);
        s->stopping = 1;
        pthread_cond_broadcast(&s->wake);
        pthread_mutex_unlock(&s->lock);
        pthread_join(reporter, NULL);
        http_server_stop(srv);
        return cli_fail("agency serve", "cannot start the feed follower thread");
    }
    log_info("listening on %s (port %d), agency %s, %zu pinned platforms", listen,
             http_server_port(srv), s->cfg.name, s->cfg.nplatforms);
    sig = cli_wait_shutdown_signal();
    log_info("signal %d: finishing requests in flight", sig);
    http_server_stop(srv);
    pthread_mutex_lock(&s->lock);
    s->stopping = 1;
    pthread_cond_broadcast(&s->wake);
    pthread_mutex_unlock(&s->lock);
    pthread_join(reporter, NULL);
    pthread_join(poller, NULL);
    log_info("stopped");
    return EXIT_OK;
}

int agency_serve_main(int argc, char **argv)
{
    const char *config, *listen;
    server s = {0};
    agency_opts o;
    char err[1024];
    int rc;

    if ((rc = agency_parse_opts(argc, argv, "agency serve", usage,
                                AGENCY_OPT_LISTEN | AGENCY_OPT_QUIET, &o)) != 0)
        return rc < 0 ? EXIT_OK : rc;
    config = o.config;
    listen = o.listen;
    if (o.quiet)
        log_set_quiet(1);
    log_set_name("agency");
    if (agency_config_load(&s.cfg, config, AGENCY_NEED_HUB | AGENCY_NEED_PLATFORMS, err,
                           sizeof err) != 0) {
        agency_config_free(&s.cfg);
        return cli_fail("agency serve", "%s", err);
    }
    if (!listen)
        listen = s.cfg.listen;
    if (!listen) {
        agency_config_free(&s.cfg);
        return cli_usage_error("agency serve", "no [agency] listen in %s and no --listen",
                               config);
    }
    if (!(s.db = agency_db_open(s.cfg.db_path, err, sizeof err))) {
        agency_config_free(&s.cfg);
        return cli_fail("agency serve", "%s", err);
    }
    pthread_mutex_init(&s.lock, NULL);
    pthread_cond_init(&s.wake, NULL);
    rc = run(&s, listen);
    pthread_cond_destroy(&s.wake);
    pthread_mutex_destroy(&s.lock);
    agency_db_close(s.db);
    agency_config_free(&s.cfg);
    return rc;
}
