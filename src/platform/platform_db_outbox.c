/* platform_db_outbox.c -- the outbox: each relayed notice's alert, kept
 * in the database from before a channel sends it until its outcome is
 * final, and the reports on it (ConsignmentNotification, deliveries,
 * failures) that the hub is still to hear of, each naming the alert's
 * channel and the channel's reference. The states are platform_db.h's.
 *
 * Most alerts go through in id order, so cursors in memory say how far
 * they have gone (platform_db_internal.h) and the outbox has no index to
 * pay for on every insert; what only some alerts have (a channel's
 * reference, a failure to report) is in a small table of its own. */
#include "platform_db.h"

#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "field.h"
#include "log.h"
#include "platform_db_internal.h"
#include "signup_code.h"

/* Steps a write and resets st: 1 changed a row, 0 none, -1 error. */
static int run_changed(sqlite3_stmt *st)
{
    int rc = db_step_changed(st);

    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc;
}

static void read_id(sqlite3_stmt *st, void *out)
{
    *(long long *)out = sqlite3_column_int64(st, 0);
}

int platform_db_outbox_insert(platform_db *d, const char *notice, const char *channel,
                              const char *phone, const char *text, const char *created)
{
    sqlite3_stmt *st = d->outbox_insert;

    db_bind_text(st, 1, notice);
    db_bind_text(st, 2, channel);
    db_bind_text(st, 3, phone);
    db_bind_text(st, 4, text);
    db_bind_text(st, 5, created);
    return db_run(st);
}

int platform_db_outbox_mark_urgent(platform_db *d)
{
    return db_run(d->urgent_mark);
}

int platform_db_outbox_insert_kind(platform_db *d, const char *kind, const char *notice,
                                   const char *channel, const char *phone, const char *text,
                                   const char *created)
{
    sqlite3_stmt *st = d->outbox_insert_kind;

    db_bind_text(st, 1, notice);
    db_bind_text(st, 2, channel);
    db_bind_text(st, 3, phone);
    db_bind_text(st, 4, text);
    db_bind_text(st, 5, created);
    db_bind_text(st, 6, kind);
    return db_run(st);
}

int platform_db_signups_to_phone(platform_db *d, const char *phone, const char *since)
{
    sqlite3_stmt *st = d->signups_to_phone;
    int rc, n = -1;

    db_bind_text(st, 1, phone);
    db_bind_text(st, 2, since);
    if ((rc = sqlite3_step(st)) == SQLITE_ROW)
        n = sqlite3_column_int(st, 0);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (n < 0)
        log_error("database: %s", sqlite3_errmsg(d->db));
    return n;
}

int platform_db_outbox_settle(platform_db *d)
{
    long long first = 0, last = 0;
    int found;

    sqlite3_bind_int64(d->outbox_unsettled, 1, d->sent_upto);
    found = platform_db_read_row(d->outbox_unsettled, read_id, &first);
    if (found < 0)
        return -1;
    if (found) {
        d->sent_upto = first - 1;
        return 0;
    }
    if (platform_db_read_row(d->outbox_last, read_id, &last) < 0)
        return -1;
    if (last > d->sent_upto)
        d->sent_upto = last;
    return 0;
}

/* The claim cursor of channel, made on first use at the end of the
 * settled rows, past which the fresh claims find the alerts queued again
 * too; NULL for a name too long or past the few slots (claims then start
 * from the settled rows' end, which is only slower). */
static struct claim_slot *claim_slot(platform_db *d, const char *channel, int make)
{
    size_t len = strlen(channel);

    if (len == 0 || len >= sizeof d->claim_from[0].name)
        return NULL;
    for (size_t i = 0; i < sizeof d->claim_from / sizeof d->claim_from[0]; i++) {
        struct claim_slot *c = &d->claim_from[i];
        if (strcmp(c->name, channel) == 0)
            return c;
        if (!c->name[0]) {
            if (!make)
                return NULL;
            memcpy(c->name, channel, len + 1);
            c->floor = d->sent_upto;
            c->requeued = 0;
            return c;
        }
    }
    return NULL;
}

void platform_db_claims_rewind(platform_db *d, const char *channel)
{
    struct claim_slot *slot = claim_slot(d, channel, 0);

    if (slot) { /* from sent_upto the fresh claims find every queued row */
        slot->floor = d->sent_upto;
        slot->requeued = 0;
    }
}

/* The urgent alert id, just claimed, leaves the urgent ones queued and
 * is noted as claimed (platform_db.c, outbox_urgent_claimed): 0, or -1. */
static int urgent_claimed(platform_db *d, long long id)
{
    sqlite3_bind_int64(d->urgent_done, 1, id);
    sqlite3_bind_int64(d->urgent_done, 2, d->sent_upto);
    if (db_run(d->urgent_done) != 0)
        return -1;
    sqlite3_bind_int64(d->urgent_claimed, 1, id);
    return db_run(d->urgent_claimed);
}

/* Alert id, claimed and now queued again unanswered, is urgent again if
 * it was: 0, or -1. */
static int urgent_again(platform_db *d, long long id)
{
    sqlite3_bind_int64(d->urgent_again, 1, id);
    return db_run(d->urgent_again);
}

/* A sign-up code's message queued before lapsed (RFC 3339, as created
 * is): its code no longer works, so sending it, after an SMSC outage or
 * a channel change, would only puzzle whoever gets it. */
static int lapsed_signup(sqlite3_stmt *st, const char *lapsed)
{
    const char *kind = db_text(st, 6), *created = db_text(st, 7);

    return kind && created && !strcmp(kind, "signup") && strcmp(created, lapsed) < 0;
}

/* Claims the one alert st (bound, LIMIT 1) finds, passing it to fn:
 * 1 claimed (its id in *id), 2 a lapsed sign-up message failed instead
 * (its id in *id), 0 none left, -1 error. */
static int claim_one(platform_db *d, sqlite3_stmt *st, const char *at, const char *lapsed,
                     void (*fn)(void *ctx, const outbox_alert *a), void *ctx, long long *id)
{
    int rc = db_step_row(st), drop = 0;

    if (rc == 1) {
        outbox_alert a = {
            .id = sqlite3_column_int64(st, 0),
            .notice = db_text(st, 1),
            .phone = db_text(st, 2),
            .text = db_text(st, 3),
            .attempt = sqlite3_column_int(st, 4) + 1,
            .duplicate = sqlite3_column_int(st, 5),
        };
        if (!(drop = lapsed_signup(st, lapsed)))
            fn(ctx, &a);
        *id = a.id;
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != 1)
        return rc;
    sqlite3_bind_int64(d->outbox_claim, 1, *id);
    db_bind_text(d->outbox_claim, 2, at);
    if (run_changed(d->outbox_claim) != 1)
        return -1;
    if (!drop)
        return 1;
    return platform_db_outbox_failed(d, *id, PLATFORM_DB_SIGNUP_LAPSED, at) == 1 ? 2 : -1;
}

int platform_db_outbox_claim(platform_db *d, const char *channel, int limit, const char *at,
                             void (*fn)(void *ctx, const outbox_alert *a), void *ctx)
{
    struct claim_slot *slot = claim_slot(d, channel, 1);
    long long from = slot && slot->floor > d->sent_upto ? slot->floor : d->sent_upto, id = 0;
    long long again = slot ? slot->requeued : 0;
    int n = 0, rc = 1;
    char lapsed[25];

    if (limit <= 0)
        return 0;
    clock_rfc3339_ms(lapsed, clock_now_ms() - SIGNUP_CODE_TTL_MS);
    if (platform_db_begin(d) != 0)
        return -1;
    while (n < limit) { /* urgent notices' alerts before all others */
        db_bind_text(d->urgent_next, 1, channel);
        if ((rc = claim_one(d, d->urgent_next, at, lapsed, fn, ctx, &id)) < 1)
            break;
        if (urgent_claimed(d, id) != 0) {
            rc = -1;
            break;
        }
        n += rc == 1;
    }
    if (n > 0 && rc >= 0) { /* those settled for good are urgent no more */
        sqlite3_bind_int64(d->urgent_claimed_done, 1, d->sent_upto);
        if (db_run(d->urgent_claimed_done) != 0)
            rc = -1;
    }
    if (rc < 0) {
        platform_db_rollback(d);
        return -1;
    }
    if (again) { /* first those whose outcome was unknown: they are older */
        id = again - 1 > d->sent_upto ? again - 1 : d->sent_upto;
        while (n < limit) {
            sqlite3_bind_int64(d->outbox_requeued, 1, id);
            sqlite3_bind_int64(d->outbox_requeued, 2, from);
            db_bind_text(d->outbox_requeued, 3, channel);
            if ((rc = claim_one(d, d->outbox_requeued, at, lapsed, fn, ctx, &id)) < 1)
                break;
            n += rc == 1;
        }
        again = rc == 0 ? 0 : id + 1; /* none left, or more may be */
    }
    if (rc >= 0)
        rc = 1;
    while (rc >= 1 && n < limit) {
        sqlite3_bind_int64(d->outbox_fresh, 1, from);
        db_bind_text(d->outbox_fresh, 2, channel);
        if ((rc = claim_one(d, d->outbox_fresh, at, lapsed, fn, ctx, &id)) >= 1) {
            from = id;
            n += rc == 1;
        }
    }
    /* None of this channel's left to the end: later ones come after it. */
    if (rc == 0 && platform_db_read_row(d->outbox_last, read_id, &id) == 1 && id > from)
        from = id;
    /* Durable before anything is sent: the platform's database commits
     * with synchronous=FULL in WAL mode (db.h), so once this returns the
     * claim survives a crash, which then finds the alerts submitting and
     * queues them again as possible duplicates, never a third time. */
    if (rc < 0 || platform_db_commit(d) != 0) {
        platform_db_rollback(d);
        return -1;
    }
    if (slot) { /* only once the claim is in for good */
        slot->floor = from;
        slot->requeued = again;
    }
    return n;
}

int platform_db_outbox_accepted(platform_db *d, const char *channel, long long id,
                                const char *reference, const char *at)
{
    sqlite3_stmt *st = d->outbox_accept;

    int rc;

    sqlite3_bind_int64(st, 1, id);
    db_bind_text(st, 2, reference);
    db_bind_text(st, 3, at);
    db_bind_text(st, 4, channel);
    rc = run_changed(st);
    if (rc == 1)
        platform_db_counted(d, PLATFORM_ALERT_ACCEPTED);
    if (rc != 1 || !reference)
        return rc;
    return platform_db_outbox_reference(d, channel, id, reference);
}

int platform_db_outbox_reference(platform_db *d, const char *channel, long long id,
                                 const char *reference)
{
    sqlite3_bind_int64(d->outbox_reference, 1, id);
    db_bind_text(d->outbox_reference, 2, reference);
    db_bind_text(d->outbox_reference, 3, channel);
    return db_run(d->outbox_reference) == 0 ? 1 : -1;
}

/* Like requeue_next's first unknown outcome, minus the flag: the claim
 * cursor is told to look back at it. */
int platform_db_outbox_unclaim(platform_db *d, const char *channel, long long id)
{
    struct claim_slot *slot;
    int rc;

    sqlite3_bind_int64(d->outbox_unclaim, 1, id);
    if ((rc = run_changed(d->outbox_unclaim)) != 1)
        return rc;
    if (urgent_again(d, id) != 0)
        return -1;
    slot = claim_slot(d, channel, 0);
    if (slot && (!slot->requeued || id < slot->requeued))
        slot->requeued = id;
    return 1;
}

int platform_db_outbox_flag_duplicate(platform_db *d, long long id)
{
    sqlite3_stmt *st = db_prepare(d->db, "UPDATE outbox SET duplicate = 1 WHERE id = ?1"
                                         " AND state = 'submitting'");
    int rc;

    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? sqlite3_changes(d->db) : -1;
}

/* A reason as the hub will take it (field_reason_ok): cut to its limit
 * at a character's start, control characters as spaces; one the hub would
 * still refuse (not UTF-8, or with what looks like an RRN, from a gateway
 * say) gives way to a plain one, so that the failure is reported. */
static const char *reason_fit(const char *reason, char out[FIELD_REASON_MAX + 1])
{
    size_t len;

    if (!reason)
        return NULL;
    len = strlen(reason);
    if (len > FIELD_REASON_MAX) {
        len = FIELD_REASON_MAX;
        while (len > 0 && ((unsigned char)reason[len] & 0xC0) == 0x80)
            len--;
    }
    for (size_t i = 0; i < len; i++)
        out[i] = (unsigned char)reason[i] < 0x20 || reason[i] == 0x7f ? ' ' : reason[i];
    out[len] = '\0';
    if (!field_reason_ok(out, len))
        return "the channel refused it (its reason was not fit to keep)";
    return out;
}

int platform_db_outbox_failed(platform_db *d, long long id, const char *reason, const char *at)
{
    sqlite3_stmt *st = d->outbox_fail;
    char fit[FIELD_REASON_MAX + 1];
    int rc;

    sqlite3_bind_int64(st, 1, id);
    db_bind_text(st, 2, reason_fit(reason, fit));
    db_bind_text(st, 3, at);
    rc = run_changed(st);
    if (rc != 1)
        return rc;
    platform_db_counted(d, PLATFORM_ALERT_FAILED);
    sqlite3_bind_int64(d->failure_queue, 1, id);
    return db_run(d->failure_queue) == 0 ? 1 : -1;
}

/* The next submitting alert of channel (NULL: any) after *from; a first
 * unknown outcome queues it again, where its channel's claims will look
 * first, a second fails it. 1 done, 0 none left, -1 error. */
static int requeue_next(platform_db *d, const char *channel, const char *at, long long *from,
                        int *queued, int *lost)
{
    sqlite3_stmt *st = d->outbox_submitting;
    char name[sizeof d->claim_from[0].name] = "";
    int rc, dup = 0;

    sqlite3_bind_int64(st, 1, *from);
    db_bind_text(st, 2, channel);
    rc = db_step_row(st);
    if (rc == 1) {
        *from = sqlite3_column_int64(st, 0);
        dup = sqlite3_column_int(st, 1);
        db_copy_text(name, sizeof name, st, 2);
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != 1)
        return rc;
    if (dup) {
        rc = platform_db_outbox_failed(d, *from, PLATFORM_DB_OUTBOX_UNKNOWN_TWICE, at);
        *lost += rc == 1;
        return rc < 0 ? -1 : 1;
    }
    sqlite3_bind_int64(d->outbox_requeue, 1, *from);
    if ((rc = run_changed(d->outbox_requeue)) < 0 || (rc && urgent_again(d, *from) != 0))
        return -1;
    *queued += rc;
    struct claim_slot *slot = claim_slot(d, name, 0);
    if (rc && slot && (!slot->requeued || *from < slot->requeued))
        slot->requeued = *from; /* too low after a rollback: only a longer look */
    return 1;
}

int platform_db_outbox_requeue(platform_db *d, const char *channel, const char *at,
                               int *failed)
{
    long long id = d->sent_upto; /* nothing up to it is submitting */
    int own = sqlite3_get_autocommit(d->db), rc, queued = 0, lost = 0;

    if (own && platform_db_begin(d) != 0)
        return -1;
    while ((rc = requeue_next(d, channel, at, &id, &queued, &lost)) == 1)
        ;
    if (own && (rc < 0 || platform_db_commit(d) != 0)) {
        platform_db_rollback(d);
        return -1;
    }
    if (rc < 0)
        return -1;
    if (failed)
        *failed = lost;
    return queued;
}

typedef struct found_ref {
    long long id;
    char state[16];
    int alert; /* kind 'alert': its outcome is reported to the hub */
} found_ref;

static void read_ref(sqlite3_stmt *st, void *out)
{
    found_ref *f = out;

    f->id = sqlite3_column_int64(st, 0);
    db_copy_text(f->state, sizeof f->state, st, 1);
    f->alert = sqlite3_column_int(st, 2);
}

outbox_receipt_result platform_db_outbox_receipt(platform_db *d, const char *channel,
                                                 const char *reference, int delivered,
                                                 const char *reason, const char *at)
{
    found_ref f;
    int rc;

    db_bind_text(d->outbox_by_ref, 1, channel);
    db_bind_text(d->outbox_by_ref, 2, reference);
    rc = platform_db_read_row(d->outbox_by_ref, read_ref, &f);
    if (rc <= 0)
        return rc < 0 ? OUTBOX_RECEIPT_ERROR : OUTBOX_RECEIPT_UNKNOWN;
    if (strcmp(f.state, "accepted") != 0)
        return OUTBOX_RECEIPT_FINAL;
    if (delivered) {
        sqlite3_bind_int64(d->outbox_delivered, 1, f.id);
        db_bind_text(d->outbox_delivered, 2, at);
        rc = run_changed(d->outbox_delivered);
        if (rc == 1)
            platform_db_counted(d, PLATFORM_ALERT_DELIVERED);
        if (rc == 1 && f.alert) { /* owed to the hub as ConsignmentNotificationDelivery */
            sqlite3_bind_int64(d->delivery_queue, 1, f.id);
            rc = db_run(d->delivery_queue) == 0 ? 1 : -1;
        }
    } else {
        rc = platform_db_outbox_failed(d, f.id, reason, at);
    }
    return rc < 0 ? OUTBOX_RECEIPT_ERROR : rc ? OUTBOX_RECEIPT_RECORDED : OUTBOX_RECEIPT_FINAL;
}

static const char *column(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

/* Rows that failed before a channel accepted them owe no notification:
 * a range holding nothing else is passed over at once (the failures'
 * own queue reports them). */
int platform_db_events_batch(platform_db *d, int limit, outbox_report_fn fn, void *ctx)
{
    sqlite3_stmt *st = d->events_batch;
    int rc, n = 0;

    if (platform_db_outbox_settle(d) != 0)
        return -1;
    sqlite3_bind_int64(st, 1, d->reported_upto);
    sqlite3_bind_int64(st, 2, d->sent_upto);
    sqlite3_bind_int(st, 3, limit);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        outbox_report r = {sqlite3_column_int64(st, 0), db_text(st, 1), db_text(st, 2),
                           db_text(st, 3), column(st, 4), NULL};
        fn(ctx, &r);
        n++;
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return -1;
    if (n == 0 && d->sent_upto > d->reported_upto &&
        platform_db_events_reported_upto(d, d->sent_upto) != 0)
        return -1;
    return n;
}

int platform_db_events_reported_upto(platform_db *d, long long id)
{
    sqlite3_bind_int64(d->events_reported, 1, id);
    if (db_run(d->events_reported) != 0)
        return -1;
    d->reported_upto = id;
    return 0;
}

/* A queue of reports that follow an alert's notification (st: seq, alert,
 * notice, at, reason, whether it was accepted, channel, reference). One
 * waits while its alert's ConsignmentNotification is still unreported,
 * so that the hub hears of the two in their order. */
static int followers_batch(platform_db *d, sqlite3_stmt *st, int limit, outbox_report_fn fn,
                           void *ctx)
{
    int rc, n = 0;

    sqlite3_bind_int(st, 1, limit);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (sqlite3_column_int(st, 5) && sqlite3_column_int64(st, 1) > d->reported_upto)
            break;
        outbox_report r = {sqlite3_column_int64(st, 0), db_text(st, 2), db_text(st, 3),
                           db_text(st, 6), column(st, 7), column(st, 4)};
        fn(ctx, &r);
        n++;
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? n : -1;
}

int platform_db_failures_batch(platform_db *d, int limit, outbox_report_fn fn, void *ctx)
{
    return followers_batch(d, d->failures_batch, limit, fn, ctx);
}

int platform_db_failures_reported_upto(platform_db *d, long long seq)
{
    sqlite3_bind_int64(d->failures_reported, 1, seq);
    return db_run(d->failures_reported);
}

int platform_db_deliveries_batch(platform_db *d, int limit, outbox_report_fn fn, void *ctx)
{
    return followers_batch(d, d->deliveries_batch, limit, fn, ctx);
}

int platform_db_deliveries_reported_upto(platform_db *d, long long seq)
{
    sqlite3_bind_int64(d->deliveries_reported, 1, seq);
    return db_run(d->deliveries_reported);
}
