/* Unit tests for agency_ref.c: run ids, references, links, deadlines and
 * the notice state rules the agency applies to the hub's changes feed. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "agency_ref.h"
#include "crypto.h"

/* Every reference the agency makes must pass the wire's rule. */
static int ref_ok(const char *s)
{
    return field_reference_ok(s, strlen(s));
}

static void run_id_is_stable_and_input_bound(void **state)
{
    uint8_t a[SHA256_LEN] = {1}, b[SHA256_LEN] = {2};
    char r1[AGENCY_RUN_ID_LEN + 1], r2[AGENCY_RUN_ID_LEN + 1];
    (void)state;

    agency_ref_run_id(a, b, "Tax", "2026-12-31", r1);
    agency_ref_run_id(a, b, "Tax", "2026-12-31", r2);
    assert_string_equal(r1, r2);
    assert_int_equal(strlen(r1), AGENCY_RUN_ID_LEN);
    assert_true(ref_ok(r1));
    agency_ref_run_id(b, a, "Tax", "2026-12-31", r2);
    assert_string_not_equal(r1, r2);
    agency_ref_run_id(a, b, "Tax2", "2026-12-31", r2);
    assert_string_not_equal(r1, r2);
    agency_ref_run_id(a, b, "Tax", "2026-12-30", r2);
    assert_string_not_equal(r1, r2);
    /* The field boundary counts: "ab"+"c" is not "a"+"bc". */
    agency_ref_run_id(a, b, "ab", "c", r1);
    agency_ref_run_id(a, b, "a", "bc", r2);
    assert_string_not_equal(r1, r2);
}

static void references_are_valid_and_bounded(void **state)
{
    char ref[FIELD_REFERENCE_MAX + 1];
    (void)state;

    agency_ref_make("0123456789abcdef", 12345, ref);
    assert_string_equal(ref, "0123456789abcdef-12345");
    assert_true(ref_ok(ref));
    assert_true(ref_ok("2026-TAX:000001_a.b"));
    assert_false(ref_ok(""));
    assert_false(ref_ok("a/b"));
    assert_false(ref_ok("a b"));
    assert_false(ref_ok("..%2f"));
    memset(ref, 'a', 64);
    ref[64] = '\0';
    assert_true(ref_ok(ref));
    char longer[66];
    memset(longer, 'a', 65);
    longer[65] = '\0';
    assert_false(ref_ok(longer));
}

static void links_join_with_one_slash(void **state)
{
    char link[FIELD_LINK_MAX + 1], base[600];
    (void)state;

    assert_int_equal(agency_ref_link("http://127.0.0.1:7004", "r-1", link), 0);
    assert_string_equal(link, "http://127.0.0.1:7004/documents/r-1");
    assert_int_equal(agency_ref_link("https://a.go.kr/gw/", "r-2", link), 0);
    assert_string_equal(link, "https://a.go.kr/gw/documents/r-2");
    memset(base, 'a', 520);
    memcpy(base, "http://", 7);
    base[520] = '\0';
    assert_int_equal(agency_ref_link(base, "r", link), -1);
}

static void public_urls(void **state)
{
    (void)state;
    assert_true(agency_ref_public_url_ok("http://127.0.0.1:7004"));
    assert_true(agency_ref_public_url_ok("https://docs.nts.go.kr/herald"));
    assert_false(agency_ref_public_url_ok("ftp://x"));
    assert_false(agency_ref_public_url_ok("http://"));
    assert_false(agency_ref_public_url_ok("http:///x"));
    assert_false(agency_ref_public_url_ok("http://a b"));
    assert_false(agency_ref_public_url_ok("http://a?x=1"));
}

static void deadlines(void **state)
{
    (void)state;
    assert_null(agency_ref_deadline_check("2026-12-31"));
    assert_null(agency_ref_deadline_check("2028-02-29"));
    assert_null(agency_ref_deadline_check("2026-12-31T14:59:59.999Z"));
    assert_null(agency_ref_deadline_check("2026-12-31T14:59:59Z"));
    assert_non_null(agency_ref_deadline_check("2027-02-29"));
    assert_non_null(agency_ref_deadline_check("2026-13-01"));
    assert_non_null(agency_ref_deadline_check("2026-00-10"));
    assert_non_null(agency_ref_deadline_check("2026-1-1"));
    assert_non_null(agency_ref_deadline_check("31/12/2026"));
    assert_non_null(agency_ref_deadline_check(""));
    assert_non_null(agency_ref_deadline_check("2026-12-31T24:00:00Z"));
    assert_non_null(agency_ref_deadline_check("2026-12-31T14:59:59+09:00"));
    assert_non_null(agency_ref_deadline_check("2026-12-31 14:59:59Z"));
    assert_non_null(agency_ref_deadline_check("2026-12-31T14:59:59.99Z"));
    assert_non_null(agency_ref_deadline_check("1999-12-31"));
}

static void states(void **state)
{
    (void)state;
    const char *known[] = {"stored", "accepted", "relayed", "received", "read", "postal"};
    for (size_t i = 0; i < 6; i++)
        assert_true(agency_ref_state_known(known[i]));
    assert_false(agency_ref_state_known("delivered"));
    assert_false(agency_ref_state_known(""));
    assert_true(agency_ref_state_final("read"));
    assert_true(agency_ref_state_final("postal"));
    assert_false(agency_ref_state_final("received"));
    assert_false(agency_ref_state_final("accepted"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(run_id_is_stable_and_input_bound),
        cmocka_unit_test(references_are_valid_and_bounded),
        cmocka_unit_test(links_join_with_one_slash),
        cmocka_unit_test(public_urls),
        cmocka_unit_test(deadlines),
        cmocka_unit_test(states),
    };
    if (crypto_init() != 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
