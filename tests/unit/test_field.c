/* Unit tests for field.c: field limits and time parsing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "agency_ref.h"
#include "field.h"

#define S(x) x, strlen(x)

static void references(void **state)
{
    char big[66];
    (void)state;

    assert_true(field_reference_ok(S("2026-TAX-000001")));
    assert_true(field_reference_ok(S("a.b_c:d-e")));
    assert_false(field_reference_ok(S("")));
    assert_false(field_reference_ok(S("has space")));
    assert_false(field_reference_ok(S("slash/no")));
    assert_false(field_reference_ok(S("세금")));
    memset(big, 'a', 65);
    big[65] = '\0';
    assert_false(field_reference_ok(big, 65));
    assert_true(field_reference_ok(big, 64));
}

/* An RRN someone typed into an id stands alone; hex ids and hashes hold
 * 13 digits in a row between letters now and then, and are left alone:
 * of 100,000 of the agency's own hashed references, none is refused,
 * though some hold such a run that the free-text rule would take. */
static void ids_holding_an_rrn(void **state)
{
    static const char *const refused[] = {
        "9710139019902", "971013-9019902", "R-9710139019902", "R-971013-9019902-2",
        "tax.9710139019902", "a:971013-9019902",
    };
    static const char *const kept[] = {
        "R9710139019902", "9710139019902x", "ab9710139019902cd", "97101390199021",
        "REF-1", "991331-1234567", "2026-000001",
    };
    char ref[FIELD_REFERENCE_MAX + 1], caller[32];
    int text_would = 0;
    (void)state;

    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
        assert_true(field_id_has_rrn(refused[i], strlen(refused[i])));
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++)
        assert_false(field_id_has_rrn(kept[i], strlen(kept[i])));
    for (int i = 0; i < 100000; i++) {
        snprintf(caller, sizeof caller, "caller-%d", i);
        agency_ref_api(caller, ref);
        assert_false(field_id_has_rrn(ref, strlen(ref)));
        text_would += field_text_has_rrn(ref, strlen(ref));
    }
    assert_true(text_would > 0);
}

static void payments(void **state)
{
    (void)state;
    assert_true(field_payment_code_ok(S("GIRO-2026-000123")));
    assert_true(field_payment_code_ok(S("12345678901234567890123456789012")));
    assert_false(field_payment_code_ok(S("123456789012345678901234567890123")));
    assert_false(field_payment_code_ok(S("")));
    assert_false(field_payment_code_ok(S("two words")));
    assert_false(field_payment_code_ok(S("\"quoted\"")));
    assert_true(field_amount_krw_ok(1));
    assert_true(field_amount_krw_ok(1000000000000LL));
    assert_false(field_amount_krw_ok(0));
    assert_false(field_amount_krw_ok(-5));
    assert_false(field_amount_krw_ok(1000000000001LL));
}

static void channels_and_their_references(void **state)
{
    char big[66];
    (void)state;

    assert_true(field_channel_ok(S("sms")));
    assert_true(field_channel_ok(S("push")));
    assert_false(field_channel_ok(S("SMS")));
    assert_false(field_channel_ok(S("sm")));
    assert_false(field_channel_ok(S("pushy")));
    assert_false(field_channel_ok(S("")));
    assert_false(field_channel_ok("sms\0", 4));
    assert_true(field_channel_ref_ok(S("0A1b2C")));
    assert_true(field_channel_ref_ok(S("gw-7f3a/9+x=~!")));
    assert_false(field_channel_ref_ok(S("")));
    assert_false(field_channel_ref_ok(S("two words")));
    assert_false(field_channel_ref_ok(S("tab\there")));
    assert_false(field_channel_ref_ok(S("del\x7f")));
    assert_false(field_channel_ref_ok(S("세금")));
    assert_false(field_channel_ref_ok("nul\0x", 5));
    memset(big, 'f', 65);
    big[65] = '\0';
    assert_false(field_channel_ref_ok(big, 65));
    assert_true(field_channel_ref_ok(big, 64));
    assert_string_equal(FIELD_RULE_CHANNEL_REF,
                        "reference must be 1-64 printable ASCII characters without spaces");
}

static void titles_links_reasons(void **state)
{
    char big[600];
    (void)state;

    assert_true(field_title_ok(S("2026년 자동차세 납부 안내 / Vehicle tax 2026")));
    assert_false(field_title_ok(S("")));
    assert_false(field_title_ok(S("line\nbreak")));
    /* an RRN, with or without its hyphen; other long numbers are fine */
    assert_false(field_title_ok(S("Fine for 850315-1234566")));
    assert_false(field_title_ok(S("Fine for 8503151234566")));
    assert_true(field_title_ok(S("Invoice 12345678901234")));
    assert_true(field_title_ok(S("Invoice 991399-1234566")));
    /* what shows as one: full-width digits, a dash, a soft hyphen */
    assert_false(field_title_ok(S("Fine for ８５０３１５－１２３４５６６")));
    assert_false(field_title_ok(S("Fine for 850315\u2013" "1234566")));
    assert_false(field_title_ok(S("Fine for 850315\u00ad" "1234566")));
    assert_true(field_title_ok(S("과태료 ８５０３１５ / 벌점 １２")));
    /* a cancellation's reason too: it is kept and shown to the member */
    assert_true(field_reason_ok(S("주민번호 오기재")));
    assert_false(field_reason_ok(S("주민번호 850315-1234566 오기재")));
    memset(big, 'x', sizeof big);
    assert_true(field_title_ok(big, 200));
    assert_false(field_title_ok(big, 201));
    assert_true(field_link_ok(S("http://127.0.0.1:7004/documents/2026-TAX-000001")));
    assert_true(field_link_ok(S("https://agency.go.kr/d?x=1")));
    assert_false(field_link_ok(S("javascript:alert(1)")));
    assert_false(field_link_ok(S("http://")));
    assert_false(field_link_ok(S("http://a b")));
    assert_false(field_link_ok(S("ftp://a")));
    memcpy(big, "http://", 7);
    assert_true(field_link_ok(big, 512));
    assert_false(field_link_ok(big, 513));
    /* Only what a URI holds unescaped: a link goes into a Location header
     * and an HTML attribute at the platform. */
    assert_true(field_link_ok(S("https://a.go.kr/d/x-1_2.3~4?a=b&c=%20#f")));
    assert_false(field_link_ok(S("https://a.go.kr/\"onmouseover=")));
    assert_false(field_link_ok(S("https://a.go.kr/<b>")));
    assert_false(field_link_ok(S("https://a.go.kr/a\\b")));
    assert_false(field_link_ok(S("https://a.go.kr/{x}")));
    assert_false(field_link_ok(S("https://a.go.kr/\x7f")));
    assert_false(field_link_ok(S("https://\xed\x95\x9c.kr/")));
    assert_false(field_link_ok(S("https://a.go.kr/\r\nSet-Cookie:x")));
    assert_true(field_reason_ok(S("not a member")));
    assert_true(field_reason_ok(S("")));
    assert_false(field_reason_ok(big, 201));
}

static void sha256_hex(void **state)
{
    const char *ok = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    (void)state;
    assert_true(field_sha256_ok(ok, 64));
    assert_false(field_sha256_ok(ok, 63));
    assert_false(field_sha256_ok(S("9F86D081884C7D659A2FEAA0C55AD015"
                                   "A3BF4F1B2B0B822CD15D6C15B0F00A08")));
    assert_false(field_sha256_ok(S("9f86d081884c7d659a2feaa0c55ad015"
                                   "a3bf4f1b2b0b822cd15d6c15b0f00a0g")));
}

/* The words a per-item error carries are built from the limits, so they
 * cannot drift from what the checks enforce. */
static void rules_name_the_limits(void **state)
{
    (void)state;
    assert_string_equal(FIELD_RULE_TITLE, "title must be 1-200 bytes without control characters"
                                          " or a resident registration number");
    assert_string_equal(FIELD_RULE_LINK,
                        "link must be an http:// or https:// URL of at most 512 bytes");
    assert_string_equal(FIELD_RULE_REFERENCE,
                        "reference must be 1-64 characters of [A-Za-z0-9._:-]");
    assert_string_equal(FIELD_RULE_DOC_SHA256, "doc_sha256 must be 64 lower-case hex digits");
}

static void rfc3339_times(void **state)
{
    long long ms;
    (void)state;

    assert_int_equal(field_time_parse(S("2026-11-27T07:53:58.123Z"), &ms), 0);
    assert_true(ms == 1795766038123LL);
    assert_int_equal(field_time_parse(S("2026-11-27T16:53:58.123+09:00"), &ms), 0);
    assert_true(ms == 1795766038123LL);
    assert_int_equal(field_time_parse(S("2026-11-27T07:53:58Z"), &ms), 0);
    assert_true(ms == 1795766038000LL);
    assert_int_equal(field_time_parse(S("2026-11-27T07:53:58.1239999Z"), &ms), 0);
    assert_true(ms == 1795766038123LL);
    assert_int_equal(field_time_parse(S("1970-01-01T00:00:00.000Z"), &ms), 0);
    assert_true(ms == 0);
    assert_int_equal(field_time_parse(S("2024-02-29T00:00:00Z"), &ms), 0);
    assert_int_equal(field_time_parse(S("2026-02-29T00:00:00Z"), &ms), -1);
    assert_int_equal(field_time_parse(S("2026-13-01T00:00:00Z"), &ms), -1);
    assert_int_equal(field_time_parse(S("2026-11-27T24:00:00Z"), &ms), -1);
    assert_int_equal(field_time_parse(S("2026-11-27T07:53:58"), &ms), -1);
    assert_int_equal(field_time_parse(S("2026-11-27T07:53:58.Z"), &ms), -1);
    assert_int_equal(field_time_parse(S("2026-11-27 07:53:58Z"), &ms), -1);
    assert_int_equal(field_time_parse(S("2026-11-27T07:53:58+0900"), &ms), -1);
    assert_int_equal(field_time_parse(S("tomorrow"), &ms), -1);
}

static void deadlines(void **state)
{
    long long ms, want;
    (void)state;

    assert_int_equal(field_deadline_parse(S("2026-12-31"), &ms), 0);
    assert_int_equal(field_time_parse(S("2026-12-31T14:59:59.999Z"), &want), 0);
    assert_true(ms == want);
    assert_int_equal(field_deadline_parse(S("2026-12-31T00:00:00Z"), &ms), 0);
    assert_int_equal(field_deadline_parse(S("2026-12-32"), &ms), -1);
    assert_int_equal(field_deadline_parse(S("2026/12/31"), &ms), -1);
    assert_int_equal(field_deadline_parse(S("1969-12-31"), &ms), -1);
    assert_int_equal(field_deadline_parse(S(""), &ms), -1);
}

static void deadlines_at_submission(void **state)
{
    const long long now = 1796000000000LL, hour = 3600000;
    (void)state;

    assert_null(field_deadline_refusal(now + hour, now));
    assert_null(field_deadline_refusal(now + 30 * 24 * hour, now));
    assert_string_equal(field_deadline_refusal(now + hour - 1, now), FIELD_RULE_DEADLINE_NEAR);
    assert_string_equal(field_deadline_refusal(now + 1, now), FIELD_RULE_DEADLINE_NEAR);
    assert_string_equal(field_deadline_refusal(now, now), FIELD_RULE_DEADLINE_PAST);
    assert_string_equal(field_deadline_refusal(now - 60000, now), FIELD_RULE_DEADLINE_PAST);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(references),
        cmocka_unit_test(payments),
        cmocka_unit_test(ids_holding_an_rrn),
        cmocka_unit_test(channels_and_their_references),
        cmocka_unit_test(titles_links_reasons),
        cmocka_unit_test(sha256_hex),
        cmocka_unit_test(rules_name_the_limits),
        cmocka_unit_test(rfc3339_times),
        cmocka_unit_test(deadlines),
        cmocka_unit_test(deadlines_at_submission),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
