/* http_server.h -- the HTTP shell every role shares.
 *
 * Wraps libmicrohttpd so that a role writes one function from a complete
 * request (method, path, headers, body) to a complete response. The body is
 * collected here with a hard size limit (413 past it), so no handler sees a
 * partial or oversized upload. Handlers run on a small thread pool and must
 * be thread-safe. Connections are held to the role's [http] limits and
 * waits (http_limits.h, http_guard.h): a flood of idle connections from a
 * few addresses does not starve anyone else. */
#ifndef HERALD_HTTP_SERVER_H
#define HERALD_HTTP_SERVER_H

#include <stddef.h>
#include <jansson.h>

#include "http_limits.h"

struct MHD_Connection;

typedef struct http_request {
    const char *method;
    const char *path;       /* without the query string */
    const char *body;       /* NUL-terminated; may hold NULs before body_len */
    size_t body_len;
    struct MHD_Connection *conn;
    const struct http_limits *limits; /* the server's; NULL in tests */
    void *internal; /* the server's own (http_later_take); NULL in tests */
} http_request;

#define HTTP_MAX_HEADERS 6

typedef struct http_response {
    int status;
    const char *content_type; /* static string */
    char *body;               /* malloc'd; the server frees it */
    size_t body_len;
    int nheaders;
    char *headers[HTTP_MAX_HEADERS][2]; /* malloc'd name/value pairs */
} http_response;

typedef void (*http_handler)(void *ctx, const http_request *req, http_response *resp);

/* Called when a request's headers have arrived, before any body is read,
 * so that an unauthenticated or misdirected caller cannot make the server
 * buffer megabytes first. req->body is NULL here. Returns 0 to go on (and
 * may lower *max_body for this request), or the status to refuse with now
 * (401, 404, 405 or 413). */
typedef int (*http_gate)(void *ctx, const http_request *req, size_t *max_body);

typedef struct http_server http_server;

/* Rewrites an answer the server gives on its own (the gate's 401, 404,
 * 405; 413; 503), for a role whose API has one error shape of its own.
 * resp already holds the default answer (and WWW-Authenticate for 401);
 * msg says why in a few words. */
typedef void (*http_refusal)(void *ctx, int status, const char *msg, http_response *resp);

/* listen is "HOST:PORT" (port 0 picks a free one). Returns NULL with a
 * message in err when the address cannot be bound. */
http_server *http_server_start(const char *listen, size_t max_body, unsigned threads,
                               http_handler handler, void *ctx,
                               char *err, size_t errlen);
/* The same, with a gate (see http_gate) run before each body is read. */
http_server *http_server_start_gated(const char *listen, size_t max_body, unsigned threads,
                                     http_gate gate, http_handler handler, void *ctx,
                                     char *err, size_t errlen);
/* The same in two steps, for a role whose request threads read something
 * that depends on the port: bind first (the port is then known, even when
 * listen asked for port 0), finish that state, then serve. On a failed
 * serve, s is still bound and http_server_stop releases it. */
http_server *http_server_bind(const char *listen, char *err, size_t errlen);
int http_server_serve(http_server *s, size_t max_body, unsigned threads, http_gate gate,
                      http_handler handler, void *ctx, char *err, size_t errlen);
/* Counts and times every request answered in m (see http_metrics.h),
 * which must outlive the server. Call between bind and serve. */
struct http_metrics;
void http_server_observe(http_server *s, struct http_metrics *m);
/* Between bind and serve: the connection limits and waits (the role's
 * [http] section; HTTP_LIMITS_DEFAULT when not called). */
void http_server_limit(http_server *s, const http_limits *limits);
/* Between bind and serve: answers the server gives on its own go through
 * fn (see http_refusal). */
void http_server_set_refusal(http_server *s, http_refusal fn);
/* Between bind and serve: serve TLS 1.3 only, with a PEM certificate and
 * key the caller keeps until http_server_stop. Returns 0, or -1 with err
 * when this libmicrohttpd was built without TLS. */
int http_server_use_tls(http_server *s, const char *cert_pem, const char *key_pem, char *err,
                        size_t errlen);
int http_server_port(const http_server *s);
void http_server_stop(http_server *s);

/* Request accessors; NULL when absent. */
const char *http_header(const http_request *req, const char *name);
const char *http_query(const http_request *req, const char *name);
/* A cookie's value, or NULL. */
const char *http_cookie(const http_request *req, const char *name);
/* The source a request's attempts count against (http_source.h): the
 * peer's address, or the client's as a trusted proxy forwards it; an IPv6
 * one as its /64. "?" when the connection has none we can name. */
void http_client_source(const http_request *req, char out[HTTP_SOURCE_MAX]);
/* The same for the TCP peer itself, a proxy included: what the [http]
 * connection limits count by. */
void http_peer_source(const http_request *req, char out[HTTP_SOURCE_MAX]);

/* The request carried a valid API key: its connection is a known peer's,
 * kept open longer between calls (peer_idle_timeout_s). */
void http_mark_peer(const http_request *req);

/* Response builders. Each replaces whatever body was set before. */
void http_reply_json(http_response *resp, int status, json_t *obj); /* steals obj */
void http_reply_error(http_response *resp, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void http_reply_body(http_response *resp, int status, const char *content_type,
                     char *body, size_t len); /* takes ownership of body */
void http_add_header(http_response *resp, const char *name, const char *value);

/* The checks every API makes, answering for the caller when they fail:
 * each returns 1 when the request may go on, 0 when resp is already set. */
int http_want_method(const http_request *req, http_response *resp, const char *method);
/* {"status":"ok"} for GET /v1/health; returns 1 if it answered. */
int http_answer_health(const http_request *req, http_response *resp);
void http_reply_not_found(http_response *resp);

/* An answer given later, from another thread: a handler that would wait
 * (for a batch to reach the hub, say) takes one and returns without a
 * response; its thread goes on serving other connections, and the client
 * waits until http_later_answer. NULL when the handler must answer now:
 * out of memory, the server stopping, or no server (unit tests). */
typedef struct http_later http_later;
http_later *http_later_take(const http_request *req);
/* Sends resp (taken over; resp is left empty) and lets go of l: exactly
 * once for each http_later_take, from any thread. When the server stopped
 * meanwhile, the client had a 503 and resp is dropped. */
void http_later_answer(http_later *l, http_response *resp);

/* Splits "HOST:PORT" (HOST may be [v6]); returns 0 or -1. */
int http_split_listen(const char *listen, char *host, size_t hostlen, int *port);

#endif
