/* rate_limit.c -- see rate_limit.h. */
#include "rate_limit.h"

#define DAY_MS (24LL * 3600 * 1000)
#define KST_OFFSET_MS (9LL * 3600 * 1000)

void token_bucket_init(token_bucket *b, long long rate_per_s, long long burst, long long now_ms)
{
    b->rate_per_s = rate_per_s > 0 ? rate_per_s : 0;
    b->burst = burst >= 1 ? burst : 1;
    b->milli = b->burst * 1000;
    b->last_ms = now_ms;
}

/* Adds what has dripped in since last_ms, up to a full bucket. A clock
 * that steps back adds nothing. */
static void refill(token_bucket *b, long long now_ms)
{
    long long full = b->burst * 1000, elapsed = now_ms - b->last_ms;

    if (elapsed <= 0)
        return;
    b->last_ms = now_ms;
    /* rate_per_s tokens a second are rate_per_s thousandths a ms. */
    if (elapsed >= (full - b->milli) / b->rate_per_s + 1)
        b->milli = full;
    else
        b->milli += elapsed * b->rate_per_s;
    if (b->milli > full)
        b->milli = full;
}

long long token_bucket_take(token_bucket *b, long long cost, long long now_ms)
{
    long long need, missing;

    if (b->rate_per_s == 0 || cost <= 0)
        return 0;
    refill(b, now_ms);
    need = (cost < b->burst ? cost : b->burst) * 1000;
    if (b->milli >= need) {
        b->milli -= cost * 1000;
        return 0;
    }
    missing = need - b->milli;
    return (missing + b->rate_per_s - 1) / b->rate_per_s;
}

void token_bucket_untake(token_bucket *b, long long cost)
{
    if (b->rate_per_s == 0 || cost <= 0)
        return;
    b->milli = b->milli + cost * 1000 > b->burst * 1000 ? b->burst * 1000 : b->milli + cost * 1000;
}

void daily_quota_init(daily_quota *q, long long limit)
{
    q->limit = limit > 0 ? limit : 0;
    q->used = 0;
    q->day = -1;
}

/* Days since the epoch in Korean time; floor division for times before it. */
static long long kst_day(long long now_ms)
{
    long long t = now_ms + KST_OFFSET_MS;

    return t >= 0 ? t / DAY_MS : -((-t + DAY_MS - 1) / DAY_MS);
}

long long daily_quota_take(daily_quota *q, long long cost, long long now_ms)
{
    long long day = kst_day(now_ms);

    if (q->limit == 0 || cost <= 0)
        return 0;
    if (cost > q->limit)
        return -1;
    if (day != q->day) {
        q->day = day;
        q->used = 0;
    }
    if (q->used + cost <= q->limit) {
        q->used += cost;
        return 0;
    }
    return (day + 1) * DAY_MS - KST_OFFSET_MS - now_ms;
}

void daily_quota_untake(daily_quota *q, long long cost, long long taken_ms)
{
    if (q->limit && cost > 0 && kst_day(taken_ms) == q->day)
        q->used = q->used > cost ? q->used - cost : 0;
}
