/* metrics.h -- counters and histograms, rendered as Prometheus text.
 *
 * Every role answers GET /metrics in the text exposition format 0.0.4.
 * What a hot path touches is a relaxed atomic add: the hub counts ~17,000
 * notices a second and must not take a lock to do it. Rendering reads the
 * atomics once and writes the text; label values are escaped here, once,
 * so no role writes a sample line by hand. */
#ifndef HERALD_METRICS_H
#define HERALD_METRICS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

typedef struct metrics_counter {
    _Atomic uint64_t n;
} metrics_counter;

static inline void metrics_add(metrics_counter *c, uint64_t n)
{
    atomic_fetch_add_explicit(&c->n, n, memory_order_relaxed);
}

static inline uint64_t metrics_read(const metrics_counter *c)
{
    return atomic_load_explicit(&((metrics_counter *)c)->n, memory_order_relaxed);
}

/* Latency buckets, in seconds, shared by every histogram we keep: one
 * fixed set lets a dashboard compare routes and roles. */
#define METRICS_BUCKETS 14
extern const double metrics_bucket_bounds[METRICS_BUCKETS];

typedef struct metrics_histogram {
    _Atomic uint64_t bucket[METRICS_BUCKETS + 1]; /* not cumulative; last: above all */
    _Atomic uint64_t sum_ns;
} metrics_histogram;

/* Counts one observation of seconds (negative counts as 0). */
void metrics_observe(metrics_histogram *h, double seconds);

typedef struct metrics_label {
    const char *name, *value;
} metrics_label;

/* "# HELP name help" and "# TYPE name type" (counter, gauge, histogram). */
void metrics_family(buf *b, const char *name, const char *type, const char *help);
/* One sample line: name{labels} value. */
void metrics_sample(buf *b, const char *name, const metrics_label *labels, size_t nlabels,
                    double value);
/* The same for a whole number (exact past 2^53). */
void metrics_sample_u64(buf *b, const char *name, const metrics_label *labels,
                        size_t nlabels, uint64_t value);
/* name_bucket{labels,le="..."} for every bound and le="+Inf", then
 * name_sum and name_count, from one read of h's buckets (so the +Inf
 * bucket always equals the count). */
void metrics_histogram_render(buf *b, const char *name, const metrics_label *labels,
                              size_t nlabels, const metrics_histogram *h);
/* herald_build_info{role,version} 1: which role answers. */
void metrics_info(buf *b, const char *role);
/* A label value as the format quotes it: backslash, double quote and
 * newline escaped. */
void metrics_escape_label(buf *b, const char *value);

#endif
