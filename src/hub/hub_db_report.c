/* hub_db_report.c -- POST /v1/events in the hub's store: who may report
 * on a notice, each report kept once, its evidence and the state it
 * moves to; and, by the same rule as who may report, who may see a
 * notice's certificate (hub_db_may_see). */
#include "hub_db_internal.h"

#include <string.h>

/* 1 if the caller may report on n and see its certificate: the agency
 * that sent it, or a platform whose RelayAcceptance is recorded. Being
 * tried, rejecting, or being the current pick is not enough. */
static int owns(hub_db *db, hub_db_conn *c, notice_role role, const char *caller,
                const hub_notice *n)
{
    int answer;

    if (role == ROLE_AGENCY)
        return !strcmp(n->agency, caller);
    /* Only the current platform's RelayAcceptance makes a notice relayed
     * or received: no lookup needed for the common case. */
    if ((n->state == NS_RELAYED || n->state == NS_RECEIVED) && !strcmp(n->platform, caller))
        return 1;
    answer = c == &db->w ? hub_db_relay_answer(db, n->id, caller)
                         : hub_db_relay_answer_on(c, n->id, caller);
    return answer < 0 ? -1 : answer == ANSWER_ACCEPTED;
}

/* Failures are deduplicated with their reason: a second notification
 * that fails for another cause is evidence too. Other events happen once
 * per actor, whatever the reason says. */
static const char *dedup_reason(const hub_report *r)
{
    int failure = r->event == EV_CONSIGNMENT_NOTIFICATION_FAILURE ||
                  r->event == EV_CONTENT_HANDOVER_FAILURE;

    if (r->event == EV_PRINT_HANDOVER && r->batch) /* once per print batch */
        return r->batch;
    return failure && r->reason ? r->reason : "";
}

/* 1 if this (notice, event, actor, dedup reason) was not reported
 * before, and now is; 0 if it was; -1 on error. */
static int note_report(hub_db *db, const char *notice, notice_event ev, const char *actor,
                       const char *reason)
{
    sql_stmt *st = hub_db_stmt(db, S_REPORTED);

    sql_bind_text(st, 1, notice);
    sql_bind_text(st, 2, notice_event_name(ev));
    sql_bind_text(st, 3, actor);
    sql_bind_text(st, 4, reason);
    return hub_db_step_changed(st);
}

/* The same for ContentConsignment, ConsignmentNotification and
 * ConsignmentNotificationDelivery, which a platform reports once per
 * notice: marked in its relays row. A platform without one (none should
 * report) falls back to `reported`. */
static int note_platform_event(hub_db *db, const char *notice, notice_event ev,
                               const char *platform)
{
    int fresh = hub_db_relay_mark_event(db, notice, platform, ev), answer;

    if (fresh != 0)
        return fresh;
    answer = hub_db_relay_answer(db, notice, platform);
    if (answer < 0)
        return -1;
    return answer == ANSWER_NONE ? note_report(db, notice, ev, platform, "") : 0;
}

static int first_report(hub_db *db, notice_role role, const hub_report *r, const char *caller)
{
    if (role == ROLE_PLATFORM && (r->event == EV_CONTENT_CONSIGNMENT ||
                                  r->event == EV_CONSIGNMENT_NOTIFICATION ||
                                  r->event == EV_CONSIGNMENT_NOTIFICATION_DELIVERY))
        return note_platform_event(db, r->notice, r->event, caller);
    return note_report(db, r->notice, r->event, caller, dedup_reason(r));
}

/* The platform has the notice in the member's inbox (ContentConsignment,
 * once per platform), proved by the report `then` before the relay's
 * answer. When that report moves the notice on from received before it
 * is saved (an alert that failed sends it to the next platform), the
 * feed's one change would not tell of the inbox, which the legal effect
 * counts from: so its time goes into the feed on its own. The caller
 * saves n. */
static int record_consignment_in_flight(hub_db *db, hub_notice *n, const char *platform,
                                        notice_event then, long long now)
{
    int fresh = note_platform_event(db, n->id, EV_CONTENT_CONSIGNMENT, platform);
    notice_outcome o;
    notice_state next;

    if (fresh <= 0)
        return fresh;
    if (hub_db_notice_record(db, n, EV_CONTENT_CONSIGNMENT, platform, NULL, 1, now, &o) != 0)
        return -1;
    /* (one that moved nothing is in the feed already: hub_db_notice.c) */
    if (o != NS_MOVED || notice_state_apply(n->state, then, &next) != NS_MOVED)
        return 0;
    return hub_db_changes_add_event(db, n, EV_CONTENT_CONSIGNMENT, now);
}

/* A report from the notice's current platform while the notice is still
 * accepted and that platform has not answered means the relay to it is in
 * flight (or its answer was lost): the report proves that the platform
 * accepted it, so RelayAcceptance is recorded now, before the report, and
 * the relay's answer finds the platform answered and changes nothing. A
 * platform accepts a relay by putting the notice in an inbox, so any
 * other report proves ContentConsignment as well, which is recorded next:
 * every timeline runs RelayAcceptance, ContentConsignment, then the rest.
 * A platform that rejected, or whose channel expired (the notice is
 * accepted again, waiting for the next one), proves nothing. Returns 1
 * when the acceptance was recorded, 0 when the caller is not in flight,
 * -1 on error. */
static int accept_in_flight(hub_db *db, hub_notice *n, const char *platform,
                            notice_event reported, long long now)
{
    int fresh;

    if (n->state != NS_ACCEPTED || strcmp(n->platform, platform) != 0)
        return 0;
    fresh = hub_db_relay_note_answer(db, n->id, platform, 1, 0);
    if (fresh <= 0)
        return fresh;
    if (hub_db_relay_record_acceptance(db, n, platform, now) != 0)
        return -1;
    if (reported != EV_CONTENT_CONSIGNMENT &&
        record_consignment_in_flight(db, n, platform, reported, now) < 0)
        return -1;
    return 1;
}

/* The notice's current platform gave up on its alert: the notice is back
 * in the relay queue at once, for the person's next platform or paper, as
 * after an expiry (hub_db_expire.c). It counts among the channels given
 * up on, so the next one's read deadline is at least the fallback window
 * (hub_db_relay_record_acceptance). */
static void move_on(hub_notice *n, long long now)
{
    n->expiries++;
    n->attempts = 0;
    n->due = 0;
    n->next_attempt = now;
}

static int report_one(hub_db *db, notice_role role, const char *caller, hub_report *r,
                      long long now)
{
    hub_notice n;
    notice_outcome o;
    int rc = hub_db_notice_load(db, r->notice, &n), may_move = 1;

    if (rc <= 0) {
        r->error = "unknown notice";
        return rc;
    }
    rc = owns(db, &db->w, role, caller, &n);
    if (rc > 0 && r->event == EV_PRINT_HANDOVER && n.state != NS_POSTAL) {
        r->error = "not postal: only a notice that went to paper has a letter to print";
        return 0;
    }
    if (rc == 0 && role == ROLE_PLATFORM)
        rc = accept_in_flight(db, &n, caller, r->event, now);
    if (rc <= 0) {
        r->error = "unknown notice"; /* as an unknown id: not to be probed */
        return rc;
    }
    rc = first_report(db, role, r, caller);
    if (rc <= 0) {
        r->status = "duplicate";
        return rc < 0 || n.state == n.stored ? rc : hub_db_notice_save(db, &n, now);
    }
    /* A platform the notice has moved on from (another platform's turn, or
     * back in the queue after this one's deadline) is heard, but moves
     * nothing. */
    if (role == ROLE_PLATFORM)
        may_move = !strcmp(n.platform, caller) && n.state != NS_ACCEPTED;
    if (hub_db_notice_record_report(db, &n, r, caller, may_move, now, &o) != 0)
        return -1;
    /* A letter is printed only for a postal notice, which is final: its
     * hand-over is what is expected there, not a late report. The agency
     * learns its time from the feed, for the notice's legal effect. */
    r->status = o == NS_IGNORED && r->event != EV_PRINT_HANDOVER ? "ignored" : "recorded";
    if (r->event == EV_PRINT_HANDOVER && hub_db_changes_add_event(db, &n, r->event, now) != 0)
        return -1;
    if (o == NS_MOVED && r->event == EV_CONSIGNMENT_NOTIFICATION_FAILURE) {
        move_on(&n, now);
        r->moved_on = 1;
    }
    /* The pre-noticed member consented on the notice's current platform
     * (ConsentAcceptance, then ContentConsignment: either one will do):
     * the consent window gives way to the read window a relay accepted
     * now would have, reminders included. */
    if ((r->event == EV_CONSENT_ACCEPTANCE || r->event == EV_CONTENT_CONSIGNMENT) && may_move &&
        n.reminded < 0 && (n.state == NS_RELAYED || n.state == NS_RECEIVED)) {
        n.due = hub_db_read_due(db, &n, now);
        hub_db_remind_from(db, &n, now);
        return hub_db_notice_save(db, &n, now);
    }
    /* Only a new state (and what came with it) needs writing back, or a
     * notice sent on: accepted again, it may have been accepted before
     * the report proved its relay in flight. */
    return n.state != n.stored || r->moved_on ? hub_db_notice_save(db, &n, now) : 0;
}

int hub_db_report(hub_db *db, notice_role role, const char *caller, hub_report *r,
                  size_t n, long long now)
{
    int ok = 0;

    if (hub_db_begin(db) != 0)
        return -1;
    ok = hub_db_notice_preload(db, r->notice, sizeof *r, n);
    if (ok == 0 && role == ROLE_PLATFORM)
        ok = hub_db_relay_preload(db, caller);
    for (size_t i = 0; i < n && ok == 0; i++)
        if (!r[i].error)
            ok = report_one(db, role, caller, &r[i], now);
    if (ok == 0)
        ok = hub_db_relay_preload_write(db);
    hub_db_relay_preload_end(db);
    hub_db_notice_preload_end(db);
    return hub_db_finish(db, ok);
}

/* hub_db_may_see, once: *lost as in hub_db_read_end. */
static int may_see(hub_db *db, const char *id, notice_role role, const char *caller, int *lost)
{
    hub_notice n;
    hub_db_conn *c = hub_db_read_begin(db);
    int found, mine = 0;

    if (!c)
        return 500;
    found = hub_db_notice_read(db, c, id, &n);
    if (found > 0)
        mine = owns(db, c, role, caller, &n);
    *lost = hub_db_read_end(db, c, 0) > 0;
    if (found < 0 || mine < 0)
        return 500;
    return !found ? 404 : mine ? 200 : 403;
}

/* GET /v1/notices/{id}/certificate: the same callers as owns(). A read
 * that found the server gone runs once more, connected again. */
int hub_db_may_see(hub_db *db, const char *id, notice_role role, const char *caller)
{
    int lost = 0, status = may_see(db, id, role, caller, &lost);

    return status == 500 && lost ? may_see(db, id, role, caller, &lost) : status;
}
