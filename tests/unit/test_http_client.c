/* test_http_client.c -- what a failed call says in err, against a real
 * http_server on loopback: a peer's "error" text, a problem's "detail",
 * nothing for an "error" that is not text (it printed "(null)"), and no
 * line break or other control character of the peer's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "http_client.h"
#include "http_server.h"

static void answer(void *ctx, const http_request *req, http_response *resp)
{
    const char *body = "{}";
    int status = 400;
    (void)ctx;

    if (!strcmp(req->path, "/text"))
        body = "{\"error\":\"no such notice\"}";
    else if (!strcmp(req->path, "/lines"))
        body = "{\"error\":\"one\\ntwo\\u0007three\"}";
    else if (!strcmp(req->path, "/number"))
        body = "{\"error\":5}";
    else if (!strcmp(req->path, "/problem")) {
        status = 422;
        body = "{\"type\":\"about:blank\",\"title\":\"Unprocessable\",\"detail\":\"row 3: bad date\"}";
    } else if (!strcmp(req->path, "/html")) {
        status = 502;
        body = "<html>bad gateway</html>";
    }
    http_reply_body(resp, status, "application/json", strdup(body), strlen(body));
}

static http_server *srv;
static char base[64];

static int start(void **state)
{
    char err[256];
    (void)state;

    srv = http_server_start("127.0.0.1:0", 4096, 1, answer, NULL, err, sizeof err);
    if (!srv)
        return -1;
    snprintf(base, sizeof base, "http://127.0.0.1:%d", http_server_port(srv));
    return 0;
}

static int stop(void **state)
{
    (void)state;
    http_server_stop(srv);
    return 0;
}

/* err of a GET to path, and its status in *status */
static void call(const char *path, int *status, char *err, size_t errlen)
{
    http_client *c = http_client_new(base, NULL);
    json_t *reply = NULL;

    assert_non_null(c);
    err[0] = '\0';
    *status = http_client_call(c, "GET", path, NULL, 0, &reply, err, errlen);
    json_decref(reply);
    http_client_free(c);
}

static void an_error_text_is_quoted(void **state)
{
    char err[512], want[256];
    int status;
    (void)state;

    call("/text", &status, err, sizeof err);
    assert_int_equal(status, 400);
    snprintf(want, sizeof want, "GET %s/text: HTTP 400: no such notice", base);
    assert_string_equal(err, want);
}

static void an_error_text_is_one_line(void **state)
{
    char err[512], want[256];
    int status;
    (void)state;

    call("/lines", &status, err, sizeof err);
    snprintf(want, sizeof want, "GET %s/lines: HTTP 400: one two three", base);
    assert_string_equal(err, want);
}

static void an_error_that_is_not_text_is_left_out(void **state)
{
    char err[512], want[256];
    int status;
    (void)state;

    call("/number", &status, err, sizeof err);
    assert_int_equal(status, 400);
    snprintf(want, sizeof want, "GET %s/number: HTTP 400", base);
    assert_string_equal(err, want);
    call("/html", &status, err, sizeof err);
    assert_int_equal(status, 502);
    snprintf(want, sizeof want, "GET %s/html: HTTP 502", base);
    assert_string_equal(err, want);
}

static void a_problems_detail_is_quoted(void **state)
{
    char err[512], want[256];
    int status;
    (void)state;

    call("/problem", &status, err, sizeof err);
    assert_int_equal(status, 422);
    snprintf(want, sizeof want, "GET %s/problem: HTTP 422: row 3: bad date", base);
    assert_string_equal(err, want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(an_error_text_is_quoted),
        cmocka_unit_test(an_error_text_is_one_line),
        cmocka_unit_test(an_error_that_is_not_text_is_left_out),
        cmocka_unit_test(a_problems_detail_is_quoted),
    };
    return cmocka_run_group_tests(tests, start, stop);
}
