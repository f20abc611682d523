/* hub_reminders.c -- see hub_reminders.h. */
#include "hub_reminders.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One point, s[0..len): "50%" or a number and a unit. */
static const char *parse_point(const char *s, size_t len, struct hub_reminder_point *p)
{
    static const struct { char unit; long long ms; } units[] = {
        {'s', 1000LL}, {'m', 60000LL}, {'h', 3600000LL}, {'d', 86400000LL},
    };
    long long v = 0;
    size_t i = 0;

    while (i < len && isdigit((unsigned char)s[i]) && v < 1000000)
        v = v * 10 + (s[i++] - '0');
    if (i == 0 || i + 1 != len || v == 0)
        return "each point is a number and %, s, m, h or d (\"50%\", \"1h\")";
    if (s[i] == '%') {
        if (v > 99)
            return "a share of the window is 1% to 99%";
        p->percent = (int)v;
        p->before_ms = 0;
        return NULL;
    }
    for (size_t u = 0; u < sizeof units / sizeof units[0]; u++)
        if (s[i] == units[u].unit) {
            if (v * units[u].ms > 366 * 86400000LL)
                return "a time before the deadline is at most a year";
            p->percent = 0;
            p->before_ms = v * units[u].ms;
            return NULL;
        }
    return "each point is a number and %, s, m, h or d (\"50%\", \"1h\")";
}

int hub_reminders_parse(const char *text, hub_reminders *r, char *err, size_t errlen)
{
    const char *s = text, *why = NULL;

    memset(r, 0, sizeof *r);
    while (*s == ' ')
        s++;
    if (!strcmp(s, "off"))
        return 0;
    for (;;) {
        const char *end;
        size_t len;
        while (*s == ' ')
            s++;
        end = s + strcspn(s, ",");
        len = (size_t)(end - s);
        while (len > 0 && s[len - 1] == ' ')
            len--;
        if (r->n == HUB_REMINDERS_MAX)
            why = "at most 8 reminders";
        else
            why = parse_point(s, len, &r->at[r->n]);
        if (why)
            break;
        r->n++;
        if (!*end)
            return 0;
        s = end + 1;
    }
    snprintf(err, errlen, "reminders = %.60s: %s, or off", text, why);
    memset(r, 0, sizeof *r);
    return -1;
}

static int ascending(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;

    return x < y ? -1 : x > y;
}

int hub_reminders_times(const hub_reminders *r, long long start, long long due,
                        long long out[HUB_REMINDERS_MAX])
{
    int n = 0;

    for (int i = 0; i < r->n && due > start; i++) {
        long long t = r->at[i].percent ? start + (due - start) / 100 * r->at[i].percent +
                                             (due - start) % 100 * r->at[i].percent / 100
                                       : due - r->at[i].before_ms;
        if (t > start && t < due)
            out[n++] = t;
    }
    qsort(out, (size_t)n, sizeof out[0], ascending);
    return n;
}

int hub_reminders_due(const hub_reminders *r, long long start, long long due, int done,
                      long long now)
{
    long long t[HUB_REMINDERS_MAX];
    int n = hub_reminders_times(r, start, due, t), k = 0;

    if (now >= due)
        return 0; /* its deadline has passed: it expires instead */
    while (k < n && t[k] <= now)
        k++;
    return k > done ? k : 0;
}

long long hub_reminders_next(const hub_reminders *r, long long start, long long due, int done)
{
    long long t[HUB_REMINDERS_MAX];
    int n = hub_reminders_times(r, start, due, t);

    return done >= 0 && done < n ? t[done] : 0;
}
