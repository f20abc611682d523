/* test_http_route.c -- a role's route table: which route a method and path
 * reach, 404 against 405 (with the method to allow), and the {param}
 * segments a handler copies out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "http_route.h"

static const http_route table[] = {
    {"POST", "/v1/ci", 1, 100, NULL, NULL},
    {"GET", "/v1/health", HTTP_ANYONE, 0, NULL, NULL},
    {"GET", "/v1/notices/{id}", 1, 0, NULL, NULL},
    {"GET", "/v1/notices/{id}/certificate", 1, 0, NULL, NULL},
    {"GET", "/verify", HTTP_ANYONE, 0, NULL, NULL},
    {"POST", "/verify", HTTP_ANYONE, 10, NULL, NULL},
    {"GET", "/a/{x}/b/{y}", 1, 0, NULL, NULL},
    {"GET", "/", HTTP_ANYONE, 0, NULL, NULL},
};
#define N (sizeof table / sizeof table[0])

/* The route method and path reach, with find's status and allow. */
static const http_route *find(const char *method, const char *path, int *status,
                              const char **allow)
{
    return http_route_find(table, N, method, path, status, allow);
}

/* 1 if method and path reach table[want]. */
static int reaches(const char *method, const char *path, size_t want)
{
    const char *allow;
    int status;

    return find(method, path, &status, &allow) == &table[want];
}

/* find's status for a request that reaches no route. */
static int refusal(const char *method, const char *path)
{
    const char *allow;
    int status;

    assert_null(find(method, path, &status, &allow));
    return status;
}

static void literal_paths(void **state)
{
    (void)state;
    assert_true(reaches("POST", "/v1/ci", 0));
    assert_true(reaches("GET", "/v1/health", 1));
    assert_true(reaches("GET", "/", 7));
    assert_int_equal(refusal("POST", "/v1/cix"), 404);
    assert_int_equal(refusal("POST", "/v1/c"), 404);
    assert_int_equal(refusal("POST", "/v1"), 404);
    assert_int_equal(refusal("POST", "/v1/ci/more"), 404);
    assert_int_equal(refusal("POST", "/V1/CI"), 404);
    assert_int_equal(refusal("POST", ""), 404);
}

static void param_segments(void **state)
{
    (void)state;
    assert_true(reaches("GET", "/v1/notices/abc", 2));
    assert_true(reaches("GET", "/v1/notices/{id}", 2));
    assert_true(reaches("GET", "/v1/notices/abc/certificate", 3));
    assert_true(reaches("GET", "/a/1/b/2", 6));
    assert_int_equal(refusal("GET", "/v1/notices/abc/certificat"), 404);
    assert_int_equal(refusal("GET", "/v1/notices/abc/certificate/x"), 404);
    assert_int_equal(refusal("GET", "/a/1/c/2"), 404);
}

static void empty_segments_refused(void **state)
{
    (void)state;
    /* A parameter stands for one segment that has at least a byte. */
    assert_int_equal(refusal("GET", "/v1/notices/"), 404);
    assert_int_equal(refusal("GET", "/v1/notices//certificate"), 404);
    assert_int_equal(refusal("GET", "/a//b/2"), 404);
    assert_int_equal(refusal("GET", "/a/1/b/"), 404);
    /* Nor does a doubled slash pass for a literal path. */
    assert_int_equal(refusal("POST", "/v1//ci"), 404);
    assert_int_equal(refusal("POST", "//v1/ci"), 404);
}

static void trailing_slash_is_another_path(void **state)
{
    (void)state;
    assert_int_equal(refusal("POST", "/v1/ci/"), 404);
    assert_int_equal(refusal("GET", "/v1/notices/abc/"), 404);
    assert_int_equal(refusal("GET", "/verify/"), 404);
    assert_int_equal(refusal("GET", "//"), 404);
}

static void not_found_or_wrong_method(void **state)
{
    const char *allow = "unset";
    int status = 0;

    (void)state;
    assert_null(find("GET", "/nope", &status, &allow));
    assert_int_equal(status, 404);
    assert_null(allow);

    assert_null(find("GET", "/v1/ci", &status, &allow));
    assert_int_equal(status, 405);
    assert_string_equal(allow, "POST");

    assert_null(find("POST", "/v1/notices/abc", &status, &allow));
    assert_int_equal(status, 405);
    assert_string_equal(allow, "GET");

    /* Both methods of /verify are served; another gets the first. */
    assert_true(reaches("GET", "/verify", 4));
    assert_true(reaches("POST", "/verify", 5));
    assert_null(find("PUT", "/verify", &status, &allow));
    assert_int_equal(status, 405);
    assert_string_equal(allow, "GET");

    /* Methods compare exactly, as HTTP says. */
    assert_int_equal(refusal("post", "/v1/ci"), 405);
}

/* http_route_param for the route path reaches under GET. */
static long param(const char *path, const char *name, char *out, size_t cap)
{
    const char *allow;
    int status;
    const http_route *r = find("GET", path, &status, &allow);

    assert_non_null(r);
    return http_route_param(r, path, name, out, cap);
}

static void param_copied(void **state)
{
    char out[16];

    (void)state;
    assert_int_equal(param("/v1/notices/abc", "id", out, sizeof out), 3);
    assert_string_equal(out, "abc");
    assert_int_equal(param("/v1/notices/abc/certificate", "id", out, sizeof out), 3);
    assert_string_equal(out, "abc");
    assert_int_equal(param("/a/first/b/second", "x", out, sizeof out), 5);
    assert_string_equal(out, "first");
    assert_int_equal(param("/a/first/b/second", "y", out, sizeof out), 6);
    assert_string_equal(out, "second");
}

static void param_unknown_name(void **state)
{
    char out[16];

    (void)state;
    assert_int_equal(param("/v1/notices/abc", "i", out, sizeof out), -1);
    assert_int_equal(param("/v1/notices/abc", "idx", out, sizeof out), -1);
    assert_int_equal(param("/v1/notices/abc", "notices", out, sizeof out), -1);
    assert_int_equal(param("/v1/health", "id", out, sizeof out), -1);
}

static void param_overflow(void **state)
{
    char out[8], guarded[12];

    (void)state;
    /* Seven bytes and the NUL fill eight exactly. */
    memset(out, 'z', sizeof out);
    assert_int_equal(param("/v1/notices/1234567", "id", out, sizeof out), 7);
    assert_string_equal(out, "1234567");
    /* Eight do not fit: nothing is written past the buffer. */
    memset(guarded, 'z', sizeof guarded);
    assert_int_equal(param("/v1/notices/12345678", "id", guarded, 8), -1);
    for (size_t i = 8; i < sizeof guarded; i++)
        assert_int_equal(guarded[i], 'z');
    assert_int_equal(param("/v1/notices/x", "id", out, 1), -1);
    assert_int_equal(param("/v1/notices/x", "id", out, 0), -1);
}

static const char *header(const http_response *resp, const char *name)
{
    for (int i = 0; i < resp->nheaders; i++)
        if (!strcmp(resp->headers[i][0], name))
            return resp->headers[i][1];
    return NULL;
}

static void response_clear(http_response *resp)
{
    free(resp->body);
    for (int i = 0; i < resp->nheaders; i++) {
        free(resp->headers[i][0]);
        free(resp->headers[i][1]);
    }
    memset(resp, 0, sizeof *resp);
}

static void answer_sets_status_and_allow(void **state)
{
    http_response resp = {0};
    http_request req = {.method = "GET", .path = "/v1/ci"};

    (void)state;
    assert_null(http_route_answer(table, N, &req, &resp));
    assert_int_equal(resp.status, 405);
    assert_string_equal(header(&resp, "Allow"), "POST");
    response_clear(&resp);

    req.path = "/nope";
    assert_null(http_route_answer(table, N, &req, &resp));
    assert_int_equal(resp.status, 404);
    assert_null(header(&resp, "Allow"));
    response_clear(&resp);

    req.path = "/v1/health";
    assert_ptr_equal(http_route_answer(table, N, &req, &resp), &table[1]);
    assert_int_equal(resp.status, 0);
    assert_null(resp.body);
}

static void content_types(void **state)
{
    (void)state;
    assert_true(http_route_type_ok(HTTP_JSON, "application/json"));
    assert_true(http_route_type_ok(HTTP_JSON, "Application/JSON; charset=utf-8"));
    assert_true(http_route_type_ok(HTTP_JSON, " application/json;charset=utf-8"));
    assert_true(http_route_type_ok(HTTP_JSON_OR_FORM, "application/x-www-form-urlencoded"));
    assert_true(http_route_type_ok(HTTP_JSON_OR_FORM, "application/json"));
    assert_false(http_route_type_ok(HTTP_JSON, NULL));
    assert_false(http_route_type_ok(HTTP_JSON, ""));
    assert_false(http_route_type_ok(HTTP_JSON, "application/x-www-form-urlencoded"));
    assert_false(http_route_type_ok(HTTP_JSON, "application/jsonp"));
    assert_false(http_route_type_ok(HTTP_JSON, "application/js"));
    assert_false(http_route_type_ok(HTTP_FORM, "text/csv"));
    assert_false(http_route_type_ok(HTTP_FORM, "multipart/form-data; boundary=x"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(literal_paths),
        cmocka_unit_test(param_segments),
        cmocka_unit_test(empty_segments_refused),
        cmocka_unit_test(trailing_slash_is_another_path),
        cmocka_unit_test(not_found_or_wrong_method),
        cmocka_unit_test(param_copied),
        cmocka_unit_test(param_unknown_name),
        cmocka_unit_test(param_overflow),
        cmocka_unit_test(answer_sets_status_and_allow),
        cmocka_unit_test(content_types),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
