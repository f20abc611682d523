/* rate_limit.h -- how fast, and how much a day, an agency may submit to
 * the hub: a token bucket and a daily quota, both counted in notices.
 *
 * Pure: the caller passes the time (Unix ms), so tests drive the clock;
 * the hub keeps one of each per agency under its own lock
 * (hub/hub_limits.c). Tokens are counted in thousandths, so that a rate of
 * a few notices a second refills exactly with integer arithmetic. */
#ifndef HERALD_RATE_LIMIT_H
#define HERALD_RATE_LIMIT_H

typedef struct token_bucket {
    long long rate_per_s; /* tokens added each second; 0: no limit */
    long long burst;      /* the most the bucket holds */
    long long milli;      /* tokens now, in thousandths; below 0: in debt */
    long long last_ms;    /* when milli was last brought up to date */
} token_bucket;

/* A full bucket at now_ms. rate_per_s 0 makes a bucket that never refuses;
 * a burst below 1 is taken as 1. */
void token_bucket_init(token_bucket *b, long long rate_per_s, long long burst, long long now_ms);

/* Takes cost tokens at now_ms if the bucket holds at least min(cost,
 * burst): 0. A batch larger than the bucket waits for a full one and
 * leaves it in debt, so the long-run rate holds whatever the batch size.
 * Otherwise takes nothing and returns the milliseconds until it would
 * (at least 1). */
long long token_bucket_take(token_bucket *b, long long cost, long long now_ms);
/* Gives back cost just taken (what it paid for did not happen): never
 * more than a full bucket. */
void token_bucket_untake(token_bucket *b, long long cost);

typedef struct daily_quota {
    long long limit; /* notices a day; 0: no quota */
    long long used;  /* taken on `day` */
    long long day;   /* days since the epoch, in Korean time (UTC+9) */
} daily_quota;

void daily_quota_init(daily_quota *q, long long limit);

/* Takes cost from the day's quota at now_ms: 0, or (when it would go
 * over; nothing taken) the milliseconds until the next Korean midnight,
 * when it starts again; -1 when cost is more than a whole day's quota,
 * which no wait makes fit. */
long long daily_quota_take(daily_quota *q, long long cost, long long now_ms);
/* Gives back cost taken at taken_ms (the batch was refused for another
 * reason), unless a new day has begun since: it was that day's. */
void daily_quota_untake(daily_quota *q, long long cost, long long taken_ms);

#endif
