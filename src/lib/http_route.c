/* http_route.c -- see http_route.h. Tables are a dozen entries, so a
 * linear scan over segments beats any index. */
#include "http_route.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Walks a pattern and a path side by side, one segment of each per
 * step: [p, pe) and [s, se). */
typedef struct segments {
    const char *p, *pe, *s, *se;
} segments;

static void segments_at(segments *g, const char *pattern, const char *path)
{
    g->p = pattern;
    g->s = path;
    g->pe = g->p + strcspn(g->p, "/");
    g->se = g->s + strcspn(g->s, "/");
}

/* Moves to the next pair; 0 when either side has no more. */
static int segments_next(segments *g)
{
    if (!*g->pe || !*g->se)
        return 0;
    segments_at(g, g->pe + 1, g->se + 1);
    return 1;
}

static int segment_is_param(const segments *g)
{
    return g->pe - g->p >= 2 && g->p[0] == '{' && g->pe[-1] == '}';
}

/* 1 if path matches pattern segment by segment. */
static int path_matches(const char *pattern, const char *path)
{
    segments g;

    segments_at(&g, pattern, path);
    do {
        if (segment_is_param(&g) ? g.se == g.s
                                 : g.pe - g.p != g.se - g.s ||
                                       memcmp(g.p, g.s, (size_t)(g.pe - g.p)))
            return 0;
    } while (segments_next(&g));
    return !*g.pe && !*g.se;
}

const http_route *http_route_find(const http_route *table, size_t n, const char *method,
                                  const char *path, int *status, const char **allow)
{
    *status = 404;
    *allow = NULL;
    for (size_t i = 0; i < n; i++) {
        if (!path_matches(table[i].path, path))
            continue;
        if (!strcmp(table[i].method, method))
            return &table[i];
        *status = 405;
        if (!*allow)
            *allow = table[i].method;
    }
    return NULL;
}

long http_route_param(const http_route *r, const char *path, const char *name, char *out,
                      size_t cap)
{
    size_t nlen = strlen(name), len;
    segments g;

    segments_at(&g, r->path, path);
    do {
        if ((size_t)(g.pe - g.p) != nlen + 2 || !segment_is_param(&g) ||
            memcmp(g.p + 1, name, nlen))
            continue;
        len = (size_t)(g.se - g.s);
        if (len + 1 > cap)
            return -1;
        memcpy(out, g.s, len);
        out[len] = '\0';
        return (long)len;
    } while (segments_next(&g));
    return -1;
}

/* 1 if an earlier route than table[i] has its method for path. */
static int method_listed(const http_route *table, size_t i, const char *path)
{
    for (size_t j = 0; j < i; j++)
        if (!strcmp(table[j].method, table[i].method) && path_matches(table[j].path, path))
            return 1;
    return 0;
}

/* Every method the table has for path: "GET, POST" in allow (the Allow
 * header lists them all) and "GET or POST" in text. */
static void methods_for(const http_route *table, size_t n, const char *path, char *allow,
                        char *text, size_t cap)
{
    size_t a = 0, t = 0, last = 0;

    for (size_t i = 0; i < n; i++)
        if (path_matches(table[i].path, path) && !method_listed(table, i, path))
            last = i;
    allow[0] = text[0] = '\0';
    for (size_t i = 0, k = 0; i < n && a < cap && t < cap; i++) {
        if (!path_matches(table[i].path, path) || method_listed(table, i, path))
            continue;
        a += (size_t)snprintf(allow + a, cap - a, "%s%s", k ? ", " : "", table[i].method);
        t += (size_t)snprintf(text + t, cap - t, "%s%s", !k ? "" : i == last ? " or " : ", ",
                              table[i].method);
        k++;
    }
}

const http_route *http_route_gated(const http_route *table, size_t n, const http_request *req,
                                   int *exact)
{
    int status;
    const char *allow;
    const http_route *r = http_route_find(table, n, req->method, req->path, &status, &allow);

    *exact = r != NULL;
    if (!r && status == 405)
        r = http_route_find(table, n, allow, req->path, &status, &allow);
    return r;
}

int http_route_type_ok(const char *types, const char *content_type)
{
    size_t len, tlen;

    if (!content_type)
        return 0;
    while (*content_type == ' ' || *content_type == '\t')
        content_type++;
    len = strcspn(content_type, "; \t");
    while (*types) {
        tlen = strcspn(types, " ");
        if (tlen == len && !strncasecmp(types, content_type, len))
            return 1;
        types += tlen;
        types += *types == ' ';
    }
    return 0;
}

/* 1 when the request has a body: a length above zero, or chunks. */
static int has_body(const http_request *req)
{
    const char *cl = http_header(req, "Content-Length");

    return (cl && strtoull(cl, NULL, 10) > 0) || http_header(req, "Transfer-Encoding");
}

int http_route_body_type_ok(const http_route *r, const http_request *req)
{
    return !r->types || !has_body(req) ||
           http_route_type_ok(r->types, http_header(req, "Content-Type"));
}

int http_route_gate(const http_route *table, size_t n, const apikeys *keys,
                    const http_request *req, size_t *max_body)
{
    int exact;
    const http_route *r = http_route_gated(table, n, req, &exact);

    if (!r)
        return 404;
    if (r->callers != HTTP_ANYONE) {
        if (!apikeys_check(keys, http_header(req, "Authorization")))
            return 401;
        http_mark_peer(req);
    }
    if (exact && !http_route_body_type_ok(r, req))
        return 415;
    if (r->max_body < *max_body)
        *max_body = r->max_body;
    return 0;
}

const http_route *http_route_answer(const http_route *table, size_t n,
                                    const http_request *req, http_response *resp)
{
    int status;
    const char *allow;
    const http_route *r = http_route_find(table, n, req->method, req->path, &status, &allow);
    char methods[128], text[128];

    if (r)
        return r;
    if (status == 405) {
        methods_for(table, n, req->path, methods, text, sizeof methods);
        http_reply_error(resp, 405, "use %s", text);
        http_add_header(resp, "Allow", methods);
    } else {
        http_reply_not_found(resp);
    }
    return NULL;
}
