/* clock.h -- wall-clock time as the roles write it and wait on it.
 *
 * Evidence, logs and the protocol all carry RFC 3339 UTC with
 * milliseconds; the background workers sleep on condition variables with
 * absolute deadlines. Both conversions live here once. */
#ifndef HERALD_CLOCK_H
#define HERALD_CLOCK_H

#include <pthread.h>
#include <time.h>

/* Milliseconds since the Unix epoch: every "now" a role records or
 * decides a deadline by. For tests only, env HERALD_CLOCK_FILE=PATH adds
 * the offset in PATH (decimal milliseconds, read at each call; missing or
 * unreadable: 0, with one warning), so that a 30-day deadline passes in
 * seconds. The variable is read once, at the first call. */
long long clock_now_ms(void);
/* Milliseconds on a clock that never steps (CLOCK_MONOTONIC), from an
 * arbitrary origin: for timeouts and intervals, which a wall clock that
 * NTP or a resumed VM steps would stall or fire at once. Not a time to
 * record, and without the test offset. */
long long clock_mono_ms(void);
/* CLOCK_MONOTONIC time ms milliseconds from now, for pthread_cond_timedwait on
 * a condition variable made by clock_mono_cond_init. */
struct timespec clock_mono_after_ms(long ms);
/* pthread_cond_init for a condition variable whose waits run on
 * CLOCK_MONOTONIC: 0, or an error number. */
int clock_mono_cond_init(pthread_cond_t *cond);
/* The offset in the test clock's file at path, 0 (and one warning per
 * process) when it is missing or holds no number. */
long long clock_offset_read(const char *path);
/* RFC 3339 UTC with milliseconds; out holds 25 bytes. */
void clock_rfc3339_ms(char out[25], long long ms_since_epoch);
/* For people in Korea: "2026-12-31 23:59 KST" from a UTC time in the
 * form clock_rfc3339_ms writes; anything else is copied as it is. out holds
 * 32 bytes. */
void clock_kst_text(char out[32], const char *rfc3339_utc);
/* The proleptic Gregorian calendar, without time zones or locales: the
 * days of month m (1-12) of year y, and the days from 1970-01-01 to a date
 * (negative before it). */
int clock_days_in_month(long y, long m);
long long clock_days_from_civil(long y, long m, long d);

#endif
