/* Unit tests for rate_limit.c: the hub's per-agency token bucket and
 * daily quota, driven by a clock the test holds. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "rate_limit.h"

/* 2026-11-27T00:00:00Z */
#define T0 1795737600000LL

static void a_full_bucket_takes_its_burst_then_waits(void **state)
{
    token_bucket b;
    (void)state;

    token_bucket_init(&b, 10, 20, T0); /* 10 a second, 20 at once */
    assert_int_equal(token_bucket_take(&b, 20, T0), 0);
    /* empty: one more needs 1/10 s */
    assert_int_equal(token_bucket_take(&b, 1, T0), 100);
    assert_int_equal(token_bucket_take(&b, 1, T0 + 99), 1);
    assert_int_equal(token_bucket_take(&b, 1, T0 + 100), 0);
    /* five need half a second from empty */
    assert_int_equal(token_bucket_take(&b, 5, T0 + 100), 500);
    assert_int_equal(token_bucket_take(&b, 5, T0 + 600), 0);
}

static void untaken_tokens_come_back_up_to_a_full_bucket(void **state)
{
    token_bucket b;
    (void)state;

    token_bucket_init(&b, 10, 20, T0);
    assert_int_equal(token_bucket_take(&b, 15, T0), 0);
    token_bucket_untake(&b, 15);
    assert_int_equal(token_bucket_take(&b, 20, T0), 0);
    /* a batch over the burst left the bucket in debt: given back, the
     * debt goes, and never more than a full bucket comes back */
    assert_int_equal(token_bucket_take(&b, 50, T0 + 2000), 0);
    assert_int_equal(token_bucket_take(&b, 1, T0 + 2000), 3100);
    token_bucket_untake(&b, 50);
    assert_int_equal(token_bucket_take(&b, 20, T0 + 2000), 0);
    token_bucket_untake(&b, 1000);
    assert_int_equal(token_bucket_take(&b, 21, T0 + 2000), 0);
    assert_int_equal(token_bucket_take(&b, 1, T0 + 2000), 200);
}

static void refill_stops_at_the_burst(void **state)
{
    token_bucket b;
    (void)state;

    token_bucket_init(&b, 10, 20, T0);
    assert_int_equal(token_bucket_take(&b, 20, T0), 0);
    /* an hour later the bucket holds 20, not 36,000 */
    assert_int_equal(token_bucket_take(&b, 20, T0 + 3600000), 0);
    assert_int_equal(token_bucket_take(&b, 1, T0 + 3600000), 100);
}

static void a_batch_larger_than_the_bucket_leaves_debt(void **state)
{
    token_bucket b;
    (void)state;

    token_bucket_init(&b, 100, 50, T0);
    /* 200 pass on a full bucket of 50, and leave it 150 short */
    assert_int_equal(token_bucket_take(&b, 200, T0), 0);
    /* the next batch waits for the debt and its own share: 150+10 at 100/s */
    assert_int_equal(token_bucket_take(&b, 10, T0), 1600);
    assert_int_equal(token_bucket_take(&b, 10, T0 + 1600), 0);
}

static void sustained_rate_holds(void **state)
{
    token_bucket b;
    long long t = T0, taken = 0;
    (void)state;

    token_bucket_init(&b, 3000, 3000, T0);
    /* batches of 500 sent as soon as allowed, for a minute */
    while (t < T0 + 60000) {
        long long wait = token_bucket_take(&b, 500, t);
        if (wait == 0)
            taken += 500;
        else
            t += wait;
    }
    /* the first burst plus 3,000 a second, give or take a batch */
    assert_true(taken >= 3000 + 3000 * 60 - 500);
    assert_true(taken <= 3000 + 3000 * 60 + 500);
}

static void no_rate_never_refuses_and_a_clock_step_back_adds_nothing(void **state)
{
    token_bucket b;
    (void)state;

    token_bucket_init(&b, 0, 0, T0);
    assert_int_equal(token_bucket_take(&b, 1000000, T0), 0);
    token_bucket_init(&b, 1, 1, T0);
    assert_int_equal(token_bucket_take(&b, 1, T0), 0);
    assert_int_equal(token_bucket_take(&b, 1, T0 - 5000), 1000);
    assert_int_equal(token_bucket_take(&b, 1, T0 + 1000), 0);
}

static void quota_resets_at_korean_midnight(void **state)
{
    daily_quota q;
    /* 2026-11-27T14:59:59.000Z is 23:59:59 in Seoul */
    long long before_midnight = T0 + 15 * 3600000LL - 1000;
    (void)state;

    daily_quota_init(&q, 100);
    assert_int_equal(daily_quota_take(&q, 60, before_midnight - 3600000), 0);
    assert_int_equal(daily_quota_take(&q, 40, before_midnight), 0);
    /* full: wait the last second of the Korean day */
    assert_int_equal(daily_quota_take(&q, 1, before_midnight), 1000);
    /* a refused batch takes nothing */
    assert_int_equal(q.used, 100);
    assert_int_equal(daily_quota_take(&q, 100, before_midnight + 1000), 0);
    assert_int_equal(daily_quota_take(&q, 1, before_midnight + 2000), 24LL * 3600000 - 1000);
    /* a batch taken before midnight and given back after it was the old
     * day's: the new day's count stays */
    daily_quota_untake(&q, 40, before_midnight);
    assert_int_equal(q.used, 100);
    daily_quota_untake(&q, 40, before_midnight + 3000);
    assert_int_equal(q.used, 60);
}

/* A batch over a whole day's quota would wait for ever: -1, and
 * nothing taken. */
static void a_batch_over_the_quota_never_fits(void **state)
{
    daily_quota q;
    long long before_midnight = T0 + 15 * 3600000LL - 1000;
    (void)state;

    daily_quota_init(&q, 100);
    assert_int_equal(daily_quota_take(&q, 101, before_midnight), -1);
    assert_int_equal(q.used, 0);
    assert_int_equal(daily_quota_take(&q, 100, before_midnight), 0);
    assert_int_equal(daily_quota_take(&q, 101, before_midnight), -1);
}

static void no_quota_never_refuses(void **state)
{
    daily_quota q;
    (void)state;

    daily_quota_init(&q, 0);
    assert_int_equal(daily_quota_take(&q, 1LL << 40, T0), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_full_bucket_takes_its_burst_then_waits),
        cmocka_unit_test(refill_stops_at_the_burst),
        cmocka_unit_test(untaken_tokens_come_back_up_to_a_full_bucket),
        cmocka_unit_test(a_batch_larger_than_the_bucket_leaves_debt),
        cmocka_unit_test(sustained_rate_holds),
        cmocka_unit_test(no_rate_never_refuses_and_a_clock_step_back_adds_nothing),
        cmocka_unit_test(quota_resets_at_korean_midnight),
        cmocka_unit_test(a_batch_over_the_quota_never_fits),
        cmocka_unit_test(no_quota_never_refuses),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
