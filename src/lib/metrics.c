/* metrics.c -- see metrics.h. */
#include "metrics.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

const double metrics_bucket_bounds[METRICS_BUCKETS] = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
};

void metrics_observe(metrics_histogram *h, double seconds)
{
    size_t i = 0;

    if (!(seconds > 0))
        seconds = 0;
    while (i < METRICS_BUCKETS && seconds > metrics_bucket_bounds[i])
        i++;
    atomic_fetch_add_explicit(&h->bucket[i], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&h->sum_ns, (uint64_t)(seconds * 1e9), memory_order_relaxed);
}

void metrics_escape_label(buf *b, const char *value)
{
    for (const char *p = value; *p; p++) {
        switch (*p) {
        case '\\': buf_puts(b, "\\\\"); break;
        case '"': buf_puts(b, "\\\""); break;
        case '\n': buf_puts(b, "\\n"); break;
        default: buf_append(b, p, 1); break;
        }
    }
}

/* HELP text escapes backslash and newline (not quotes). */
static void escape_help(buf *b, const char *help)
{
    for (const char *p = help; *p; p++) {
        if (*p == '\\')
            buf_puts(b, "\\\\");
        else if (*p == '\n')
            buf_puts(b, "\\n");
        else
            buf_append(b, p, 1);
    }
}

void metrics_family(buf *b, const char *name, const char *type, const char *help)
{
    buf_printf(b, "# HELP %s ", name);
    escape_help(b, help);
    buf_printf(b, "\n# TYPE %s %s\n", name, type);
}

/* name{a="x",b="y"} -- with extra (name, value) appended when set: the
 * histogram's le. */
static void series(buf *b, const char *name, const char *suffix, const metrics_label *labels,
                   size_t n, const char *extra_name, const char *extra_value)
{
    buf_puts(b, name);
    buf_puts(b, suffix);
    if (n == 0 && !extra_name)
        return;
    buf_puts(b, "{");
    for (size_t i = 0; i < n; i++) {
        buf_printf(b, "%s%s=\"", i ? "," : "", labels[i].name);
        metrics_escape_label(b, labels[i].value ? labels[i].value : "");
        buf_puts(b, "\"");
    }
    if (extra_name) {
        buf_printf(b, "%s%s=\"", n ? "," : "", extra_name);
        metrics_escape_label(b, extra_value);
        buf_puts(b, "\"");
    }
    buf_puts(b, "}");
}

static void value(buf *b, double v)
{
    if (isnan(v))
        buf_puts(b, " NaN\n");
    else if (isinf(v))
        buf_puts(b, v > 0 ? " +Inf\n" : " -Inf\n");
    else if (v > -9007199254740992.0 && v < 9007199254740992.0 && v == (double)(long long)v)
        buf_printf(b, " %lld\n", (long long)v); /* whole: no libm, no exponent */
    else
        buf_printf(b, " %.9g\n", v);
}

void metrics_sample(buf *b, const char *name, const metrics_label *labels, size_t nlabels,
                    double v)
{
    series(b, name, "", labels, nlabels, NULL, NULL);
    value(b, v);
}

void metrics_sample_u64(buf *b, const char *name, const metrics_label *labels,
                        size_t nlabels, uint64_t v)
{
    series(b, name, "", labels, nlabels, NULL, NULL);
    buf_printf(b, " %llu\n", (unsigned long long)v);
}

void metrics_histogram_render(buf *b, const char *name, const metrics_label *labels,
                              size_t nlabels, const metrics_histogram *h)
{
    metrics_histogram *m = (metrics_histogram *)h;
    uint64_t cumulative = 0;
    char le[32];

    for (size_t i = 0; i <= METRICS_BUCKETS; i++) {
        cumulative += atomic_load_explicit(&m->bucket[i], memory_order_relaxed);
        if (i < METRICS_BUCKETS)
            snprintf(le, sizeof le, "%g", metrics_bucket_bounds[i]);
        else
            snprintf(le, sizeof le, "+Inf");
        series(b, name, "_bucket", labels, nlabels, "le", le);
        buf_printf(b, " %llu\n", (unsigned long long)cumulative);
    }
    series(b, name, "_sum", labels, nlabels, NULL, NULL);
    value(b, (double)atomic_load_explicit(&m->sum_ns, memory_order_relaxed) / 1e9);
    series(b, name, "_count", labels, nlabels, NULL, NULL);
    buf_printf(b, " %llu\n", (unsigned long long)cumulative);
}

void metrics_info(buf *b, const char *role)
{
    metrics_label l[2] = {{"role", role}, {"version", HERALD_VERSION}};

    metrics_family(b, "herald_build_info", "gauge",
                   "Always 1: the role this process plays and herald's version.");
    metrics_sample_u64(b, "herald_build_info", l, 2, 1);
}
