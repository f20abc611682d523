/* hub_limits.c -- see hub_limits.h. The arithmetic is core/rate_limit.c's;
 * this keeps one bucket and quota per agency behind a lock, in memory: a
 * restart gives every agency a full bucket and a fresh day's quota. */
#include "hub_limits.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rate_limit.h"

typedef struct agency_limit {
    char name[65];
    long rate_per_s, quota;
    token_bucket bucket;
    daily_quota day;
} agency_limit;

struct hub_limits {
    pthread_mutex_t lock;
    agency_limit *a;
    size_t n;
};

hub_limits *hub_limits_new(void)
{
    hub_limits *l = calloc(1, sizeof *l);

    if (l)
        pthread_mutex_init(&l->lock, NULL);
    return l;
}

void hub_limits_free(hub_limits *l)
{
    if (!l)
        return;
    pthread_mutex_destroy(&l->lock);
    free(l->a);
    free(l);
}

int hub_limits_add(hub_limits *l, const char *agency, long rate_per_s, long burst, long quota,
                   long long now_ms)
{
    agency_limit *a;

    if (!rate_per_s && !quota)
        return 0;
    if (!(a = realloc(l->a, (l->n + 1) * sizeof *a)))
        return -1;
    l->a = a;
    a = &l->a[l->n++];
    snprintf(a->name, sizeof a->name, "%s", agency);
    a->rate_per_s = rate_per_s;
    a->quota = quota;
    token_bucket_init(&a->bucket, rate_per_s, burst, now_ms);
    daily_quota_init(&a->day, quota);
    return 0;
}

/* A handful of agencies: a scan is cheaper than anything cleverer. */
static agency_limit *find(hub_limits *l, const char *agency)
{
    for (size_t i = 0; i < l->n; i++)
        if (!strcmp(l->a[i].name, agency))
            return &l->a[i];
    return NULL;
}

hub_limit_verdict hub_limits_take_apart(hub_limits *l, const char *agency, long long quota,
                                        long long tokens, long long now_ms, long long *wait_ms)
{
    hub_limit_verdict v = HUB_LIMIT_OK;
    agency_limit *a;

    *wait_ms = 0;
    pthread_mutex_lock(&l->lock);
    if ((a = find(l, agency))) {
        if (quota && (*wait_ms = daily_quota_take(&a->day, quota, now_ms)) != 0) {
            v = *wait_ms > 0 ? HUB_LIMIT_QUOTA : HUB_LIMIT_OVER_QUOTA;
            *wait_ms = *wait_ms > 0 ? *wait_ms : 0;
        } else if ((*wait_ms = token_bucket_take(&a->bucket, tokens, now_ms)) > 0) {
            daily_quota_untake(&a->day, quota, now_ms);
            v = HUB_LIMIT_RATE;
        }
    }
    pthread_mutex_unlock(&l->lock);
    return v;
}

hub_limit_verdict hub_limits_take(hub_limits *l, const char *agency, long long cost,
                                  long long now_ms, long long *wait_ms)
{
    return hub_limits_take_apart(l, agency, cost, cost, now_ms, wait_ms);
}

void hub_limits_untake(hub_limits *l, const char *agency, long long quota, long long tokens,
                       long long taken_ms)
{
    agency_limit *a;

    pthread_mutex_lock(&l->lock);
    if ((a = find(l, agency))) {
        daily_quota_untake(&a->day, quota, taken_ms);
        token_bucket_untake(&a->bucket, tokens);
    }
    pthread_mutex_unlock(&l->lock);
}

void hub_limits_of(hub_limits *l, const char *agency, long *rate_per_s, long *quota)
{
    agency_limit *a;

    pthread_mutex_lock(&l->lock);
    a = find(l, agency);
    *rate_per_s = a ? a->rate_per_s : 0;
    *quota = a ? a->quota : 0;
    pthread_mutex_unlock(&l->lock);
}
