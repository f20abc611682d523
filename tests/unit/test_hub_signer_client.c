/* Unit tests for hub_signer_client.c: one request to a signer on a real
 * UNIX socket, answered, never answered, or with its time already spent.
 * The hub holds its signing lock while it asks, so the deadline is the
 * whole request's, not each call's. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "clock.h"
#include "hub_signer_client.h"

typedef struct fake_signer {
    char path[108];
    int listen_fd;
    int answer; /* 1: answer each request; 0: take it and say nothing */
    int stop[2]; /* written to when the test is done */
    pthread_t thread;
} fake_signer;

static void *serve(void *arg)
{
    fake_signer *f = arg;
    uint8_t in[STH_REQ_MAX_LEN], out[STH_ANS_MAX_LEN];
    sth_answer ans;
    char c;
    int fd = accept(f->listen_fd, NULL, NULL);

    if (fd < 0)
        return NULL;
    if (recv(fd, in, sizeof in, 0) > 0 && f->answer) {
        memset(&ans, 0, sizeof ans);
        ans.status = STH_REFUSED;
        snprintf(ans.reason, sizeof ans.reason, "a smaller tree");
        size_t n = sth_answer_encode(&ans, out);
        (void)!send(fd, out, n, MSG_NOSIGNAL);
    }
    (void)!read(f->stop[0], &c, 1);
    close(fd);
    return NULL;
}

static void fake_start(fake_signer *f, int answer, int accept_it)
{
    struct sockaddr_un a;

    memset(f, 0, sizeof *f);
    snprintf(f->path, sizeof f->path, "/tmp/herald-signer-test-%d.sock", (int)getpid());
    unlink(f->path);
    f->answer = answer;
    assert_int_equal(pipe(f->stop), 0);
    f->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    assert_true(f->listen_fd >= 0);
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    memcpy(a.sun_path, f->path, strlen(f->path) + 1);
    assert_int_equal(bind(f->listen_fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(f->listen_fd, 4), 0);
    f->thread = 0;
    if (accept_it)
        assert_int_equal(pthread_create(&f->thread, NULL, serve, f), 0);
}

static void fake_stop(fake_signer *f)
{
    (void)!write(f->stop[1], "x", 1);
    if (f->thread)
        pthread_join(f->thread, NULL);
    close(f->listen_fd);
    close(f->stop[0]);
    close(f->stop[1]);
    unlink(f->path);
}

static void a_request(sth_request *req)
{
    memset(req, 0, sizeof *req);
    req->head.timestamp_ms = 1795737600000ULL;
    req->head.tree_size = 3;
    req->old_size = 3;
}

static void an_answer_is_read(void **state)
{
    fake_signer f;
    sth_request req;
    sth_answer ans;
    char err[256] = "";
    (void)state;

    fake_start(&f, 1, 1);
    a_request(&req);
    assert_int_equal(hub_signer_ask(f.path, &req, clock_mono_ms() + 5000, &ans, err, sizeof err),
                     0);
    assert_int_equal(ans.status, STH_REFUSED);
    assert_string_equal(ans.reason, "a smaller tree");
    fake_stop(&f);
}

/* A signer that takes the request and hangs: the ask ends at the
 * deadline it was given, not HUB_SIGNER_TIMEOUT_MS after its own start. */
static void a_silent_signer_costs_the_time_left(void **state)
{
    fake_signer f;
    sth_request req;
    sth_answer ans;
    char err[256] = "";
    long long t0, took;
    (void)state;

    fake_start(&f, 0, 1);
    a_request(&req);
    t0 = clock_mono_ms();
    assert_int_equal(hub_signer_ask(f.path, &req, t0 + 300, &ans, err, sizeof err), -1);
    took = clock_mono_ms() - t0;
    assert_non_null(strstr(err, "no answer in time"));
    assert_true(took >= 250);
    assert_true(took < 2000);
    fake_stop(&f);
}

/* An earlier round used the whole time: no connection is even made. */
static void a_spent_deadline_asks_nothing(void **state)
{
    fake_signer f;
    sth_request req;
    sth_answer ans;
    char err[256] = "";
    (void)state;

    fake_start(&f, 1, 0);
    a_request(&req);
    assert_int_equal(hub_signer_ask(f.path, &req, clock_mono_ms() - 1, &ans, err, sizeof err),
                     -1);
    assert_non_null(strstr(err, "no answer in time"));
    assert_int_equal(fcntl(f.listen_fd, F_SETFL, O_NONBLOCK), 0);
    assert_int_equal(accept(f.listen_fd, NULL, NULL), -1);
    assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
    fake_stop(&f);
}

static void no_signer_says_so(void **state)
{
    sth_request req;
    sth_answer ans;
    char err[256] = "";
    (void)state;

    a_request(&req);
    assert_int_equal(hub_signer_ask("/tmp/herald-no-such-signer.sock", &req,
                                    clock_mono_ms() + 1000, &ans, err, sizeof err),
                     -1);
    assert_non_null(strstr(err, "No such file"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(an_answer_is_read),
        cmocka_unit_test(a_silent_signer_costs_the_time_left),
        cmocka_unit_test(a_spent_deadline_asks_nothing),
        cmocka_unit_test(no_signer_says_so),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
