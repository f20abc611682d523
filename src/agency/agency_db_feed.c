/* agency_db_feed.c -- what the hub's changes feed tells of the agency's
 * notices: their states, and the cursor moved in the same transaction so
 * that a crash never skips or replays half a page. */
#include <stdlib.h>
#include <string.h>

#include "agency_db_sql.h"
#include "agency_ref.h"
#include "clock.h"
#include "db.h"

long long agency_db_feed_cursor(agency_db *db)
{
    long long v;

    agency_db_lock(db);
    v = agency_db_single_int(db->sql, "SELECT coalesce(max(value), 0) FROM meta"
                                      " WHERE key = 'changes_after'");
    agency_db_unlock(db);
    return v;
}

/* One change of the page, with its place in the page. */
typedef struct change {
    const char *notice, *reference, *state, *at;
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
                        changes[i].at, i};
    qsort(v, n, sizeof *v, by_notice_then_order);
    return v;
}

/* The feed's two statements: the state of a document that has its notice
 * id, and (only when that matched nothing) of one that has none yet,
 * because the feed overtook `agency send`. Setting notice in every UPDATE
 * rewrote its index entry each time, where there is one (databases with
 * a UNIQUE notice column). */
typedef struct feed_stmts {
    sqlite3_stmt *known, *first;
    sqlite3_stmt *event; /* a change of an API notice, for its timeline and callback */
    const char *now;     /* the time for a change that came without one */
    long long now_ms;
} feed_stmts;

static int apply_with(sqlite3_stmt *st, const change *c, const char *state)
{
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 4, clock_now_ms());
    sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, c->notice, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, c->reference, -1, SQLITE_STATIC);
    return db_step_changed(st);
}

/* Sets one notice's state; 1 when it changed, 0 when not, -1 on error.
 * The document is found by the change's reference, and learns its notice
 * id here if the answer to its submission has not been recorded yet: a
 * fast hub's feed can get ahead of that answer, and a change matched by
 * notice id would then be lost. */
static int apply_change(const feed_stmts *fs, const change *c, const char *state)
{
    int r = apply_with(fs->known, c, state);

    return r != 0 ? r : apply_with(fs->first, c, state);
}

/* The change into the API's event queue when the notice came through the
 * API: only changes that moved the document, so a final state is never
 * followed by another. */
static int queue_event(const feed_stmts *fs, const char *reference, const char *state,
                       const char *at)
{
    sqlite3_reset(fs->event);
    sqlite3_bind_text(fs->event, 1, reference, -1, SQLITE_STATIC);
    sqlite3_bind_text(fs->event, 2, state, -1, SQLITE_STATIC);
    sqlite3_bind_text(fs->event, 3, at ? at : fs->now, -1, SQLITE_STATIC);
    sqlite3_bind_int64(fs->event, 4, fs->now_ms);
    return db_step_done(fs->event);
}

/* Applies the changes one notice at a time. A notice's run of changes
 * within the page ends where applying them in order would: at the first
 * final state (read, postal), else at the last one. So a notice that went
 * accepted, relayed, received within one page costs one UPDATE. */
static int apply_runs(const feed_stmts *fs, const change *v, size_t n, size_t *applied)
{
    for (size_t i = 0; i < n;) {
        const char *state = v[i].state, *at = v[i].at;
        size_t j = i + 1;
        for (; j < n && !strcmp(v[j].notice, v[i].notice); j++)
            if (!agency_ref_state_final(state)) {
                state = v[j].state;
                at = v[j].at;
            }
        int r = apply_change(fs, &v[i], state);
        if (r > 0 && queue_event(fs, v[i].reference, state, at) != 0)
            r = -1;
        if (r < 0)
            return -1;
        *applied += (size_t)r;
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

/* Nothing moves a document out of these (agency_ref_state_final). */
#define FINAL_STATES "('read','postal','cancelled')"
/* A final state starts the retention period (agency_db_purge): ?4 is now. */
#define FINAL_AT "final_at = CASE WHEN ?1 IN " FINAL_STATES " THEN coalesce(final_at, ?4)" \
                 " ELSE final_at END"

static int apply_page(sqlite3 *sql, const change *v, size_t n, long long next, size_t *applied)
{
    long long now_ms = clock_now_ms();
    char now[25];

    clock_rfc3339_ms(now, now_ms);
    feed_stmts fs = {
        /* +notice: found by reference, never through an older database's
         * UNIQUE notice column */
        db_prepare(sql, "UPDATE documents SET state = ?1, " FINAL_AT " WHERE reference = ?3"
                        " AND +notice = ?2 AND state NOT IN " FINAL_STATES " AND state <> ?1"),
        db_prepare(sql, "UPDATE documents SET state = ?1, notice = ?2, " FINAL_AT
                        " WHERE reference = ?3 AND notice IS NULL AND state NOT IN "
                        FINAL_STATES),
        db_prepare(sql, "INSERT INTO api_events(reference, caller_ref, state, at, queued_ms)"
                        " SELECT reference, caller_ref, ?2, ?3, ?4 FROM api_refs"
                        " WHERE reference = ?1"),
        now, now_ms,
    };
    int rc = -1;

    if (fs.known && fs.first && fs.event && db_begin(sql) == 0) {
        rc = apply_runs(&fs, v, n, applied);
        sqlite3_finalize(fs.known);
        sqlite3_finalize(fs.first);
        sqlite3_finalize(fs.event);
        if (rc == 0)
            rc = save_cursor(sql, next);
        if (rc != 0 || db_commit(sql) != 0) {
            db_rollback(sql);
            rc = -1;
        }
        return rc;
    }
    sqlite3_finalize(fs.known);
    sqlite3_finalize(fs.first);
    sqlite3_finalize(fs.event);
    return rc;
}

int agency_db_feed_apply(agency_db *db, const agency_change *changes, size_t n,
                         long long next, size_t *applied)
{
    change *v = group_by_notice(changes, n);
    int rc = -1;

    *applied = 0;
    if (v) {
        agency_db_lock(db);
        rc = apply_page(db->sql, v, n, next, applied);
        agency_db_unlock(db);
    }
    free(v);
    return rc;
}
