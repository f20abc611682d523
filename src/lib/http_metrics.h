/* http_metrics.h -- requests counted and timed by route and status.
 *
 * The HTTP server (http_server.c) records every request it answers here,
 * once, so that no handler counts itself. A series is a route of the
 * role's table (its method and path pattern, never the path itself: ids
 * in paths would make a series per notice) or "unmatched"; each series
 * keeps a histogram per status from a fixed list, so recording is two
 * lookups in small arrays and three atomic adds, with no lock and no
 * allocation. */
#ifndef HERALD_HTTP_METRICS_H
#define HERALD_HTTP_METRICS_H

#include <stddef.h>

#include "buf.h"
#include "http_route.h"

typedef struct http_metrics http_metrics;

/* Series for each of the n routes of table (which must outlive it), and
 * one for requests no route takes. NULL when out of memory. */
http_metrics *http_metrics_new(const http_route *table, size_t n);
void http_metrics_free(http_metrics *m);

/* The series a request counts in: its route's, or the unmatched one. */
size_t http_metrics_series(const http_metrics *m, const char *method, const char *path);
/* Counts one request of that series answered with status after seconds. */
void http_metrics_record(http_metrics *m, size_t series, int status, double seconds);

/* herald_http_requests_total and herald_http_request_duration_seconds,
 * for each series and status that has seen a request. */
void http_metrics_render(const http_metrics *m, buf *b);

#endif
