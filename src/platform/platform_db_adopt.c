/* platform_db_adopt.c -- the alerts still queued under another channel's
 * name, given to the platform's channel when platform.ini changed it.
 *
 * An alert is queued under the channel the platform had when it came
 * ("none" without one). A channel claims only its own, but the hub's
 * reports wait behind the oldest alert still queued or submitting of any
 * channel (platform_db_outbox_settle): left under an old name, such
 * alerts would never be sent and would stop the reports on every later
 * alert, for good. */
#include "platform_db.h"

#include <string.h>

#include "platform_db_internal.h"

/* The queued rows lie past sent_upto (?1), so no scan of the whole
 * outbox. None of another channel is submitting once the outbox is
 * recovered at open (all are queued again, or failed), and only queued
 * rows are ever claimed. */
static const char count_sql[] =
    "SELECT channel, count(*) FROM outbox WHERE id > ?1 AND state = 'queued'"
    " AND channel <> ?2 GROUP BY channel ORDER BY count(*) DESC, channel";
static const char move_sql[] =
    "UPDATE outbox SET channel = ?2 WHERE id > ?1 AND state = 'queued' AND channel <> ?2";

static int count_others(platform_db *d, const char *channel, outbox_adopted *out)
{
    sqlite3_stmt *st = db_prepare(d->db, count_sql);
    int rc, n = 0;

    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, d->sent_upto);
    db_bind_text(st, 2, channel);
    while ((rc = db_step_row(st)) == 1) {
        int count = sqlite3_column_int(st, 1);
        out->total += count;
        if (n < OUTBOX_ADOPTED_NAMED) {
            db_copy_text(out->from[n].channel, sizeof out->from[n].channel, st, 0);
            out->from[n++].n = count;
        }
    }
    sqlite3_finalize(st);
    out->named = n;
    return rc < 0 ? -1 : 0;
}

static int move_to(platform_db *d, const char *channel)
{
    sqlite3_stmt *st = db_prepare(d->db, move_sql);
    int rc;

    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, d->sent_upto);
    db_bind_text(st, 2, channel);
    rc = db_step_changed(st) < 0 ? -1 : (int)sqlite3_changes(d->db);
    sqlite3_finalize(st);
    return rc;
}

int platform_db_outbox_adopt(platform_db *d, const char *channel, outbox_adopted *out)
{
    int moved;

    memset(out, 0, sizeof *out);
    if (platform_db_outbox_settle(d) != 0 || platform_db_begin(d) != 0)
        return -1;
    if (count_others(d, channel, out) != 0 || (moved = move_to(d, channel)) < 0 ||
        moved != out->total || platform_db_commit(d) != 0) {
        platform_db_rollback(d);
        memset(out, 0, sizeof *out);
        return -1;
    }
    /* They lie behind where the channel's claims may have got to. */
    if (moved)
        platform_db_claims_rewind(d, channel);
    return moved;
}
