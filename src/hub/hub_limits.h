/* hub_limits.h -- each agency's rate limit and daily quota at the hub
 * (hub.ini [hub] rate_per_s, rate_burst, daily_quota; each may be set
 * again in an [agency NAME] section). POST /v1/notices asks here before
 * it checks a batch's items; a refusal is answered 429 with Retry-After. */
#ifndef HERALD_HUB_LIMITS_H
#define HERALD_HUB_LIMITS_H

typedef struct hub_limits hub_limits;

hub_limits *hub_limits_new(void);
void hub_limits_free(hub_limits *l);

/* An agency's limits: rate_per_s notices a second (0: none) with bursts
 * of up to burst, and quota notices a day (0: none). 0, or -1 when out
 * of memory. Call before the hub serves. */
int hub_limits_add(hub_limits *l, const char *agency, long rate_per_s, long burst, long quota,
                   long long now_ms);

typedef enum hub_limit_verdict {
    HUB_LIMIT_OK,
    HUB_LIMIT_RATE,
    HUB_LIMIT_QUOTA,
    HUB_LIMIT_OVER_QUOTA /* more than a whole day's quota: never passes */
} hub_limit_verdict;

/* Takes cost notices from agency's bucket and quota at now_ms, or neither:
 * HUB_LIMIT_OK, or what refused it with the ms until it would pass in
 * *wait_ms (0 for HUB_LIMIT_OVER_QUOTA). An agency without limits always
 * passes. Thread-safe. */
hub_limit_verdict hub_limits_take(hub_limits *l, const char *agency, long long cost,
                                  long long now_ms, long long *wait_ms);

/* The same with quota notices from the quota and tokens from the bucket:
 * a batch sent again is charged the quota of its new notices only, and
 * the tokens of all (its work is done again). */
hub_limit_verdict hub_limits_take_apart(hub_limits *l, const char *agency, long long quota,
                                        long long tokens, long long now_ms, long long *wait_ms);

/* Gives back part of what hub_limits_take took at taken_ms: quota notices
 * to the day's quota (a new day's is left alone) and tokens to the
 * bucket. A batch the store failed to keep gives back both, whole; a
 * stored one gives back the quota of what it did not add (duplicates,
 * refused items: no new notices), its tokens spent on the work done. */
void hub_limits_untake(hub_limits *l, const char *agency, long long quota, long long tokens,
                       long long taken_ms);

/* What agency's limits are, for the refusal's text. */
void hub_limits_of(hub_limits *l, const char *agency, long *rate_per_s, long *quota);

#endif
