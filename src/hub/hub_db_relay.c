/* hub_db_relay.c -- the relay in the hub's store: what each platform
 * answered to a notice's relay (the relays table, which reports consult
 * too), and the relay worker's round: answers recorded, then the next
 * notices claimed, each with its next platform or sent to postal. */
#include "hub_db_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evidence.h"
#include "log.h"
#include "utf8.h"

/* ---- the relays table ---- */

/* Statement which, bound to (notice, platform) as ?1 and ?2. */
static sql_stmt *relay_stmt(hub_db *db, int which, const char *notice, const char *platform)
{
    sql_stmt *st = hub_db_stmt(db, which);

    sql_bind_text(st, 1, notice);
    sql_bind_text(st, 2, platform);
    return st;
}

int hub_db_relay_answer_on(hub_db_conn *c, const char *notice, const char *platform)
{
    sql_stmt *st = hub_db_conn_stmt(c, S_RELAY_GET);
    int found, answer = ANSWER_NONE;

    sql_bind_text(st, 1, notice);
    sql_bind_text(st, 2, platform);
    found = sql_step(st);
    if (found > 0)
        answer = sql_int(st, 0) ? ANSWER_ACCEPTED : ANSWER_REJECTED;
    sql_reset(st);
    return found < 0 ? -1 : answer;
}

/* ---- a report batch's relays rows (PostgreSQL) ---- */

/* A report asks the relays table whether its platform answered and
 * whether its once-only event was marked, a round trip each, about two a
 * notice. A report batch's notices are locked (hub_db_notice_preload),
 * and nothing writes a relays row without holding its notice's lock, so
 * the platform's rows read once stay true for the batch: the questions
 * are answered from them, the answers added are sent without waiting,
 * and the marks go out together at the end (hub_db_relay_preload_write). */

static int by_notice(const void *key, const void *row)
{
    return strcmp(key, ((const hub_relay_row *)row)->notice);
}

/* *known: whether the preloaded rows answer for (notice, platform); then
 * its row, or NULL when it has none. */
static hub_relay_row *preloaded_row(hub_db *db, const char *notice, const char *platform,
                                    int *known)
{
    *known = db->rpre_platform && !strcmp(db->rpre_platform, platform) &&
             hub_db_notice_is_preloaded(db, notice);
    if (!*known)
        return NULL;
    return bsearch(notice, db->rpre, db->nrpre, sizeof *db->rpre, by_notice);
}

/* Adds platform's row for notice, keeping the rows sorted; there is room
 * (hub_db_relay_preload). */
static void preloaded_add(hub_db *db, const char *notice, int accepted, int events)
{
    size_t at = 0;
    hub_relay_row *row;

    while (at < db->nrpre && strcmp(db->rpre[at].notice, notice) < 0)
        at++;
    row = &db->rpre[at];
    memmove(row + 1, row, (db->nrpre - at) * sizeof *row);
    db->nrpre++;
    snprintf(row->notice, sizeof row->notice, "%s", notice);
    row->accepted = accepted;
    row->events = events;
    row->marked = 0;
}

/* At most one row per preloaded notice, found or added: (notice,
 * platform) is the table's key. */
int hub_db_relay_preload(hub_db *db, const char *platform)
{
    sql_stmt *st;
    int rc = 0;

    hub_db_relay_preload_end(db);
    if (!db->pg || !db->preloading)
        return 0;
    if (hub_db_reserve(&db->rpre, &db->rpre_cap, db->npre, sizeof *db->rpre) != 0)
        return -1;
    st = hub_db_stmt(db, S_RELAY_PRELOAD);
    sql_bind_text(st, 1, db->pre_ids.data); /* the preloaded notices */
    sql_bind_text(st, 2, platform);
    while ((rc = sql_step(st)) == 1) {
        /* A row past that would be one the batch takes for missing:
         * never, but not to be trusted if so. */
        if (db->nrpre == db->npre) {
            rc = -1;
            break;
        }
        hub_relay_row *row = &db->rpre[db->nrpre++];
        sql_copy_text(row->notice, sizeof row->notice, st, 0);
        row->accepted = sql_int(st, 1);
        row->events = sql_int(st, 2);
        row->marked = 0;
    }
    sql_reset(st);
    if (rc < 0)
        return -1;
    db->rpre_platform = platform;
    return 0;
}

/* A prepared UPDATE per mark was ~7 us of the server's time each, 1.7
 * a notice with alerts; one UPDATE from arrays per batch costs a
 * fraction of that. */
int hub_db_relay_preload_write(hub_db *db)
{
    /* borrowed from the leaf times, whose flush refills them for itself */
    buf *ids = &db->pending_ids, *bits = &db->pending_ats;
    size_t marked = 0;
    sql_stmt *st;

    if (!db->rpre_platform)
        return 0;
    ids->len = bits->len = 0;
    ids->broken = bits->broken = 0;
    buf_puts(ids, "{");
    buf_puts(bits, "{");
    for (size_t i = 0; i < db->nrpre; i++) {
        hub_relay_row *row = &db->rpre[i];
        if (!row->marked)
            continue;
        sql_array_text(ids, row->notice, marked == 0);
        buf_printf(bits, "%s%d", marked ? "," : "", row->marked);
        row->marked = 0;
        marked++;
    }
    buf_puts(ids, "}");
    buf_puts(bits, "}");
    if (!marked)
        return 0;
    if (ids->broken || bits->broken)
        return -1;
    st = hub_db_stmt(db, S_RELAY_MARKS);
    sql_bind_text(st, 1, ids->data);
    sql_bind_text(st, 2, bits->data);
    sql_bind_text(st, 3, db->rpre_platform);
    return sql_step_later(st);
}

void hub_db_relay_preload_end(hub_db *db)
{
    db->rpre_platform = NULL;
    db->nrpre = 0;
}

int hub_db_relay_answer(hub_db *db, const char *notice, const char *platform)
{
    int known;
    hub_relay_row *row = preloaded_row(db, notice, platform, &known);

    if (!known)
        return hub_db_relay_answer_on(&db->w, notice, platform);
    return !row ? ANSWER_NONE : row->accepted ? ANSWER_ACCEPTED : ANSWER_REJECTED;
}

/* The relays row of platform's answer, bound and not yet run. */
static sql_stmt *relay_add(hub_db *db, const char *notice, const char *platform, int accepted,
                           int events)
{
    sql_stmt *st = relay_stmt(db, S_RELAY_ADD, notice, platform);

    sql_bind_int(st, 3, accepted);
    sql_bind_int(st, 4, events);
    return st;
}

int hub_db_relay_note_answer(hub_db *db, const char *notice, const char *platform,
                             int accepted, int events)
{
    int known;
    hub_relay_row *row = preloaded_row(db, notice, platform, &known);

    if (!known)
        return hub_db_step_changed(relay_add(db, notice, platform, accepted, events));
    if (row)
        return 0;
    preloaded_add(db, notice, accepted, events);
    return sql_step_later(relay_add(db, notice, platform, accepted, events)) != 0 ? -1 : 1;
}

int hub_db_relay_mark_event(hub_db *db, const char *notice, const char *platform,
                            notice_event ev)
{
    int known, bit = EVENT_BIT(ev);
    hub_relay_row *row = preloaded_row(db, notice, platform, &known);
    sql_stmt *st;

    if (known && (!row || (row->events & bit)))
        return 0;
    if (known) { /* written with the batch's others (hub_db_relay_preload_write) */
        row->events |= bit;
        row->marked |= bit;
        return 1;
    }
    st = relay_stmt(db, S_RELAY_EVENT, notice, platform);
    sql_bind_int(st, 3, bit);
    return hub_db_step_changed(st);
}

int hub_db_relay_record_acceptance(hub_db *db, hub_notice *n, const char *platform,
                                   long long now)
{
    if (hub_db_notice_record(db, n, EV_RELAY_ACCEPTANCE, platform, NULL, 1, now, NULL) != 0 ||
        hub_db_tally_relayed(db, n, platform, now) != 0)
        return -1;
    if (n->state == NS_RELAYED || n->state == NS_RECEIVED) {
        n->due = hub_db_read_due(db, n, now);
        hub_db_remind_from(db, n, now);
    }
    n->attempts = 0;
    return 0;
}

/* A fallback channel (an earlier one expired or failed its alert) has
 * the fallback window, or what is left of the agency's deadline if that
 * is longer: a failure on the first day must not cut a thirty-day
 * deadline short. */
long long hub_db_read_due(const hub_db *db, const hub_notice *n, long long now)
{
    if (!n->expiries || n->deadline > now + db->fallback_ms)
        return n->deadline;
    return now + db->fallback_ms;
}

void hub_db_remind_from(hub_db *db, hub_notice *n, long long now)
{
    n->window_start = now;
    n->reminded = 0;
    n->remind_at = hub_reminders_next(&db->reminders, now, n->due, 0);
    n->remind_dirty = 1;
}

/* The platform holds the notice for a member who has not consented and
 * has told them (one pre-notice alert): RelayAcceptance, then
 * ConsentPreNotification; the channel's deadline is the end of the
 * consent window (or the read deadline, if sooner), with no reminders
 * until the member consents (hub_db_report.c). The caller saves n. */
static int record_pre_notice(hub_db *db, hub_notice *n, const char *platform, long long now)
{
    if (hub_db_relay_record_acceptance(db, n, platform, now) != 0 ||
        hub_db_notice_record(db, n, EV_CONSENT_PRE_NOTIFICATION, platform, NULL, 1, now,
                             NULL) != 0)
        return -1;
    if (n->state == NS_RELAYED) {
        long long until = now + db->consent_window_ms;
        if (until < n->due)
            n->due = until;
        n->reminded = -1;
        n->remind_at = 0;
        n->remind_dirty = 1;
    }
    return 0;
}

/* ---- claims: each notice's next platform ---- */

typedef struct route_pick {
    hub_db *db;
    const hub_notice *rows;
    hub_platform_known_fn known;
    void *ctx;
    int failed;
} route_pick;

/* Each claimed notice's next platform: the first of its recipient's
 * routes that the hub knows and has not tried (whatever it answered);
 * "" when none is left. The platforms that know the person without
 * consent come after all that have it: a pre-notice asks something of
 * the person, so it is tried only when no consenting platform is left
 * (and never with consent_window_s = 0). */
static void pick_route(void *arg, size_t i, char routes[][HUB_NAME_MAX + 1], int n,
                       int consenting)
{
    route_pick *p = arg;
    char *pick = p->db->picks[i];

    pick[0] = '\0';
    p->db->pre_picks[i] = 0;
    if (!p->db->consent_window_ms)
        n = consenting;
    for (int k = 0; k < n && !p->failed; k++) {
        if (!p->known(p->ctx, routes[k]))
            continue;
        int answer = hub_db_relay_answer(p->db, p->rows[i].id, routes[k]);
        if (answer < 0)
            p->failed = 1;
        else if (answer == ANSWER_NONE) {
            memcpy(pick, routes[k], HUB_NAME_MAX + 1);
            p->db->pre_picks[i] = k >= consenting;
            return;
        }
    }
}

/* Next platforms for rows[0..count) into db->picks, from the directory in
 * one read transaction (its lock taken inside the writer's, never the
 * other way round). 0 or -1. */
static int pick_routes(hub_db *db, const hub_notice *rows, size_t count,
                       hub_platform_known_fn known, void *ctx)
{
    route_pick p = {db, rows, known, ctx, 0};

    if (!count)
        return 0;
    if (!db->dir) {
        log_error("relay: no directory to route by (hub_db_set_directory)");
        return -1;
    }
    if (count > db->picks_cap) {
        char (*picks)[HUB_NAME_MAX + 1] = realloc(db->picks, count * sizeof *picks);
        if (!picks)
            return -1;
        db->picks = picks;
        unsigned char *pre = realloc(db->pre_picks, count);
        if (!pre)
            return -1;
        db->pre_picks = pre;
        db->picks_cap = count;
    }
    if (hub_directory_routes_many(db->dir, rows->rk, sizeof *rows, count, pick_route, &p) != 0)
        return -1;
    return p.failed ? -1 : 0;
}

void hub_db_relay_item_init(hub_relay_item *it, const hub_notice *n)
{
    it->n = *n;
    it->pre_notice = 0;
    it->consent_until = 0;
    it->outcome = RELAY_FAILED;
    it->consigned = 0;
    it->reason[0] = '\0';
}

static int send_to_postal(hub_db *db, hub_notice *n, long long now)
{
    const char *why = n->platform[0] ? "no further platform reaches the recipient"
                                     : "no platform reaches the recipient";

    if (hub_db_notice_record(db, n, EV_RELAY_TO_NON_ERDS, "hub", why, 1, now, NULL) != 0)
        return -1;
    return hub_db_notice_save(db, n, now);
}

/* Relays n to platform next (a pre-notice if pre), or sends it to postal
 * when next is "". */
static int claim_one(hub_db *db, hub_notice *n, const char *next, int pre, long long now,
                     hub_relay_item *items, size_t *n_out, size_t *n_postal)
{
    if (!next[0]) {
        (*n_postal)++;
        return send_to_postal(db, n, now);
    }
    if (strcmp(next, n->platform) != 0)
        n->attempts = 0; /* a new channel starts its own backoff */
    memcpy(n->platform, next, sizeof n->platform);
    n->next_attempt = now + RELAY_LEASE_MS;
    hub_relay_item *it = &items[(*n_out)++];
    hub_db_relay_item_init(it, n);
    if (pre) { /* the window record_pre_notice will give it, or less */
        long long read_due = hub_db_read_due(db, n, now);
        it->pre_notice = 1;
        it->consent_until = now + db->consent_window_ms;
        if (read_due < it->consent_until)
            it->consent_until = read_due;
    }
    return hub_db_notice_save(db, n, now);
}

/* The claim, inside a transaction the caller holds. */
static int claim_batch(hub_db *db, long long now, size_t max, hub_platform_known_fn known,
                       void *ctx, hub_relay_item *items, size_t *n_out, size_t *n_postal)
{
    hub_notice *rows;
    size_t count;
    int ok = 0;

    rows = hub_db_notice_select(db, S_CLAIM, now, max, &count);
    if (!rows || pick_routes(db, rows, count, known, ctx) != 0)
        ok = -1;
    for (size_t i = 0; i < count && ok == 0; i++)
        ok = claim_one(db, &rows[i], db->picks[i], db->pre_picks[i], now, items, n_out,
                       n_postal);
    return ok;
}

/* ---- answers ---- */

/* A channel that could not take the notice in time is given up on, for
 * whatever reason it failed (down, 5xx, a batch refused whole, a
 * malformed answer): RelayFailure says so, the relays row marks the
 * platform as tried (pick_route passes it over; a report from it proves
 * nothing), and the notice goes back to the queue at once for the next
 * platform or paper. It counts among the channels given up on, so the
 * next one's read window is at least the fallback window. */
static int give_up(hub_db *db, hub_notice *n, const char *platform, const char *reason,
                   long long now)
{
    char why[FIELD_REASON_MAX + 1];
    size_t len;

    snprintf(why, sizeof why, "given up at the deadline: %s", reason);
    len = strlen(why);
    while (len > 0 && !utf8_valid(why, len)) /* cut to whole characters */
        why[--len] = '\0';
    if (hub_db_relay_note_answer(db, n->id, platform, 0, 0) < 0 ||
        hub_db_notice_record(db, n, EV_RELAY_FAILURE, "hub", why, 1, now, NULL) != 0)
        return -1;
    n->expiries++;
    n->attempts = 0;
    n->due = 0;
    n->next_attempt = now;
    return hub_db_notice_save(db, n, now);
}

/* The relays row of the platform's answer to it (it->n found in the
 * store, and answered), bound and not yet run. Run, it changes a row
 * once stored, none when a report had already proved the acceptance
 * (see hub_db_report.c). */
static sql_stmt *answer_row(hub_db *db, const hub_relay_item *it)
{
    int accepted = it->outcome == RELAY_ACCEPTED || it->outcome == RELAY_PRE_NOTICED;
    int events = it->outcome == RELAY_PRE_NOTICED ? EVENT_BIT(EV_CONSENT_PRE_NOTIFICATION)
                 : accepted && it->consigned      ? EVENT_BIT(EV_CONTENT_CONSIGNMENT)
                                                  : 0;

    return relay_add(db, it->n.id, it->n.platform, accepted, events);
}

/* An answer record_answer sends itself: when the round's notices were
 * not preloaded (SQLite, where sending ahead saves nothing, or a round of
 * one), a load to find them first would cost more than it saves. */
#define ANSWER_UNSENT (-2)

/* Records the answer to it; fresh is what its answer_row changed, or
 * ANSWER_UNSENT. */
static int record_answer(hub_db *db, hub_relay_item *it, long long fresh, long long now)
{
    hub_notice n;
    const char *platform = it->n.platform;
    int rc = hub_db_notice_load(db, it->n.id, &n);

    if (rc <= 0)
        return rc; /* gone: nothing to record */
    if (it->outcome != RELAY_FAILED) {
        if (fresh == ANSWER_UNSENT)
            fresh = hub_db_step_changed(answer_row(db, it));
        if (fresh <= 0)
            return fresh < 0 ? -1 : 0; /* a report already proved the acceptance */
    } else if ((rc = hub_db_relay_answer(db, n.id, platform)) != ANSWER_NONE) {
        return rc < 0 ? -1 : 0;
    }
    /* Cancelled while this relay was in flight: the withdrawal owed when
     * it was cancelled may have been told already and answered "unknown",
     * before the notice reached the inbox. It is owed again now, before
     * any give-up below; after a failed call too, which the platform may
     * have taken all the same (it answers "unknown" when it did not). */
    if (n.state == NS_CANCELLED &&
        (it->outcome == RELAY_ACCEPTED || it->outcome == RELAY_PRE_NOTICED ||
         it->outcome == RELAY_FAILED) &&
        hub_db_owe_withdrawal(db, n.id, platform, NULL) != 0)
        return -1;
    switch (it->outcome) {
    case RELAY_ACCEPTED:
        /* The answer's ContentConsignment is noted with it: the row is new */
        if (hub_db_relay_record_acceptance(db, &n, platform, now) != 0 ||
            (it->consigned && hub_db_notice_record(db, &n, EV_CONTENT_CONSIGNMENT, platform,
                                                   NULL, 1, now, NULL) != 0))
            return -1;
        break;
    case RELAY_PRE_NOTICED:
        if (record_pre_notice(db, &n, platform, now) != 0)
            return -1;
        break;
    case RELAY_REJECTED:
        if (hub_db_notice_record(db, &n, EV_RELAY_REJECTION, platform, it->reason, 1, now,
                                 NULL) != 0)
            return -1;
        n.attempts = 0;
        n.next_attempt = now; /* on to the next platform at once */
        break;
    case RELAY_FAILED:
        /* Logged once per channel: a platform down for an hour must not
         * add sixty leaves per notice. */
        if (++n.attempts == 1 && hub_db_notice_record(db, &n, EV_RELAY_FAILURE, "hub",
                                                      it->reason, 1, now, NULL) != 0)
            return -1;
        if (notice_relay_give_up(n.deadline, n.attempts, now, n.expiries > 0, db->fallback_ms))
            return give_up(db, &n, platform, it->reason, now);
        n.next_attempt = now + notice_retry_delay_ms(n.attempts);
        break;
    }
    return hub_db_notice_save(db, &n, now);
}

/* The leaves an accepted relay will most likely add, prepared. */
static void answers_ahead(const hub_relay_item *items, size_t n, long long now,
                          hub_prepared_leaves *p)
{
    hub_prepared_leaves_init(p, n * PREPARED_PER_ITEM);
    for (size_t i = 0; i < n; i++) {
        const hub_notice *nt = &items[i].n;
        evidence_rec r = {notice_event_name(EV_RELAY_ACCEPTANCE), nt->id, now, nt->agency,
                          nt->platform, nt->rk, nt->doc_sha256, NULL, NULL, NULL, NULL};
        if (items[i].outcome != RELAY_ACCEPTED)
            continue;
        hub_prepared_leaves_add(p, i * PREPARED_PER_ITEM, &r);
        r.event = notice_event_name(EV_CONTENT_CONSIGNMENT);
        if (items[i].consigned)
            hub_prepared_leaves_add(p, i * PREPARED_PER_ITEM + 1, &r);
    }
}

static int record_answers(hub_db *db, hub_relay_item *items, size_t n, long long now,
                          const hub_prepared_leaves *prepared)
{
    long long *fresh = malloc((n ? n : 1) * sizeof *fresh);
    hub_notice found;
    int ok = fresh ? hub_db_notice_preload(db, items->n.id, sizeof *items, n) : -1;

    for (size_t i = 0; i < n && ok == 0; i++) {
        fresh[i] = ANSWER_UNSENT;
        if (!db->preloading || items[i].outcome == RELAY_FAILED)
            continue;
        int rc = hub_db_notice_load(db, items[i].n.id, &found); /* preloaded */
        /* sent ahead with the round's others: one round trip for all */
        if (rc != 0)
            ok = rc < 0 ? -1 : sql_step_later_changes(answer_row(db, &items[i]), &fresh[i]);
    }
    if (ok == 0 && sql_flush(db->w.conn) != 0)
        ok = -1;
    for (size_t i = 0; i < n && ok == 0; i++) {
        hub_db_use_prepared(db, prepared, i);
        ok = record_answer(db, &items[i], fresh[i], now);
    }
    free(fresh);
    hub_db_notice_preload_end(db);
    hub_db_use_prepared(db, NULL, 0); /* what follows makes leaves of its own */
    return ok;
}

int hub_db_relay_record(hub_db *db, hub_relay_item *items, size_t n, long long now)
{
    hub_prepared_leaves prepared;

    answers_ahead(items, n, now, &prepared);
    if (hub_db_begin_prepared(db, &prepared) != 0)
        return -1;
    return hub_db_finish_prepared(db, record_answers(db, items, n, now, &prepared), &prepared);
}

/* One commit (one fsync of the WAL) per round instead of two: the
 * answers are read out of items before the claim writes over them. */
int hub_db_relay_next(hub_db *db, hub_relay_item *items, size_t answered, long long now,
                      size_t max, hub_platform_known_fn known, hub_claiming_fn claiming,
                      void *ctx, size_t *n_out, size_t *n_postal)
{
    hub_prepared_leaves prepared;
    int ok;

    *n_out = *n_postal = 0;
    answers_ahead(items, answered, now, &prepared);
    if (hub_db_begin_prepared(db, &prepared) != 0)
        return -1;
    ok = record_answers(db, items, answered, now, &prepared);
    if (ok == 0 && claiming)
        claiming(ctx);
    if (ok == 0)
        ok = claim_batch(db, now, max, known, ctx, items, n_out, n_postal);
    if (ok != 0)
        *n_out = *n_postal = 0;
    return hub_db_finish_prepared(db, ok, &prepared);
}

int hub_db_relay_release(hub_db *db, const hub_relay_item *items, size_t n, long long now)
{
    int ok = 0;

    if (hub_db_begin(db) != 0)
        return -1;
    for (size_t i = 0; i < n && ok == 0; i++) {
        sql_stmt *st = hub_db_stmt(db, S_RELEASE);
        sql_bind_text(st, 1, items[i].n.id);
        sql_bind_int64(st, 2, now);
        if (db->pg)
            sql_bind_text(st, 3, db->node);
        ok = sql_step_later(st);
    }
    return hub_db_finish(db, ok);
}

/* After a crash every lease is an orphan: the round that took it died
 * with the process. Waiting for leases to run out (RELAY_LEASE_MS) held
 * the interrupted notices for minutes; at start all of them are due at
 * once. On SQLite the hub is the only writer; on PostgreSQL only this
 * node's leases are released (S_RECOVER): the other nodes' rounds are
 * alive. A notice waiting out a failure's backoff (at most a minute) is
 * tried once more too: harmless. */
int hub_db_relay_recover(hub_db *db, long long now, size_t *released)
{
    sql_stmt *st;
    int ok;

    *released = 0;
    if (hub_db_begin(db) != 0)
        return -1;
    st = hub_db_stmt(db, S_RECOVER);
    sql_bind_int64(st, 1, now);
    if (db->pg)
        sql_bind_text(st, 2, db->node);
    ok = sql_step_done(st);
    if (ok == 0)
        *released = (size_t)sql_changes(st);
    return hub_db_finish(db, ok);
}
