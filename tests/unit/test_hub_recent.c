/* test_hub_recent.c -- notices relayed lately are found with their fields
 * while their slot holds them, a later notice in the same slot replaces
 * an earlier one, and what does not fit is never half kept. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "hub_recent.h"

static const char rk[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
static const char sha[] = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";

static void id_of(int i, char out[NOTICE_ID_LEN + 1])
{
    snprintf(out, NOTICE_ID_LEN + 1, "0193a1b2-c3d4-7000-8000-%012d", i);
}

static void found_while_held(void **state)
{
    hub_recent *r = hub_recent_new(1000); /* 1,024 slots */
    hub_recent_fields f;
    char id[NOTICE_ID_LEN + 1];
    int held = 0;
    (void)state;

    assert_non_null(r);
    id_of(1, id);
    assert_int_equal(hub_recent_get(r, id, &f), 0);
    hub_recent_put(r, id, "nts", rk, sha);
    assert_int_equal(hub_recent_get(r, id, &f), 1);
    assert_string_equal(f.agency, "nts");
    assert_string_equal(f.rk, rk);
    assert_string_equal(f.doc_sha256, sha);
    /* 512 more: most of them are still there, each with its own agency. */
    for (int i = 2; i < 514; i++) {
        char agency[16];
        id_of(i, id);
        snprintf(agency, sizeof agency, "a%d", i);
        hub_recent_put(r, id, agency, rk, sha);
    }
    for (int i = 2; i < 514; i++) {
        char agency[16];
        id_of(i, id);
        snprintf(agency, sizeof agency, "a%d", i);
        if (hub_recent_get(r, id, &f)) {
            assert_string_equal(f.agency, agency);
            held++;
        }
    }
    assert_true(held > 350 && held <= 512);
    hub_recent_free(r);
}

static void one_slot_keeps_the_latest(void **state)
{
    hub_recent *r = hub_recent_new(1);
    hub_recent_fields f;
    char a[NOTICE_ID_LEN + 1], b[NOTICE_ID_LEN + 1];
    char long_name[200];
    (void)state;

    assert_non_null(r);
    id_of(1, a);
    id_of(2, b);
    hub_recent_put(r, a, "nts", rk, sha);
    hub_recent_put(r, b, "mois", rk, sha);
    assert_int_equal(hub_recent_get(r, a, &f), 0);
    assert_int_equal(hub_recent_get(r, b, &f), 1);
    assert_string_equal(f.agency, "mois");
    /* An agency name too long for a slot: not kept, and b stays. */
    memset(long_name, 'x', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    hub_recent_put(r, a, long_name, rk, sha);
    assert_int_equal(hub_recent_get(r, a, &f), 0);
    assert_int_equal(hub_recent_get(r, b, &f), 1);
    assert_int_equal(hub_recent_get(r, long_name, &f), 0);
    hub_recent_free(r);
    hub_recent_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(found_while_held),
        cmocka_unit_test(one_slot_keeps_the_latest),
    };
    return cmocka_run_group_tests_name("hub_recent", tests, NULL, NULL);
}
