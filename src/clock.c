/* clock.c -- see clock.h. */
#include "clock.h"

#include <stdio.h>

long long time_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void time_rfc3339_ms(char out[25], long long ms)
{
    time_t s = (time_t)(ms / 1000);
    struct tm tm;

    gmtime_r(&s, &tm);
    size_t n = strftime(out, 25, "%Y-%m-%dT%H:%M:%S", &tm);

    snprintf(out + n, 25 - n, ".%03dZ", (int)(ms % 1000));
}

void time_kst_text(char out[32], const char *s)
{
    struct tm tm = {0};
    int ms = 0;
    char z = 0;
    time_t t;

    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d.%3d%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
               &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms, &z) != 8 || z != 'Z') {
        snprintf(out, 32, "%s", s);
        return;
    }
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    t = timegm(&tm) + 9 * 3600;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%d %H:%M KST", &tm);
}

struct timespec time_after_ms(long ms)
{
    struct timespec t;

    clock_gettime(CLOCK_REALTIME, &t);
    t.tv_sec += ms / 1000;
    t.tv_nsec += (ms % 1000) * 1000000L;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    return t;
}
