/* agency_api_wait.c -- a posted notice's wait for the hub's answer, off
 * the server's threads.
 *
 * POST /v1/notices answers once the hub took the notice, which takes a
 * batch's round trip, or up to 30 s while the hub is slow. Waiting on a
 * server thread held every other connection that thread served: a
 * citizen opening a document, or the console, stalled behind the post.
 * So the wait runs on a thread of its own, and the server thread goes
 * on; the answer goes out through an http_later when the outcome comes. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agency_api.h"
#include "agency_api_input.h"
#include "agency_intake.h"
#include "agency_problem.h"
#include "log.h"

/* How long a post waits for the hub's answer before it says 202
 * "queued" (the notice still goes; GET tells the outcome). */
#define NOTICE_WAIT_MS 30000
/* Posts waiting at once on threads of their own; past it, or past half
 * of one source's connections, a post is answered 202 queued at once. */
#define WAITS_MAX 256
/* A waiting thread's stack: it calls SQLite and jansson, nothing deep. */
#define WAIT_STACK ((size_t)1 << 20)

typedef struct notice_wait {
    agency_api *api;
    api_rows rs;
    char caller_ref[FIELD_REFERENCE_MAX + 1];
    char who[APIKEY_NAME_MAX + 1];
    char source[HTTP_SOURCE_MAX];
    http_later *later;
} notice_wait;

/* Posts waiting now (GET /metrics), and the threads they wait on, which
 * stopping waits for, by source: a waiting
 * post holds its connection, and a source may hold only so many (the
 * [http] limits close its newest past them, whatever they ask). */
static atomic_long waiting;
static pthread_mutex_t threads_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t threads_gone = PTHREAD_COND_INITIALIZER;
static long threads;
static struct {
    char source[HTTP_SOURCE_MAX];
    long n;
} sources[WAITS_MAX];

/* Under threads_lock: source's count of waits, or a free one. */
static long *source_count(const char *source)
{
    long *free_one = NULL;

    for (size_t i = 0; i < WAITS_MAX; i++) {
        if (sources[i].n && !strcmp(sources[i].source, source))
            return &sources[i].n;
        if (!sources[i].n && !free_one) {
            free_one = &sources[i].n;
            snprintf(sources[i].source, sizeof sources[i].source, "%s", source);
        }
    }
    return free_one;
}

/* Half a peer's connections may wait here, as the [http] limits count
 * them (by the TCP peer, a proxy included): the other half is left for
 * its further posts (answered 202 at once), GETs and the rest. And a
 * quarter of all waits at most, so that a proxy allowed thousands of
 * connections leaves waits for others. */
static long source_max(const http_request *req)
{
    long n = req->limits ? req->limits->max_connections_per_source / 2 : 8;

    n = n < WAITS_MAX / 4 ? n : WAITS_MAX / 4;
    return n > 0 ? n : 1;
}

long agency_api_notice_waits(void)
{
    return atomic_load(&waiting);
}

static void wait_and_answer(agency_api *api, api_rows *rs, const char *who,
                            const char *caller_ref, long wait_ms, http_response *resp)
{
    intake_result res;

    atomic_fetch_add(&waiting, 1);
    agency_intake_notice(api->intake, rs, wait_ms, &res);
    atomic_fetch_sub(&waiting, 1);
    api_rows_free(rs);
    agency_api_notice_answer(api, who, caller_ref, &res, resp);
}

static void *wait_main(void *arg)
{
    notice_wait *w = arg;
    http_response resp = {0};

    wait_and_answer(w->api, &w->rs, w->who, w->caller_ref, NOTICE_WAIT_MS, &resp);
    http_later_answer(w->later, &resp);
    pthread_mutex_lock(&threads_lock);
    --*source_count(w->source);
    if (--threads == 0)
        pthread_cond_broadcast(&threads_gone);
    pthread_mutex_unlock(&threads_lock);
    free(w);
    return NULL;
}

/* 0 when a thread of its own waits for w and answers it; -1 when there
 * are WAITS_MAX already, w's source has its share, or no thread starts. */
static int start_wait(notice_wait *w, long per_source)
{
    pthread_attr_t attr;
    pthread_t t;
    long *n;
    int rc = -1;

    pthread_mutex_lock(&threads_lock);
    n = source_count(w->source);
    if (threads < WAITS_MAX && n && *n < per_source && pthread_attr_init(&attr) == 0) {
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        pthread_attr_setstacksize(&attr, WAIT_STACK);
        rc = pthread_create(&t, &attr, wait_main, w) == 0 ? 0 : -1;
        pthread_attr_destroy(&attr);
        if (rc == 0) {
            threads++;
            ++*n;
        }
    }
    pthread_mutex_unlock(&threads_lock);
    return rc;
}

void agency_api_notice_wait(agency_api *api, const http_request *req, api_rows *rs,
                            const char *who, const char *caller_ref, http_response *resp)
{
    notice_wait *w;
    http_later *later;

    w = calloc(1, sizeof *w);
    later = w ? http_later_take(req) : NULL;
    if (!later) { /* the server is stopping, or memory ran out */
        free(w);
        agency_problem(resp, 503, NULL, 0, "the server is stopping or out of memory: post "
                       "again (the reference makes that safe)");
        return;
    }
    *w = (notice_wait){.api = api, .rs = *rs, .later = later};
    snprintf(w->caller_ref, sizeof w->caller_ref, "%s", caller_ref);
    snprintf(w->who, sizeof w->who, "%s", who);
    http_peer_source(req, w->source);
    if (start_wait(w, source_max(req)) == 0) {
        memset(rs, 0, sizeof *rs);
        return;
    }
    /* No wait to be had: queued, and said so at once. */
    free(w);
    wait_and_answer(api, rs, who, caller_ref, 0, resp);
    http_later_answer(later, resp);
}

void agency_api_notice_waits_drain(void)
{
    pthread_mutex_lock(&threads_lock);
    while (threads)
        pthread_cond_wait(&threads_gone, &threads_lock);
    pthread_mutex_unlock(&threads_lock);
}
