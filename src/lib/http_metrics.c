/* http_metrics.c -- see http_metrics.h. */
#include "http_metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

/* The statuses our roles answer with; any other counts as "other". */
static const int known_status[] = {
    200, 201, 202, 204, 206, 301, 302, 303, 304, 307, 308, 400, 401, 403, 404,
    405, 409, 410, 413, 415, 422, 429, 500, 501, 502, 503, 504,
};
#define NSTATUS (sizeof known_status / sizeof known_status[0] + 1)

struct http_metrics {
    const http_route *table;
    size_t nroutes;
    metrics_histogram *h; /* [(nroutes + 1) * NSTATUS] */
};

http_metrics *http_metrics_new(const http_route *table, size_t n)
{
    http_metrics *m = calloc(1, sizeof *m);

    if (!m)
        return NULL;
    m->h = calloc((n + 1) * NSTATUS, sizeof *m->h);
    if (!m->h) {
        free(m);
        return NULL;
    }
    m->table = table;
    m->nroutes = n;
    return m;
}

void http_metrics_free(http_metrics *m)
{
    if (!m)
        return;
    free(m->h);
    free(m);
}

size_t http_metrics_series(const http_metrics *m, const char *method, const char *path)
{
    int status;
    const char *allow;
    const http_route *r = http_route_find(m->table, m->nroutes, method, path, &status, &allow);

    return r ? (size_t)(r - m->table) : m->nroutes;
}

static size_t status_slot(int status)
{
    for (size_t i = 0; i < NSTATUS - 1; i++)
        if (known_status[i] == status)
            return i;
    return NSTATUS - 1;
}

void http_metrics_record(http_metrics *m, size_t series, int status, double seconds)
{
    if (series > m->nroutes)
        series = m->nroutes;
    metrics_observe(&m->h[series * NSTATUS + status_slot(status)], seconds);
}

static uint64_t count_of(const metrics_histogram *h)
{
    uint64_t n = 0;

    for (size_t i = 0; i <= METRICS_BUCKETS; i++)
        n += atomic_load_explicit(&((metrics_histogram *)h)->bucket[i], memory_order_relaxed);
    return n;
}

/* Labels of series s, status slot k: method, route, code. */
static void labels_of(const http_metrics *m, size_t s, size_t k, char code[8],
                      metrics_label l[3])
{
    if (k < NSTATUS - 1)
        snprintf(code, 8, "%d", known_status[k]);
    else
        snprintf(code, 8, "other");
    l[0] = (metrics_label){"method", s < m->nroutes ? m->table[s].method : "other"};
    l[1] = (metrics_label){"route", s < m->nroutes ? m->table[s].path : "unmatched"};
    l[2] = (metrics_label){"code", code};
}

void http_metrics_render(const http_metrics *m, buf *b)
{
    metrics_label l[3];
    char code[8];
    size_t total = (m->nroutes + 1) * NSTATUS;

    metrics_family(b, "herald_http_requests_total", "counter",
                   "HTTP requests answered, by route and status.");
    for (size_t i = 0; i < total; i++) {
        uint64_t n = count_of(&m->h[i]);
        if (!n)
            continue;
        labels_of(m, i / NSTATUS, i % NSTATUS, code, l);
        metrics_sample_u64(b, "herald_http_requests_total", l, 3, n);
    }
    metrics_family(b, "herald_http_request_duration_seconds", "histogram",
                   "Time from a request's headers to the end of its answer, by route "
                   "and status.");
    for (size_t i = 0; i < total; i++) {
        if (!count_of(&m->h[i]))
            continue;
        labels_of(m, i / NSTATUS, i % NSTATUS, code, l);
        metrics_histogram_render(b, "herald_http_request_duration_seconds", l, 3, &m->h[i]);
    }
}
