/* hub_db_remind.c -- reminders (hub_tell.c's worker) in the hub's store:
 * which unread notices are due a reminder, and what their platforms
 * answered (ReminderNotification once per reminder, the next one due). */
#include "hub_db_internal.h"

#include <string.h>

/* A reminder asked for is asked again after this long without an answer
 * (the platform was down, the hub stopped): the platform takes each
 * (notice, n) once however often it is asked. */
#define REMIND_LEASE_MS 60000LL

int hub_db_remind_due(hub_db *db, long long now, size_t max, hub_remind_item *items,
                      size_t *count, size_t *seen)
{
    hub_notice *rows;
    size_t found;
    int ok = 0;

    *count = *seen = 0;
    if (hub_db_begin(db) != 0)
        return -1;
    rows = hub_db_notice_select(db, S_REMIND, now, max, &found);
    if (!rows)
        ok = -1;
    else
        *seen = found;
    for (size_t i = 0; i < found && ok == 0; i++) {
        hub_notice *n = &rows[i];
        int unread = n->state == NS_RELAYED || n->state == NS_RECEIVED;
        int k = hub_reminders_due(&db->reminders, n->window_start, n->due, n->reminded, now);
        n->remind_dirty = 1;
        if (!unread) { /* read (or gone) since: its entry leaves the index now */
            n->remind_at = 0;
        } else if (k > 0 && n->platform[0]) {
            hub_remind_item *it = &items[(*count)++];
            memcpy(it->notice, n->id, sizeof it->notice);
            memcpy(it->platform, n->platform, sizeof it->platform);
            it->n = k;
            it->answer = REMIND_FAILED;
            n->remind_at = now + REMIND_LEASE_MS;
        } else { /* not due after all (the points changed): when it is */
            n->remind_at = hub_reminders_next(&db->reminders, n->window_start, n->due,
                                              n->reminded);
            if (n->remind_at && n->remind_at <= now)
                n->remind_at = 0; /* never a loop on a point that will not come */
        }
        ok = hub_db_notice_save(db, n, now);
    }
    if (ok != 0)
        *count = *seen = 0;
    return hub_db_finish(db, ok);
}

/* 1 if (notice, platform, k) was not noted before, and now is. */
static int note_reminder(hub_db *db, const hub_remind_item *it, long long now)
{
    sql_stmt *st = hub_db_stmt(db, S_REMINDED);

    sql_bind_text(st, 1, it->notice);
    sql_bind_text(st, 2, it->platform);
    sql_bind_int(st, 3, it->n);
    sql_bind_int64(st, 4, now);
    return hub_db_step_changed(st);
}

static int record_one(hub_db *db, const hub_remind_item *it, long long now)
{
    hub_notice n;
    int rc = hub_db_notice_load(db, it->notice, &n), fresh;

    if (rc <= 0 || it->answer == REMIND_FAILED)
        return rc < 0 ? -1 : 0; /* failed: the lease runs out, asked again */
    if (it->answer == REMIND_QUEUED) {
        if ((fresh = note_reminder(db, it, now)) < 0)
            return -1;
        if (fresh && hub_db_notice_evidence_reminder(db, &n, it->platform, it->n, now) != 0)
            return -1;
    }
    /* The notice may have moved on meanwhile (read, expired, another
     * platform's turn): then its reminders are not ours to change. */
    if (strcmp(n.platform, it->platform) != 0 || n.reminded < 0 || n.reminded >= it->n ||
        (n.state != NS_RELAYED && n.state != NS_RECEIVED))
        return 0;
    n.reminded = it->n;
    n.remind_dirty = 1;
    n.remind_at = it->answer == REMIND_QUEUED
                      ? hub_reminders_next(&db->reminders, n.window_start, n.due, n.reminded)
                      : 0; /* read, or gone from the platform: no more */
    return hub_db_notice_save(db, &n, now);
}

int hub_db_remind_record(hub_db *db, const hub_remind_item *items, size_t n, long long now)
{
    int ok = 0;

    if (hub_db_begin(db) != 0)
        return -1;
    for (size_t i = 0; i < n && ok == 0; i++)
        ok = record_one(db, &items[i], now);
    return hub_db_finish(db, ok);
}
