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
#include <stdlib.h>
#include <string.h>

#include "agency_api.h"
#include "agency_api_input.h"
#include "agency_intake.h"
#include "log.h"

/* How long a post waits for the hub's answer before it says 202
 * "queued" (the notice still goes; GET tells the outcome). */
#define NOTICE_WAIT_MS 30000
/* Posts waiting at once on threads of their own; past it a post waits on
 * the server's thread as before, or not at all (notice_wait_ms). Each
 * is a client holding a connection, which the [http] limits bound too. */
#define WAITS_MAX 256
/* A waiting thread's stack: it calls SQLite and jansson, nothing deep. */
#define WAIT_STACK ((size_t)1 << 20)

typedef struct notice_wait {
    agency_api *api;
    api_rows rs;
    char caller_ref[FIELD_REFERENCE_MAX + 1];
    char who[APIKEY_NAME_MAX + 1];
    http_later *later;
} notice_wait;

/* Posts waiting now, on either kind of thread (GET /metrics), and those on
 * threads of their own, which stopping waits for. */
static atomic_long waiting;
static pthread_mutex_t threads_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t threads_gone = PTHREAD_COND_INITIALIZER;
static long threads;

long agency_api_notice_waits(void)
{
    return atomic_load(&waiting);
}

/* On a server thread, a wait holds the thread, and the same few threads
 * serve citizens' documents and the console: beyond all threads but one,
 * a post answers 202 "queued" at once (so with one thread, every post
 * does). */
static long server_thread_wait_ms(const agency_api *api)
{
    long n = api->cfg ? api->cfg->threads : 1;

    return atomic_load(&waiting) < n - 1 ? NOTICE_WAIT_MS : 0;
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
    free(w);
    pthread_mutex_lock(&threads_lock);
    if (--threads == 0)
        pthread_cond_broadcast(&threads_gone);
    pthread_mutex_unlock(&threads_lock);
    return NULL;
}

/* 0 when a thread of its own waits for w and answers it. */
static int start_wait(notice_wait *w)
{
    pthread_attr_t attr;
    pthread_t t;
    int rc = -1;

    pthread_mutex_lock(&threads_lock);
    if (threads < WAITS_MAX && pthread_attr_init(&attr) == 0) {
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        pthread_attr_setstacksize(&attr, WAIT_STACK);
        rc = pthread_create(&t, &attr, wait_main, w) == 0 ? 0 : -1;
        pthread_attr_destroy(&attr);
        if (rc == 0)
            threads++;
    }
    pthread_mutex_unlock(&threads_lock);
    return rc;
}

void agency_api_notice_wait(agency_api *api, const http_request *req, api_rows *rs,
                            const char *who, const char *caller_ref, http_response *resp)
{
    notice_wait *w = calloc(1, sizeof *w);
    http_later *later = w ? http_later_take(req) : NULL;

    if (later) {
        *w = (notice_wait){.api = api, .rs = *rs, .later = later};
        snprintf(w->caller_ref, sizeof w->caller_ref, "%s", caller_ref);
        snprintf(w->who, sizeof w->who, "%s", who);
        if (start_wait(w) == 0) {
            memset(rs, 0, sizeof *rs);
            return;
        }
        /* No thread: the answer is given here, through the later taken. */
        free(w);
        wait_and_answer(api, rs, who, caller_ref, server_thread_wait_ms(api), resp);
        http_later_answer(later, resp);
        return;
    }
    free(w);
    wait_and_answer(api, rs, who, caller_ref, server_thread_wait_ms(api), resp);
}

void agency_api_notice_waits_drain(void)
{
    pthread_mutex_lock(&threads_lock);
    while (threads)
        pthread_cond_wait(&threads_gone, &threads_lock);
    pthread_mutex_unlock(&threads_lock);
}
