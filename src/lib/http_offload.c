/* http_offload.c -- a handler's slow call on a thread of its own
 * (http_offload.h), with the waits counted by TCP peer. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_offload.h"

/* A waiting thread's stack: handlers call SQLite, jansson and libcurl,
 * nothing deep. */
#define OFFLOAD_STACK ((size_t)1 << 20)

typedef struct offload {
    http_offload_fn fn;
    void *arg;
    http_later *later;
    char source[HTTP_SOURCE_MAX];
} offload;

/* The threads waiting now, which drain waits for, and their count by
 * source. */
static pthread_mutex_t threads_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t threads_gone = PTHREAD_COND_INITIALIZER;
static atomic_long threads;
static struct {
    char source[HTTP_SOURCE_MAX];
    long n;
} sources[HTTP_OFFLOAD_MAX];

/* Under threads_lock: source's count of waits, or a free one. */
static long *source_count(const char *source)
{
    long *free_one = NULL;

    for (size_t i = 0; i < HTTP_OFFLOAD_MAX; i++) {
        if (sources[i].n && !strcmp(sources[i].source, source))
            return &sources[i].n;
        if (!sources[i].n && !free_one) {
            free_one = &sources[i].n;
            snprintf(sources[i].source, sizeof sources[i].source, "%s", source);
        }
    }
    return free_one;
}

/* Half a peer's connections, as the [http] limits count them (by the TCP
 * peer, a proxy included), and a quarter of all waits at most, so that a
 * proxy allowed thousands of connections leaves waits for others. */
static long source_max(const http_request *req)
{
    long n = req->limits ? req->limits->max_connections_per_source / 2 : 8;

    n = n < HTTP_OFFLOAD_MAX / 4 ? n : HTTP_OFFLOAD_MAX / 4;
    return n > 0 ? n : 1;
}

/* Lets go of o and its count. */
static void offload_end(offload *o)
{
    pthread_mutex_lock(&threads_lock);
    --*source_count(o->source);
    if (atomic_fetch_sub(&threads, 1) == 1)
        pthread_cond_broadcast(&threads_gone);
    pthread_mutex_unlock(&threads_lock);
    free(o);
}

static void *offload_main(void *arg)
{
    offload *o = arg;
    http_response resp = {0};

    o->fn(o->arg, &resp);
    http_later_answer(o->later, &resp);
    offload_end(o);
    return NULL;
}

/* Counts a wait for o's source: 0, or -1 when there are
 * HTTP_OFFLOAD_MAX already or the source has its share. */
static int reserve(offload *o, long per_source)
{
    long *n;
    int rc = -1;

    pthread_mutex_lock(&threads_lock);
    n = source_count(o->source);
    if (atomic_load(&threads) < HTTP_OFFLOAD_MAX && n && *n < per_source) {
        atomic_fetch_add(&threads, 1);
        ++*n;
        rc = 0;
    }
    pthread_mutex_unlock(&threads_lock);
    return rc;
}

static int start(offload *o)
{
    pthread_attr_t attr;
    pthread_t t;
    int rc;

    if (pthread_attr_init(&attr) != 0)
        return -1;
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, OFFLOAD_STACK);
    rc = pthread_create(&t, &attr, offload_main, o) == 0 ? 0 : -1;
    pthread_attr_destroy(&attr);
    return rc;
}

int http_offload(const http_request *req, http_offload_fn fn, void *arg)
{
    offload *o = calloc(1, sizeof *o);

    if (!o)
        return HTTP_OFFLOAD_STOPPING;
    *o = (offload){.fn = fn, .arg = arg};
    http_peer_source(req, o->source);
    if (reserve(o, source_max(req)) != 0) {
        free(o);
        return HTTP_OFFLOAD_FULL;
    }
    if (!(o->later = http_later_take(req))) {
        o->fn = NULL;
        offload_end(o);
        return HTTP_OFFLOAD_STOPPING;
    }
    /* No thread to be had: the call runs here, as it did before there
     * were threads of their own, and still answers through the later. */
    if (start(o) != 0)
        offload_main(o);
    return HTTP_OFFLOADED;
}

long http_offload_running(void)
{
    return atomic_load(&threads);
}

void http_offload_drain(void)
{
    pthread_mutex_lock(&threads_lock);
    while (atomic_load(&threads))
        pthread_cond_wait(&threads_gone, &threads_lock);
    pthread_mutex_unlock(&threads_lock);
}
