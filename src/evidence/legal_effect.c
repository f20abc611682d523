/* legal_effect.c -- see legal_effect.h. */
#include "legal_effect.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "certificate.h"
#include "clock.h"
#include "notice_state.h"

/* PrintHandover (the agency handed the letter to the print house) is
 * recorded by the hub once letters are printed; a rule may name it before
 * the event table holds it. */
static int event_known(const char *name)
{
    return notice_event_parse(name) >= 0 || !strcmp(name, "PrintHandover");
}

static const char *skip_space(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

/* Reads "+Nd" at *p; 0 or -1. */
static int parse_days(const char **p, int *days)
{
    const char *s = *p + 1;
    long v = 0;
    int digits = 0;

    while (isdigit((unsigned char)*s) && digits < 5) {
        v = v * 10 + (*s++ - '0');
        digits++;
    }
    if (!digits || *s != 'd' || v > EFFECT_DAYS_MAX)
        return -1;
    *days = (int)v;
    *p = s + 1;
    return 0;
}

/* Reads one term at *p (past leading space); 0 or -1 with err. */
static int parse_term(const char **p, effect_term *t, size_t index, char *err, size_t errlen)
{
    const char *s = *p;
    size_t len = 0;

    while (isalpha((unsigned char)s[len]))
        len++;
    if (!len || len >= sizeof t->event) {
        snprintf(err, errlen, "term %zu: expected an evidence event name", index + 1);
        return -1;
    }
    memcpy(t->event, s, len);
    t->event[len] = '\0';
    if (!event_known(t->event)) {
        snprintf(err, errlen, "term %zu: '%s' is not an evidence event", index + 1, t->event);
        return -1;
    }
    s += len;
    t->days = 0;
    if (*s == '+' && parse_days(&s, &t->days) != 0) {
        snprintf(err, errlen, "term %zu: after %s, +N d with N 0 to %d (e.g. +7d)", index + 1,
                 t->event, EFFECT_DAYS_MAX);
        return -1;
    }
    *p = s;
    return 0;
}

static int named_before(const effect_rule *r, const char *event)
{
    for (size_t i = 0; i < r->n; i++)
        if (!strcmp(r->terms[i].event, event))
            return 1;
    return 0;
}

int effect_rule_parse(const char *text, effect_rule *r, char *err, size_t errlen)
{
    const char *p = text;

    memset(r, 0, sizeof *r);
    if (!text || strlen(text) > EFFECT_RULE_TEXT_MAX) {
        snprintf(err, errlen, "a rule is at most %d bytes", EFFECT_RULE_TEXT_MAX);
        return -1;
    }
    for (;;) {
        effect_term t;
        p = skip_space(p);
        if (r->n == EFFECT_TERMS_MAX) {
            snprintf(err, errlen, "at most %d terms", EFFECT_TERMS_MAX);
            return -1;
        }
        if (parse_term(&p, &t, r->n, err, errlen) != 0)
            return -1;
        if (named_before(r, t.event)) {
            snprintf(err, errlen, "term %zu: %s is named twice", r->n + 1, t.event);
            return -1;
        }
        r->terms[r->n++] = t;
        p = skip_space(p);
        if (!*p)
            return 0;
        if (*p++ != ',') {
            snprintf(err, errlen, "term %zu: expected ',' or the end after it", r->n);
            return -1;
        }
    }
}

void effect_rule_format(const effect_rule *r, char *out, size_t cap)
{
    size_t used = 0;

    if (cap)
        out[0] = '\0';
    for (size_t i = 0; i < r->n && used < cap; i++) {
        int w = r->terms[i].days
                    ? snprintf(out + used, cap - used, "%s%s+%dd", i ? ", " : "",
                               r->terms[i].event, r->terms[i].days)
                    : snprintf(out + used, cap - used, "%s%s", i ? ", " : "", r->terms[i].event);
        if (w < 0)
            return;
        used += (size_t)w;
    }
}

/* The earliest time of event among events, or -1 when it is absent. */
static long long first_time(const effect_event *events, size_t n, const char *event)
{
    long long best = -1;

    for (size_t i = 0; i < n; i++)
        if (events[i].event && !strcmp(events[i].event, event) &&
            (best < 0 || events[i].at_ms < best))
            best = events[i].at_ms;
    return best;
}

long long effect_cancelled_at(const effect_event *events, size_t n)
{
    return first_time(events, n, "NoticeCancellation");
}

int effect_compute(const effect_rule *r, const effect_event *events, size_t n,
                   long long *at_ms, size_t *term)
{
    long long cancelled = effect_cancelled_at(events, n);
    int found = 0;

    for (size_t i = 0; i < r->n; i++) {
        long long t = first_time(events, n, r->terms[i].event);
        if (t < 0)
            continue;
        t += r->terms[i].days * EFFECT_DAY_MS;
        if (!found || t < *at_ms) {
            *at_ms = t;
            if (term)
                *term = i;
            found = 1;
        }
    }
    return found && (cancelled < 0 || *at_ms <= cancelled);
}

void effect_term_format(const effect_term *t, char *out, size_t cap)
{
    if (t->days)
        snprintf(out, cap, "%s+%dd", t->event, t->days);
    else
        snprintf(out, cap, "%s", t->event);
}

void effect_describe(const effect_rule *r, const effect_event *events, size_t n,
                     long long as_of_ms, char *out, size_t cap)
{
    char when[25], names[EFFECT_TERMS_MAX * 50] = "", term_s[64];
    long long at;
    size_t term, used = 0;

    long long cancelled = effect_cancelled_at(events, n);

    if (effect_compute(r, events, n, &at, &term)) {
        clock_rfc3339_ms(when, at);
        effect_term_format(&r->terms[term], term_s, sizeof term_s);
        snprintf(out, cap, "%s (%s)%s", when, term_s, at > as_of_ms ? ", pending" : "");
        return;
    }
    if (cancelled >= 0) {
        clock_rfc3339_ms(when, cancelled);
        snprintf(out, cap, "none: cancelled at %s, before it took effect", when);
        return;
    }
    for (size_t i = 0; i < r->n && used < sizeof names; i++) {
        int w = snprintf(names + used, sizeof names - used, "%s%s", i ? ", " : "",
                         r->terms[i].event);
        if (w > 0)
            used += (size_t)w;
    }
    snprintf(out, cap, "none yet (no %s in the evidence)", names);
}

void effect_describe_certificate(const effect_rule *r, const cert_result *res, char *out,
                                 size_t cap)
{
    static __thread effect_event ev[CERT_MAX_ENTRIES];
    size_t n = 0;

    for (size_t i = 0; i < res->count; i++) {
        long long at = effect_parse_time(res->events[i].at);
        if (at >= 0)
            ev[n++] = (effect_event){res->events[i].event, at};
    }
    effect_describe(r, ev, n, (long long)res->head.timestamp_ms, out, cap);
}

/* n digits at s as a number, or -1. */
static long digits(const char *s, int n)
{
    long v = 0;

    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

long long effect_parse_time(const char *s)
{
    long y, mo, d, h, mi, se, ms = 0;
    size_t len = s ? strlen(s) : 0;

    if (len < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
        s[16] != ':')
        return -1;
    y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2);
    h = digits(s + 11, 2), mi = digits(s + 14, 2), se = digits(s + 17, 2);
    if (len == 24 && s[19] == '.' && s[23] == 'Z')
        ms = digits(s + 20, 3);
    else if (!(len == 20 && s[19] == 'Z'))
        return -1;
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > clock_days_in_month(y, mo) || h < 0 ||
        h > 23 || mi < 0 || mi > 59 || se < 0 || se > 59 || ms < 0)
        return -1;
    return ((clock_days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60000LL + se * 1000LL + ms;
}
