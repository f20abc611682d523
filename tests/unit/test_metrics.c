/* Unit tests for metrics.c and http_metrics.c: label values are escaped
 * as the text format wants, a histogram's buckets are cumulative and end
 * in le="+Inf" equal to its count, and requests land in their route's
 * series (by pattern, never by path) with their status. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"
#include "http_metrics.h"
#include "metrics.h"

static char *text_of(buf *b)
{
    char *t = buf_take(b, NULL);

    assert_non_null(t);
    return t;
}

static void assert_has(const char *text, const char *line)
{
    if (!strstr(text, line))
        fail_msg("missing: %s\nin:\n%s", line, text);
}

static void label_values_are_escaped(void **state)
{
    metrics_label l[2] = {{"channel", "a\"b\\c\nd"}, {"plain", "sms"}};
    buf b;
    (void)state;

    buf_init(&b, 0);
    metrics_sample_u64(&b, "herald_x_total", l, 2, 7);
    char *t = text_of(&b);
    assert_string_equal(t, "herald_x_total{channel=\"a\\\"b\\\\c\\nd\",plain=\"sms\"} 7\n");
    free(t);
}

static void a_sample_without_labels_has_no_braces(void **state)
{
    buf b;
    (void)state;

    buf_init(&b, 0);
    metrics_sample(&b, "herald_size_bytes", NULL, 0, 4096);
    metrics_sample(&b, "herald_age_seconds", NULL, 0, 1.5);
    char *t = text_of(&b);
    assert_string_equal(t, "herald_size_bytes 4096\nherald_age_seconds 1.5\n");
    free(t);
}

static void help_and_type_come_first_and_help_is_escaped(void **state)
{
    buf b;
    (void)state;

    buf_init(&b, 0);
    metrics_family(&b, "herald_x_total", "counter", "a\\b\nc \"q\"");
    char *t = text_of(&b);
    assert_string_equal(t, "# HELP herald_x_total a\\\\b\\nc \"q\"\n# TYPE herald_x_total counter\n");
    free(t);
}

static void histogram_buckets_are_cumulative_and_end_in_inf(void **state)
{
    metrics_histogram h;
    metrics_label l = {"route", "/v1/x"};
    buf b;
    (void)state;

    memset(&h, 0, sizeof h);
    metrics_observe(&h, 0.0001); /* <= 0.0005 */
    metrics_observe(&h, 0.003);  /* <= 0.005 */
    metrics_observe(&h, 0.005);  /* a bound is its own bucket's */
    metrics_observe(&h, 60);     /* above every bound */
    metrics_observe(&h, -1);     /* counts as 0 */
    buf_init(&b, 0);
    metrics_histogram_render(&b, "herald_t_seconds", &l, 1, &h);
    char *t = text_of(&b);
    assert_has(t, "herald_t_seconds_bucket{route=\"/v1/x\",le=\"0.0005\"} 2\n");
    assert_has(t, "herald_t_seconds_bucket{route=\"/v1/x\",le=\"0.0025\"} 2\n");
    assert_has(t, "herald_t_seconds_bucket{route=\"/v1/x\",le=\"0.005\"} 4\n");
    assert_has(t, "herald_t_seconds_bucket{route=\"/v1/x\",le=\"10\"} 4\n");
    assert_has(t, "herald_t_seconds_bucket{route=\"/v1/x\",le=\"+Inf\"} 5\n");
    assert_has(t, "herald_t_seconds_sum{route=\"/v1/x\"} 60.0081\n");
    assert_has(t, "herald_t_seconds_count{route=\"/v1/x\"} 5\n");
    /* 14 bounds and +Inf, then sum and count: 17 lines. */
    size_t lines = 0;
    for (const char *p = t; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, METRICS_BUCKETS + 3);
    free(t);
}

static void noop(void *role, const void *caller, const http_request *req, http_response *resp)
{
    (void)role, (void)caller, (void)req, (void)resp;
}

static const http_route routes[] = {
    {"GET", "/v1/notices/{id}", 1, 0, noop, NULL},
    {"POST", "/v1/notices", 1, 100, noop, HTTP_JSON},
};

static void requests_count_by_route_pattern_and_status(void **state)
{
    http_metrics *m = http_metrics_new(routes, 2);
    buf b;
    (void)state;

    assert_non_null(m);
    assert_int_equal(http_metrics_series(m, "GET", "/v1/notices/abc"), 0);
    assert_int_equal(http_metrics_series(m, "POST", "/v1/notices"), 1);
    assert_int_equal(http_metrics_series(m, "DELETE", "/v1/notices"), 2);
    assert_int_equal(http_metrics_series(m, "GET", "/nothing\"here"), 2);
    http_metrics_record(m, 0, 200, 0.002);
    http_metrics_record(m, 0, 200, 0.004);
    http_metrics_record(m, 0, 404, 0.001);
    http_metrics_record(m, 1, 202, 0.02);
    http_metrics_record(m, 2, 404, 0.0001);
    http_metrics_record(m, 2, 599, 0.0001);
    buf_init(&b, 0);
    http_metrics_render(m, &b);
    char *t = text_of(&b);
    assert_has(t, "# TYPE herald_http_requests_total counter\n");
    assert_has(t, "herald_http_requests_total{method=\"GET\",route=\"/v1/notices/{id}\","
                  "code=\"200\"} 2\n");
    assert_has(t, "herald_http_requests_total{method=\"GET\",route=\"/v1/notices/{id}\","
                  "code=\"404\"} 1\n");
    assert_has(t, "herald_http_requests_total{method=\"POST\",route=\"/v1/notices\","
                  "code=\"202\"} 1\n");
    assert_has(t, "herald_http_requests_total{method=\"other\",route=\"unmatched\","
                  "code=\"other\"} 1\n");
    assert_has(t, "# TYPE herald_http_request_duration_seconds histogram\n");
    assert_has(t, "herald_http_request_duration_seconds_bucket{method=\"GET\","
                  "route=\"/v1/notices/{id}\",code=\"200\",le=\"+Inf\"} 2\n");
    assert_has(t, "herald_http_request_duration_seconds_count{method=\"POST\","
                  "route=\"/v1/notices\",code=\"202\"} 1\n");
    /* No series for what saw no request. */
    assert_null(strstr(t, "code=\"201\""));
    free(t);
    http_metrics_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(label_values_are_escaped),
        cmocka_unit_test(a_sample_without_labels_has_no_braces),
        cmocka_unit_test(help_and_type_come_first_and_help_is_escaped),
        cmocka_unit_test(histogram_buckets_are_cumulative_and_end_in_inf),
        cmocka_unit_test(requests_count_by_route_pattern_and_status),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
