/* Unit tests for platform_pages.c: every outside value is escaped, and
 * pages carry what a phone browser needs and nothing that runs. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "platform_pages.h"

static const char evil[] = "<script>alert('x')</script> & \"q\"";

static notice_row sample(void)
{
    notice_row n;

    memset(&n, 0, sizeof n);
    strcpy(n.notice, "0193a000-0000-7000-8000-000000000001");
    strcpy(n.title, evil);
    strcpy(n.agency, "nts");
    strcpy(n.deadline, "2026-12-31");
    strcpy(n.received, "2026-11-27T08:00:00.000Z");
    strcpy(n.doc_sha256, "00");
    return n;
}

static void inbox_rows_escape_titles(void **state)
{
    notice_row n = sample();
    buf b;
    (void)state;

    buf_init(&b, 256);
    platform_pages_inbox_row(&b, &n);
    assert_null(strstr(b.data, "<script"));
    assert_non_null(strstr(b.data, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"));
    assert_non_null(strstr(b.data, "href=\"/notices/0193a000-0000-7000-8000-000000000001\""));
    assert_non_null(strstr(b.data, "unread"));
    buf_free(&b);
}

/* A notice its agency withdrew: marked in the inbox; its page gives the
 * reason, escaped, and offers no way to open it. */
static void withdrawn_notices_do_not_open(void **state)
{
    notice_row n = sample();
    buf b;
    (void)state;

    strcpy(n.withdrawn_at, "2026-11-28T01:00:00.000Z");
    strcpy(n.withdrawn_reason, evil);
    buf_init(&b, 256);
    platform_pages_inbox_row(&b, &n);
    assert_non_null(strstr(b.data, "withdrawn by the agency"));
    buf_free(&b);
    buf_init(&b, 4096);
    platform_pages_notice(&b, "messenger", &n, "t0k", NULL, NULL);
    assert_non_null(strstr(b.data, "Withdrawn by the agency"));
    assert_non_null(strstr(b.data, "&lt;script&gt;alert(&#39;x&#39;)"));
    assert_null(strstr(b.data, "<script"));
    assert_null(strstr(b.data, "/open"));
    assert_null(strstr(b.data, "name=\"pin\""));
    buf_free(&b);
    /* the same notice not withdrawn has its PIN form */
    n = sample();
    buf_init(&b, 4096);
    platform_pages_notice(&b, "messenger", &n, "t0k", NULL, NULL);
    assert_non_null(strstr(b.data, "/open"));
    assert_null(strstr(b.data, "withdrawn"));
    buf_free(&b);
}

static void inbox_header_escapes_member_name(void **state)
{
    member m;
    buf b;
    (void)state;

    memset(&m, 0, sizeof m);
    strcpy(m.name, "<i>홍길동</i>");
    m.consent = 1;
    buf_init(&b, 256);
    platform_pages_inbox_begin(&b, "messenger", &m, "t0k");
    platform_pages_inbox_end(&b, 0, 0, NULL, NULL, "t0k");
    assert_null(strstr(b.data, "<i>"));
    assert_non_null(strstr(b.data, "&lt;i&gt;홍길동&lt;/i&gt;"));
    assert_non_null(strstr(b.data, "Withdraw consent"));
    assert_non_null(strstr(b.data, "No notices yet"));
    assert_null(strstr(b.data, "Older notices"));
    buf_free(&b);
}

static void inbox_pages_link_older_newer_and_newest(void **state)
{
    notice_row n = sample();
    buf b;
    (void)state;

    buf_init(&b, 256);
    /* the newest page: no newer one, whatever its first row */
    platform_pages_inbox_end(&b, 200, 0, &n, &n, "t0k");
    assert_non_null(strstr(b.data, "<a href=\"/inbox?before=2026-11-27T08:00:00.000Z,"
                                   "0193a000-0000-7000-8000-000000000001\">"));
    assert_null(strstr(b.data, "Newest notices"));
    assert_null(strstr(b.data, "after="));
    buf_free(&b);
    buf_init(&b, 256);
    platform_pages_inbox_end(&b, 0, 1, NULL, NULL, "t0k");
    assert_non_null(strstr(b.data, "No older notices"));
    assert_non_null(strstr(b.data, "<a href=\"/inbox\">"));
    assert_null(strstr(b.data, "No notices yet"));
    assert_null(strstr(b.data, "after="));
    buf_free(&b);
    /* an older page links to the newer one by its first row, escaped */
    snprintf(n.notice, sizeof n.notice, "a\"<b>");
    buf_init(&b, 256);
    platform_pages_inbox_end(&b, 3, 1, &n, NULL, "t0k");
    assert_non_null(strstr(b.data, "<a href=\"/inbox?after=2026-11-27T08:00:00.000Z,"
                                   "a&quot;&lt;b&gt;\">더 최근 고지 / Newer notices</a>"));
    assert_non_null(strstr(b.data, "Newest notices"));
    assert_null(strstr(b.data, "before="));
    buf_free(&b);
}

static void pages_fit_phones_without_scripts(void **state)
{
    notice_row n = sample();
    buf b;
    (void)state;

    buf_init(&b, 256);
    platform_pages_login(&b, "messenger", "t0k", NULL, NULL);
    platform_pages_signup(&b, "messenger", "t0k", "실패", "Failed", evil);
    platform_pages_notice(&b, "messenger", &n, "t0k", NULL, NULL);
    platform_pages_error(&b, "messenger", "오류", "Error", "/inbox");
    assert_non_null(strstr(b.data, "name=\"viewport\" content=\"width=device-width"));
    assert_null(strstr(b.data, "<script"));
    assert_non_null(strstr(b.data, "action=\"/notices/0193a000-0000-7000-8000-000000000001/open\""));
    assert_non_null(strstr(b.data, "로그인 / Sign in"));
    buf_free(&b);
}

/* A web sign-up binds a CI to whoever typed the RRN, so the page says
 * before and after that notices wait for identity confirmation. */
static void unverified_members_are_told_notices_wait(void **state)
{
    member m;
    buf b;
    (void)state;

    buf_init(&b, 256);
    platform_pages_signup(&b, "messenger", "t0k", NULL, NULL, NULL);
    assert_non_null(strstr(b.data, "본인 확인"));
    assert_non_null(strstr(b.data, "only after your identity has been confirmed"));
    /* The PIN is a new one: the browser offers to make it, and the page
     * says the rule it is checked by. */
    assert_non_null(strstr(b.data, "autocomplete=\"new-password\" aria-describedby=\"pin-rule\""));
    assert_non_null(strstr(b.data, "<p id=\"pin-rule\">"));
    assert_null(strstr(b.data, "current-password"));
    buf_free(&b);

    /* After a sign-up, the code its message brings is offered with the
     * PIN; once the platform asks for it, it is required. */
    buf_init(&b, 256);
    platform_pages_signup_received(&b, "messenger", "t0k");
    assert_non_null(strstr(b.data, "name=\"code\""));
    assert_non_null(strstr(b.data, "autocomplete=\"one-time-code\">"));
    assert_non_null(strstr(b.data, "first sign-in after signing up"));
    buf_free(&b);
    buf_init(&b, 256);
    platform_pages_login_code(&b, "messenger", "t0k", "코드", "Code");
    assert_non_null(strstr(b.data, "autocomplete=\"one-time-code\" required>"));
    assert_non_null(strstr(b.data, "name=\"pin\""));
    buf_free(&b);
    buf_init(&b, 256);
    platform_pages_login(&b, "messenger", "t0k", NULL, NULL);
    assert_null(strstr(b.data, "name=\"code\""));
    buf_free(&b);

    memset(&m, 0, sizeof m);
    strcpy(m.name, "홍길동");
    buf_init(&b, 256);
    platform_pages_inbox_begin(&b, "messenger", &m, "t0k");
    assert_non_null(strstr(b.data, "only after your identity has been confirmed"));
    buf_free(&b);

    m.verified = 1;
    buf_init(&b, 256);
    platform_pages_inbox_begin(&b, "messenger", &m, "t0k");
    assert_null(strstr(b.data, "identity"));
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(inbox_rows_escape_titles),
        cmocka_unit_test(inbox_header_escapes_member_name),
        cmocka_unit_test(inbox_pages_link_older_newer_and_newest),
        cmocka_unit_test(withdrawn_notices_do_not_open),
        cmocka_unit_test(pages_fit_phones_without_scripts),
        cmocka_unit_test(unverified_members_are_told_notices_wait),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
