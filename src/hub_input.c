/* hub_input.c -- see hub_input.h. */
#include "hub_input.h"

#include <string.h>

#define KST_OFFSET_MS (9LL * 3600 * 1000)

static int no_controls(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return 0;
    return 1;
}

int hub_reference_ok(const char *s, size_t len)
{
    if (len == 0 || len > HUB_REFERENCE_MAX)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == ':' || c == '-'))
            return 0;
    }
    return 1;
}

int hub_title_ok(const char *s, size_t len)
{
    return len > 0 && len <= HUB_TITLE_MAX && no_controls(s, len);
}

int hub_link_ok(const char *s, size_t len)
{
    size_t scheme;

    if (len > HUB_LINK_MAX)
        return 0;
    if (len > 7 && !strncmp(s, "http://", 7))
        scheme = 7;
    else if (len > 8 && !strncmp(s, "https://", 8))
        scheme = 8;
    else
        return 0;
    for (size_t i = scheme; i < len; i++)
        if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f)
            return 0;
    return 1;
}

int hub_reason_ok(const char *s, size_t len)
{
    return len <= HUB_REASON_MAX && no_controls(s, len);
}

/* Reads exactly n digits; -1 if any is not a digit. */
static long digits(const char *s, int n)
{
    long v = 0;

    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil), so no time zone or locale is involved. */
static long long days_from_civil(long y, long m, long d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (long long)era * 146097 + doe - 719468;
}

static int days_in_month(long y, long m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

    return m == 2 && leap ? 29 : days[m - 1];
}

/* "YYYY-MM-DD" at s (10 bytes) to days since the epoch; -1 when bad. */
static int parse_date(const char *s, long long *days)
{
    long y = digits(s, 4), m = digits(s + 5, 2), d = digits(s + 8, 2);

    if (y < 1970 || s[4] != '-' || s[7] != '-' || m < 1 || m > 12 || d < 1 ||
        d > days_in_month(y, m))
        return -1;
    *days = days_from_civil(y, m, d);
    return 0;
}

/* "Z" or "+HH:MM"/"-HH:MM" filling s[0..len); the offset east of UTC. */
static int parse_zone(const char *s, size_t len, long long *offset_ms)
{
    long h, mi;

    if (len == 1 && (s[0] == 'Z' || s[0] == 'z')) {
        *offset_ms = 0;
        return 0;
    }
    if (len != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':')
        return -1;
    h = digits(s + 1, 2);
    mi = digits(s + 4, 2);
    if (h < 0 || h > 23 || mi < 0 || mi > 59)
        return -1;
    *offset_ms = (h * 60 + mi) * 60000LL * (s[0] == '-' ? -1 : 1);
    return 0;
}

int time_parse_rfc3339(const char *s, size_t len, long long *ms)
{
    long long days, offset, frac = 0;
    long h, mi, sec;
    size_t i = 19;
    int scale = 100;

    if (len < 20 || len > 40 || parse_date(s, &days) != 0 ||
        (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':')
        return -1;
    h = digits(s + 11, 2), mi = digits(s + 14, 2), sec = digits(s + 17, 2);
    if (h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 60)
        return -1;
    if (s[i] == '.') {
        size_t start = ++i;
        for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, scale /= 10)
            frac += (s[i] - '0') * scale;
        if (i == start || i - start > 9)
            return -1;
    }
    if (parse_zone(s + i, len - i, &offset) != 0)
        return -1;
    if (sec == 60)
        sec = 59; /* a leap second: the last ms of the minute is close enough */
    *ms = ((days * 24 + h) * 60 + mi) * 60000LL + sec * 1000LL + frac - offset;
    return 0;
}

int deadline_parse(const char *s, size_t len, long long *ms)
{
    long long days;

    if (len == 10) {
        if (parse_date(s, &days) != 0)
            return -1;
        *ms = (days + 1) * 86400000LL - 1 - KST_OFFSET_MS;
        return 0;
    }
    return time_parse_rfc3339(s, len, ms);
}
