/* hub_db_cancel.c -- an agency's cancellations in the hub's store: the
 * NoticeCancellation evidence, the end of an unread notice's way (no
 * more relays, reminders, expiries or paper: none of their queries takes
 * a cancelled notice), and the withdrawals owed to the platforms that
 * hold it, which hub_tell.c's worker delivers (hub_withdraw.c). */
#include "hub_db_internal.h"

#include <stdlib.h>
#include <string.h>

#include "clock.h"

/* The id of the agency's notice with this reference: 1, 0 unknown, -1. */
static int find_reference(hub_db *db, const char *agency, const char *reference, char *id)
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

/* 1 if the notice's cancellation was not recorded before, and now is. */
static int note_once(hub_db *db, const char *notice, const char *agency)
{
    sql_stmt *st = hub_db_stmt(db, S_REPORTED);

    sql_bind_text(st, 1, notice);
    sql_bind_text(st, 2, notice_event_name(EV_NOTICE_CANCELLATION));
    sql_bind_text(st, 3, agency);
    sql_bind_text(st, 4, "");
    return hub_db_step_changed(st);
}

int hub_db_owe_withdrawal(hub_db *db, const char *notice, const char *platform,
                          const char *reason)
{
    sql_stmt *st = hub_db_stmt(db, S_WITHDRAW_ADD);

    sql_bind_text(st, 1, notice);
    sql_bind_text(st, 2, reason);
    sql_bind_text(st, 3, platform);
    return sql_step_done(st);
}

static int owe_withdrawals(hub_db *db, const hub_notice *n, const char *reason)
{
    /* The platform it is leased to too: a relay may be in flight */
    int in_flight = n->state == NS_ACCEPTED && n->platform[0];

    return hub_db_owe_withdrawal(db, n->id, in_flight ? n->platform : NULL, reason);
}

static int cancel_one(hub_db *db, const char *agency, hub_cancel *c, long long now)
{
    hub_notice n;
    notice_outcome o;
    int rc = find_reference(db, agency, c->reference, c->notice);

    if (rc > 0)
        rc = hub_db_notice_load(db, c->notice, &n);
    if (rc <= 0) {
        c->notice[0] = '\0';
        c->error = "unknown reference";
        return rc;
    }
    c->state = n.state;
    if ((rc = note_once(db, n.id, agency)) <= 0) {
        c->status = "duplicate";
        return rc;
    }
    /* Withdrawals first: they look at where the notice stands now. */
    if (owe_withdrawals(db, &n, c->reason) != 0 ||
        hub_db_notice_record(db, &n, EV_NOTICE_CANCELLATION, agency, c->reason, 1, now, &o) != 0)
        return -1;
    c->status = o == NS_MOVED ? "cancelled" : "recorded";
    c->state = n.state;
    /* The state stays (read, postal, paid): the feed still gives the
     * cancellation's time, which voids a legal effect still to come (a
     * letter's, 10 days after its hand-over). */
    if (o != NS_MOVED)
        return hub_db_changes_add_event(db, &n, EV_NOTICE_CANCELLATION, now);
    n.due = 0;
    n.remind_at = 0; /* leaves the reminders' index */
    n.remind_dirty = 1;
    return hub_db_notice_save(db, &n, now);
}

int hub_db_cancel(hub_db *db, const char *agency, hub_cancel *c, size_t n, long long now)
{
    int ok = 0;

    if (hub_db_begin(db) != 0)
        return -1;
    for (size_t i = 0; i < n && ok == 0; i++)
        if (!c[i].error)
            ok = cancel_one(db, agency, &c[i], now);
    return hub_db_finish(db, ok);
}

/* A withdrawal taken by a node of a PostgreSQL store is not taken by
 * another for this long: longer than a round of calls to the platforms,
 * short enough that one a dying node held is told soon after. */
#define WITHDRAW_LEASE_MS 60000LL

/* Up to max rows of st (notice, platform, reason) into w: how many, or -1. */
static int read_withdrawals(sql_stmt *st, hub_withdrawal *w, size_t max)
{
    size_t k = 0;
    int rc = 0;

    while (k < max && (rc = sql_step(st)) == 1) {
        sql_copy_text(w[k].notice, sizeof w[k].notice, st, 0);
        sql_copy_text(w[k].platform, sizeof w[k].platform, st, 1);
        sql_copy_text(w[k].reason, sizeof w[k].reason, st, 2);
        w[k].gen = sql_int64(st, 3);
        w[k++].told = 0;
    }
    sql_reset(st);
    return rc >= 0 ? (int)k : -1;
}

static int by_platform(const void *a, const void *b)
{
    const hub_withdrawal *x = a, *y = b;
    int c = strcmp(x->platform, y->platform);

    return c ? c : strcmp(x->notice, y->notice);
}

/* On PostgreSQL every node delivers withdrawals: each takes, and leases,
 * rows that no other node holds (S_WITHDRAW_DUE: SKIP LOCKED), so that a
 * platform hears of each from one node. */
static int withdrawals_leased(hub_db *db, hub_withdrawal *w, size_t max)
{
    long long now = clock_now_ms();
    sql_stmt *st;
    int k;

    if (hub_db_begin(db) != 0)
        return -1;
    st = hub_db_stmt(db, S_WITHDRAW_DUE);
    sql_bind_int64(st, 1, (long long)max);
    sql_bind_int64(st, 2, now + WITHDRAW_LEASE_MS);
    sql_bind_int64(st, 3, now);
    k = read_withdrawals(st, w, max);
    if (hub_db_finish(db, k < 0 ? -1 : 0) != 0)
        return -1;
    for (int i = 0; i < k; i++)
        w[i].lease = now + WITHDRAW_LEASE_MS;
    qsort(w, (size_t)k, sizeof *w, by_platform); /* the worker calls once per platform */
    return k;
}

int hub_db_withdrawals_due(hub_db *db, hub_withdrawal *w, size_t max)
{
    sql_stmt *st;
    int k;

    if (db->pg)
        return withdrawals_leased(db, w, max);
    pthread_mutex_lock(&db->w.lock);
    st = hub_db_stmt(db, S_WITHDRAW_DUE);
    sql_bind_int64(st, 1, (long long)max);
    k = read_withdrawals(st, w, max);
    pthread_mutex_unlock(&db->w.lock);
    if (k > 0)
        qsort(w, (size_t)k, sizeof *w, by_platform); /* taken in turn, told by platform */
    return k;
}

int hub_db_withdrawals_done(hub_db *db, const hub_withdrawal *w, size_t n)
{
    int ok = 0;

    if (hub_db_begin(db) != 0)
        return -1;
    for (size_t i = 0; i < n && ok == 0; i++) {
        /* One not told is asked again at the next round (on PostgreSQL
         * its lease ends now). */
        if (!w[i].told && !db->pg)
            continue;
        sql_stmt *st = hub_db_stmt(db, w[i].told ? S_WITHDRAW_DONE : S_WITHDRAW_RELEASE);
        sql_bind_text(st, 1, w[i].notice);
        sql_bind_text(st, 2, w[i].platform);
        /* owed again since it was read: kept, to be told again, and
         * perhaps leased to another node already */
        sql_bind_int64(st, 3, w[i].gen);
        if (!w[i].told) /* a lease that ran out is another node's now */
            sql_bind_int64(st, 4, w[i].lease);
        ok = sql_step_done(st);
    }
    return hub_db_finish(db, ok);
}
