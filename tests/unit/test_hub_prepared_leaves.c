/* test_hub_prepared_leaves.c -- a prepared leaf is the leaf the writer
 * would make, and is found only for exactly the record it was made for. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hub_prepared_leaves.h"

static const char rk[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
static const char sha[] = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";

static void prepared_equals_made_late(void **state)
{
    char notice[] = "0193a1b2-c3d4-7000-8000-000000000001";
    evidence_rec r = {"RelayAcceptance", notice, 1795766399999LL, "nts", "messenger", rk, sha,
                      NULL, NULL, NULL, NULL};
    uint8_t hash[MERKLE_HASH_LEN];
    hub_prepared_leaves p;
    buf late;
    const hub_prepared_leaf *l;

    (void)state;
    assert_int_equal(hub_prepared_leaves_init(&p, 4), 0);
    hub_prepared_leaves_add(&p, 0, &r);
    r.event = "ContentConsignment";
    hub_prepared_leaves_add(&p, 1, &r);
    hub_prepared_leaves_add(&p, 9, &r); /* past the last slot: ignored */

    buf_init(&late, 512);
    evidence_encode(&late, &r);
    l = hub_prepared_leaves_find(&p, 1, &r);
    assert_non_null(l);
    assert_int_equal(l->len, late.len);
    assert_memory_equal(p.bytes.data + l->off, late.data, late.len);
    merkle_leaf_hash(late.data, late.len, hash);
    assert_memory_equal(l->hash, hash, MERKLE_HASH_LEN);

    /* equal strings at other addresses match; any other field does not */
    char copy[sizeof notice];
    memcpy(copy, notice, sizeof notice);
    r.notice = copy;
    assert_non_null(hub_prepared_leaves_find(&p, 1, &r));
    assert_null(hub_prepared_leaves_find(&p, 0, &r)); /* slot 0 holds RelayAcceptance */
    r.at_ms++;
    assert_null(hub_prepared_leaves_find(&p, 1, &r));
    r.at_ms--;
    r.actor = "carrier";
    assert_null(hub_prepared_leaves_find(&p, 1, &r));
    r.actor = "messenger";
    r.reason = "late";
    assert_null(hub_prepared_leaves_find(&p, 1, &r));
    r.reason = NULL;
    r.channel = "sms";
    assert_null(hub_prepared_leaves_find(&p, 1, &r));
    r.channel = NULL;
    r.reference = "0a1b";
    assert_null(hub_prepared_leaves_find(&p, 1, &r));
    r.reference = NULL;
    copy[35] = '2';
    assert_null(hub_prepared_leaves_find(&p, 1, &r));
    /* the caller's buffer reused for another notice: the leaf keeps its own */
    notice[35] = '2';
    r.notice = "0193a1b2-c3d4-7000-8000-000000000001";
    assert_non_null(hub_prepared_leaves_find(&p, 1, &r));
    assert_null(hub_prepared_leaves_find(&p, 2, &r)); /* never filled */
    assert_null(hub_prepared_leaves_find(&p, 9, &r));

    buf_free(&late);
    hub_prepared_leaves_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(prepared_equals_made_late),
    };
    return cmocka_run_group_tests_name("hub_prepared_leaves", tests, NULL, NULL);
}
