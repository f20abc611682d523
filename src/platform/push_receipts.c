/* push_receipts.c -- the gateway's receipt callbacks. The caller is not a
 * client of ours with an API key but the messenger's gateway, which
 * proves itself with the push key's Herald-Signature over the body: the
 * header's time is checked before the body is read (a stale or missing
 * one costs no upload), the HMAC once it is. Each receipt is matched to
 * its alert by the gateway's message id (the reference its answer gave);
 * a receipt for an alert already final changes nothing, so a gateway may
 * repeat a callback safely. A receipt may overtake the answer it follows
 * (the gateway answers, then calls back before the platform has recorded
 * that answer): one naming no known alert while a batch is in flight is
 * looked up again once the batch has settled. */
#include "push_receipts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "buf.h"
#include "clock.h"
#include "log.h"
#include "platform.h"
#include "push_channel.h"
#include "push_signature.h"

static const batch_spec receipts_batch = {
    .key = "receipts", .max_items = BATCH_MAX_ITEMS, .objects = 1,
};

typedef enum receipt_outcome {
    RECEIPT_RECORDED,
    RECEIPT_UNCHANGED,
    RECEIPT_UNKNOWN,
    RECEIPT_BAD,
    RECEIPT_OUTCOMES
} receipt_outcome;

int push_receipts_gate(platform *p, const http_request *req)
{
    char err[160];
    long long t;

    if (!p->push)
        return 404;
    if (push_signature_fresh(http_header(req, PUSH_SIGNATURE_HEADER), clock_now_ms(), &t, err,
                             sizeof err) != 0) {
        log_warn("%s %s refused before its body: %s", req->method, req->path, err);
        return 401;
    }
    return 0;
}

/* Reads one receipt: NULL, or why it is malformed. */
static const char *parse_receipt(json_t *o, const char **id, int *delivered,
                                 const char **reason)
{
    json_t *jid = json_object_get(o, "id"), *jreason = json_object_get(o, "reason");
    const char *status = json_string_value(json_object_get(o, "status"));

    *id = json_string_value(jid);
    if (!*id || !push_reference_ok(*id, json_string_length(jid)))
        return "id must be the gateway's message id (1-128 printable characters)";
    if (!status || (strcmp(status, "delivered") && strcmp(status, "failed")))
        return "status must be \"delivered\" or \"failed\"";
    if (jreason && !json_is_string(jreason) && !json_is_null(jreason))
        return "reason must be a string";
    *delivered = !strcmp(status, "delivered");
    *reason = json_string_value(jreason);
    if (!*delivered && (!*reason || !**reason))
        *reason = "failed receipt from the push gateway";
    return NULL;
}

static void result_line(buf *out, const char *id, receipt_outcome r, const char *why)
{
    buf_puts(out, "{\"id\":");
    if (id)
        buf_json_string(out, id);
    else
        buf_puts(out, "null");
    switch (r) {
    case RECEIPT_RECORDED:
        buf_puts(out, ",\"status\":\"recorded\"}");
        break;
    case RECEIPT_UNCHANGED:
        buf_puts(out, ",\"status\":\"unchanged\"}");
        break;
    case RECEIPT_UNKNOWN:
        buf_puts(out, ",\"error\":\"unknown message id\"}");
        break;
    default:
        buf_puts(out, ",\"error\":");
        buf_json_string(out, why);
        buf_puts(out, "}");
    }
}

/* One receipt into the outbox: its outcome, and why when malformed. */
typedef struct receipt_item {
    receipt_outcome r;
    const char *why;
} receipt_item;

/* Applies the items whose outcome is still `which` (all of them first,
 * then those unknown) in one transaction: 0, or -1 on a database error
 * (rolled back). */
static int receipts_apply(platform *p, json_t *items, receipt_item *out, receipt_outcome which,
                          const char *now)
{
    json_t *o;
    size_t i;
    int rc = 0;

    pthread_mutex_lock(&p->lock);
    if (platform_db_begin(p->db) != 0) {
        pthread_mutex_unlock(&p->lock);
        return -1;
    }
    json_array_foreach(items, i, o) {
        const char *id = NULL, *reason = NULL;
        int delivered = 0;
        if (out[i].r != which)
            continue;
        if ((out[i].why = parse_receipt(o, &id, &delivered, &reason))) {
            out[i].r = RECEIPT_BAD;
            continue;
        }
        outbox_receipt_result rr =
            platform_db_outbox_receipt(p->db, PUSH_CHANNEL, id, delivered, reason, now);
        if (rr == OUTBOX_RECEIPT_ERROR) {
            rc = -1;
            break;
        }
        out[i].r = rr == OUTBOX_RECEIPT_RECORDED ? RECEIPT_RECORDED
                   : rr == OUTBOX_RECEIPT_FINAL  ? RECEIPT_UNCHANGED
                                                 : RECEIPT_UNKNOWN;
    }
    if (rc < 0 || platform_db_commit(p->db) != 0) {
        platform_db_rollback(p->db);
        rc = -1;
    }
    pthread_mutex_unlock(&p->lock);
    return rc;
}

static int any_unknown(const receipt_item *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (out[i].r == RECEIPT_UNKNOWN)
            return 1;
    return 0;
}

/* All of them, and once more those unknown when the channel had a batch
 * in flight: its answer, with the references they name, may have been
 * on its way to the database. */
static int receipts_record(platform *p, json_t *items, receipt_item *out, size_t n)
{
    char now[25];
    long long since = push_channel_rounds(p->push);

    clock_rfc3339_ms(now, clock_now_ms());
    for (size_t i = 0; i < n; i++)
        out[i].r = RECEIPT_OUTCOMES; /* not yet looked at */
    if (receipts_apply(p, items, out, RECEIPT_OUTCOMES, now) != 0)
        return -1;
    if (!any_unknown(out, n) || !push_channel_wait_settled(p->push, since))
        return 0;
    clock_rfc3339_ms(now, clock_now_ms());
    return receipts_apply(p, items, out, RECEIPT_UNKNOWN, now);
}

void push_receipts_post(void *role, const void *caller, const http_request *req,
                        http_response *resp)
{
    platform *p = role;
    size_t i, n, counts[RECEIPT_OUTCOMES] = {0};
    char err[192];
    int status;
    receipt_item *out_items;
    json_t *o;
    batch in;
    buf out;

    (void)caller;
    if (push_channel_check(p->push, http_header(req, PUSH_SIGNATURE_HEADER), req->body,
                           req->body_len, err, sizeof err) != 0) {
        log_warn("POST /v1/push/receipts refused: %s", err);
        http_reply_error(resp, 401, "%s", err);
        return;
    }
    if ((status = batch_read(&in, &receipts_batch, req->body, req->body_len, err, sizeof err))) {
        http_reply_error(resp, status, "%s", err);
        return;
    }
    n = json_array_size(in.items);
    if (!(out_items = calloc(n ? n : 1, sizeof *out_items))) {
        batch_free(&in);
        http_reply_error(resp, 500, "out of memory");
        return;
    }
    if (receipts_record(p, in.items, out_items, n) != 0) {
        free(out_items);
        batch_free(&in);
        http_reply_error(resp, 500, "database error; retry the batch");
        return;
    }
    batch_results_open(&out, n, 48);
    json_array_foreach(in.items, i, o) {
        counts[out_items[i].r]++;
        batch_results_next(&out, i);
        result_line(&out, json_string_value(json_object_get(o, "id")), out_items[i].r,
                    out_items[i].why);
    }
    free(out_items);
    batch_free(&in);
    batch_results_close(&out);
    size_t len;
    char *text = buf_take(&out, &len);
    if (!text) {
        http_reply_error(resp, 500, "out of memory");
        return;
    }
    http_reply_body(resp, 200, "application/json", text, len);
    log_info("POST /v1/push/receipts: %zu receipts, %zu recorded, %zu unchanged, "
             "%zu unknown, %zu malformed", n, counts[RECEIPT_RECORDED], counts[RECEIPT_UNCHANGED],
             counts[RECEIPT_UNKNOWN], counts[RECEIPT_BAD]);
}
