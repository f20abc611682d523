/* hub_db_expire.c -- the deadline worker's round in the hub's store:
 * notices unread at their channel's deadline get AcceptanceRejectionExpiry
 * and go back to the relay queue for the next platform. */
#include "hub_db_internal.h"

#include <stdio.h>

static int expire_one(hub_db *db, hub_notice *n, long long now)
{
    char why[HUB_NAME_MAX + 64];

    if (n->reminded < 0) /* pre-noticed, and the member did not consent */
        snprintf(why, sizeof why, "no consent by the end of the window on %s", n->platform);
    else
        snprintf(why, sizeof why, "unread at the deadline on %s", n->platform);
    if (hub_db_notice_record(db, n, EV_ACCEPTANCE_REJECTION_EXPIRY, "hub", why, 1, now,
                             NULL) != 0)
        return -1;
    n->expiries++;
    n->attempts = 0;
    n->reminded = 0;
    n->remind_at = 0;
    n->remind_dirty = 1;
    n->due = 0;
    n->next_attempt = now;
    return hub_db_notice_save(db, n, now);
}

int hub_db_expire(hub_db *db, long long now, size_t max, size_t *expired)
{
    hub_notice *rows;
    size_t count;
    int ok = 0;

    *expired = 0;
    if (hub_db_begin(db) != 0)
        return -1;
    rows = hub_db_notice_select(db, S_DUE, now, max, &count);
    if (!rows)
        ok = -1;
    for (size_t i = 0; i < count && ok == 0; i++)
        ok = expire_one(db, &rows[i], now);
    if (ok == 0)
        *expired = count;
    return hub_db_finish(db, ok);
}
