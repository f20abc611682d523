/* agency_server.c -- see agency_server.h. */
#include "agency_server.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agency_api.h"
#include "agency_cancel.h"
#include "agency_callback.h"
#include "agency_console.h"
#include "agency_db.h"
#include "agency_db_test.h"
#include "agency_feed.h"
#include "agency_intake.h"
#include "agency_problem.h"
#include "apikeys.h"
#include "batch.h"
#include "clock.h"
#include "http_client.h"
#include "http_offload.h"
#include "http_server.h"
#include "log.h"

/* The largest body any route takes (a bulk); each route's own limit is
 * applied by the gate before a byte is buffered. */
#define SERVE_MAX_BODY API_BULK_MAX_BODY
#define RETRY_MAX_MS 30000

/* How long calls may still take once stopping. */
#define STOP_GRACE_MS 3000

struct agency_server {
    const agency_cfg *cfg;
    agency_api api;
    agency_db *db; /* the request handlers' connection */
    http_server *http;
    apikeys keys;          /* the back office's callers: live keys, then test keys */
    agency_intake *intake; /* NULL without [idsvc]: API notices answer 503 */
    /* Test keys' notices (agency_db_test.h): set up only when a test key
     * exists. */
    agency_api test_api;
    agency_db *test_db;
    agency_intake *test_intake;
    pthread_t reporter, poller, caller, test_caller, simulator;
    int reporter_started, poller_started, caller_started, test_caller_started;
    int simulator_started;
    agency_console *console;
    pthread_mutex_t lock; /* guards stopping and kick, with wake */
    pthread_cond_t wake;
    int stopping, kick;
    atomic_llong calls_end; /* stopping: calls to the hub and callbacks end past this
                             * time (monotonic ms), 0 before */
};

/* An event went into the outbox: the reporter sends it now. */
static void kick_reporter(void *ctx)
{
    agency_server *s = ctx;

    pthread_mutex_lock(&s->lock);
    s->kick = 1;
    pthread_cond_broadcast(&s->wake);
    pthread_mutex_unlock(&s->lock);
}

/* Sleeps up to ms or until stopped (or kicked, when kickable). Returns 1
 * when the server is stopping. */
static int nap(agency_server *s, long ms, int kickable)
{
    struct timespec until;
    int stopping;

    until = clock_mono_after_ms(ms);
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
    json_t *events = agency_db_outbox_peek(db, BATCH_MAX_ITEMS, &last), *reply = NULL;
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
    return n == BATCH_MAX_ITEMS;
}

typedef struct worker_env {
    agency_db *db;
    http_client *hub;
} worker_env;

static int worker_open(agency_server *s, worker_env *w)
{
    char err[512];

    w->db = agency_db_open(s->cfg->db_path, err, sizeof err);
    w->hub = http_client_new(s->cfg->hub_url, s->cfg->hub_key);
    if (w->hub)
        http_client_abort_at(w->hub, &s->calls_end);
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
    agency_server *s = arg;
    worker_env w;
    long delay = s->cfg->report_ms;
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
                      : s->cfg->report_ms;
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
/* Evidence the hub recorded this long before a pull that drained the
 * feed is taken to be in it (a change is visible once its transaction
 * commits, a moment after its time): only then is a legal effect noted
 * in the timeline, which a read not yet pulled could have brought
 * forward. */
#define EFFECT_SETTLE_MS 5000
/* The retention purge runs at the first poll after start, then once a day. */
#define PURGE_EVERY_MS (24LL * 3600 * 1000)

/* Notes in API notices' timelines the legal effects whose dates have
 * come (agency_db_effect.c); the feed was whole up to settled. */
static void note_effects(agency_server *s, agency_db *db, long long now, long long settled,
                         int *failing)
{
    size_t noted;

    if (agency_db_effect_pass(db, &s->cfg->effect, now, settled, &noted) != 0) {
        if (!(*failing)++)
            log_warn("legal effect: cannot update the timelines (retrying at each poll)");
        return;
    }
    if (*failing)
        log_info("legal effect: the timelines are updated again");
    *failing = 0;
    if (noted)
        log_info("legal effect: %zu notices took effect", noted);
}

static void *poller_main(void *arg)
{
    agency_server *s = arg;
    worker_env w;
    char err[512];
    int failing = 0, effect_failing = 0;
    long wait = s->cfg->poll_ms, unlogged = 0;
    long long logged = clock_now_ms(), purged = 0, settled = 0, retained = 0;

    if (worker_open(s, &w) != 0)
        return NULL;
    while (!nap(s, wait, 0)) {
        long long pulled = clock_now_ms();
        long n = agency_feed_pull(w.db, w.hub, err, sizeof err);
        long long now = clock_now_ms();
        if (n < 0 && !failing++)
            log_warn("changes feed: %s (retrying every %ld ms)", err, s->cfg->poll_ms);
        if (n >= 0) {
            if (failing)
                log_info("changes feed: reachable again");
            failing = 0;
            unlogged += n;
            settled = pulled - EFFECT_SETTLE_MS;
        }
        note_effects(s, w.db, now, settled, &effect_failing);
        if (unlogged && (n <= 0 || now - logged >= FEED_LOG_MS)) {
            log_info("changes feed: %ld notices changed state", unlogged);
            unlogged = 0;
            logged = now;
        }
        wait = n > 0 && FEED_BUSY_MS < s->cfg->poll_ms ? FEED_BUSY_MS : s->cfg->poll_ms;
        if (now - purged >= s->cfg->poll_ms) {
            agency_db_outbox_purge_nonces(w.db, now);
            agency_console_drafts_expire(s->console, now);
            purged = now;
        }
        /* Retention ([agency] retention_days), of test keys' notices too:
         * at the first round, then daily; a failure is logged by the purge
         * and tried next day. */
        if (!retained || now - retained >= PURGE_EVERY_MS) {
            agency_purge_run(s->cfg, w.db, "documents", NULL);
            agency_purge_test(s->cfg);
            retained = now;
        }
    }
    agency_db_close(w.db);
    http_client_free(w.hub);
    return NULL;
}

/* Posts status changes to the back office's callback URL, retrying
 * with backoff while it fails (agency_callback.h): agency.db's, and in a
 * thread of their own test.db's, so that neither waits for the other. */
static void *callback_run(agency_server *s, int test)
{
    char err[512];
    agency_db *db = test ? agency_db_open_test(s->cfg->test_db_path, err, sizeof err)
                         : agency_db_open(s->cfg->db_path, err, sizeof err);
    callback_sender *cs = db ? callback_sender_new(s->cfg, db) : NULL;

    if (cs)
        callback_sender_abort_at(cs, &s->calls_end);
    int failures = 0;
    long wait = s->cfg->report_ms;

    if (!cs) {
        log_error("callbacks: %s", db ? "out of memory" : err);
        agency_db_close(db);
        return NULL;
    }
    while (!nap(s, wait, 0)) {
        int r;
        while ((r = callback_sender_round(cs, clock_now_ms())) > 0)
            ;
        failures = r < 0 ? failures + 1 : 0;
        wait = r < 0 ? agency_callback_backoff_ms(failures) : s->cfg->report_ms;
        if (r < 0 && callback_sender_retry_after_ms(cs) > wait)
            wait = callback_sender_retry_after_ms(cs);
    }
    long long left = agency_db_api_events_waiting(db);
    if (left && s->cfg->callback_url[0])
        log_warn("callbacks: %lld events stay queued for the next start", left);
    callback_sender_free(cs);
    agency_db_close(db);
    return NULL;
}

static void *callback_main(void *arg)
{
    return callback_run(arg, 0);
}

static void *test_callback_main(void *arg)
{
    return callback_run(arg, 1);
}

/* How often a test key's notices move on: their steps are seconds apart. */
#define SIMULATE_MS 100

/* Plays out test notices' outcomes (test_outcome.h) as they fall due. */
static void *simulator_main(void *arg)
{
    agency_server *s = arg;
    char err[512];
    agency_db *db = agency_db_open_test(s->cfg->test_db_path, err, sizeof err);
    int failing = 0;

    if (!db) {
        log_error("test notices: %s", err);
        return NULL;
    }
    while (!nap(s, SIMULATE_MS, 0)) {
        long n = agency_db_test_advance(db, clock_now_ms());
        if (n < 0 && !failing++)
            log_warn("test notices: cannot move them on (database error); retrying");
        if (n >= 0)
            failing = 0;
        if (n > 0)
            log_info("test notices: %ld simulated state changes", n);
    }
    agency_db_close(db);
    return NULL;
}

/* A call to a hub or a receiver that does not answer would hold the stop
 * for its timeout (120 s): STOP_GRACE_MS after the stop began it ends,
 * and what it carried goes at the next start (the outbox, the feed's
 * cursor, the callbacks' cursor). One that answers finishes: the
 * reporter's last round goes out. */
static void calls_end_soon(agency_server *s)
{
    long long none = 0;

    atomic_compare_exchange_strong(&s->calls_end, &none, clock_mono_ms() + STOP_GRACE_MS);
}

static void stop_threads(agency_server *s)
{
    calls_end_soon(s);
    pthread_mutex_lock(&s->lock);
    s->stopping = 1;
    pthread_cond_broadcast(&s->wake);
    pthread_mutex_unlock(&s->lock);
    if (s->reporter_started)
        pthread_join(s->reporter, NULL);
    if (s->poller_started)
        pthread_join(s->poller, NULL);
    if (s->caller_started)
        pthread_join(s->caller, NULL);
    if (s->test_caller_started)
        pthread_join(s->test_caller, NULL);
    if (s->simulator_started)
        pthread_join(s->simulator, NULL);
}

static void server_free(agency_server *s)
{
    pthread_cond_destroy(&s->wake);
    pthread_mutex_destroy(&s->lock);
    agency_metrics_close(&s->api);
    agency_console_close(s->console);
    agency_db_close(s->db);
    agency_db_close(s->test_db);
    apikeys_free(&s->keys);
    free(s);
}

static void no_outbox(void *ctx)
{
    (void)ctx;
}

/* Why a notice is "interrupted" (agency_db_interrupted.c): what the back
 * office reads in its timeline and callback. */
#define INTERRUPTED_REASON                                                                   \
    "the server stopped between storing it and the hub's answer; herald keeps no RRN or CI " \
    "to send it on its own: post the same reference again (that is safe)"

/* Before the intake starts: the notices the last run stored and never had
 * the hub's answer for are told to the back office, and counted here. */
static void tell_interrupted(agency_db *db, const char *which)
{
    long n = agency_db_api_notices_interrupt(db, INTERRUPTED_REASON, clock_now_ms());

    if (n < 0)
        log_error("%s: cannot look for notices the last run left without the hub's answer",
                  which);
    else if (n > 0)
        log_warn("%s: %ld stored by the last run never had the hub's answer: now interrupted, "
                 "their callbacks ask the back office to post them again", which, n);
    else
        log_info("%s: none left interrupted by the last run", which);
}

/* What answers a test key's calls: test.db and an intake that calls
 * neither idsvc nor the hub. */
static int start_test(agency_server *s, char *err, size_t errlen)
{
    char at[25];

    if (!(s->test_db = agency_db_open_test(s->cfg->test_db_path, err, errlen)))
        return -1;
    /* As for live jobs: one that was running when the server stopped is
     * interrupted, not left "running" for ever. */
    clock_rfc3339_ms(at, clock_now_ms());
    agency_db_api_jobs_interrupt(s->test_db, at);
    tell_interrupted(s->test_db, "test notices");
    if (!(s->test_intake = agency_intake_start_test(s->cfg, err, errlen)))
        return -1;
    s->test_api = (agency_api){.cfg = s->cfg, .db = s->test_db, .queued = no_outbox,
                               .keys = &s->keys, .intake = s->test_intake,
                               .nlive = s->api.nlive, .test = 1};
    s->test_api.test_api = &s->test_api;
    s->api.test_api = &s->test_api;
    log_info("test keys: %zu; their notices go to %s and never to idsvc or the hub",
             s->keys.count - s->api.nlive, s->cfg->test_db_path);
    return 0;
}

/* The HTTP server first, then the threads that may talk to the hub. */
static int start_all(agency_server *s, const char *listen, char *err, size_t errlen)
{
    if (agency_metrics_open(&s->api, err, errlen) != 0)
        return -1;
    if (s->cfg->idsvc_url && !(s->intake = agency_intake_start(s->cfg, err, errlen)))
        return -1;
    s->api.intake = s->intake;
    if (s->keys.count > s->api.nlive && start_test(s, err, errlen) != 0)
        return -1;
    if (!(s->console = agency_console_open(s->cfg, &s->api, s->db, err, errlen)))
        return -1;
    s->api.console = s->console;
    if (transport_serve(&s->cfg->tls, s->http, listen, "[agency] listen", err, errlen) != 0)
        return -1;
    http_server_set_refusal(s->http, agency_problem_refusal);
    http_server_observe(s->http, s->api.requests);
    http_server_limit(s->http, &s->cfg->http);
    if (http_server_serve(s->http, SERVE_MAX_BODY, (unsigned)s->cfg->threads, agency_api_gate,
                          agency_api_handle, &s->api, err, errlen) != 0)
        return -1;
    s->reporter_started = pthread_create(&s->reporter, NULL, reporter_main, s) == 0;
    if (!s->reporter_started) {
        snprintf(err, errlen, "cannot start the event reporter thread");
        return -1;
    }
    s->poller_started = pthread_create(&s->poller, NULL, poller_main, s) == 0;
    if (!s->poller_started) {
        snprintf(err, errlen, "cannot start the feed follower thread");
        return -1;
    }
    s->caller_started = pthread_create(&s->caller, NULL, callback_main, s) == 0;
    if (!s->caller_started) {
        snprintf(err, errlen, "cannot start the callback thread");
        return -1;
    }
    if (s->test_db) {
        s->simulator_started = pthread_create(&s->simulator, NULL, simulator_main, s) == 0;
        s->test_caller_started =
            pthread_create(&s->test_caller, NULL, test_callback_main, s) == 0;
        if (!s->simulator_started || !s->test_caller_started) {
            snprintf(err, errlen, "cannot start the test notices' threads");
            return -1;
        }
    }
    return 0;
}

/* One clients file into keys; a missing file is no keys. */
static int load_file(apikeys *keys, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");

    if (!f)
        return 0;
    fclose(f);
    return apikeys_load(keys, path, err, errlen);
}

/* The back office's keys, live ones first and test keys after them
 * (agency_api.h); without either file every /v1/ call but health gets
 * 401. */
static int load_keys(agency_server *s, char *err, size_t errlen)
{
    apikeys test = {0};
    apikey_entry *all;

    if (load_file(&s->keys, s->cfg->api_clients, err, errlen) != 0 ||
        load_file(&test, s->cfg->api_test_clients, err, errlen) != 0) {
        apikeys_free(&test);
        return -1;
    }
    s->api.nlive = s->keys.count;
    if (!s->keys.count && !test.count)
        log_info("no %s: the back-office API refuses every call (agency key add)",
                 s->cfg->api_clients);
    if (test.count) {
        all = realloc(s->keys.entries, (s->keys.count + test.count) * sizeof *all);
        if (!all) {
            apikeys_free(&test);
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        memcpy(all + s->keys.count, test.entries, test.count * sizeof *all);
        s->keys.entries = all;
        s->keys.count += test.count;
    }
    apikeys_free(&test);
    return 0;
}

/* The calls still waiting for the hub on threads of their own (posts,
 * cancels, certificates, evidence) are answered 503 when the HTTP server
 * stops; their threads return once the intake halts and calls_end
 * passes, and must be gone before the intake and the databases are
 * freed (one server a process: the count is the process's). */
static void stop_intakes(agency_server *s)
{
    agency_intake_halt(s->intake);
    agency_intake_halt(s->test_intake);
    http_offload_drain();
    agency_intake_stop(s->intake);
    agency_intake_stop(s->test_intake);
}

agency_server *agency_server_start(const agency_cfg *cfg, http_server *http, const char *listen,
                                   char *err, size_t errlen)
{
    agency_server *s = calloc(1, sizeof *s);
    char at[25];

    if (!s) {
        http_server_stop(http);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (!(s->db = agency_db_open(cfg->db_path, err, errlen))) {
        http_server_stop(http);
        free(s);
        return NULL;
    }
    s->cfg = cfg;
    s->api.cfg = cfg;
    s->http = http;
    if (load_keys(s, err, errlen) != 0) {
        http_server_stop(http);
        agency_db_close(s->db);
        free(s);
        return NULL;
    }
    s->api = (agency_api){.cfg = cfg, .db = s->db, .queued = kick_reporter, .queued_ctx = s,
                          .keys = &s->keys, .nlive = s->api.nlive, .calls_end = &s->calls_end};
    clock_rfc3339_ms(at, clock_now_ms());
    agency_db_api_jobs_interrupt(s->db, at);
    tell_interrupted(s->db, "notices");
    pthread_mutex_init(&s->lock, NULL);
    clock_mono_cond_init(&s->wake);
    if (start_all(s, listen, err, errlen) != 0) {
        stop_threads(s);
        http_server_stop(s->http);
        stop_intakes(s);
        server_free(s);
        return NULL;
    }
    return s;
}

int agency_server_port(const agency_server *s)
{
    return http_server_port(s->http);
}

void agency_server_stop(agency_server *s)
{
    calls_end_soon(s);
    http_server_stop(s->http);
    stop_intakes(s);
    stop_threads(s);
    server_free(s);
}
