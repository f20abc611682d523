/* platform_db_internal.h -- what the pieces of the platform's store
 * share: the open database with its statements, and the one-row reader.
 * Only platform_db*.c include it; everyone else sees platform_db.h. */
#ifndef HERALD_PLATFORM_DB_INTERNAL_H
#define HERALD_PLATFORM_DB_INTERNAL_H

#include <sqlite3.h>

#include "db.h"
#include "metrics.h"
#include "platform_db.h"

struct platform_db {
    sqlite3 *db;
    db_checkpointer *ckpt;
    sqlite3_stmt *member_by_rk, *member_by_phone, *member_by_id, *member_insert,
        *member_consent, *member_verify, *inbox_insert, *inbox_get, *inbox_list, *inbox_read,
        *inbox_list_newer,
        *outbox_insert, *dir_insert, *session_insert, *session_get,
        *session_delete, *guard_blocked, *guard_pair, *guard_phone, *guard_pair_set,
        *guard_pair_clear, *guard_spread, *guard_block, *guard_expire_pairs,
        *guard_expire_blocks, *signup_get, *signup_set, *signup_expire,
        *member_route, *outbox_last, *events_batch, *events_reported,
        *dir_batch, *dir_delete, *sessions_expire, *outbox_requeued,
        *outbox_fresh, *outbox_claim, *outbox_accept, *outbox_reference, *outbox_unclaim,
        *outbox_fail,
        *failure_queue, *outbox_by_ref, *outbox_delivered, *outbox_unsettled,
        *outbox_submitting, *outbox_requeue, *failures_batch, *failures_reported,
        *delivery_queue, *deliveries_batch, *deliveries_reported,
        *inbox_pending, *inbox_reveal, *inbox_drop, *outbox_insert_kind, *signups_to_phone, *reminder_note,
        *consent_report, *consent_batch, *consent_done, *inbox_withdraw, *outbox_withdraw,
        *outbox_read_reminders,
        *urgent_mark,
        *urgent_next, *urgent_done, *urgent_claimed, *urgent_claimed_done, *urgent_again;
    /* The outbox's cursors. Every row up to sent_upto is settled (accepted,
     * delivered, failed or withdrawn: none queued or submitting); up to
     * reported_upto, the hub has the ConsignmentNotification of every one
     * accepted. */
    long long sent_upto, reported_upto;
    /* Per channel, where its claims go on from: no alert of it up to
     * floor is queued, save those queued again after an unknown outcome,
     * which lie from `requeued` on (0: none). */
    struct claim_slot {
        char name[16];
        long long floor, requeued;
    } claim_from[4];
    /* What the outbox and inbox recorded since start (GET /metrics), and
     * what the open transaction adds to it once it commits (and had
     * added when its savepoint opened): a round rolled back and tried
     * again counts once. */
    metrics_counter counts[PLATFORM_COUNT_KINDS];
    long pending[PLATFORM_COUNT_KINDS], at_savepoint[PLATFORM_COUNT_KINDS];
};

/* Counts one of kind: at once outside a transaction, at its commit
 * inside one. */
void platform_db_counted(platform_db *d, platform_count kind);

/* Steps a bound lookup once: read(st, out) takes the row if there is one.
 * 1 found, 0 not, -1 on a database error (logged). Leaves st reset. */
int platform_db_read_row(sqlite3_stmt *st, void (*read)(sqlite3_stmt *st, void *out),
                         void *out);

/* Moves sent_upto over the rows settled since: 0 or -1. */
int platform_db_outbox_settle(platform_db *d);

/* Claims of channel look again from the end of the settled rows: alerts
 * were queued for it behind its cursor. */
void platform_db_claims_rewind(platform_db *d, const char *channel);

/* Brings an older platform.db to today's columns (platform_db_migrate.c):
 * 0, or -1 (logged). */
int platform_db_migrate(platform_db *d);

#endif
