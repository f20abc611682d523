/* agency_api_hub.c -- what the back office and the console ask the hub
 * before they answer: a notice's evidence, its certificate, a cancel.
 *
 * Each is a round trip to the hub, and a slow hub made it last up to a
 * call's timeout (120 s) on the server thread that took the request,
 * stalling every connection that thread served: citizens opening their
 * documents among them. So each call runs on a thread of its own
 * (http_offload.h) and finishes through its caller's done function. When
 * no wait is to be had (a peer holding half its connections in waits
 * already), the evidence is left out, as when the hub does not answer,
 * and a certificate or a cancel is answered 503 with Retry-After. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agency_api.h"
#include "agency_cancel.h"
#include "agency_problem.h"
#include "buf.h"
#include "http_client.h"
#include "http_offload.h"

/* Past it a client is told to ask again: the hub is slow to answer
 * those already waiting. */
#define BUSY_RETRY_S "5"

http_client *agency_api_hub(const agency_api *api)
{
    http_client *hub = http_client_new(api->cfg->hub_url, api->cfg->hub_key);

    if (hub && api->calls_end)
        http_client_abort_at(hub, api->calls_end);
    return hub;
}

static void busy(http_response *resp, const char *what)
{
    agency_problem(resp, 503, NULL, 0, "too many calls from this address are waiting for "
                   "the hub: ask for the %s again in a moment", what);
    http_add_header(resp, "Retry-After", BUSY_RETRY_S);
}

/* ---- evidence ---- */

/* The hub's evidence of o's notice, with each event's reason, added to
 * o as "evidence" when the hub answers. */
static void add_evidence(const agency_api *api, json_t *o)
{
    const char *notice = json_string_value(json_object_get(o, "notice"));
    http_client *hub;
    json_t *reply = NULL;
    char path[160], err[256];

    if (!notice || api->test || !(hub = agency_api_hub(api)))
        return; /* a test notice never reached the hub */
    snprintf(path, sizeof path, "/v1/notices/%s", notice);
    if (http_client_call(hub, "GET", path, NULL, 0, &reply, err, sizeof err) == 200) {
        json_t *events = json_array(), *e;
        size_t i;
        json_array_foreach(json_object_get(reply, "events"), i, e) {
            json_t *x = json_object();
            json_object_set(x, "event", json_object_get(e, "event"));
            json_object_set(x, "at", json_object_get(e, "at"));
            json_object_set(x, "actor", json_object_get(e, "actor"));
            json_object_set(x, "reason", json_object_get(e, "reason"));
            json_array_append_new(events, x);
        }
        json_object_set_new(o, "evidence", events);
    }
    json_decref(reply);
    http_client_free(hub);
}

typedef struct evidence_call {
    const agency_api *api;
    json_t *o;
    agency_evidence_done done;
    void *ctx;
} evidence_call;

static void evidence_main(void *arg, http_response *resp)
{
    evidence_call *c = arg;

    add_evidence(c->api, c->o);
    c->done(c->ctx, c->o, resp);
    free(c);
}

void agency_api_with_evidence(const agency_api *api, const http_request *req, json_t *o,
                              agency_evidence_done done, void *ctx, http_response *resp)
{
    evidence_call *c;

    if (json_object_get(o, "notice") && !api->test && (c = malloc(sizeof *c))) {
        *c = (evidence_call){.api = api, .o = o, .done = done, .ctx = ctx};
        if (http_offload(req, evidence_main, c) == HTTP_OFFLOADED)
            return;
        free(c);
    }
    done(ctx, o, resp);
}

/* ---- certificates ---- */

/* Passes the hub's answer on: the certificate, or a problem saying why. */
static void proxy_certificate(const agency_api *api, const char *notice, int pdf,
                              http_response *resp)
{
    char path[180], err[256];
    http_client *hub = agency_api_hub(api);
    buf body;
    int status;

    if (!hub) {
        agency_problem(resp, 503, NULL, 0, "out of memory");
        return;
    }
    snprintf(path, sizeof path, "/v1/notices/%s/certificate%s", notice, pdf ? ".pdf" : "");
    buf_init(&body, 8192);
    status = http_client_get_raw(hub, path, NULL, &body, err, sizeof err);
    http_client_free(hub);
    if (status == 200 && !body.broken) {
        size_t len;
        char *bytes = buf_take(&body, &len);
        http_reply_body(resp, 200, pdf ? "application/pdf" : "application/json", bytes, len);
    } else if (status == 503) {
        agency_problem(resp, 503, NULL, 0, "the hub cannot make certificates yet (no signed "
                       "tree head)");
    } else if (status == 404) {
        agency_problem(resp, 404, NULL, 0, "no such notice");
    } else {
        agency_problem(resp, 502, NULL, 0, "the hub did not give the certificate (%s)",
                       status ? "HTTP error" : err);
    }
    buf_free(&body);
}

typedef struct certificate_call {
    const agency_api *api;
    char notice[AGENCY_NOTICE_MAX + 1];
    int pdf;
    agency_answer_done done;
    void *ctx;
} certificate_call;

static void certificate_main(void *arg, http_response *resp)
{
    certificate_call *c = arg;

    proxy_certificate(c->api, c->notice, c->pdf, resp);
    if (c->done)
        c->done(c->ctx, resp);
    free(c);
}

void agency_api_certificate(const agency_api *api, const http_request *req, const char *notice,
                            int pdf, agency_answer_done done, void *ctx, http_response *resp)
{
    certificate_call *c = calloc(1, sizeof *c);
    int rc = HTTP_OFFLOAD_STOPPING;

    if (c) {
        *c = (certificate_call){.api = api, .pdf = pdf, .done = done, .ctx = ctx};
        snprintf(c->notice, sizeof c->notice, "%s", notice);
        if ((rc = http_offload(req, certificate_main, c)) == HTTP_OFFLOADED)
            return;
        free(c);
    }
    if (rc == HTTP_OFFLOAD_FULL)
        busy(resp, "certificate");
    else
        agency_problem(resp, 503, NULL, 0, "the server is stopping or out of memory: ask "
                       "again");
    if (done)
        done(ctx, resp);
}

/* ---- cancels ---- */

typedef struct cancel_call {
    agency_api *api;
    char reference[FIELD_REFERENCE_MAX + 1];
    char *reason;
    agency_cancel_done done;
    void *ctx;
} cancel_call;

static void cancel_main(void *arg, http_response *resp)
{
    cancel_call *c = arg;
    agency_cancel_result r = {0};
    http_client *hub = agency_api_hub(c->api);
    int status = 503;

    if (hub)
        status = agency_api_cancel(c->api, hub, c->reference, c->reason, &r);
    else
        snprintf(r.error, sizeof r.error, "out of memory: ask again");
    http_client_free(hub);
    c->done(c->ctx, status, &r, resp);
    free(c->reason);
    free(c);
}

void agency_api_cancel_later(agency_api *api, const http_request *req, const char *reference,
                             const char *reason, agency_cancel_done done, void *ctx,
                             http_response *resp)
{
    cancel_call *c = calloc(1, sizeof *c);
    agency_cancel_result r = {0};
    int rc = HTTP_OFFLOAD_STOPPING;

    if (c && (c->reason = strdup(reason))) {
        c->api = api;
        c->done = done;
        c->ctx = ctx;
        snprintf(c->reference, sizeof c->reference, "%s", reference);
        if ((rc = http_offload(req, cancel_main, c)) == HTTP_OFFLOADED)
            return;
        free(c->reason);
    }
    free(c);
    snprintf(r.error, sizeof r.error, "%s", rc == HTTP_OFFLOAD_FULL
             ? "too many calls from this address are waiting for the hub: ask again in a moment"
             : "the server is stopping or out of memory: ask again");
    done(ctx, 503, &r, resp);
    if (rc == HTTP_OFFLOAD_FULL)
        http_add_header(resp, "Retry-After", BUSY_RETRY_S);
}
