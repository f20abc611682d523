/* rrn.c -- see rrn.h. The rules come from docs/design.md §2. */
#include "rrn.h"

#include <string.h>
#include <time.h>

#include "clock.h"
#include "crypto.h"

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

int rrn_check_digit(const char d[12])
{
    static const int weights[12] = {2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5};
    int sum = 0;

    for (int i = 0; i < 12; i++)
        sum += (d[i] - '0') * weights[i];
    return (11 - sum % 11) % 10;
}

/* Copies the 13 digits out of the accepted spellings into d. */
static const char *extract_digits(const char *s, size_t len, char d[RRN_DIGITS])
{
    if (len == RRN_DIGITS + 1) {
        if (s[6] != '-')
            return "expected a hyphen after the sixth digit";
        memcpy(d, s, 6);
        memcpy(d + 6, s + 7, 7);
    } else if (len == RRN_DIGITS && s[6] != '-') {
        memcpy(d, s, RRN_DIGITS);
    } else {
        return "wrong length: expected 13 digits (YYMMDD-SNNNNNN)";
    }
    for (int i = 0; i < RRN_DIGITS; i++)
        if (!is_digit(d[i]))
            return "not a number: only digits and one hyphen are allowed";
    return NULL;
}

static int century_of(char s, int *foreign)
{
    switch (s) {
    case '9': case '0': *foreign = 0; return 1800;
    case '1': case '2': *foreign = 0; return 1900;
    case '3': case '4': *foreign = 0; return 2000;
    case '5': case '6': *foreign = 1; return 1900;
    case '7': case '8': *foreign = 1; return 2000;
    }
    return -1; /* unreachable for a digit */
}

static int two_digits(const char *d)
{
    return (d[0] - '0') * 10 + (d[1] - '0');
}

/* rrn_parse's work, in buffers the caller wipes. */
static rrn_status parse(const char *s, size_t len, int today, int strict, char d[RRN_DIGITS],
                        rrn *r, rrn *out, const char **reason)
{
    const char *why = extract_digits(s, len, d);

    if (why) {
        *reason = why;
        return RRN_INVALID;
    }
    r->year = century_of(d[6], &r->foreign) + two_digits(d);
    r->month = two_digits(d + 2);
    r->day = two_digits(d + 4);
    r->female = (d[6] - '0') % 2 == 0;
    if (r->month < 1 || r->month > 12) {
        *reason = "impossible birth date: no such month";
        return RRN_INVALID;
    }
    if (r->day < 1 || r->day > clock_days_in_month(r->year, r->month)) {
        *reason = "impossible birth date: no such day in that month";
        return RRN_INVALID;
    }
    if (r->year * 10000 + r->month * 100 + r->day > today) {
        *reason = "birth date is in the future";
        return RRN_INVALID;
    }
    memcpy(r->digits, d, RRN_DIGITS);
    r->digits[RRN_DIGITS] = '\0';
    *out = *r;
    if (rrn_check_digit(d) != d[12] - '0') {
        *reason = "check digit mismatch (a typo, or a number issued since October 2020)";
        if (strict)
            return RRN_INVALID;
        return RRN_CHECKSUM_WARNING;
    }
    *reason = NULL;
    return RRN_VALID;
}

/* The digits leave no copy on the stack: rrn_find_valid runs this over
 * every candidate in free text. */
rrn_status rrn_parse(const char *s, size_t len, int today, int strict,
                     rrn *out, const char **reason)
{
    char d[RRN_DIGITS];
    rrn r;
    rrn_status st = parse(s, len, today, strict, d, &r, out, reason);

    secure_wipe(d, sizeof d);
    secure_wipe(&r, sizeof r);
    return st;
}

static int all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_digit(s[i]))
            return 0;
    return 1;
}

long rrn_find(const char *s, size_t len, size_t from)
{
    for (size_t i = from; i + 13 <= len; i++) {
        if ((i && is_digit(s[i - 1])) || !all_digits(s + i, 6))
            continue;
        size_t back = i + 6 + (s[i + 6] == '-');
        if (back + 7 <= len && all_digits(s + back, 7))
            return (long)back;
    }
    return -1;
}

void rrn_mask_all(char *s, size_t len)
{
    long back;

    for (size_t from = 0; (back = rrn_find(s, len, from)) >= 0; from = (size_t)back + 7)
        memset(s + back, '*', 7);
}

static int is_alnum(char c)
{
    return is_digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

void rrn_mask_standalone(char *s, size_t len)
{
    for (size_t i = 0; i + 13 <= len; i++) {
        if ((i && is_alnum(s[i - 1])) || !all_digits(s + i, 6))
            continue;
        size_t back = i + 6 + (s[i + 6] == '-');
        if (back + 7 > len || !all_digits(s + back, 7) ||
            (back + 7 < len && is_alnum(s[back + 7])))
            continue;
        memset(s + back, '*', 7);
        i = back + 6;
    }
}

long rrn_find_valid(const char *s, size_t len, int today)
{
    return rrn_find_valid_from(s, len, 0, today);
}

long rrn_find_valid_from(const char *s, size_t len, size_t from, int today)
{
    for (size_t i = from; i + 13 <= len; i++) {
        if ((i && is_digit(s[i - 1])) || !all_digits(s + i, 6))
            continue;
        size_t n = 13 + (s[i + 6] == '-');
        const char *why;
        rrn r;
        if (i + n > len || !all_digits(s + i + n - 7, 7) || (i + n < len && is_digit(s[i + n])))
            continue;
        int ok = rrn_parse(s + i, n, today, 0, &r, &why) != RRN_INVALID;
        secure_wipe(&r, sizeof r);
        if (ok)
            return (long)i;
    }
    return -1;
}

void rrn_mask(char out[RRN_MASKED_LEN + 1], const char *s, size_t len)
{
    size_t keep = len < 6 ? len : 6;
    size_t i;

    for (i = 0; i < keep; i++)
        out[i] = is_digit(s[i]) ? s[i] : '?';
    memcpy(out + i, "-*******", 8);
    out[i + 8] = '\0';
}

int rrn_day_of_ms(long long ms)
{
    time_t t = (time_t)(ms / 1000) + 9 * 3600;
    struct tm tm;

    gmtime_r(&t, &tm);
    return (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
}

int rrn_today(void)
{
    return rrn_day_of_ms((long long)time(NULL) * 1000);
}
