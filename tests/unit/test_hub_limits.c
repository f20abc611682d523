/* Unit tests for hub_limits.c: each agency's token bucket and daily quota
 * together, as POST /v1/notices asks them, on a clock the test holds. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "hub_limits.h"

/* 2026-11-27T00:00:00Z, 09:00 in Seoul */
#define T0 1795737600000LL
#define HOUR 3600000LL

static hub_limits *with_lim(long rate, long burst, long quota)
{
    hub_limits *l = hub_limits_new();

    assert_non_null(l);
    assert_int_equal(hub_limits_add(l, "lim", rate, burst, quota, T0), 0);
    return l;
}

static void an_agency_without_limits_always_passes(void **state)
{
    hub_limits *l = with_lim(2, 2, 10);
    long long wait = -7;
    long rate = -1, quota = -1;
    (void)state;

    assert_int_equal(hub_limits_take(l, "nts", 1000000, T0, &wait), HUB_LIMIT_OK);
    assert_int_equal(wait, 0);
    hub_limits_of(l, "nts", &rate, &quota);
    assert_int_equal(rate, 0);
    assert_int_equal(quota, 0);
    hub_limits_of(l, "lim", &rate, &quota);
    assert_int_equal(rate, 2);
    assert_int_equal(quota, 10);
    /* limits of 0 and 0 are no limits: nothing is kept for it */
    assert_int_equal(hub_limits_add(l, "free", 0, 5, 0, T0), 0);
    assert_int_equal(hub_limits_take(l, "free", 1000000, T0, &wait), HUB_LIMIT_OK);
    hub_limits_free(l);
}

/* The rate refuses after the burst; its refusal does not use the quota. */
static void a_rate_refusal_leaves_the_quota_alone(void **state)
{
    hub_limits *l = with_lim(2, 2, 10);
    long long wait;
    (void)state;

    assert_int_equal(hub_limits_take(l, "lim", 2, T0, &wait), HUB_LIMIT_OK);
    for (int i = 0; i < 20; i++) { /* a client that keeps asking */
        assert_int_equal(hub_limits_take(l, "lim", 2, T0 + i, &wait), HUB_LIMIT_RATE);
        assert_true(wait > 0 && wait <= 1000);
    }
    /* 8 of 10 left: four more pairs a second apart, then the quota */
    for (int i = 1; i <= 4; i++)
        assert_int_equal(hub_limits_take(l, "lim", 2, T0 + i * 1000, &wait), HUB_LIMIT_OK);
    assert_int_equal(hub_limits_take(l, "lim", 1, T0 + 9000, &wait), HUB_LIMIT_QUOTA);
    /* until Korean midnight: 15:00 UTC */
    assert_int_equal(wait, 15 * HOUR - 9000);
    hub_limits_free(l);
}

static void a_batch_over_a_whole_day_never_passes(void **state)
{
    hub_limits *l = with_lim(100, 100, 10);
    long long wait = -7;
    (void)state;

    assert_int_equal(hub_limits_take(l, "lim", 11, T0, &wait), HUB_LIMIT_OVER_QUOTA);
    assert_int_equal(wait, 0);
    /* and it took nothing: the whole day is still there */
    assert_int_equal(hub_limits_take(l, "lim", 10, T0, &wait), HUB_LIMIT_OK);
    hub_limits_free(l);
}

/* A batch the store failed to keep gives back both; one stored gives
 * back the quota of what it did not add, its tokens stay spent. */
static void what_is_given_back(void **state)
{
    hub_limits *l = with_lim(5, 5, 10);
    long long wait;
    (void)state;

    assert_int_equal(hub_limits_take(l, "lim", 5, T0, &wait), HUB_LIMIT_OK);
    hub_limits_untake(l, "lim", 5, 5, T0); /* not stored */
    assert_int_equal(hub_limits_take(l, "lim", 5, T0, &wait), HUB_LIMIT_OK);
    hub_limits_untake(l, "lim", 3, 0, T0); /* stored; 3 were duplicates */
    assert_int_equal(hub_limits_take(l, "lim", 1, T0, &wait), HUB_LIMIT_RATE);
    /* 2 of the day's 10 are used */
    assert_int_equal(hub_limits_take(l, "lim", 5, T0 + 1000, &wait), HUB_LIMIT_OK);
    assert_int_equal(hub_limits_take(l, "lim", 3, T0 + 2000, &wait), HUB_LIMIT_OK);
    assert_int_equal(hub_limits_take(l, "lim", 1, T0 + 3000, &wait), HUB_LIMIT_QUOTA);
    /* a give-back for another agency, or one without limits, moves nothing */
    hub_limits_untake(l, "nts", 10, 10, T0 + 3000);
    assert_int_equal(hub_limits_take(l, "lim", 1, T0 + 3000, &wait), HUB_LIMIT_QUOTA);
    /* what was taken yesterday does not come back to today's quota */
    assert_int_equal(hub_limits_take(l, "lim", 10, T0 + 16 * HOUR, &wait), HUB_LIMIT_OK);
    hub_limits_untake(l, "lim", 8, 0, T0 + 2000);
    assert_int_equal(hub_limits_take(l, "lim", 1, T0 + 17 * HOUR, &wait), HUB_LIMIT_QUOTA);
    hub_limits_free(l);
}

/* A batch sent again with the quota spent: its known items cost no quota
 * but still their tokens, so looping it meets the rate limit. */
static void a_batch_sent_again_still_pays_its_tokens(void **state)
{
    hub_limits *l = with_lim(2, 4, 4);
    long long wait = -1;
    (void)state;

    assert_int_equal(hub_limits_take(l, "lim", 4, T0, &wait), HUB_LIMIT_OK); /* quota spent */
    assert_int_equal(hub_limits_take(l, "lim", 1, T0 + 2000, &wait), HUB_LIMIT_QUOTA);
    assert_int_equal(hub_limits_take_apart(l, "lim", 0, 4, T0 + 2000, &wait), HUB_LIMIT_OK);
    assert_int_equal(hub_limits_take_apart(l, "lim", 0, 4, T0 + 2000, &wait), HUB_LIMIT_RATE);
    assert_true(wait > 0);
    /* and a new item among them still meets the quota */
    assert_int_equal(hub_limits_take_apart(l, "lim", 1, 4, T0 + 4000, &wait), HUB_LIMIT_QUOTA);
    hub_limits_free(l);
}

/* Agencies' limits are their own. */
static void agencies_do_not_share(void **state)
{
    hub_limits *l = with_lim(1, 1, 3);
    long long wait;
    (void)state;

    assert_int_equal(hub_limits_add(l, "other", 1, 1, 3, T0), 0);
    assert_int_equal(hub_limits_take(l, "lim", 1, T0, &wait), HUB_LIMIT_OK);
    assert_int_equal(hub_limits_take(l, "lim", 1, T0, &wait), HUB_LIMIT_RATE);
    assert_int_equal(hub_limits_take(l, "other", 1, T0, &wait), HUB_LIMIT_OK);
    hub_limits_free(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(an_agency_without_limits_always_passes),
        cmocka_unit_test(a_rate_refusal_leaves_the_quota_alone),
        cmocka_unit_test(a_batch_over_a_whole_day_never_passes),
        cmocka_unit_test(what_is_given_back),
        cmocka_unit_test(a_batch_sent_again_still_pays_its_tokens),
        cmocka_unit_test(agencies_do_not_share),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
