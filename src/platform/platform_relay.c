/* platform_relay.c -- POST /v1/relay: the hub hands notices to this
 * platform.
 *
 * Each notice names its recipient only by rk. A verified member with that
 * rk and consent gets it in the inbox, a push notification in the outbox (title
 * and where to read it, never the document); all of a batch in one
 * transaction. The answer "accepted" carries the time it reached the
 * inbox: the hub records ContentConsignment from it, so no separate
 * report is needed. A relay the hub repeats finds the inbox row already
 * there and is accepted without a second one.
 *
 * A notice relayed with "pre_notice":true is for a verified member who
 * has not consented: it goes into the inbox hidden (pending), the member
 * gets one pre-notice alert (the agency, and where to consent; no title,
 * no content), and the answer is "pre_noticed". If the member consents
 * before its "consent_until" the notice is theirs (platform_members.c);
 * after that it is dropped, the hub having moved it on. */
#include <stdio.h>
#include <string.h>

#include "platform_relay.h"

#include "batch.h"
#include "buf.h"
#include "clock.h"
#include "field.h"
#include "log.h"
#include "notice_id.h"
#include "platform.h"
#include "platform_alert.h"
#include "str_copy.h"

typedef enum relay_outcome {
    RELAY_BAD, RELAY_ACCEPTED, RELAY_NOT_MEMBER, RELAY_UNVERIFIED, RELAY_NO_CONSENT,
    RELAY_PRE_NOTICED, RELAY_OUTCOMES
} relay_outcome;

static const char *str(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* What a relay batch may state once (batch.h). */
static const char *const relay_shared[] = {"agency", "title", "deadline", NULL};

static const batch_spec relay_batch = {
    .key = "notices", .shareable = relay_shared, .max_items = BATCH_MAX_ITEMS, .objects = 1,
};

/* Copies a relayed item into row, or returns why it is malformed. Title,
 * deadline and link obey the rules the hub checked them by (field.h), so
 * whatever the hub accepts from an agency is accepted here. */
static const char *parse_item(json_t *o, json_t *common, notice_row *row)
{
    const char *notice = str(o, "notice"), *rk = str(o, "rk");
    const char *sha = str(o, "doc_sha256");
    size_t title_len = 0, deadline_len = 0, link_len = 0;
    const char *agency = batch_str(o, common, "agency", NULL);
    const char *title = batch_str(o, common, "title", &title_len);
    const char *deadline = batch_str(o, common, "deadline", &deadline_len);
    const char *link = batch_str(o, NULL, "link", &link_len);
    json_t *pre = json_object_get(o, "pre_notice"), *urgent = json_object_get(o, "urgent");
    const char *until = str(o, "consent_until");
    long long deadline_ms, until_ms;

    if (!(notice && notice_id_is_well_formed(notice, strlen(notice))))
        return FIELD_RULE_NOTICE;
    if (!rk || !ci_rk_ok(rk, strlen(rk)))
        return FIELD_RULE_RK;
    if (!agency || !apikeys_name_ok(agency, strlen(agency)))
        return "agency must be 1-64 of [A-Za-z0-9._-]";
    if (!title || !field_title_ok(title, title_len))
        return FIELD_RULE_TITLE;
    if (!sha || !field_sha256_ok(sha, strlen(sha)))
        return FIELD_RULE_DOC_SHA256;
    if (!deadline || field_deadline_parse(deadline, deadline_len, &deadline_ms) != 0)
        return FIELD_RULE_DEADLINE;
    if (!link || !field_link_ok(link, link_len))
        return FIELD_RULE_LINK;
    if (pre && !json_is_boolean(pre))
        return "pre_notice must be true or false";
    if (urgent && !json_is_boolean(urgent))
        return FIELD_RULE_URGENT;
    if (json_is_true(pre) &&
        (!until || field_deadline_parse(until, strlen(until), &until_ms) != 0))
        return "a pre_notice needs consent_until, a time as deadline has";
    memset(row, 0, sizeof *row);
    row->urgent = json_is_true(urgent);
    if (json_is_true(pre)) {
        row->pending = 1;
        /* One form (UTC, milliseconds) whatever the hub wrote: a date
         * alone, or another offset, is still the same instant. */
        clock_rfc3339_ms(row->consent_until, until_ms);
    }
    str_copy(row->notice, sizeof row->notice, notice);
    str_copy(row->rk, sizeof row->rk, rk);
    str_copy(row->agency, sizeof row->agency, agency);
    str_copy(row->title, sizeof row->title, title);
    str_copy(row->doc_sha256, sizeof row->doc_sha256, sha);
    str_copy(row->deadline, sizeof row->deadline, deadline);
    str_copy(row->link, sizeof row->link, link);
    return NULL;
}

/* Files one accepted notice; -1 on a database error. text is the
 * batch's scratch buffer for the alert's text. */
static int deliver(platform *p, notice_row *row, const member_route *m, buf *text)
{
    int inserted;

    row->member = m->id;
    row->pending = 0;
    inserted = platform_db_inbox_insert(p->db, row);
    if (inserted == 0) { /* a repeated relay: the answer says since when */
        notice_row first;
        if (platform_db_inbox_get(p->db, row->notice, &first) == 1)
            memcpy(row->received, first.received, sizeof row->received);
        return 0;
    }
    if (inserted < 0)
        return -1;
    if (platform_alert_queue(p, row, PLATFORM_ALERT_NEW, m->phone, row->received, text) != 0)
        return -1;
    return row->urgent ? platform_db_outbox_mark_urgent(p->db) : 0;
}

/* Holds a notice for a member without consent and queues the one
 * pre-notice alert; a repeated relay queues nothing more. The answer
 * is "accepted" if the member has consented since (the notice is
 * theirs). -1 on a database error. */
static relay_outcome pre_notice(platform *p, notice_row *row, const member_route *m, buf *text,
                                int *dberr)
{
    int inserted;

    row->member = m->id;
    inserted = platform_db_inbox_insert(p->db, row);
    if (inserted == 0) {
        notice_row first;
        if (platform_db_inbox_get(p->db, row->notice, &first) != 1) {
            *dberr = 1;
            return RELAY_BAD;
        }
        memcpy(row->received, first.received, sizeof row->received);
        return first.pending ? RELAY_PRE_NOTICED : RELAY_ACCEPTED;
    }
    if (inserted < 0 ||
        platform_alert_queue(p, row, PLATFORM_ALERT_PRE_NOTICE, m->phone, row->received,
                             text) != 0)
        *dberr = 1;
    return RELAY_PRE_NOTICED;
}

/* A notice relayed again to a member without consent: one filed (shown,
 * alerted) before they took consent back is theirs, and the hub asks
 * again only because our first answer was lost. Answered as then, with
 * its first received time; anything else is refused. */
static relay_outcome filed_before(platform *p, notice_row *row, const member_route *m,
                                  int *dberr)
{
    notice_row first;
    int got = platform_db_inbox_get(p->db, row->notice, &first);

    if (got < 0) {
        *dberr = 1;
        return RELAY_BAD;
    }
    if (got == 1 && first.member == m->id && !first.pending) {
        memcpy(row->received, first.received, sizeof row->received);
        return RELAY_ACCEPTED;
    }
    return RELAY_NO_CONSENT;
}

static relay_outcome relay_one(platform *p, notice_row *row, buf *text, int *dberr)
{
    member_route m;
    int found = platform_db_member_route(p->db, row->rk, &m);

    if (found < 0) {
        *dberr = 1;
        return RELAY_BAD;
    }
    if (found == 0)
        return RELAY_NOT_MEMBER;
    /* Never in the directory, so the hub should not ask; if it does (an
     * old entry, a bug), the notice still does not reach whoever merely
     * typed the recipient's RRN. */
    if (!m.verified)
        return RELAY_UNVERIFIED;
    if (!m.consent)
        return row->pending ? pre_notice(p, row, &m, text, dberr)
                            : filed_before(p, row, &m, dberr);
    if (deliver(p, row, &m, text) != 0)
        *dberr = 1;
    return RELAY_ACCEPTED;
}

static void result_line(buf *out, json_t *o, relay_outcome r, const char *why,
                        const char *received)
{
    const char *notice = str(o, "notice");

    buf_puts(out, "{\"notice\":");
    if (notice)
        buf_json_string(out, notice);
    else
        buf_puts(out, "null");
    switch (r) {
    case RELAY_ACCEPTED:
        buf_puts(out, ",\"status\":\"accepted\",\"received\":\"");
        buf_puts(out, received);
        buf_puts(out, "\"}");
        break;
    case RELAY_NOT_MEMBER:
        buf_puts(out, ",\"status\":\"rejected\",\"reason\":\"not a member\"}");
        break;
    case RELAY_UNVERIFIED:
        buf_puts(out, ",\"status\":\"rejected\",\"reason\":\"identity not verified\"}");
        break;
    case RELAY_NO_CONSENT:
        buf_puts(out, ",\"status\":\"rejected\",\"reason\":\"no consent\"}");
        break;
    case RELAY_PRE_NOTICED:
        buf_puts(out, ",\"status\":\"pre_noticed\"}");
        break;
    case RELAY_BAD:
    default:
        buf_puts(out, ",\"error\":");
        buf_json_string(out, why);
        buf_puts(out, "}");
        break;
    }
}

void platform_relay_post(void *role, const void *caller, const http_request *req,
                         http_response *resp)
{
    platform *p = role;
    size_t i, n, counts[RELAY_OUTCOMES] = {0};
    int dberr = 0, status;
    char now[25], err[192];
    json_t *o;
    batch in;
    buf out, push;

    (void)caller;
    status = batch_read(&in, &relay_batch, req->body, req->body_len, err, sizeof err);
    if (status) {
        http_reply_error(resp, status, "%s", err);
        return;
    }
    n = json_array_size(in.items);
    clock_rfc3339_ms(now, clock_now_ms());
    batch_results_open(&out, n, 80);
    buf_init(&push, 1024);
    pthread_mutex_lock(&p->lock);
    dberr = platform_db_begin(p->db) != 0;
    json_array_foreach(in.items, i, o) {
        if (dberr)
            break;
        notice_row row;
        const char *why = parse_item(o, in.common, &row);
        relay_outcome r = RELAY_BAD;
        if (!why) {
            memcpy(row.received, now, sizeof row.received);
            r = relay_one(p, &row, &push, &dberr);
        }
        if (dberr)
            break;
        counts[r]++;
        batch_results_next(&out, i);
        result_line(&out, o, r, why, row.received);
    }
    if (!dberr && platform_db_commit(p->db) != 0)
        dberr = 1;
    if (dberr)
        platform_db_rollback(p->db);
    pthread_mutex_unlock(&p->lock);
    batch_free(&in);
    buf_free(&push);
    batch_results_close(&out);
    if (dberr) {
        buf_free(&out);
        http_reply_error(resp, 500, "database error; retry the batch");
        return;
    }
    size_t len;
    char *text = buf_take(&out, &len);
    if (!text) {
        http_reply_error(resp, 500, "out of memory");
        return;
    }
    /* The channel claims the new alerts now, not at its next look. */
    if (p->sms && counts[RELAY_ACCEPTED])
        sms_channel_wake(p->sms);
    /* No wake-up for the reporter: the answer carries ContentConsignment,
     * and the notifications can wait for its next round (report_interval_ms),
     * which gathers several relays into one call to the hub, and lets the
     * hub record this answer before it hears of the notifications. */
    http_reply_body(resp, 200, "application/json", text, len);
    log_info("POST /v1/relay: %zu notices, %zu accepted, %zu not members, %zu unverified, "
             "%zu without consent, %zu pre-noticed, %zu malformed", n, counts[RELAY_ACCEPTED],
             counts[RELAY_NOT_MEMBER], counts[RELAY_UNVERIFIED], counts[RELAY_NO_CONSENT],
             counts[RELAY_PRE_NOTICED], counts[RELAY_BAD]);
}
