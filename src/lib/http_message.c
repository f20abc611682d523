/* http_message.c -- what a handler reads of a request (headers, query,
 * cookies, the source it counts against) and the answers it builds
 * (http_server.h), apart from the server that runs it: they touch one
 * request or one response, never the daemon. */
#include "http_server.h"

#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http_guard.h"
#include "http_source.h"

const char *http_header(const http_request *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *http_query(const http_request *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *http_cookie(const http_request *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, name);
}

void http_mark_peer(const http_request *req)
{
    http_guard_peer(req->conn);
}

/* Keeps the last X-Forwarded-For header's value: a client may send its
 * own before the one the proxy writes. */
static enum MHD_Result last_forwarded_for(void *cls, enum MHD_ValueKind kind, const char *key,
                                          const char *value)
{
    (void)kind;
    if (key && value && !strcasecmp(key, "X-Forwarded-For"))
        *(const char **)cls = value;
    return MHD_YES;
}

void http_peer_source(const http_request *req, char out[HTTP_SOURCE_MAX])
{
    const union MHD_ConnectionInfo *ci =
        req->conn ? MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS)
                  : NULL;

    http_source_of(ci ? ci->client_addr : NULL, NULL, NULL, 0, out);
}

void http_client_source(const http_request *req, char out[HTTP_SOURCE_MAX])
{
    const union MHD_ConnectionInfo *ci =
        req->conn ? MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS)
                  : NULL;
    const char *xff = NULL;

    if (req->conn && req->limits && req->limits->ntrusted)
        MHD_get_connection_values(req->conn, MHD_HEADER_KIND, last_forwarded_for, &xff);
    http_source_of(ci ? ci->client_addr : NULL, xff, req->limits ? req->limits->trusted : NULL,
                   req->limits ? req->limits->ntrusted : 0, out);
}

void http_reply_body(http_response *resp, int status, const char *content_type,
                     char *body, size_t len)
{
    free(resp->body);
    resp->status = status;
    resp->content_type = content_type;
    resp->body = body;
    resp->body_len = len;
}

void http_reply_json(http_response *resp, int status, json_t *obj)
{
    char *text = json_dumps(obj, JSON_COMPACT);

    json_decref(obj);
    if (!text) {
        http_reply_error(resp, 500, "cannot encode response");
        return;
    }
    http_reply_body(resp, status, "application/json", text, strlen(text));
}

void http_reply_error(http_response *resp, int status, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    json_t *o = json_pack("{ss}", "error", msg);
    char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (!text)
        text = strdup("{\"error\":\"internal error\"}");
    http_reply_body(resp, status, "application/json", text, text ? strlen(text) : 0);
}

int http_want_method(const http_request *req, http_response *resp, const char *method)
{
    if (!strcmp(req->method, method))
        return 1;
    http_reply_error(resp, 405, "use %s", method);
    http_add_header(resp, "Allow", method);
    return 0;
}

int http_answer_health(const http_request *req, http_response *resp)
{
    if (strcmp(req->path, "/v1/health") != 0)
        return 0;
    http_reply_body(resp, 200, "application/json", strdup("{\"status\":\"ok\"}"), 15);
    return 1;
}

void http_reply_not_found(http_response *resp)
{
    http_reply_error(resp, 404, "no such endpoint: see docs/protocol.md");
}

void http_add_header(http_response *resp, const char *name, const char *value)
{
    if (resp->nheaders >= HTTP_MAX_HEADERS)
        return;
    resp->headers[resp->nheaders][0] = strdup(name);
    resp->headers[resp->nheaders][1] = strdup(value);
    resp->nheaders++;
}
