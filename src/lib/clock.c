/* clock.c -- see clock.h. */
#include "clock.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

/* The test clock's file, from HERALD_CLOCK_FILE, read once: without it
 * clock_now_ms costs one clock_gettime and one load of a flag. */
static pthread_once_t offset_once = PTHREAD_ONCE_INIT;
static const char *offset_path; /* NULL: no test clock */
static atomic_int offset_warned;

static void offset_init(void)
{
    const char *p = getenv("HERALD_CLOCK_FILE");

    offset_path = p && *p ? p : NULL;
}

/* Why the text is no offset, or NULL with *ms set: decimal digits with an
 * optional sign, at most a century either way, then only white space. */
static const char *offset_parse(const char *text, long long *ms)
{
    const long long century = 100LL * 366 * 86400 * 1000;
    const char *s = text;
    int neg = 0;
    long long v = 0;

    if (*s == '-' || *s == '+')
        neg = *s++ == '-';
    if (*s < '0' || *s > '9')
        return "not a number of milliseconds";
    for (; *s >= '0' && *s <= '9'; s++) {
        v = v * 10 + (*s - '0');
        if (v > century)
            return "more than a century";
    }
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    if (*s)
        return "not a number of milliseconds";
    *ms = neg ? -v : v;
    return NULL;
}

long long clock_offset_read(const char *path)
{
    char text[64];
    const char *why = NULL;
    long long ms = 0;
    ssize_t n = -1;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd >= 0) {
        n = read(fd, text, sizeof text - 1);
        close(fd);
    }
    if (n < 0)
        why = strerror(errno);
    else if (n == (ssize_t)sizeof text - 1)
        why = "too long";
    else {
        text[n] = '\0';
        why = offset_parse(text, &ms);
    }
    if (!why)
        return ms;
    /* Once per process: the flag is set before the warning, whose own
     * time stamp reads this file again. */
    if (!atomic_exchange(&offset_warned, 1))
        log_warn("HERALD_CLOCK_FILE %s: %s; the clock runs without an offset", path, why);
    return 0;
}

long long clock_now_ms(void)
{
    struct timespec ts;
    long long ms;

    clock_gettime(CLOCK_REALTIME, &ts);
    ms = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    pthread_once(&offset_once, offset_init);
    if (offset_path)
        ms += clock_offset_read(offset_path);
    return ms;
}

/* gmtime and strftime cost more than the rest of an evidence leaf or a
 * relayed item, and a batch's times share their second: the formatted
 * second is kept per thread. Times are clamped to 1970-9999: the fixed
 * width holds no other years. */
void clock_rfc3339_ms(char out[25], long long ms)
{
    static _Thread_local long long last_s = -1;
    static _Thread_local char second[20];
    const long long max_ms = 253402300799999LL; /* 9999-12-31T23:59:59.999Z */
    long long s;
    int frac;

    ms = ms < 0 ? 0 : ms > max_ms ? max_ms : ms;
    s = ms / 1000;
    frac = (int)(ms % 1000);
    if (s != last_s) {
        time_t t = (time_t)s;
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(second, sizeof second, "%Y-%m-%dT%H:%M:%S", &tm);
        last_s = s;
    }
    memcpy(out, second, 19);
    out[19] = '.';
    out[20] = (char)('0' + frac / 100);
    out[21] = (char)('0' + frac / 10 % 10);
    out[22] = (char)('0' + frac % 10);
    out[23] = 'Z';
    out[24] = '\0';
}

void clock_kst_text(char out[32], const char *s)
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

struct timespec clock_mono_after_ms(long ms)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    t.tv_sec += ms / 1000;
    t.tv_nsec += (ms % 1000) * 1000000L;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    return t;
}

long long clock_mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int clock_mono_cond_init(pthread_cond_t *cond)
{
    pthread_condattr_t a;
    int rc = pthread_condattr_init(&a);

    if (rc != 0)
        return rc;
    if ((rc = pthread_condattr_setclock(&a, CLOCK_MONOTONIC)) == 0)
        rc = pthread_cond_init(cond, &a);
    pthread_condattr_destroy(&a);
    return rc;
}

int clock_days_in_month(long y, long m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

    return m == 2 && leap ? 29 : days[m - 1];
}

/* Howard Hinnant's days_from_civil algorithm, as he published it. */
long long clock_days_from_civil(long y, long m, long d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (long long)era * 146097 + doe - 719468;
}
