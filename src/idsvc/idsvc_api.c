/* idsvc_api.c -- what idsvc answers: batches of RRNs become CIs.
 *
 * Agencies and platforms send {"rrns":[...]} and get one result per RRN in
 * the same order. Nothing is stored, and no RRN is written anywhere, not
 * even masked in logs: log lines carry counts. */
#include "idsvc_api.h"

#include <string.h>
#include <time.h>

#include "batch.h"
#include "buf.h"
#include "ci.h"
#include "http_route.h"
#include "idsvc.h"
#include "log.h"
#include "rrn.h"

/* Any caller in the clients file: an agency or a platform. */
#define IDSVC_CLIENT 1u

/* jansson keeps its own copies of the RRNs: batch_free wipes them. */
static const batch_spec rrn_batch = {.key = "rrns", .secret_items = 1};

static long elapsed_us(const struct timespec *t0)
{
    struct timespec t1;

    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (t1.tv_sec - t0->tv_sec) * 1000000L + (t1.tv_nsec - t0->tv_nsec) / 1000;
}

/* One RRN's result. CIs are base64 and reasons are our own constants, so
 * the CI and the warning need no escaping. Returns 1 if the item failed. */
static int convert_one(const idsvc *s, json_t *v, int today, int strict, buf *out)
{
    const char *reason = "not a string";
    char ci[CI_LEN + 1];
    rrn r;
    rrn_status st = RRN_INVALID;

    if (json_is_string(v))
        st = rrn_parse(json_string_value(v), json_string_length(v), today, strict, &r,
                       &reason);
    if (st != RRN_INVALID)
        ci_derive(s->key, r.digits, ci);
    /* A strict mismatch is refused after its digits were copied out. */
    secure_wipe(&r, sizeof r);
    if (st == RRN_INVALID) {
        batch_results_error(out, NULL, NULL, reason);
        return 1;
    }
    buf_puts(out, "{\"ci\":\"");
    buf_append(out, ci, CI_LEN);
    secure_wipe(ci, sizeof ci);
    if (st == RRN_CHECKSUM_WARNING)
        buf_printf(out, "\",\"warning\":\"%s\"}", reason);
    else
        buf_puts(out, "\"}");
    return 0;
}

/* The whole answer, written directly: 10,000 results cost one buffer
 * instead of 30,000 JSON nodes. */
static void convert_batch(const idsvc *s, json_t *rrns, int strict, buf *out, size_t *failed)
{
    int today = rrn_today();
    size_t i;
    json_t *v;

    batch_results_open(out, json_array_size(rrns), 100);
    /* CIs: a buffer that grows (a warning makes an item longer than the
     * 100 bytes foreseen) must not leave a copy of them behind. */
    buf_set_secret(out);
    json_array_foreach(rrns, i, v) {
        batch_results_next(out, i);
        *failed += (size_t)convert_one(s, v, today, strict, out);
    }
    batch_results_close(out);
}

static void handle_ci(void *role, const void *caller, const http_request *req,
                      http_response *resp)
{
    idsvc *s = role;
    const apikey_entry *who = caller;
    struct timespec t0;
    size_t failed = 0, n, len;
    char err[256];
    json_t *strict;
    batch b;
    buf out;
    int status;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    status = batch_read(&b, &rrn_batch, req->body, req->body_len, err, sizeof err);
    if (status) {
        http_reply_error(resp, status, "%s", err);
        return;
    }
    strict = json_object_get(b.root, "strict");
    if (strict && !json_is_boolean(strict)) {
        batch_free(&b);
        http_reply_error(resp, 400, "expected {\"rrns\":[...], \"strict\": optional boolean}");
        return;
    }
    n = json_array_size(b.items);
    convert_batch(s, b.items, json_is_true(strict), &out, &failed);
    batch_free(&b);
    metrics_add(&s->rrns[0], n - failed);
    metrics_add(&s->rrns[1], failed);
    char *text = buf_take(&out, &len);
    if (!text) {
        http_reply_error(resp, 500, "out of memory");
        return;
    }
    http_reply_body(resp, 200, "application/json", text, len);
    log_info("POST /v1/ci client=%s rrns=%zu failed=%zu %.1f ms", who->name, n, failed,
             elapsed_us(&t0) / 1000.0);
}

static void handle_health(void *role, const void *caller, const http_request *req,
                          http_response *resp)
{
    (void)role;
    (void)caller;
    http_answer_health(req, resp);
}

/* Counts only: idsvc keeps nothing else to tell. */
static void handle_metrics(void *role, const void *caller, const http_request *req,
                           http_response *resp)
{
    idsvc *s = role;
    static const char *const outcome[] = {"converted", "refused"};
    buf b;
    (void)caller;

    if (!metrics_access_allow(&s->metrics, req, resp))
        return;
    buf_init(&b, 8192);
    metrics_info(&b, "idsvc");
    metrics_family(&b, "herald_idsvc_rrns_total", "counter",
                   "RRNs in callers' batches, by outcome: converted to a CI, or refused "
                   "(not a valid RRN).");
    for (int i = 0; i < 2; i++) {
        metrics_label l = {"outcome", outcome[i]};
        metrics_sample_u64(&b, "herald_idsvc_rrns_total", &l, 1, metrics_read(&s->rrns[i]));
    }
    http_metrics_render(s->requests, &b);
    metrics_reply(resp, &b);
}

/* Every call idsvc answers; docs/protocol.md's "## idsvc" lists the same. */
static const http_route routes[] = {
    {"POST", "/v1/ci", IDSVC_CLIENT, IDSVC_MAX_BODY, handle_ci, HTTP_JSON},
    {"GET", "/v1/health", HTTP_ANYONE, HTTP_ROUTE_READ_BODY, handle_health, NULL},
    {"GET", "/metrics", HTTP_ANYONE, HTTP_ROUTE_READ_BODY, handle_metrics, NULL},
};
#define NROUTES (sizeof routes / sizeof routes[0])

/* Refuses unknown paths, callers without a key and oversized bodies before
 * the body is read. A wrong method goes on to the handler, which answers
 * 405 with Allow. */
http_metrics *idsvc_api_metrics_new(void)
{
    return http_metrics_new(routes, NROUTES);
}

int idsvc_api_gate(void *ctx, const http_request *req, size_t *max_body)
{
    const idsvc *s = ctx;

    return http_route_gate(routes, NROUTES, &s->clients, req, max_body);
}

void idsvc_api_handle(void *ctx, const http_request *req, http_response *resp)
{
    idsvc *s = ctx;
    const http_route *r = http_route_answer(routes, NROUTES, req, resp);
    const apikey_entry *caller = NULL;

    if (!r)
        return;
    if (r->callers != HTTP_ANYONE && !(caller = apikeys_authorize(&s->clients, req, resp)))
        return;
    r->handler(s, caller, req, resp);
}
