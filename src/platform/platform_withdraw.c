/* platform_withdraw.c -- POST /v1/withdraw: the hub passes on an agency's
 * cancellation, {"withdrawals":[{"notice":"…","reason":"…"},…]}.
 *
 * The notice stays in the member's inbox, shown as withdrawn by the
 * agency with its reason, and no longer opens: no view token is issued
 * for it, and no reminder is queued. Each item is answered "withdrawn"
 * (now, or before: the hub may ask again after a lost answer) or
 * "unknown" (not in an inbox here). */
#include "platform_withdraw.h"

#include <string.h>

#include "batch.h"
#include "buf.h"
#include "clock.h"
#include "field.h"
#include "log.h"
#include "notice_id.h"
#include "platform.h"

static const batch_spec withdraw_batch = {
    .key = "withdrawals", .max_items = BATCH_MAX_ITEMS, .objects = 1,
};

/* The item's notice and reason, or why it is malformed. */
static const char *parse_item(json_t *o, const char **notice, const char **reason)
{
    json_t *r = json_object_get(o, "reason");

    *notice = json_string_value(json_object_get(o, "notice"));
    if (!*notice || !notice_id_is_well_formed(*notice, strlen(*notice)))
        return "notice must be a notice id";
    *reason = NULL;
    if (r && !json_is_null(r)) {
        if (!json_is_string(r) || !field_reason_ok(json_string_value(r), json_string_length(r)))
            return FIELD_RULE_REASON;
        *reason = json_string_value(r);
    }
    return NULL;
}

/* "withdrawn" or "unknown"; *dberr set on a database error. */
static const char *withdraw_one(platform *p, const char *notice, const char *reason,
                                const char *now, int *dberr)
{
    notice_row row;
    int rc = platform_db_inbox_get(p->db, notice, &row);

    if (rc <= 0) {
        *dberr = rc < 0;
        return "unknown";
    }
    if (platform_db_inbox_withdraw(p->db, notice, now, reason) < 0)
        *dberr = 1;
    return "withdrawn";
}

static void answer_item(buf *out, const char *notice, const char *why, const char *status)
{
    buf_puts(out, "{\"notice\":");
    if (notice && !why)
        buf_json_string(out, notice);
    else
        buf_puts(out, "null");
    buf_puts(out, why ? ",\"error\":" : ",\"status\":");
    buf_json_string(out, why ? why : status);
    buf_puts(out, "}");
}

void platform_withdraw_post(void *role, const void *caller, const http_request *req,
                            http_response *resp)
{
    platform *p = role;
    size_t i, n, withdrawn = 0;
    int dberr = 0, status;
    char now[25], err[192];
    json_t *o;
    batch in;
    buf out;

    (void)caller;
    status = batch_read(&in, &withdraw_batch, req->body, req->body_len, err, sizeof err);
    if (status) {
        http_reply_error(resp, status, "%s", err);
        return;
    }
    n = json_array_size(in.items);
    clock_rfc3339_ms(now, clock_now_ms());
    batch_results_open(&out, n, 64);
    pthread_mutex_lock(&p->lock);
    dberr = platform_db_begin(p->db) != 0;
    json_array_foreach(in.items, i, o) {
        const char *notice = NULL, *reason = NULL, *why, *st = NULL;
        if (dberr)
            break;
        if (!(why = parse_item(o, &notice, &reason)))
            st = withdraw_one(p, notice, reason, now, &dberr);
        withdrawn += st && !strcmp(st, "withdrawn");
        batch_results_next(&out, i);
        answer_item(&out, notice, why, st);
    }
    if (!dberr && platform_db_commit(p->db) != 0)
        dberr = 1;
    if (dberr)
        platform_db_rollback(p->db);
    pthread_mutex_unlock(&p->lock);
    batch_free(&in);
    batch_results_close(&out);
    if (dberr) {
        buf_free(&out);
        http_reply_error(resp, 500, "database error; retry the batch");
        return;
    }
    size_t len;
    char *body = buf_take(&out, &len);
    if (!body) {
        http_reply_error(resp, 500, "out of memory");
        return;
    }
    http_reply_body(resp, 200, "application/json", body, len);
    log_info("POST /v1/withdraw: %zu notices, %zu withdrawn", n, withdrawn);
}
