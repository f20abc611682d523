/* hub_console_db.c -- see hub_console.h: the summaries hub_db_tally.c
 * keeps, read for the console's pages. Each query is a range of a
 * primary key over a few hundred rows at most: never the notices.
 *
 * The same SQL runs on hub.db and on PostgreSQL (sql.h): sums are cast
 * to bigint, which PostgreSQL would otherwise widen to numeric. Each
 * statement is prepared once and kept, so that PostgreSQL plans it once;
 * after the server went away the connection comes back by itself and a
 * query that failed on it runs once more. */
#include "hub_console.h"

#include "hub_db.h"
#include "log.h"

static const char days_sql[] = "SELECT day, agency, platform, state, n FROM tally_days"
                               " WHERE day >= ?1 AND n != 0";
static const char state_sql[] =
    "SELECT CAST(coalesce(sum(n), 0) AS bigint) FROM tally_states WHERE state = ?1";
static const char due_sql[] =
    "SELECT CAST(coalesce(sum(n), 0) AS bigint) FROM tally_due WHERE day <= ?1";
static const char latency_sql[] = "SELECT bucket, CAST(sum(n) AS bigint) FROM tally_latency"
                                  " WHERE day >= ?1 GROUP BY bucket";

/* *st, prepared on its first use, reset for another run; NULL when the
 * database cannot prepare it (logged). */
static sql_stmt *ready(hub_console *c, sql_stmt **st, const char *sql)
{
    if (sql_lost(c->ro) && sql_reset_conn(c->ro) != 0)
        return NULL;
    if (!*st)
        *st = sql_prepare(c->ro, sql);
    else
        sql_reset(*st);
    return *st;
}

/* The first step of a query bound by bind(st, arg): 1 a row, 0 none, -1
 * an error. Once more after a lost connection: no row was read yet. */
static int first_step(hub_console *c, sql_stmt **st, const char *sql,
                      void (*bind)(sql_stmt *st, const void *arg), const void *arg)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        sql_stmt *s = ready(c, st, sql);
        int rc;
        if (!s)
            return -1;
        bind(s, arg);
        rc = sql_step(s);
        if (rc >= 0 || !sql_lost(c->ro))
            return rc;
    }
    return -1;
}

static void bind_int64(sql_stmt *st, const void *arg)
{
    sql_bind_int64(st, 1, *(const long long *)arg);
}

static void bind_text(sql_stmt *st, const void *arg)
{
    sql_bind_text(st, 1, arg);
}

int hub_console_db_days(hub_console *c, long long from,
                        void (*each)(void *ctx, long long day, const char *agency,
                                     const char *platform, const char *state, long long n),
                        void *ctx)
{
    int rc = first_step(c, &c->days, days_sql, bind_int64, &from);

    for (; rc == 1; rc = sql_step(c->days))
        each(ctx, sql_int64(c->days, 0), sql_text(c->days, 1), sql_text(c->days, 2),
             sql_text(c->days, 3), sql_int64(c->days, 4));
    if (c->days)
        sql_reset(c->days);
    return rc == 0 ? 0 : -1;
}

/* The first column of a query's one row; -1 on an error. */
static long long one(hub_console *c, sql_stmt **st, const char *sql,
                     void (*bind)(sql_stmt *st, const void *arg), const void *arg)
{
    int rc = first_step(c, st, sql, bind, arg);
    long long n = rc == 1 ? sql_int64(*st, 0) : -1;

    if (*st)
        sql_reset(*st);
    return n;
}

long long hub_console_db_state(hub_console *c, const char *state)
{
    return one(c, &c->state, state_sql, bind_text, state);
}

long long hub_console_db_due_by(hub_console *c, long long day)
{
    return one(c, &c->due, due_sql, bind_int64, &day);
}

int hub_console_db_latency(hub_console *c, long long from, long long *counts)
{
    int rc = first_step(c, &c->latency, latency_sql, bind_int64, &from);

    for (int b = 0; b < HUB_TALLY_BUCKETS; b++)
        counts[b] = 0;
    for (; rc == 1; rc = sql_step(c->latency)) {
        int b = sql_int(c->latency, 0);
        if (b >= 0 && b < HUB_TALLY_BUCKETS)
            counts[b] = sql_int64(c->latency, 1);
    }
    if (c->latency)
        sql_reset(c->latency);
    return rc == 0 ? 0 : -1;
}
