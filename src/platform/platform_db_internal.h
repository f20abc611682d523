/* platform_db_internal.h -- what the pieces of the platform's store
 * share: the open database with its statements, and the one-row reader.
 * Only platform_db*.c include it; everyone else sees platform_db.h. */
#ifndef HERALD_PLATFORM_DB_INTERNAL_H
#define HERALD_PLATFORM_DB_INTERNAL_H

#include <sqlite3.h>

#include "db.h"
#include "platform_db.h"

struct platform_db {
    sqlite3 *db;
    db_checkpointer *ckpt;
    sqlite3_stmt *member_by_rk, *member_by_phone, *member_by_id, *member_insert,
        *member_consent, *member_verify, *inbox_insert, *inbox_get, *inbox_list, *inbox_read,
        *outbox_insert, *dir_insert, *session_insert, *session_get,
        *session_delete, *attempts_get, *attempts_set, *attempts_clear,
        *member_route, *notify_mark, *outbox_last, *events_batch, *events_reported,
        *dir_batch, *dir_delete, *sessions_expire, *attempts_expire;
    /* Outbox rows up to sent_upto are sent; up to reported_upto, the hub
     * has their ConsignmentNotification. */
    long long sent_upto, reported_upto;
};

/* Steps a bound lookup once: read(st, out) takes the row if there is one.
 * 1 found, 0 not, -1 on a database error (logged). Leaves st reset. */
int platform_db_read_row(sqlite3_stmt *st, void (*read)(sqlite3_stmt *st, void *out),
                         void *out);

#endif
