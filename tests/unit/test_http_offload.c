/* test_http_offload.c -- a handler's slow call on a thread of its own,
 * against a real http_server on loopback with one thread and a source
 * allowed 4 connections: two calls from it wait at once while the one
 * server thread answers others; a third finds the source's share taken
 * and the handler answers it at once; stopping answers a waiting client
 * 503, and drain returns once the call ends. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "http_client.h"
#include "http_offload.h"
#include "http_server.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static int gate_open;

static void slow_call(void *arg, http_response *resp)
{
    (void)arg;
    pthread_mutex_lock(&lock);
    while (!gate_open)
        pthread_cond_wait(&changed, &lock);
    pthread_mutex_unlock(&lock);
    http_reply_error(resp, 201, "waited");
}

static void answer(void *ctx, const http_request *req, http_response *resp)
{
    (void)ctx;
    if (strcmp(req->path, "/slow")) {
        http_reply_error(resp, 200, "now");
        return;
    }
    switch (http_offload(req, slow_call, NULL)) {
    case HTTP_OFFLOADED: return;
    case HTTP_OFFLOAD_FULL: http_reply_error(resp, 429, "full"); return;
    default: http_reply_error(resp, 503, "stopping");
    }
}

static http_server *start(char *base, size_t cap)
{
    http_limits limits = HTTP_LIMITS_DEFAULT;
    char err[256];
    http_server *s = http_server_bind("127.0.0.1:0", err, sizeof err);

    assert_non_null(s);
    limits.max_connections_per_source = 4;
    http_server_limit(s, &limits);
    assert_int_equal(http_server_serve(s, 4096, 1, NULL, answer, NULL, err, sizeof err), 0);
    snprintf(base, cap, "http://127.0.0.1:%d", http_server_port(s));
    gate_open = 0;
    return s;
}

static void open_gate(void)
{
    pthread_mutex_lock(&lock);
    gate_open = 1;
    pthread_cond_broadcast(&changed);
    pthread_mutex_unlock(&lock);
}

typedef struct call {
    char base[64];
    const char *path;
    int status;
    pthread_t thread;
} call;

static void *call_main(void *arg)
{
    call *c = arg;
    http_client *h = http_client_new(c->base, NULL);
    json_t *reply = NULL;
    char err[256];

    c->status = http_client_call(h, "GET", c->path, NULL, 0, &reply, err, sizeof err);
    json_decref(reply);
    http_client_free(h);
    return NULL;
}

static void call_start(call *c, const char *base, const char *path)
{
    snprintf(c->base, sizeof c->base, "%s", base);
    c->path = path;
    c->status = 0;
    assert_int_equal(pthread_create(&c->thread, NULL, call_main, c), 0);
}

static void wait_running(long n)
{
    for (int i = 0; i < 2000 && http_offload_running() != n; i++) {
        struct timespec ms = {0, 1000000};
        nanosleep(&ms, NULL);
    }
    assert_int_equal(http_offload_running(), n);
}

static void a_source_waits_half_its_connections(void **state)
{
    char base[64];
    http_server *s = start(base, sizeof base);
    call w[2], third, now;
    (void)state;

    call_start(&w[0], base, "/slow");
    call_start(&w[1], base, "/slow");
    wait_running(2);
    call_start(&third, base, "/slow");
    pthread_join(third.thread, NULL);
    assert_int_equal(third.status, 429); /* its share taken: answered at once */
    call_start(&now, base, "/now");
    pthread_join(now.thread, NULL);
    assert_int_equal(now.status, 200); /* the one server thread is free */
    assert_int_equal(w[0].status, 0);
    open_gate();
    for (int i = 0; i < 2; i++) {
        pthread_join(w[i].thread, NULL);
        assert_int_equal(w[i].status, 201);
    }
    http_offload_drain();
    assert_int_equal(http_offload_running(), 0);
    http_server_stop(s);
}

static void stopping_answers_503_and_drain_waits_for_the_call(void **state)
{
    char base[64];
    http_server *s = start(base, sizeof base);
    call w;
    (void)state;

    call_start(&w, base, "/slow");
    wait_running(1);
    http_server_stop(s);
    pthread_join(w.thread, NULL);
    assert_int_equal(w.status, 503);
    assert_int_equal(http_offload_running(), 1); /* the call goes on */
    open_gate();
    http_offload_drain(); /* its answer is dropped: the server is gone */
    assert_int_equal(http_offload_running(), 0);
}

static void no_offload_without_a_server(void **state)
{
    http_request req = {.method = "GET", .path = "/slow"};
    (void)state;

    assert_int_equal(http_offload(&req, slow_call, NULL), HTTP_OFFLOAD_STOPPING);
    assert_int_equal(http_offload_running(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_source_waits_half_its_connections),
        cmocka_unit_test(stopping_answers_503_and_drain_waits_for_the_call),
        cmocka_unit_test(no_offload_without_a_server),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
