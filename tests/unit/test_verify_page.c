/* test_verify_page.c -- the hub's verify page: verdicts, timeline, and
 * escaping of everything that came from a pasted certificate. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "verify_page.h"

static cert_result *sample(void)
{
    cert_result *r = calloc(1, sizeof *r);

    strcpy(r->notice, "0193a1b2-c3d4-7000-8000-000000000000");
    r->head.tree_size = 42;
    r->head.timestamp_ms = 1700000000000ULL;
    r->count = 2;
    strcpy(r->events[0].event, "SubmissionAcceptance");
    strcpy(r->events[0].at, "2026-11-27T08:00:00.000Z");
    strcpy(r->events[0].actor, "hub");
    r->events[0].leaf_index = 7;
    strcpy(r->events[1].event, "RelayRejection");
    strcpy(r->events[1].at, "2026-11-27T08:00:01.000Z");
    strcpy(r->events[1].actor, "<b>evil</b>");
    strcpy(r->events[1].reason, "\"quoted\" & 'single'");
    r->events[1].leaf_index = 9;
    r->count = 3;
    strcpy(r->events[2].event, "ConsignmentNotificationDelivery");
    strcpy(r->events[2].at, "2026-11-27T08:00:02.000Z");
    strcpy(r->events[2].actor, "carrier");
    strcpy(r->events[2].channel, "sms");
    strcpy(r->events[2].reference, "<0a1b>");
    r->events[2].leaf_index = 11;
    return r;
}

static char *render(const char *pasted, int checked, const cert_result *res, const char *why)
{
    buf b;
    size_t len;

    buf_init(&b, 256);
    verify_page_render(&b, "S0VZ+/=", pasted, checked, res, why);
    return buf_take(&b, &len);
}

static void form_only_when_not_checked(void **state)
{
    char *html = render(NULL, 0, NULL, NULL);
    (void)state;

    assert_non_null(strstr(html, "<form method=\"post\" action=\"/verify\">"));
    assert_non_null(strstr(html, "name=\"certificate\""));
    assert_null(strstr(html, "VALID"));
    assert_non_null(strstr(html, "S0VZ+/="));
    free(html);
}

static void valid_shows_timeline_escaped(void **state)
{
    cert_result *r = sample();
    char *html = render("{\"a\":\"</textarea><script>\"}", 1, r, NULL);
    (void)state;

    assert_non_null(strstr(html, "VALID"));
    assert_null(strstr(html, "INVALID"));
    assert_non_null(strstr(html, "0193a1b2-c3d4-7000-8000-000000000000"));
    assert_non_null(strstr(html, "SubmissionAcceptance"));
    assert_non_null(strstr(html, "RelayRejection"));
    assert_non_null(strstr(html, "size 42"));
    assert_null(strstr(html, "<b>evil"));
    assert_non_null(strstr(html, "&lt;b&gt;evil&lt;/b&gt;"));
    assert_non_null(strstr(html, "&quot;quoted&quot; &amp; "));
    assert_non_null(strstr(html, "<td>sms &lt;0a1b&gt;</td>"));
    assert_non_null(strstr(html, "ConsignmentNotificationDelivery"));
    assert_null(strstr(html, "</textarea><script>"));
    assert_null(strstr(html, "<script"));
    free(html);
    free(r);
}

static void invalid_shows_reason_escaped(void **state)
{
    char *html = render("x", 1, NULL, "leaf 3 <img src=x> does not verify");
    (void)state;

    assert_non_null(strstr(html, "INVALID"));
    assert_non_null(strstr(html, "leaf 3 &lt;img src=x&gt; does not verify"));
    assert_null(strstr(html, "<img"));
    assert_null(strstr(html, "<table>"));
    free(html);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(form_only_when_not_checked),
        cmocka_unit_test(valid_shows_timeline_escaped),
        cmocka_unit_test(invalid_shows_reason_escaped),
    };
    return cmocka_run_group_tests_name("verify_page", tests, NULL, NULL);
}
