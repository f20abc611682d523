/* test_http_later.c -- answers given later from another thread, against
 * a real http_server on loopback with one thread: while a request waits
 * for its answer, the one server thread serves others; an answer given
 * before the handler returns goes out at once; stopping the server
 * answers a waiting client 503 before it stops, and an answer given
 * after the stop is dropped (AddressSanitizer sees what it frees). */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "http_client.h"
#include "http_server.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static http_later *held; /* /held's, until the test answers it */

static void answer(void *ctx, const http_request *req, http_response *resp)
{
    (void)ctx;
    if (!strcmp(req->path, "/held")) {
        http_later *l = http_later_take(req);
        assert_non_null(l);
        pthread_mutex_lock(&lock);
        held = l;
        pthread_cond_broadcast(&changed);
        pthread_mutex_unlock(&lock);
        return;
    }
    if (!strcmp(req->path, "/at-once")) { /* answered before returning */
        http_later *l = http_later_take(req);
        http_response r = {0};
        assert_non_null(l);
        assert_null(http_later_take(req)); /* one a request */
        http_reply_error(&r, 409, "at once");
        http_later_answer(l, &r);
        return;
    }
    http_reply_error(resp, 200, "now");
}

static http_server *start(char *base, size_t cap)
{
    char err[256];
    http_server *s = http_server_start("127.0.0.1:0", 4096, 1, answer, NULL, err, sizeof err);

    assert_non_null(s);
    snprintf(base, cap, "http://127.0.0.1:%d", http_server_port(s));
    return s;
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

static void wait_held(void)
{
    pthread_mutex_lock(&lock);
    while (!held)
        pthread_cond_wait(&changed, &lock);
    pthread_mutex_unlock(&lock);
}

static http_later *take_held(void)
{
    http_later *l;

    pthread_mutex_lock(&lock);
    l = held;
    held = NULL;
    pthread_mutex_unlock(&lock);
    return l;
}

static int get(const char *base, const char *path)
{
    call c = {.path = path};

    snprintf(c.base, sizeof c.base, "%s", base);
    call_main(&c);
    return c.status;
}

static void others_are_served_while_one_waits(void **state)
{
    char base[64];
    http_server *s = start(base, sizeof base);
    call waiting = {.path = "/held"};
    http_response r = {0};
    (void)state;

    snprintf(waiting.base, sizeof waiting.base, "%s", base);
    assert_int_equal(pthread_create(&waiting.thread, NULL, call_main, &waiting), 0);
    wait_held();
    /* The server's one thread is free: three more requests are answered. */
    for (int i = 0; i < 3; i++)
        assert_int_equal(get(base, "/now"), 200);
    assert_int_equal(waiting.status, 0); /* still waiting */
    http_reply_error(&r, 201, "later");
    http_later_answer(take_held(), &r);
    assert_null(r.body); /* taken over */
    pthread_join(waiting.thread, NULL);
    assert_int_equal(waiting.status, 201);
    http_server_stop(s);
}

static void an_answer_before_the_handler_returns_goes_at_once(void **state)
{
    char base[64];
    http_server *s = start(base, sizeof base);
    (void)state;

    assert_int_equal(get(base, "/at-once"), 409);
    assert_int_equal(get(base, "/now"), 200);
    http_server_stop(s);
}

static void stopping_answers_the_waiting_503(void **state)
{
    char base[64];
    http_server *s = start(base, sizeof base);
    call waiting = {.path = "/held"};
    http_response r = {0};
    http_later *l;
    (void)state;

    snprintf(waiting.base, sizeof waiting.base, "%s", base);
    assert_int_equal(pthread_create(&waiting.thread, NULL, call_main, &waiting), 0);
    wait_held();
    l = take_held();
    http_server_stop(s);
    pthread_join(waiting.thread, NULL);
    /* The 503 goes out before the daemon stops: once it stops, its
     * threads close resumed connections unserved. */
    assert_int_equal(waiting.status, 503);
    http_reply_error(&r, 201, "too late");
    http_later_answer(l, &r); /* dropped: the server is gone */
    assert_null(r.body);
}

static void no_later_without_a_server(void **state)
{
    http_request req = {.method = "GET", .path = "/"};
    (void)state;

    assert_null(http_later_take(&req));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(others_are_served_while_one_waits),
        cmocka_unit_test(an_answer_before_the_handler_returns_goes_at_once),
        cmocka_unit_test(stopping_answers_the_waiting_503),
        cmocka_unit_test(no_later_without_a_server),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
