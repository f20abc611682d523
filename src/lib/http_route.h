/* http_route.h -- a role's HTTP surface as one table.
 *
 * Every role answers a handful of calls. Writing them as a table (method,
 * path, who may call, how large a body, which handler) keeps the whole
 * surface in one place a reader can compare with docs/protocol.md, lets the
 * gate refuse an unknown path or an oversized body before the body is read,
 * and lets tests/layout.sh check that the table and protocol.md agree: it
 * reads the table's lines, so keep each entry's method and path as string
 * literals at the start of a line: {"GET", "/v1/notices/{id}", ...}. */
#ifndef HERALD_HTTP_ROUTE_H
#define HERALD_HTTP_ROUTE_H

#include <stddef.h>

#include "apikeys.h"
#include "http_server.h"

/* Callers are a role's own bit set (agencies, platforms, admin, ...);
 * HTTP_ANYONE needs no API key. */
#define HTTP_ANYONE 0u
/* A read's body limit: reads take no body, but a little is let through so
 * that a stray one gets its 405 or its answer rather than a 413. */
#define HTTP_ROUTE_READ_BODY 4096u
/* The media types a route's body may have (http_route.types): a request
 * with a body of another Content-Type is refused with 415 before its body
 * is read. */
#define HTTP_JSON "application/json"
#define HTTP_FORM "application/x-www-form-urlencoded"
#define HTTP_CSV "text/csv"
#define HTTP_HTML "text/html"
#define HTTP_JSON_OR_FORM HTTP_JSON " " HTTP_FORM
#define HTTP_MULTIPART "multipart/form-data"

typedef struct http_route {
    const char *method; /* "GET", "POST" or "PUT" */
    const char *path;   /* literal segments, and {name} for one non-empty segment */
    unsigned callers;   /* the role's caller bits, or HTTP_ANYONE */
    size_t max_body;    /* bytes a body may have; 0 for none */
    void (*handler)(void *role, const void *caller, const http_request *req,
                    http_response *resp);
    const char *types; /* HTTP_JSON...: what a body's Content-Type may be; NULL: any */
} http_route;

/* The route for method and path in a table of n. NULL when none: then
 * *status is 404 when no route has this path, 405 when one has it for
 * another method (the first such method in *allow; http_route_answer
 * names them all). */
const http_route *http_route_find(const http_route *table, size_t n, const char *method,
                                  const char *path, int *status, const char **allow);

/* The path segment that route r's {name} matched, copied into out (cap
 * bytes with the NUL). Returns its length, or -1 when r has no such
 * parameter or the segment does not fit. */
long http_route_param(const http_route *r, const char *path, const char *name, char *out,
                      size_t cap);

/* The route a request is gated as: its own, or, when its path is served
 * for other methods only, the first of those, so that a caller without a
 * key learns no more from a wrong method than from a right one (the
 * handler answers 405 once the caller is known). *exact says which.
 * NULL when no route has the path. */
const http_route *http_route_gated(const http_route *table, size_t n, const http_request *req,
                                   int *exact);

/* 1 if content_type (a Content-Type header, parameters such as
 * "; charset=utf-8" allowed, NULL when absent) names one of the media
 * types in types (space-separated), compared without regard to case. */
int http_route_type_ok(const char *types, const char *content_type);
/* 0 when req has a body whose Content-Type route r does not take. */
int http_route_body_type_ok(const http_route *r, const http_request *req);

/* The gate every role runs before a body is read (an http_gate's answer):
 * 404 for a path no route has, 401 when the route wants a key that keys
 * does not hold, 415 when a body comes with a Content-Type the route does
 * not take; else 0, with *max_body lowered to the route's limit. */
int http_route_gate(const http_route *table, size_t n, const apikeys *keys,
                    const http_request *req, size_t *max_body);

/* http_route_find, answering 404 or 405 in resp when it finds nothing;
 * a 405 names every method the table has for the path ("use GET or
 * POST", Allow: GET, POST). */
const http_route *http_route_answer(const http_route *table, size_t n,
                                    const http_request *req, http_response *resp);

#endif
