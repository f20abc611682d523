/* agency_report.c -- see agency_report.h. */
#include "agency_report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const outcome_names[OUT_COUNT] = {
    "read", "received_unread", "paper", "failed", "pending", "cancelled",
};

void report_init(report *r, double postal_usd, double mobile_usd)
{
    memset(r, 0, sizeof *r);
    r->postal_usd = postal_usd;
    r->mobile_usd = mobile_usd;
}

void report_free(report *r)
{
    free(r->read_ms);
    r->read_ms = NULL;
}

report_outcome report_outcome_of(const report_notice *n)
{
    /* A letter sent is paper, even when its document was opened later */
    if (!strcmp(n->state, "postal"))
        return OUT_PAPER;
    if (n->read_at > 0 || !strcmp(n->state, "read"))
        return OUT_READ;
    if (!strcmp(n->state, "stored"))
        return OUT_FAILED;
    if (n->received_at > 0 || !strcmp(n->state, "received"))
        return OUT_RECEIVED;
    /* Withdrawn before any inbox had it: not on its way any more. (Once
     * read or on paper a cancelled notice keeps that state.) */
    if (!strcmp(n->state, "cancelled"))
        return OUT_CANCELLED;
    return OUT_PENDING;
}

/* The group called name in v (n of them so far), added when new; past
 * the limit, the last slot, "other". */
static report_group *group(report_group *v, size_t *n, const char *name)
{
    for (size_t i = 0; i < *n; i++)
        if (!strcmp(v[i].name, name))
            return &v[i];
    if (*n == REPORT_GROUPS_MAX) {
        strcpy(v[REPORT_GROUPS_MAX].name, "other");
        return &v[REPORT_GROUPS_MAX];
    }
    size_t len = strlen(name);
    if (len >= sizeof v->name)
        len = sizeof v->name - 1;
    memcpy(v[*n].name, name, len);
    v[*n].name[len] = '\0';
    return &v[(*n)++];
}

static void keep_read_time(report *r, long long ms)
{
    if (r->nread == r->read_cap) {
        size_t cap = r->read_cap ? r->read_cap * 2 : 1024;
        long long *v = realloc(r->read_ms, cap * sizeof *v);
        if (!v) {
            r->broken = 1;
            return;
        }
        r->read_ms = v;
        r->read_cap = cap;
    }
    r->read_ms[r->nread++] = ms;
}

void report_add(report *r, const report_notice *n)
{
    report_outcome o = report_outcome_of(n);

    r->n[o]++;
    r->total++;
    if (o != OUT_READ && o != OUT_RECEIVED)
        return;
    group(r->platforms, &r->nplatforms, n->platform ? n->platform : "unknown")->n[o]++;
    group(r->channels, &r->nchannels, n->channel ? n->channel : "unknown")->n[o]++;
    if (o == OUT_READ && n->received_at > 0 && n->read_at >= n->received_at)
        keep_read_time(r, n->read_at - n->received_at);
}

long long report_paper_avoided(const report *r)
{
    return r->n[OUT_READ] + r->n[OUT_RECEIVED];
}

double report_saved_usd(const report *r)
{
    return (double)report_paper_avoided(r) * (r->postal_usd - r->mobile_usd);
}

static int by_value(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;

    return (x > y) - (x < y);
}

long long report_median_read_ms(report *r)
{
    if (!r->nread)
        return -1;
    qsort(r->read_ms, r->nread, sizeof *r->read_ms, by_value);
    if (r->nread % 2)
        return r->read_ms[r->nread / 2];
    return (r->read_ms[r->nread / 2 - 1] + r->read_ms[r->nread / 2]) / 2;
}

static size_t ngroups(size_t n)
{
    return n == REPORT_GROUPS_MAX ? n + 1 : n;
}

static void groups_json(const report_group *v, size_t n, buf *out)
{
    buf_puts(out, "{");
    for (size_t i = 0; i < n; i++) {
        buf_puts(out, i ? "," : "");
        buf_json_string(out, v[i].name);
        buf_printf(out, ":{\"read\":%lld,\"received_unread\":%lld}", v[i].n[OUT_READ],
                   v[i].n[OUT_RECEIVED]);
    }
    buf_puts(out, "}");
}

static void date_json(buf *out, const char *key, const char *date)
{
    buf_printf(out, "\"%s\":", key);
    if (date)
        buf_json_string(out, date);
    else
        buf_puts(out, "null");
}

void report_json(report *r, const char *from, const char *to, buf *out)
{
    long long median = report_median_read_ms(r);

    buf_puts(out, "{");
    date_json(out, "from", from);
    buf_puts(out, ",");
    date_json(out, "to", to);
    buf_printf(out, ",\"notices\":%lld,\"outcomes\":{", r->total);
    for (int o = 0; o < OUT_COUNT; o++)
        buf_printf(out, "%s\"%s\":%lld", o ? "," : "", outcome_names[o], r->n[o]);
    buf_puts(out, "},\"platforms\":");
    groups_json(r->platforms, ngroups(r->nplatforms), out);
    buf_puts(out, ",\"channels\":");
    groups_json(r->channels, ngroups(r->nchannels), out);
    if (median >= 0)
        buf_printf(out, ",\"median_read_s\":%lld", median / 1000);
    else
        buf_puts(out, ",\"median_read_s\":null");
    buf_printf(out, ",\"paper_avoided\":%lld,\"postal_cost_usd\":%.2f,\"mobile_cost_usd\":%.2f,"
               "\"saved_usd\":%.2f}\n", report_paper_avoided(r), r->postal_usd, r->mobile_usd,
               report_saved_usd(r));
}

/* "3d 4h", "2h 5m", "40s": a duration for people. */
static void duration_text(long long ms, char *out, size_t cap)
{
    long long s = ms / 1000, d = s / 86400, h = s % 86400 / 3600, m = s % 3600 / 60;

    if (d)
        snprintf(out, cap, "%lldd %lldh", d, h);
    else if (h)
        snprintf(out, cap, "%lldh %lldm", h, m);
    else if (m)
        snprintf(out, cap, "%lldm %llds", m, s % 60);
    else
        snprintf(out, cap, "%llds", s);
}

static void groups_text(const char *title, const report_group *v, size_t n, buf *out)
{
    buf_printf(out, "\n%-22s %12s %16s\n", title, "read", "received unread");
    for (size_t i = 0; i < n; i++)
        buf_printf(out, "  %-20s %12lld %16lld\n", v[i].name, v[i].n[OUT_READ],
                   v[i].n[OUT_RECEIVED]);
}

void report_text(report *r, const char *from, const char *to, buf *out)
{
    static const char *const labels[OUT_COUNT] = {
        "read on mobile", "received, unread", "paper", "failed", "pending", "cancelled",
    };
    long long median = report_median_read_ms(r);
    char when[32] = "-";

    buf_printf(out, "Notices stored from %s to %s: %lld\n\n", from ? from : "the start",
               to ? to : "now", r->total);
    for (int o = 0; o < OUT_COUNT; o++)
        buf_printf(out, "  %-20s %12lld\n", labels[o], r->n[o]);
    groups_text("per platform", r->platforms, ngroups(r->nplatforms), out);
    groups_text("per channel", r->channels, ngroups(r->nchannels), out);
    if (median >= 0)
        duration_text(median, when, sizeof when);
    buf_printf(out, "\nmedian time from inbox to reading: %s\n", when);
    buf_printf(out, "paper avoided: %lld letters x (USD %.2f postal - USD %.2f mobile)"
               " = USD %.2f saved\n", report_paper_avoided(r), r->postal_usd, r->mobile_usd,
               report_saved_usd(r));
}
