/* hub_console_db.c -- see hub_console.h: the summaries hub_db_tally.c
 * keeps, read for the console's pages. Each query is a range of a
 * primary key over a few hundred rows at most: never the notices. */
#include "hub_console.h"

#include "db.h"
#include "hub_db.h"
#include "log.h"

static sqlite3_stmt *prepare(hub_console *c, const char *sql)
{
    sqlite3_stmt *st = NULL;

    if (sqlite3_prepare_v2(c->ro, sql, -1, &st, NULL) != SQLITE_OK) {
        log_warn("console: %s", sqlite3_errmsg(c->ro));
        sqlite3_finalize(st);
        return NULL;
    }
    return st;
}

int hub_console_db_days(hub_console *c, long long from,
                        void (*each)(void *ctx, long long day, const char *agency,
                                     const char *platform, const char *state, long long n),
                        void *ctx)
{
    sqlite3_stmt *st = prepare(c, "SELECT day, agency, platform, state, n FROM tally_days"
                                  " WHERE day >= ?1 AND n != 0");
    int rc;

    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, from);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        each(ctx, sqlite3_column_int64(st, 0), db_text(st, 1), db_text(st, 2), db_text(st, 3),
             sqlite3_column_int64(st, 4));
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* The first column of st's one row, bound to v as ?1. */
static long long one(hub_console *c, const char *sql, const char *text, long long v)
{
    sqlite3_stmt *st = prepare(c, sql);
    long long n = -1;

    if (!st)
        return -1;
    if (text)
        db_bind_text(st, 1, text);
    else
        sqlite3_bind_int64(st, 1, v);
    if (sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

long long hub_console_db_state(hub_console *c, const char *state)
{
    return one(c, "SELECT coalesce(sum(n), 0) FROM tally_states WHERE state = ?1", state, 0);
}

long long hub_console_db_due_by(hub_console *c, long long day)
{
    return one(c, "SELECT coalesce(sum(n), 0) FROM tally_due WHERE day <= ?1", NULL, day);
}

int hub_console_db_latency(hub_console *c, long long from, long long *counts)
{
    sqlite3_stmt *st = prepare(c, "SELECT bucket, sum(n) FROM tally_latency WHERE day >= ?1"
                                  " GROUP BY bucket");
    int rc;

    for (int b = 0; b < HUB_TALLY_BUCKETS; b++)
        counts[b] = 0;
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, from);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int b = sqlite3_column_int(st, 0);
        if (b >= 0 && b < HUB_TALLY_BUCKETS)
            counts[b] = sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}
