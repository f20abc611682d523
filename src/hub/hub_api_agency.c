/* hub_api_agency.c -- what an agency tells the hub about notices it has
 * already sent: that it withdrew one (POST /v1/cancellations), was paid
 * for one (POST /v1/payments), or handed its letters to the print house
 * (POST /v1/postal/handover). Each checks its fields here and goes to
 * hub_db in one call; the routes are in hub_api.c's table. */
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "buf.h"
#include "clock.h"
#include "field.h"
#include "hub.h"
#include "hub_api.h"
#include "hub_api_internal.h"
#include "log.h"
#include "notice_id.h"

/* ---- POST /v1/cancellations ---- */

static const batch_spec cancellations_spec = {.key = "cancellations"};

static const char *check_cancel(json_t *o, hub_cancel *c)
{
    size_t len = 0;

    if (!json_is_object(o))
        return "each cancellation must be an object";
    c->reference = hub_api_str(o, "reference", &len);
    if (!c->reference || !field_reference_ok(c->reference, len))
        return FIELD_RULE_REFERENCE;
    c->reason = hub_api_str(o, "reason", &len);
    if (!c->reason || !len || !field_reason_ok(c->reason, len))
        return FIELD_RULE_REASON_GIVEN;
    return NULL;
}

void hub_api_post_cancellations(void *role, const void *caller, const http_request *req,
                               http_response *resp)
{
    hub *h = role;
    const hub_caller *who = caller;
    size_t n, i, done = 0;
    hub_cancel *c;
    batch b;
    json_t *o;
    buf out;

    if (hub_api_read_batch(&b, &cancellations_spec, req, resp) != 0)
        return;
    n = json_array_size(b.items);
    if (!(c = calloc(n + 1, sizeof *c))) {
        http_reply_error(resp, 500, "out of memory");
        goto done;
    }
    json_array_foreach(b.items, i, o)
        c[i].error = check_cancel(o, &c[i]);
    if (hub_db_cancel(h->db, who->name, c, n, clock_now_ms()) != 0) {
        hub_api_store_failed(h, resp, "the batch was not stored");
        goto done;
    }
    batch_results_open(&out, n, 128);
    for (i = 0; i < n; i++) {
        batch_results_next(&out, i);
        if (c[i].error) {
            int ok = c[i].reference &&
                     field_reference_ok(c[i].reference, strlen(c[i].reference));
            batch_results_error(&out, "reference", ok ? c[i].reference : NULL, c[i].error);
            continue;
        }
        done += strcmp(c[i].status, "duplicate") != 0;
        hub_api_echo(&out, "reference", c[i].reference, 1);
        buf_printf(&out, ",\"notice\":\"%s\",\"status\":\"%s\",\"state\":\"%s\"}",
                   c[i].notice, c[i].status, notice_state_name(c[i].state));
    }
    batch_results_close(&out);
    hub_api_reply_buf(resp, &out);
    log_info("POST /v1/cancellations agency=%s items=%zu recorded=%zu", who->name, n, done);
done:
    free(c);
    batch_free(&b);
}

/* ---- POST /v1/payments ---- */


/* Reads the payment from o into p; NULL, or what is wrong. */
static const char *check_payment(json_t *o, hub_payment *p)
{
    json_t *amount = json_object_get(o, "amount_krw");
    size_t len;

    if (!json_is_object(o))
        return "the body must be {\"reference\":…,\"amount_krw\":N,\"payment_code\":…}";
    p->reference = hub_api_str(o, "reference", &len);
    if (!p->reference || !field_reference_ok(p->reference, len))
        return FIELD_RULE_REFERENCE;
    if (!json_is_integer(amount) || !field_amount_krw_ok(json_integer_value(amount)))
        return FIELD_RULE_AMOUNT_KRW;
    p->amount_krw = json_integer_value(amount);
    p->payment_code = hub_api_str(o, "payment_code", &len);
    if (!p->payment_code || !field_payment_code_ok(p->payment_code, len))
        return FIELD_RULE_PAYMENT_CODE;
    if (field_id_has_rrn(p->payment_code, len)) /* first taken here, for the log */
        return FIELD_RULE_PAYMENT_CODE_RRN;
    return NULL;
}

void hub_api_post_payments(void *role, const void *caller, const http_request *req,
                          http_response *resp)
{
    hub *h = role;
    const hub_caller *who = caller;
    hub_payment p = {0};
    json_error_t jerr;
    json_t *o = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &jerr);
    const char *bad = o ? check_payment(o, &p) : "the body is not JSON";
    int status;
    buf out;

    if (bad) {
        http_reply_error(resp, 400, "%s", bad);
        json_decref(o);
        return;
    }
    status = hub_db_payment(h->db, who->name, &p, clock_now_ms());
    if (status == 404)
        http_reply_error(resp, 404, "no notice with reference %s", p.reference);
    else if (status != 200)
        hub_api_store_failed(h, resp, "the payment was not stored");
    else {
        buf_init(&out, 256);
        buf_puts(&out, "{\"notice\":");
        buf_json_string(&out, p.notice);
        buf_puts(&out, ",\"reference\":");
        buf_json_string(&out, p.reference);
        buf_printf(&out, ",\"status\":\"%s\"}", p.status);
        hub_api_reply_buf(resp, &out);
        log_info("POST /v1/payments agency=%s notice=%s %s", who->name, p.notice, p.status);
    }
    json_decref(o);
}

/* ---- POST /v1/postal/handover ---- */

/* The agency handed a batch of letters to the print house: one
 * PrintHandover per notice, the batch id in the leaf. Every item names its
 * notice; the batch is usually stated once in common. */
static const char *const handover_shared[] = {"batch", NULL};
static const batch_spec handover_spec = {.key = "notices", .shareable = handover_shared};

static void check_handover(json_t *o, json_t *common, hub_report *r)
{
    size_t len = 0;
    const char *id = json_is_object(o) ? hub_api_str(o, "notice", &len) : NULL;
    const char *batch_id = json_is_object(o) ? batch_str(o, common, "batch", &len) : NULL;

    if (!id || !notice_id_is_well_formed(id, strlen(id))) {
        r->error = FIELD_RULE_NOTICE;
        return;
    }
    memcpy(r->notice, id, NOTICE_ID_LEN + 1);
    if (!batch_id || !field_reference_ok(batch_id, len)) {
        r->error = "batch must be 1-64 characters of A-Z a-z 0-9 . _ : -";
        return;
    }
    if (field_id_has_rrn(batch_id, len)) { /* first taken here, for the log */
        r->error = FIELD_RULE_BATCH_RRN;
        return;
    }
    r->event = EV_PRINT_HANDOVER;
    r->batch = batch_id;
}

void hub_api_post_postal_handover(void *role, const void *caller, const http_request *req,
                                 http_response *resp)
{
    hub *h = role;
    const hub_caller *who = caller;
    size_t n, i, failed = 0;
    hub_report *reports;
    batch b;
    json_t *o;
    buf out;

    if (hub_api_read_batch(&b, &handover_spec, req, resp) != 0)
        return;
    n = json_array_size(b.items);
    reports = calloc(n + 1, sizeof *reports);
    if (!reports) {
        http_reply_error(resp, 500, "out of memory");
        goto done;
    }
    json_array_foreach(b.items, i, o)
        check_handover(o, b.common, &reports[i]);
    if (hub_db_report(h->db, ROLE_AGENCY, who->name, reports, n, clock_now_ms()) != 0) {
        hub_api_store_failed(h, resp, "the batch was not stored");
        goto done;
    }
    batch_results_open(&out, n, 80);
    for (i = 0; i < n; i++) {
        hub_report *r = &reports[i];
        batch_results_next(&out, i);
        if (r->error) {
            batch_results_error(&out, "notice", r->notice[0] ? r->notice : NULL, r->error);
            failed++;
            continue;
        }
        hub_api_echo(&out, "notice", r->notice, 1);
        buf_puts(&out, ",\"status\":\"");
        buf_puts(&out, r->status);
        buf_puts(&out, "\"}");
    }
    batch_results_close(&out);
    hub_api_reply_buf(resp, &out);
    log_info("POST /v1/postal/handover agency=%s notices=%zu failed=%zu", who->name, n, failed);
done:
    free(reports);
    batch_free(&b);
}

