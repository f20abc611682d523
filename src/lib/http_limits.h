/* http_limits.h -- how many connections a role's HTTP server holds and how
 * long it waits for them: the [http] section every role's ini may have.
 *
 * Defaults hold a flood of idle connections from a few addresses without
 * starving anyone else (docs/operations.md explains each and what a
 * reverse proxy in front adds). */
#ifndef HERALD_HTTP_LIMITS_H
#define HERALD_HTTP_LIMITS_H

#include <stddef.h>

#include "http_source.h"

struct config;

typedef struct http_limits {
    long max_connections;            /* held at once */
    long max_connections_per_source; /* from one IPv4 address or IPv6 /64 */
    long header_timeout_s;    /* a new connection's time to send its request head */
    long idle_timeout_s;      /* an answered connection's wait for the next request */
    long peer_idle_timeout_s; /* the same after a call with a valid API key */
    long request_timeout_s;   /* once a request is in: longest silence in either direction */
    long body_grace_s;        /* a body's time before body_min_rate applies */
    long body_min_rate;       /* bytes a second a body must average after it */
    /* Reverse proxies whose X-Forwarded-For names the client (http_source.h) */
    int ntrusted;
    struct in6_addr trusted[HTTP_TRUSTED_PROXIES_MAX];
} http_limits;

#define HTTP_LIMITS_DEFAULT                                                                 \
    {.max_connections = 4096, .max_connections_per_source = 64, .header_timeout_s = 10,    \
     .idle_timeout_s = 15, .peer_idle_timeout_s = 120, .request_timeout_s = 60,           \
     .body_grace_s = 30, .body_min_rate = 1024}

/* The [http] section of cfg over the defaults: 0, or -1 with a message
 * naming the file, section and key. */
int http_limits_load(const struct config *cfg, http_limits *out, char *err, size_t errlen);

#endif
