/* Unit tests for certificate_pdf.c: the page says when its timeline is
 * cut, and offers the QR code only when it draws one (read back with
 * poppler's pdftotext). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "certificate_pdf.h"

/* A certificate of n events (what verification would have filled). */
static cert_result *events(size_t n)
{
    cert_result *r = calloc(1, sizeof *r);

    assert_non_null(r);
    snprintf(r->notice, sizeof r->notice, "01a24bbe-b761-7054-aef4-e2b988b54d47");
    r->head.tree_size = 1000;
    r->count = n;
    for (size_t i = 0; i < n; i++) {
        cert_event *e = &r->events[i];
        snprintf(e->event, sizeof e->event, "%s", i % 2 ? "ConsignmentNotification" : "Reminder");
        snprintf(e->at, sizeof e->at, "2026-12-06T10:%02zu:00.000Z", i % 60);
        snprintf(e->actor, sizeof e->actor, "messenger");
        e->leaf_index = i;
    }
    return r;
}

/* The page's text, written to out (cap bytes). */
static void page_text(const cert_result *r, const char *url, char *out, size_t cap)
{
    char pdf[] = "/tmp/test_certificate_pdf.XXXXXX", err[256], cmd[128];
    int fd = mkstemp(pdf);
    FILE *p;
    size_t n;

    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(certificate_pdf_write(r, url, NULL, pdf, err, sizeof err), 0);
    snprintf(cmd, sizeof cmd, "pdftotext -layout %s -", pdf);
    p = popen(cmd, "r");
    assert_non_null(p);
    n = fread(out, 1, cap - 1, p);
    out[n] = '\0';
    pclose(p);
    unlink(pdf);
}

static void a_long_timeline_says_what_it_leaves_out(void **state)
{
    static char text[65536];
    cert_result *r = events(200);
    (void)state;

    page_text(r, "https://hub.example/verify", text, sizeof text);
    assert_non_null(strstr(text, "more events: the JSON certificate holds them all"));
    assert_null(strstr(text, "leaf 199)")); /* the last ones are not drawn */
    free(r);
}

static void a_short_one_is_whole(void **state)
{
    static char text[65536];
    cert_result *r = events(5);
    (void)state;

    page_text(r, "https://hub.example/verify", text, sizeof text);
    assert_null(strstr(text, "more events"));
    assert_non_null(strstr(text, "leaf 4)"));
    assert_non_null(strstr(text, "scan the code"));
    free(r);
}

static void no_url_no_code_to_scan(void **state)
{
    static char text[65536];
    cert_result *r = events(5);
    (void)state;

    page_text(r, NULL, text, sizeof text);
    assert_null(strstr(text, "scan the code"));
    free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_long_timeline_says_what_it_leaves_out),
        cmocka_unit_test(a_short_one_is_whole),
        cmocka_unit_test(no_url_no_code_to_scan),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
