/* platform_remind.c -- POST /v1/remind: the hub asks for reminders of
 * unread notices, {"reminders":[{"notice":"…","n":1},…]}.
 *
 * Each item is answered "queued" (a reminder alert is in the outbox, or
 * was put there by an earlier ask for the same (notice, n): the hub may
 * ask again after a lost answer, the member gets it once), "read" (no
 * reminder: the member has opened it) or "unknown" (not in an inbox
 * here, or held for a member who has not consented). The reminder tells
 * the title, the agency and where to read, never content; it goes out
 * through the platform's channel like any alert. All of a batch in one
 * transaction. */
#include <string.h>

#include "platform_remind.h"

#include "batch.h"
#include "buf.h"
#include "log.h"
#include "notice_id.h"
#include "platform.h"
#include "platform_alert.h"

/* A hub asks for a few reminders per notice: this bounds what it may. */
#define REMIND_MAX_N 100

typedef enum remind_outcome {
    REMIND_BAD, REMIND_QUEUED, REMIND_READ, REMIND_UNKNOWN, REMIND_OUTCOMES
} remind_outcome;

static const char *const outcome_name[REMIND_OUTCOMES] = {NULL, "queued", "read", "unknown"};

static const batch_spec remind_batch = {
    .key = "reminders", .max_items = BATCH_MAX_ITEMS, .objects = 1,
};

/* The item's notice and n, or why it is malformed. */
static const char *parse_item(json_t *o, const char **notice, int *n)
{
    json_t *jn = json_object_get(o, "n");

    *notice = json_string_value(json_object_get(o, "notice"));
    if (!*notice || !notice_id_is_well_formed(*notice, strlen(*notice)))
        return "notice must be a notice id";
    if (!json_is_integer(jn) || json_integer_value(jn) < 1 ||
        json_integer_value(jn) > REMIND_MAX_N)
        return "n must be a whole number 1-100";
    *n = (int)json_integer_value(jn);
    return NULL;
}

static remind_outcome remind_one(platform *p, const char *notice, int k, const char *now,
                                 buf *text, int *dberr)
{
    notice_row row;
    member m;
    int rc = platform_db_inbox_get(p->db, notice, &row);

    if (rc <= 0) {
        *dberr = rc < 0;
        return REMIND_UNKNOWN;
    }
    if (row.pending || row.withdrawn_at[0]) /* withdrawn by its agency: never reminded */
        return REMIND_UNKNOWN;
    if (row.read)
        return REMIND_READ;
    rc = platform_db_reminder_note(p->db, notice, k);
    if (rc <= 0) {
        *dberr = rc < 0;
        return REMIND_QUEUED; /* queued when first asked */
    }
    if (platform_db_member_by_id(p->db, row.member, &m) != 1 ||
        platform_alert_queue(p, &row, PLATFORM_ALERT_REMINDER, m.phone, now, text) != 0)
        *dberr = 1;
    return REMIND_QUEUED;
}

void platform_remind_post(void *role, const void *caller, const http_request *req,
                          http_response *resp)
{
    platform *p = role;
    size_t i, n, counts[REMIND_OUTCOMES] = {0};
    int dberr = 0, status;
    char now[25], err[192];
    json_t *o;
    batch in;
    buf out, text;

    (void)caller;
    status = batch_read(&in, &remind_batch, req->body, req->body_len, err, sizeof err);
    if (status) {
        http_reply_error(resp, status, "%s", err);
        return;
    }
    n = json_array_size(in.items);
    clock_rfc3339_ms(now, clock_now_ms());
    batch_results_open(&out, n, 48);
    buf_init(&text, 512);
    pthread_mutex_lock(&p->lock);
    dberr = platform_db_begin(p->db) != 0;
    json_array_foreach(in.items, i, o) {
        const char *notice = NULL, *why;
        remind_outcome r = REMIND_BAD;
        int k = 0;
        if (dberr)
            break;
        if (!(why = parse_item(o, &notice, &k)))
            r = remind_one(p, notice, k, now, &text, &dberr);
        counts[r]++;
        batch_results_next(&out, i);
        buf_puts(&out, "{\"notice\":");
        if (notice)
            buf_json_string(&out, notice);
        else
            buf_puts(&out, "null");
        if (why) {
            buf_puts(&out, ",\"error\":");
            buf_json_string(&out, why);
        } else {
            buf_puts(&out, ",\"status\":\"");
            buf_puts(&out, outcome_name[r]);
            buf_puts(&out, "\"");
        }
        buf_puts(&out, "}");
    }
    if (!dberr && platform_db_commit(p->db) != 0)
        dberr = 1;
    if (dberr)
        platform_db_rollback(p->db);
    pthread_mutex_unlock(&p->lock);
    batch_free(&in);
    buf_free(&text);
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
    log_info("POST /v1/remind: %zu reminders, %zu queued, %zu read, %zu unknown, %zu malformed",
             n, counts[REMIND_QUEUED], counts[REMIND_READ], counts[REMIND_UNKNOWN],
             counts[REMIND_BAD]);
}
