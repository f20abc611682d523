/* field.c -- see field.h. */
#include "field.h"

#include <string.h>

#include "clock.h"
#include "rrn.h"
#include "seen_char.h"
#include "utf8.h"

#define KST_OFFSET_MS (9LL * 3600 * 1000)

static int no_controls(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return 0;
    return 1;
}

int field_reference_ok(const char *s, size_t len)
{
    if (len == 0 || len > FIELD_REFERENCE_MAX)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == ':' || c == '-'))
            return 0;
    }
    return 1;
}

int field_payment_code_ok(const char *s, size_t len)
{
    return len <= FIELD_PAYMENT_CODE_MAX && field_reference_ok(s, len);
}

int field_amount_krw_ok(long long amount)
{
    return amount >= 1 && amount <= FIELD_AMOUNT_KRW_MAX;
}

int field_channel_ok(const char *s, size_t len)
{
    return (len == 3 && !memcmp(s, "sms", 3)) || (len == 4 && !memcmp(s, "push", 4));
}

int field_channel_ref_ok(const char *s, size_t len)
{
    if (len == 0 || len > FIELD_CHANNEL_REF_MAX)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (s[i] < '!' || s[i] > '~')
            return 0;
    return 1;
}

int field_text_has_rrn(const char *s, size_t len)
{
    return seen_text_has_rrn(s, len, RRN_ANY_DAY);
}

static int alnum(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

int field_id_has_rrn(const char *s, size_t len)
{
    long at;

    for (size_t from = 0; (at = rrn_find_valid_from(s, len, from, RRN_ANY_DAY)) >= 0;
         from = (size_t)at + 1) {
        size_t end = (size_t)at + 13 + (s[at + 6] == '-');
        if ((at == 0 || !alnum(s[at - 1])) && (end == len || !alnum(s[end])))
            return 1;
    }
    return 0;
}

int field_title_ok(const char *s, size_t len)
{
    return len > 0 && len <= FIELD_TITLE_MAX && no_controls(s, len) && utf8_valid(s, len) &&
           !field_text_has_rrn(s, len);
}

int field_link_ok(const char *s, size_t len)
{
    size_t scheme;

    if (len > FIELD_LINK_MAX)
        return 0;
    if (len > 7 && !strncmp(s, "http://", 7))
        scheme = 7;
    else if (len > 8 && !strncmp(s, "https://", 8))
        scheme = 8;
    else
        return 0;
    for (size_t i = scheme; i < len; i++)
        if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f ||
            strchr("\"<>\\^`{|}", s[i]))
            return 0;
    return 1;
}

int field_sha256_ok(const char *s, size_t len)
{
    if (len != FIELD_SHA256_HEX)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}

int field_reason_ok(const char *s, size_t len)
{
    return len <= FIELD_REASON_MAX && no_controls(s, len) && utf8_valid(s, len) &&
           !field_text_has_rrn(s, len);
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

/* "YYYY-MM-DD" at s (10 bytes) to days since the epoch; -1 when bad. */
static int parse_date(const char *s, long long *days)
{
    long y = digits(s, 4), m = digits(s + 5, 2), d = digits(s + 8, 2);

    if (y < 1970 || s[4] != '-' || s[7] != '-' || m < 1 || m > 12 || d < 1 ||
        d > clock_days_in_month(y, m))
        return -1;
    *days = clock_days_from_civil(y, m, d);
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

int field_time_parse(const char *s, size_t len, long long *ms)
{
    long long days, offset, frac = 0;
    long h, mi, sec;
    size_t i = 19;
    int scale = 100;

    if (len < 20 || len > FIELD_TIME_MAX || parse_date(s, &days) != 0 ||
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

int field_deadline_parse(const char *s, size_t len, long long *ms)
{
    long long days;

    if (len == 10) {
        if (parse_date(s, &days) != 0)
            return -1;
        *ms = (days + 1) * 86400000LL - 1 - KST_OFFSET_MS;
        return 0;
    }
    return field_time_parse(s, len, ms);
}

const char *field_deadline_refusal(long long deadline_ms, long long now_ms)
{
    if (deadline_ms <= now_ms)
        return FIELD_RULE_DEADLINE_PAST;
    if (deadline_ms - now_ms < FIELD_DEADLINE_LEAD_MS)
        return FIELD_RULE_DEADLINE_NEAR;
    return NULL;
}
