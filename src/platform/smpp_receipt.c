/* smpp_receipt.c -- see smpp_receipt.h. */
#include "smpp_receipt.h"

#include <string.h>
#include <strings.h>

enum field { F_ID, F_SUB, F_DLVRD, F_SUBMIT_DATE, F_DONE_DATE, F_STAT, F_ERR, F_TEXT, F_COUNT };

/* A space in a key stands for a run of separators. */
static const struct {
    const char *key;
    const char *twice;
} fields[F_COUNT] = {
    [F_ID] = {"id", "id is given twice"},
    [F_SUB] = {"sub", "sub is given twice"},
    [F_DLVRD] = {"dlvrd", "dlvrd is given twice"},
    [F_SUBMIT_DATE] = {"submit date", "submit date is given twice"},
    [F_DONE_DATE] = {"done date", "done date is given twice"},
    [F_STAT] = {"stat", "stat is given twice"},
    [F_ERR] = {"err", "err is given twice"},
    [F_TEXT] = {"text", "text is given twice"},
};

/* Appendix B's names, then message_state's (5.2.28), by value. */
static const char *const stat_short[] = {NULL, "ENROUTE", "DELIVRD", "EXPIRED", "DELETED",
                                         "UNDELIV", "ACCEPTD", "UNKNOWN", "REJECTD"};
static const char *const stat_long[] = {NULL, "ENROUTE", "DELIVERED", "EXPIRED", "DELETED",
                                        "UNDELIVERABLE", "ACCEPTED", "UNKNOWN", "REJECTED"};
#define STAT_LAST SMPP_STAT_REJECTD

typedef struct span {
    const char *p;
    size_t len;
} span;

static int is_separator(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static size_t skip_separators(const char *s, size_t len, size_t p)
{
    while (p < len && is_separator(s[p]))
        p++;
    return p;
}

static size_t skip_word(const char *s, size_t len, size_t p)
{
    while (p < len && !is_separator(s[p]))
        p++;
    return p;
}

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* 1 when key, then ':', starts at s[p]; *after is past the ':'. */
static int key_at(const char *s, size_t len, size_t p, const char *key, size_t *after)
{
    for (; *key; key++) {
        if (*key == ' ') {
            if (p >= len || !is_separator(s[p]))
                return 0;
            p = skip_separators(s, len, p);
        } else if (p >= len || lower(s[p++]) != *key) {
            return 0;
        }
    }
    if (p >= len || s[p] != ':')
        return 0;
    *after = p + 1;
    return 1;
}

static int field_at(const char *s, size_t len, size_t p, size_t *after)
{
    for (int f = 0; f < F_COUNT; f++)
        if (key_at(s, len, p, fields[f].key, after))
            return f;
    return -1;
}

static int span_is(span v, const char *name)
{
    return v.len == strlen(name) && strncasecmp(v.p, name, v.len) == 0;
}

static int stat_parse(span v, smpp_stat *stat)
{
    for (int i = 1; i <= STAT_LAST; i++) {
        if (span_is(v, stat_short[i]) || span_is(v, stat_long[i])) {
            *stat = (smpp_stat)i;
            return 0;
        }
    }
    return -1;
}

static const char *id_check(span v)
{
    if (v.len == 0)
        return "id is empty";
    if (v.len > SMPP_RECEIPT_ID_MAX)
        return "id is longer than 64 characters";
    for (size_t i = 0; i < v.len; i++)
        if ((unsigned char)v.p[i] < 0x21 || (unsigned char)v.p[i] > 0x7e)
            return "id holds a byte that is not printable ASCII";
    return NULL;
}

static int digits(span v, size_t from, size_t n)
{
    int x = 0;

    for (size_t i = from; i < from + n; i++)
        x = x * 10 + (v.p[i] - '0');
    return x;
}

static int all_digits(span v)
{
    for (size_t i = 0; i < v.len; i++)
        if (v.p[i] < '0' || v.p[i] > '9')
            return 0;
    return 1;
}

/* YYMMDDhhmm or YYMMDDhhmmss, each part in its range. */
static int date_ok(span v)
{
    if ((v.len != 10 && v.len != 12) || !all_digits(v))
        return 0;
    int month = digits(v, 2, 2), day = digits(v, 4, 2);
    if (month < 1 || month > 12 || day < 1 || day > 31 || digits(v, 6, 2) > 23 ||
        digits(v, 8, 2) > 59)
        return 0;
    return v.len == 10 || digits(v, 10, 2) <= 59;
}

static int err_ok(span v)
{
    if (v.len == 0 || v.len > SMPP_RECEIPT_ERR_MAX)
        return 0;
    for (size_t i = 0; i < v.len; i++) {
        char c = lower(v.p[i]);
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')))
            return 0;
    }
    return 1;
}

static void copy_span(char *dst, span v)
{
    memcpy(dst, v.p, v.len);
    dst[v.len] = '\0';
}

static void ignore(smpp_receipt *r, const char *what)
{
    if (!r->ignored)
        r->ignored = what;
}

/* An optional field's value: kept when well formed, else ignored. */
static void optional_field(smpp_receipt *r, int f, span v)
{
    switch (f) {
    case F_SUB:
    case F_DLVRD:
        if (v.len < 1 || v.len > 3 || !all_digits(v))
            ignore(r, f == F_SUB ? "sub is not 1-3 digits" : "dlvrd is not 1-3 digits");
        else
            *(f == F_SUB ? &r->sub : &r->dlvrd) = digits(v, 0, v.len);
        break;
    case F_SUBMIT_DATE:
    case F_DONE_DATE:
        if (!date_ok(v))
            ignore(r, f == F_SUBMIT_DATE ? "submit date is not YYMMDDhhmm[ss]"
                                         : "done date is not YYMMDDhhmm[ss]");
        else
            copy_span(f == F_SUBMIT_DATE ? r->submit_date : r->done_date, v);
        break;
    case F_ERR:
        if (!err_ok(v))
            ignore(r, "err is not 1-3 letters or digits");
        else
            copy_span(r->err, v);
        break;
    }
}

static int refuse(const char **why, const char *reason)
{
    *why = reason;
    return -1;
}

int smpp_receipt_parse(const char *s, size_t len, smpp_receipt *r, const char **why)
{
    int seen[F_COUNT] = {0};
    size_t p = 0;

    memset(r, 0, sizeof *r);
    r->sub = r->dlvrd = -1;
    if (len > SMPP_RECEIPT_MAX)
        return refuse(why, "the receipt is longer than 254 octets");
    while (len > 0 && s[len - 1] == '\0')
        len--;
    while ((p = skip_separators(s, len, p)) < len) {
        size_t after;
        int f = field_at(s, len, p, &after);

        if (f < 0) { /* another SMSC's field, or noise: not ours to judge */
            p = skip_word(s, len, p);
            continue;
        }
        if (seen[f])
            return refuse(why, fields[f].twice);
        seen[f] = 1;
        if (f == F_TEXT)
            break;
        p = skip_word(s, len, after);
        span v = {s + after, p - after};
        if (f == F_ID) {
            const char *bad = id_check(v);
            if (bad)
                return refuse(why, bad);
            copy_span(r->id, v);
        } else if (f == F_STAT) {
            if (stat_parse(v, &r->stat) < 0)
                return refuse(why, "stat is not one SMPP defines");
        } else {
            optional_field(r, f, v);
        }
    }
    if (!seen[F_ID])
        return refuse(why, "the receipt has no id");
    if (!seen[F_STAT])
        return refuse(why, "the receipt has no stat");
    return 0;
}

const char *smpp_receipt_stat_name(smpp_stat stat)
{
    return stat >= 1 && stat <= STAT_LAST ? stat_short[stat] : NULL;
}

int smpp_receipt_stat_is_final(smpp_stat stat)
{
    return stat > SMPP_STAT_ENROUTE && stat <= STAT_LAST;
}

int smpp_receipt_stat_is_delivered(smpp_stat stat)
{
    return stat == SMPP_STAT_DELIVRD;
}
