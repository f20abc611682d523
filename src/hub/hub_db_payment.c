/* hub_db_payment.c -- POST /v1/payments in the hub's store: the agency
 * was paid for a notice. The payment is evidence (PaymentReceived, with
 * the amount and the code), and a notice not yet read or posted is
 * settled: state paid, out of the relay queue, the deadline worker's
 * index and the reminders', so it gets neither reminder nor paper. A
 * payment after read or postal is evidence and changes nothing else. */
#include "hub_db_internal.h"

#include <string.h>

#include "evidence.h"

/* 1 when the agency has a notice with this reference (its id in id),
 * 0 when not, -1 on error. */
static int find_notice(hub_db *db, const char *agency, const char *reference,
                       char id[NOTICE_ID_LEN + 1])
{
    sql_stmt *st = hub_db_stmt(db, S_FIND_REF);
    int found;

    sql_bind_text(st, 1, agency);
    sql_bind_text(st, 2, reference);
    found = sql_step(st);
    if (found > 0)
        sql_copy_text(id, NOTICE_ID_LEN + 1, st, 0);
    sql_reset(st);
    return found;
}

/* 1 if this payment (notice, code) was not recorded before, and now is. */
static int note_payment(hub_db *db, const char *notice, const char *agency, const char *code)
{
    sql_stmt *st = hub_db_stmt(db, S_REPORTED);

    sql_bind_text(st, 1, notice);
    sql_bind_text(st, 2, notice_event_name(EV_PAYMENT_RECEIVED));
    sql_bind_text(st, 3, agency);
    sql_bind_text(st, 4, code);
    return hub_db_step_changed(st);
}

static int payment_leaf(hub_db *db, hub_notice *n, const hub_payment *p, long long now)
{
    evidence_rec r = {notice_event_name(EV_PAYMENT_RECEIVED), n->id,
                      hub_db_leaf_time(db, n, now), n->agency, n->agency, n->rk,
                      n->doc_sha256, NULL, NULL, NULL, NULL};

    if (r.at_ms < 0)
        return -1;
    db->leaf.len = 0;
    evidence_encode_payment(&db->leaf, &r, p->amount_krw, p->payment_code);
    if (db->leaf.broken)
        return -1;
    db->leaf_at = r.at_ms;
    return hub_evidence_log_append(db->log, n->id, db->leaf.data, db->leaf.len);
}

/* Records p for the notice id; 0 or -1. */
static int record_payment(hub_db *db, const char *id, hub_payment *p, long long now)
{
    hub_notice n;
    notice_state next;
    int fresh;

    if (hub_db_notice_load(db, id, &n) <= 0)
        return -1;
    memcpy(p->notice, n.id, sizeof p->notice);
    if ((fresh = note_payment(db, n.id, n.agency, p->payment_code)) <= 0) {
        p->status = "duplicate";
        return fresh;
    }
    if (payment_leaf(db, &n, p, now) != 0)
        return -1;
    if (notice_state_apply(n.state, EV_PAYMENT_RECEIVED, &next) != NS_MOVED) {
        p->status = "ignored"; /* read or posted already: evidence only */
        return 0;
    }
    p->status = "recorded";
    n.state = next;
    n.moved_at = db->leaf_at; /* the feed's "paid" at the leaf's time */
    n.due = 0;
    n.remind_at = 0; /* out of the reminders' index */
    n.remind_dirty = 1;
    return hub_db_notice_save(db, &n, now);
}

int hub_db_payment(hub_db *db, const char *agency, hub_payment *p, long long now)
{
    char id[NOTICE_ID_LEN + 1];
    int found, ok;

    p->status = NULL;
    if (hub_db_begin(db) != 0)
        return 500;
    found = find_notice(db, agency, p->reference, id);
    ok = found < 0 ? -1 : found == 0 ? 0 : record_payment(db, id, p, now);
    if (hub_db_finish(db, ok) != 0)
        return 500;
    return found ? 200 : 404;
}
