/* platform_db_migrate.c -- bringing a platform.db made by older code to
 * today's columns at open (platform_db_migrate, platform_db_internal.h).
 * Each step says what the older database lacked; a new database has it
 * all from its CREATE TABLE already, and every step finds nothing to do.
 * A step that adds several columns runs in one transaction, so that one
 * cut short does not look done. */
#include "platform_db_internal.h"

#include <stdio.h>

#include "db.h"
#include "log.h"

/* Before alerts had states, a row was queued (sent NULL) or sent, which
 * the built-in channel did at once: a sent row is accepted now, by that
 * channel, with no reference. */
static const char outbox_states[] =
    "ALTER TABLE outbox ADD COLUMN state TEXT NOT NULL DEFAULT 'queued';"
    "ALTER TABLE outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE outbox ADD COLUMN duplicate INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE outbox ADD COLUMN resent TEXT;"
    "ALTER TABLE outbox ADD COLUMN reference TEXT;"
    "ALTER TABLE outbox ADD COLUMN settled TEXT;"
    "ALTER TABLE outbox ADD COLUMN reason TEXT;"
    "UPDATE outbox SET state = 'accepted', attempts = 1 WHERE sent IS NOT NULL;";

/* 1 if table has the column, 0 if not, -1 on error. */
static int has_column(platform_db *d, const char *table, const char *column)
{
    char sql[160];
    long long n = 0;

    snprintf(sql, sizeof sql, "SELECT count(*) FROM pragma_table_info('%s') WHERE name = '%s'",
             table, column);
    return db_one_int(d->db, sql, &n) < 0 ? -1 : n > 0;
}

/* Before a web sign-up had to prove its phone, every member had: they
 * all read as confirmed (NULL). */
static int migrate_confirm(platform_db *d)
{
    int has = has_column(d, "members", "confirm_until");

    if (has < 0)
        return -1;
    /* One transaction: a migration cut short must not look done. */
    if (!has && (db_begin(d->db) != 0 ||
                 db_exec(d->db, "ALTER TABLE members ADD COLUMN confirm_until TEXT;"
                                " ALTER TABLE members ADD COLUMN confirm_hash TEXT;"
                                " ALTER TABLE members ADD COLUMN confirm_tries INTEGER NOT NULL"
                                " DEFAULT 0;") != 0 ||
                 db_commit(d->db) != 0)) {
        db_rollback(d->db);
        return -1;
    }
    /* The few sign-ups waiting for their code, for the pruning of the
     * lapsed ones. */
    return db_exec(d->db, "CREATE INDEX IF NOT EXISTS members_unconfirmed ON"
                          " members(confirm_until) WHERE confirm_until IS NOT NULL");
}

/* Before cancellations no notice was withdrawn. */
static int migrate_withdrawn(platform_db *d)
{
    int has = has_column(d, "inbox", "withdrawn_at");

    if (has < 0)
        return -1;
    if (!has && db_exec(d->db, "ALTER TABLE inbox ADD COLUMN withdrawn_at TEXT;"
                               " ALTER TABLE inbox ADD COLUMN withdrawn_reason TEXT;") != 0)
        return -1;
    /* Sign-up messages a phone got lately (platform_alert.c caps them):
     * a few rows, apart from the alerts. */
    if (db_exec(d->db, "CREATE INDEX IF NOT EXISTS outbox_signups ON outbox(phone, created)"
                       " WHERE kind = 'signup'") != 0)
        return -1;
    /* Sign-up messages whose code is still in their text: each leaves the
     * index when its code is wiped (platform_db_signup_codes_wipe). */
    if (db_exec(d->db, "CREATE INDEX IF NOT EXISTS outbox_signup_codes ON outbox(created)"
                       " WHERE kind = 'signup' AND text <> ''") != 0)
        return -1;
    return migrate_confirm(d);
}

/* Before reminders and pre-notices, every alert was a new notice's and
 * every inbox row was the member's to see. */
static int migrate_kinds(platform_db *d)
{
    int kind = has_column(d, "outbox", "kind"), pending = has_column(d, "inbox", "pending");

    if (kind < 0 || pending < 0)
        return -1;
    if ((!kind && db_exec(d->db, "ALTER TABLE outbox ADD COLUMN kind TEXT NOT NULL"
                                                  " DEFAULT 'alert'") != 0) ||
        (!pending && db_exec(d->db, "ALTER TABLE inbox ADD COLUMN pending INTEGER NOT NULL"
                                    " DEFAULT 0; ALTER TABLE inbox ADD COLUMN consent_until"
                                    " TEXT;") != 0))
        return -1;
    return migrate_withdrawn(d);
}

int platform_db_migrate(platform_db *d)
{
    long long has_states = 0, accepted = 0, queued = 0;

    if (db_one_int(d->db, "SELECT count(*) FROM pragma_table_info('outbox')"
                          " WHERE name = 'state'", &has_states) < 0)
        return -1;
    if (!has_states) {
        if (db_begin(d->db) != 0)
            return -1;
        if (db_exec(d->db, outbox_states) != 0 ||
            db_one_int(d->db, "SELECT count(*) FROM outbox WHERE state = 'accepted'",
                       &accepted) < 0 ||
            db_one_int(d->db, "SELECT count(*) FROM outbox WHERE state = 'queued'",
                       &queued) < 0 ||
            db_commit(d->db) != 0) {
            db_rollback(d->db);
            return -1;
        }
        log_info("database: the outbox's alerts now have states (%lld accepted, %lld queued)",
                 accepted, queued);
    }
    return migrate_kinds(d);
}
