/* agency_db_feed.c -- what the hub's changes feed tells of the agency's
 * notices: their states and evidence times (the hand-over of a letter to
 * print among them), and the cursor moved in the same transaction so
 * that a crash never skips or replays half a page. */
#include <stdlib.h>
#include <string.h>

#include "agency_db_sql.h"
#include "agency_ref.h"
#include "clock.h"
#include "db.h"

#define CURSOR_SQL "SELECT coalesce(max(value), 0) FROM meta WHERE key = 'changes_after'"

long long agency_db_feed_cursor(agency_db *db)
{
    long long v = 0;
    int found;

    agency_db_lock(db);
    found = db_one_int(db->sql, CURSOR_SQL, &v);
    agency_db_unlock(db);
    /* Not 0 on an error: the feed would start again from its first page
     * and save that page's end as the cursor. */
    return found < 0 ? -1 : v;
}

/* One change of the page, with its place in the page. */
typedef struct change {
    const char *notice, *reference, *state;
    const char *at; /* the evidence time as the feed gave it; NULL unknown */
    long long at_ms;
    const char *platform;
    const char *event; /* evidence that moved no state (agency_change), or NULL */
    size_t order;
} change;

static int by_notice_then_order(const void *a, const void *b)
{
    const change *x = a, *y = b;
    int c = strcmp(x->notice, y->notice);

    return c ? c : (x->order > y->order) - (x->order < y->order);
}

/* The page's changes grouped by notice, in feed order within each; NULL
 * when out of memory. */
static change *group_by_notice(const agency_change *changes, size_t n)
{
    change *v = malloc((n ? n : 1) * sizeof *v);

    if (!v)
        return NULL;
    for (size_t i = 0; i < n; i++)
        v[i] = (change){changes[i].notice, changes[i].reference, changes[i].state,
                        changes[i].at,     changes[i].at_ms,     changes[i].platform,
                        changes[i].event,  i};
    qsort(v, n, sizeof *v, by_notice_then_order);
    return v;
}

/* The feed's statements: the state of a document that has its notice
 * id, and (only when that matched nothing) of one that has none yet,
 * because the feed overtook `agency send`. Setting notice in every UPDATE
 * rewrote its index entry each time, where there is one (databases with
 * a UNIQUE notice column). And the change into the API's event queue
 * when the notice came through the back-office API. */
typedef struct feed_stmts {
    sqlite3_stmt *known, *first;
    sqlite3_stmt *handover;     /* the first PrintHandover's time */
    sqlite3_stmt *cancellation; /* the NoticeCancellation's time */
    sqlite3_stmt *inbox, *opened; /* a received_at, a read_at learnt with no state */
    sqlite3_stmt *event; /* a change of an API notice, for its timeline and callback */
    const char *now;     /* the time for a change that came without one */
    long long now_ms;
} feed_stmts;

/* A time the run brought apart from any state: its Unix ms (0: none)
 * and the feed's text of it. */
typedef struct milestone {
    long long ms;
    const char *at;
} milestone;

/* What a notice's run of changes in a page ends at: its state and that
 * state's evidence time, the times of the evidence that made it
 * received, read, paid (0: not in the run), and its latest platform; and
 * the first of each evidence in the run that moved no state: its letter's
 * hand-over, an inbox, a reading (the notice already settled), and its
 * cancellation. state is NULL when the run holds only evidence that moved
 * no state. */
typedef struct run_end {
    const char *state, *at, *platform;
    long long at_ms; /* the state's evidence time */
    long long received, read, paid;
    long long cancellation;
    milestone handover, inbox, opened;
} run_end;

static void bind_time(sqlite3_stmt *st, int i, long long ms)
{
    if (ms > 0)
        sqlite3_bind_int64(st, i, ms);
}

static int apply_with(sqlite3_stmt *st, const change *c, const run_end *e, long long now_ms)
{
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    sqlite3_bind_text(st, 1, e->state, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, c->notice, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, c->reference, -1, SQLITE_STATIC);
    bind_time(st, 4, e->received);
    bind_time(st, 5, e->read);
    bind_time(st, 6, e->paid);
    if (e->platform)
        sqlite3_bind_text(st, 7, e->platform, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 8, now_ms);
    sqlite3_bind_int(st, 9, agency_ref_state_final(e->state));
    return db_step_changed(st);
}

/* Sets one notice's state; 1 when it changed, 0 when not, -1 on error.
 * The document is found by the change's reference, and learns its notice
 * id here if the answer to its submission has not been recorded yet: a
 * fast hub's feed can get ahead of that answer, and a change matched by
 * notice id would then be lost. */
static int apply_change(const feed_stmts *fs, const change *c, const run_end *e)
{
    int r = apply_with(fs->known, c, e, fs->now_ms);

    return r != 0 ? r : apply_with(fs->first, c, e, fs->now_ms);
}

/* An evidence time kept once (st: the hand-over's or the cancellation's
 * UPDATE); no state moves. 1 when the document learnt it now, 0 when it
 * knew (or ms is 0), -1 on error. */
static int apply_time(sqlite3_stmt *st, const change *c, long long ms)
{
    if (!ms)
        return 0;
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, c->reference, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, c->notice, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, ms);
    return db_step_changed(st);
}

static void note_first(milestone *m, const change *c)
{
    if (!m->ms && c->at_ms > 0)
        *m = (milestone){c->at_ms, c->at};
}

/* Notes what change c tells of the run's state, times and platform. */
static void note_change(run_end *e, const change *c)
{
    if (c->event && !strcmp(c->event, "NoticeCancellation")) {
        if (!e->cancellation)
            e->cancellation = c->at_ms;
        return;
    }
    if (c->event) {
        note_first(!strcmp(c->event, "PrintHandover")        ? &e->handover
                   : !strcmp(c->event, "ContentConsignment") ? &e->inbox
                                                             : &e->opened,
                   c);
        return;
    }
    if (!strcmp(c->state, "cancelled") && !e->cancellation)
        e->cancellation = c->at_ms;
    e->state = c->state;
    e->at = c->at;
    e->at_ms = c->at_ms;
    if (!strcmp(c->state, "received") && !e->received)
        e->received = c->at_ms;
    else if (!strcmp(c->state, "read") && !e->read)
        e->read = c->at_ms;
    else if (!strcmp(c->state, "paid") && !e->paid)
        e->paid = c->at_ms;
    if (c->platform)
        e->platform = c->platform;
}

/* The change into the API's event queue when the notice came through the
 * API: only changes that moved the document, so a final state is never
 * followed by another. evidence: whether the run brought one of the
 * times the legal effect is reckoned from (only the feed writes them). */
static int queue_event(const feed_stmts *fs, const char *reference, const char *state,
                       const char *at, int evidence)
{
    sqlite3_reset(fs->event);
    sqlite3_bind_text(fs->event, 1, reference, -1, SQLITE_STATIC);
    sqlite3_bind_text(fs->event, 2, state, -1, SQLITE_STATIC);
    sqlite3_bind_text(fs->event, 3, at ? at : fs->now, -1, SQLITE_STATIC);
    sqlite3_bind_int64(fs->event, 4, fs->now_ms);
    sqlite3_bind_int(fs->event, 5, evidence);
    return db_step_done(fs->event);
}

static int has_evidence(const run_end *e)
{
    return e->received || e->read || e->handover.ms || e->cancellation;
}

/* A time the run brought apart from any state, learnt once (st: its
 * UPDATE): name in an API notice's timeline. 1, 0 (known before) or -1. */
static int apply_milestone(const feed_stmts *fs, sqlite3_stmt *st, const change *c,
                           const milestone *m, const char *name)
{
    int r = apply_time(st, c, m->ms);

    if (r > 0 && queue_event(fs, c->reference, name, m->at, 1) != 0)
        r = -1;
    return r;
}

/* The run's milestones in the order of their times, those before its
 * state's (early) or the others: 1 when any was new, 0 when none, -1 on
 * error. An inbox left behind before the notice reached another one is
 * thus the first received_at, as the certificate's first
 * ContentConsignment is, and comes first in the timeline. */
static int apply_milestones(const feed_stmts *fs, const change *c, const run_end *e, int early)
{
    /* each against the state that writes the same time, if the run has
     * one: an inbox left behind after the notice's own inbox (t5, then
     * t6, then postal at t8) must not be written before it */
    long long at = e->at_ms;
    struct {
        sqlite3_stmt *st;
        const milestone *m;
        const char *name;
        long long before;
    } v[] = {{fs->inbox, &e->inbox, "reached_inbox", e->received ? e->received : at},
             {fs->opened, &e->opened, "opened", e->read ? e->read : at},
             {fs->handover, &e->handover, "handed_over", at}}, t;
    size_t n = sizeof v / sizeof v[0];
    int any = 0;

    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && v[j].m->ms < v[j - 1].m->ms; j--)
            t = v[j], v[j] = v[j - 1], v[j - 1] = t;
    for (size_t i = 0; i < n; i++) {
        if ((e->state && v[i].m->ms < v[i].before) != early)
            continue;
        int r = apply_milestone(fs, v[i].st, c, v[i].m, v[i].name);
        if (r < 0)
            return -1;
        any |= r;
    }
    return any;
}

/* Applies the changes one notice at a time. A notice's run of changes
 * within the page ends where applying them in order would: at the first
 * final state (read, postal, cancelled, paid), else at the last one;
 * a hand-over after it still counts. So a notice that went accepted,
 * relayed, received within one page costs one UPDATE. */
static int apply_runs(const feed_stmts *fs, const change *v, size_t n, size_t *applied)
{
    for (size_t i = 0; i < n;) {
        run_end e = {0};
        size_t j = i;
        for (; j < n && !strcmp(v[j].notice, v[i].notice); j++)
            if (v[j].event || !e.state || !agency_ref_state_final(e.state))
                note_change(&e, &v[j]);
        int g = apply_milestones(fs, &v[i], &e, 1), r = 0, h = 0, k = 0;
        if (g >= 0 && e.state)
            r = apply_change(fs, &v[i], &e);
        if (g < 0 || (r > 0 && queue_event(fs, v[i].reference, e.state, e.at,
                                           has_evidence(&e)) != 0))
            r = -1;
        if (r >= 0 && (h = apply_milestones(fs, &v[i], &e, 0)) < 0)
            r = -1;
        if (r >= 0 && (k = apply_time(fs->cancellation, &v[i], e.cancellation)) < 0)
            r = -1;
        /* a cancellation the agency asked for is marked here before the
         * feed tells of it, so the change moves nothing: its time, learnt
         * once, puts it in the timeline */
        if (r == 0 && k > 0 && !strcmp(e.state ? e.state : "", "cancelled") &&
            queue_event(fs, v[i].reference, e.state, e.at, 1) != 0)
            r = -1;
        if (r < 0)
            return -1;
        *applied += (size_t)(r || g || h || k);
        i = j;
    }
    return 0;
}

static int save_cursor(sqlite3 *sql, long long next)
{
    sqlite3_stmt *st = db_prepare(sql, "INSERT INTO meta(key, value) VALUES ('changes_after', ?)"
                                       " ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    int rc;

    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, next);
    rc = db_step_done(st);
    sqlite3_finalize(st);
    return rc;
}

/* Nothing moves a document out of these (agency_ref_state_final). Spelt
 * as comparisons: a list after IN this long makes SQLite build a
 * temporary B-tree on every execution, which was a third of the feed's
 * CPU. Whether the new state ?1 is final is bound as ?9. */
#define STATE_FINAL "(state = 'read' OR state = 'postal' OR state = 'cancelled' OR state = 'paid')"
/* A final state stays; the first time of each kind stays; reaching a
 * final state starts the retention period (agency_db_purge): ?8 is now,
 * by this agency's clock. */
#define FEED_SET                                                                         \
    "state = CASE WHEN " STATE_FINAL " THEN state ELSE ?1 END,"                          \
    " received_at = coalesce(received_at, ?4), read_at = coalesce(read_at, ?5),"        \
    " paid_at = coalesce(paid_at, ?6), platform = coalesce(?7, platform),"              \
    " final_at = CASE WHEN ?9 THEN coalesce(final_at, ?8) ELSE final_at END"

/* A time the row does not hold yet: written even when the state is final
 * here already (a read the document server marked before the feed told of
 * it). */
#define NEW_TIME                                                                 \
    "(?4 IS NOT NULL AND received_at IS NULL) OR (?5 IS NOT NULL AND read_at IS NULL)" \
    " OR (?6 IS NOT NULL AND paid_at IS NULL)"

static int apply_page(sqlite3 *sql, const change *v, size_t n, long long after, long long next,
                      size_t *applied)
{
    long long now_ms = clock_now_ms();
    char now[25];

    clock_rfc3339_ms(now, now_ms);
    feed_stmts fs = {
        /* +notice: found by reference, never through an older database's
         * UNIQUE notice column */
        db_prepare(sql, "UPDATE documents SET " FEED_SET " WHERE reference = ?3 AND +notice = ?2"
                        " AND ((NOT " STATE_FINAL " AND state <> ?1) OR " NEW_TIME ")"),
        db_prepare(sql, "UPDATE documents SET " FEED_SET ", notice = ?2 WHERE reference = ?3"
                        " AND notice IS NULL AND (NOT " STATE_FINAL " OR " NEW_TIME ")"),
        db_prepare(sql, "UPDATE documents SET handover_at = ?3 WHERE reference = ?1"
                        " AND +notice = ?2 AND handover_at IS NULL"),
        db_prepare(sql, "UPDATE documents SET cancellation_at = ?3 WHERE reference = ?1"
                        " AND +notice = ?2 AND cancellation_at IS NULL"),
        /* (or before the document has its notice id, for an inbox told
         * in the same page as its first state) */
        db_prepare(sql, "UPDATE documents SET received_at = ?3 WHERE reference = ?1"
                        " AND (+notice = ?2 OR notice IS NULL) AND received_at IS NULL"),
        db_prepare(sql, "UPDATE documents SET read_at = ?3 WHERE reference = ?1"
                        " AND (+notice = ?2 OR notice IS NULL) AND read_at IS NULL"),
        db_prepare(sql, "INSERT INTO api_events(reference, caller_ref, state, at, queued_ms,"
                        " evidence) SELECT reference, caller_ref, ?2, ?3, ?4, ?5 FROM api_refs"
                        " WHERE reference = ?1"),
        now, now_ms,
    };
    int rc = -1;

    long long at = -1;

    if (fs.known && fs.first && fs.handover && fs.cancellation && fs.inbox && fs.opened &&
        fs.event && db_begin(sql) == 0) {
        /* Another process pulling the same feed (agency serve, postal
         * --sync) may have applied this page, or later ones, since the
         * cursor was read: a stale page would move states back and
         * rewind the cursor. It is left; the next pull starts from the
         * cursor as it stands. */
        rc = db_one_int(sql, CURSOR_SQL, &at) < 0 ? -1 : 0;
        if (rc == 0 && at == after)
            rc = apply_runs(&fs, v, n, applied);
        if (rc == 0 && at == after)
            rc = save_cursor(sql, next);
        if (rc != 0 || db_commit(sql) != 0) {
            db_rollback(sql);
            rc = -1;
        }
    }
    sqlite3_finalize(fs.known);
    sqlite3_finalize(fs.first);
    sqlite3_finalize(fs.handover);
    sqlite3_finalize(fs.cancellation);
    sqlite3_finalize(fs.inbox);
    sqlite3_finalize(fs.opened);
    sqlite3_finalize(fs.event);
    return rc;
}

int agency_db_feed_apply(agency_db *db, const agency_change *changes, size_t n,
                         long long after, long long next, size_t *applied)
{
    change *v = group_by_notice(changes, n);
    int rc = -1;

    *applied = 0;
    if (v) {
        agency_db_lock(db);
        rc = apply_page(db->sql, v, n, after, next, applied);
        agency_db_unlock(db);
    }
    free(v);
    return rc;
}
