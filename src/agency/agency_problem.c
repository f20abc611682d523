/* agency_problem.c -- see agency_problem.h. */
#include "agency_problem.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rrn.h"

static const char *kind_of(int status)
{
    switch (status) {
    case 400: return "invalid-field";
    case 401: return "unauthorized";
    case 404: return "not-found";
    case 405: return "method-not-allowed";
    case 409: return "conflict";
    case 413: return "too-large";
    case 415: return "unsupported-media-type";
    case 422: return "unprocessable";
    case 502: return "hub-unavailable";
    case 503: return "unavailable";
    default: return status >= 500 ? "internal" : "request-refused";
    }
}

static const char *title_of(int status)
{
    switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    default: return status >= 500 ? "Internal Server Error" : "Request Refused";
    }
}

void agency_problem_mask(char *s)
{
    rrn_mask_all(s, strlen(s));
}

json_t *agency_problem_item(long row, const char *field, const char *detail)
{
    char *d = strdup(detail ? detail : "");
    json_t *o = json_object();

    if (d)
        agency_problem_mask(d);
    if (row)
        json_object_set_new(o, "row", json_integer(row));
    if (field && *field)
        json_object_set_new(o, "field", json_string(field));
    json_object_set_new(o, "detail", json_string(d ? d : "out of memory"));
    free(d);
    return o;
}

json_t *agency_problem_json(int status, const char *field, long row, const char *detail)
{
    char type[64];
    json_t *o = agency_problem_item(row, field, detail);

    snprintf(type, sizeof type, "urn:herald:problem:%s", kind_of(status));
    json_object_set_new(o, "type", json_string(type));
    json_object_set_new(o, "title", json_string(title_of(status)));
    json_object_set_new(o, "status", json_integer(status));
    return o;
}

static void reply_problem(http_response *resp, int status, json_t *o)
{
    char *text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);

    json_decref(o);
    if (!text) {
        http_reply_error(resp, 500, "out of memory");
        return;
    }
    http_reply_body(resp, status, "application/problem+json", text, strlen(text));
}

void agency_problem(http_response *resp, int status, const char *field, long row,
                    const char *fmt, ...)
{
    char detail[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    reply_problem(resp, status, agency_problem_json(status, field, row, detail));
}

void agency_problem_errors(http_response *resp, int status, const api_errors *e)
{
    const api_error *first = e->n ? &e->v[0] : NULL;
    json_t *o = agency_problem_json(status, first ? first->field : NULL,
                                    first ? first->row : 0,
                                    first ? first->detail : "request refused");
    json_t *list = json_array();

    for (size_t i = 0; i < e->n; i++)
        json_array_append_new(list, agency_problem_item(e->v[i].row, e->v[i].field,
                                                        e->v[i].detail));
    json_object_set_new(o, "errors", list);
    reply_problem(resp, status, o);
}

void agency_problem_refusal(void *ctx, int status, const char *msg, http_response *resp)
{
    (void)ctx;
    agency_problem(resp, status, NULL, 0, "%s", status == 404 ? "no such route" : msg);
}
