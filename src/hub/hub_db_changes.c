/* hub_db_changes.c -- the agencies' feed of state changes (GET
 * /v1/changes): a row per new state a notice reaches, written with the
 * change in the same transaction, read in seq order; and a row per
 * PrintHandover, and per NoticeCancellation, ContentConsignment or
 * ContentHandover that moved no state, whose times the agency's legal
 * effect is computed from (docs/design.md §3, "Legal effect"). */
#include "hub_db_internal.h"

#include <stdio.h>
#include <time.h>

/* PostgreSQL: the row joins the transaction's COPY (hub_db_changes_flush):
 * a prepared INSERT per row took 5.4 us of the server's statement time
 * each (pg_stat_statements, 200,000 notices). Rows keep their order: the
 * queue's ids, which the feed is numbered by, are drawn in the COPY's
 * row order. */
static int copy_row(hub_db *db, const hub_notice *n, const char *event, long long now)
{
    buf *b = &db->changes_copy;
    char at[24];

    snprintf(at, sizeof at, "%lld", now);
    sql_copy_text_field(b, n->agency, 0);
    sql_copy_text_field(b, n->id, 0);
    sql_copy_text_field(b, notice_state_name(n->state), 0);
    sql_copy_text_field(b, at, 0);
    sql_copy_text_field(b, n->reference, 0);
    sql_copy_text_field(b, n->platform[0] ? n->platform : NULL, 0);
    sql_copy_text_field(b, event, 1);
    db->nchanges++;
    return b->broken ? -1 : 0;
}

int hub_db_changes_flush(hub_db *db)
{
    int rc = 0;

    if (db->nchanges)
        rc = db->changes_copy.broken ? -1
             : sql_copy_in(db->w.conn, "COPY changes_queue(agency, notice, state, at, reference,"
                                       " platform, event) FROM STDIN",
                           db->changes_copy.data, db->changes_copy.len, db->nchanges);
    hub_db_changes_drop(db);
    return rc;
}

void hub_db_changes_drop(hub_db *db)
{
    db->changes_copy.len = 0;
    db->changes_copy.broken = 0;
    db->nchanges = 0;
}

static int add_row(hub_db *db, const hub_notice *n, const char *event, long long now)
{
    if (db->pg)
        return copy_row(db, n, event, now);
    sql_stmt *st = hub_db_stmt(db, S_CHANGE);

    sql_bind_text(st, 1, n->agency);
    sql_bind_text(st, 2, n->id);
    sql_bind_text(st, 3, notice_state_name(n->state));
    sql_bind_int64(st, 4, now);
    sql_bind_text(st, 5, n->reference);
    sql_bind_text(st, 6, n->platform[0] ? n->platform : NULL);
    sql_bind_text(st, 7, event);
    return sql_step_later(st);
}

int hub_db_changes_add(hub_db *db, const hub_notice *n, long long at)
{
    return add_row(db, n, NULL, at);
}

int hub_db_changes_add_event(hub_db *db, const hub_notice *n, notice_event ev, long long now)
{
    return add_row(db, n, notice_event_name(ev), db->leaf_at ? db->leaf_at : now);
}

/* The first column of statement which on the reader, bound to agency
 * and after (if any); -1 on error. */
static long long read_one(hub_db *db, int which, const char *agency, long long after)
{
    hub_db_conn *c = hub_db_read_begin(db);
    sql_stmt *st;
    long long v = -1;

    if (!c)
        return -1;
    st = hub_db_conn_stmt(c, which);
    sql_bind_text(st, 1, agency);
    if (after)
        sql_bind_int64(st, 2, after);
    if (sql_step(st) == 1)
        v = sql_int64(st, 0);
    sql_reset(st);
    hub_db_read_end(db, c, 0);
    return v;
}

/* On PostgreSQL a change gets its place in the feed (seq) from the log's
 * sequencer, on whichever node leads, some milliseconds after its commit.
 * A read of the feed waits (250 ms at most) for the agency's changes
 * committed before it: what an answer has told the agency, or another
 * node has done, is in the feed it reads next, as on SQLite. The lock is
 * let go between looks, so other GETs go on meanwhile. The wait holds an
 * HTTP worker thread and the connections it serves, so it stays short:
 * while no sequencer leads (a takeover takes seconds) the page comes
 * without those changes, which get places after every one it holds and
 * come in a later page. */
static void wait_for_sequencer(hub_db *db, const char *agency)
{
    const struct timespec pause = {0, 10 * 1000000L};
    long long last = read_one(db, S_CHANGES_LAST, agency, 0);

    for (int tries = 0; last > 0 && tries < 25; tries++) {
        nanosleep(&pause, NULL);
        if (read_one(db, S_CHANGES_WAITING, agency, last) <= 0)
            return;
    }
}

/* hub_db_changes_json, once: *lost as in hub_db_read_end. */
static int changes_json(hub_db *db, const char *agency, long long after, long limit, buf *out,
                        int *lost)
{
    hub_db_conn *c;
    sql_stmt *st;
    long long next = after;
    int rc, first = 1, end;

    if (!(c = hub_db_read_begin(db)))
        return -1;
    st = hub_db_conn_stmt(c, S_CHANGES);
    sql_bind_text(st, 1, agency);
    sql_bind_int64(st, 2, after);
    sql_bind_int64(st, 3, limit);
    buf_puts(out, "{\"changes\":[");
    while ((rc = sql_step(st)) == 1) {
        next = sql_int64(st, 0);
        buf_printf(out, "%s{\"seq\":%lld,\"notice\":", first ? "" : ",", next);
        buf_json_string(out, sql_text(st, 1));
        buf_puts(out, ",\"reference\":");
        buf_json_string(out, sql_text(st, 2));
        buf_puts(out, ",\"state\":\"");
        buf_puts(out, sql_text(st, 3));
        buf_puts(out, "\",\"at\":");
        hub_db_json_time(out, sql_int64(st, 4));
        if (*sql_text(st, 5)) {
            buf_puts(out, ",\"platform\":");
            buf_json_string(out, sql_text(st, 5));
        }
        if (*sql_text(st, 6)) {
            buf_puts(out, ",\"event\":");
            buf_json_string(out, sql_text(st, 6));
        }
        buf_puts(out, "}");
        first = 0;
    }
    sql_reset(st);
    /* An agency acts on a change (prints a letter): on disk first. */
    end = hub_db_read_end(db, c, 1);
    *lost = end > 0;
    if (end != 0)
        return -1;
    buf_printf(out, "],\"next\":%lld}", next);
    return rc == 0 ? 0 : -1;
}

int hub_db_changes_json(hub_db *db, const char *agency, long long after, long limit,
                        buf *out)
{
    size_t at = out->len;
    int lost = 0, ok;

    if (db->pg)
        wait_for_sequencer(db, agency);
    ok = changes_json(db, agency, after, limit, out, &lost);
    if (ok != 0 && lost && !out->broken) {
        out->len = at;
        ok = changes_json(db, agency, after, limit, out, &lost);
    }
    return ok;
}
