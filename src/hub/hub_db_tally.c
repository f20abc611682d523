/* hub_db_tally.c -- the summaries the operators' console reads
 * (hub_console.c), kept as notices change so that no page ever counts
 * notices: a hub holds millions, and a count over them is seconds.
 *
 *   tally_days     notices that reached each state, per UTC day, agency
 *                  and platform ('' before a platform took it); "relayed"
 *                  counts every relay a platform accepted, also one that
 *                  went straight into the inbox ("received")
 *   tally_states   notices in each state now (the queues' backlogs)
 *   tally_due      notices in a read window, per UTC day of their read
 *                  deadline (the deadlines due today and before)
 *   tally_latency  relays accepted by a platform, per UTC day and bucket
 *                  of the time since the hub accepted the notice
 *
 * The hot paths only add to a small table in memory, under the writer's
 * lock; hub_db_finish writes it in the same transaction as the changes
 * it counts, one upsert per distinct key of the batch (a few dozen for a
 * batch of thousands), and a rolled-back batch drops it. Nothing here
 * names a notice, a person or a reference. */
#include "hub_db_internal.h"

#include <stdlib.h>
#include <string.h>

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS tally_days(day INTEGER NOT NULL, agency TEXT NOT NULL,"
    " platform TEXT NOT NULL, state TEXT NOT NULL, n INTEGER NOT NULL,"
    " PRIMARY KEY(day, agency, platform, state)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS tally_states(state TEXT PRIMARY KEY, n INTEGER NOT NULL)"
    " WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS tally_due(day INTEGER PRIMARY KEY, n INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS tally_latency(day INTEGER NOT NULL, bucket INTEGER NOT NULL,"
    " n INTEGER NOT NULL, PRIMARY KEY(day, bucket)) WITHOUT ROWID;";

/* A database from before the summaries: counted once, at the first open
 * (a scan of the notices, which takes seconds on a big hub, once), as
 * the hot paths would have kept them. The days come from the agencies'
 * feed, which holds every state change with its time and platform, and
 * from the notices' submission times; a notice back in the relay queue
 * ('accepted' in the feed) was not submitted again. A relay a platform
 * accepted is its first change to relayed or received there (one
 * straight into the inbox is one "received" row): tally_acc holds them,
 * for the days and the latency histogram. A relay accepted after its
 * notice was cancelled changed no state and is not found. */
static const char backfill[] =
    "INSERT INTO tally_states(state, n) SELECT state, count(*) FROM notices GROUP BY state;"
    "INSERT INTO tally_due(day, n) SELECT due / 86400000, count(*) FROM notices"
    " WHERE state IN ('relayed', 'received') AND due IS NOT NULL GROUP BY 1;"
    "CREATE TEMP TABLE tally_acc AS SELECT c.agency AS agency, c.platform AS platform,"
    " min(c.at) AS at, n.created AS created FROM changes c JOIN notices n ON n.id = c.notice"
    " WHERE c.event IS NULL AND c.state IN ('relayed', 'received') AND c.platform IS NOT NULL"
    " GROUP BY c.notice, c.platform;"
    "INSERT INTO tally_days(day, agency, platform, state, n)"
    " SELECT day, agency, platform, state, sum(n) FROM ("
    "  SELECT created / 86400000 AS day, agency, '' AS platform, 'accepted' AS state,"
    "   count(*) AS n FROM notices GROUP BY 1, 2"
    "  UNION ALL SELECT at / 86400000, agency, coalesce(platform, ''), state, count(*)"
    "   FROM changes WHERE event IS NULL AND state NOT IN ('accepted', 'relayed')"
    "   GROUP BY 1, 2, 3, 4"
    "  UNION ALL SELECT at / 86400000, agency, platform, 'relayed', count(*) FROM tally_acc"
    "   GROUP BY 1, 2, 3)"
    " GROUP BY 1, 2, 3, 4;";

/* The rest of the backfill: the latency histogram from tally_acc, its
 * buckets spelt out from hub_tally_latency_le_ms as SQL. */
static int backfill_latency(hub_db *db)
{
    buf sql;
    int ok;

    buf_init(&sql, 1024);
    buf_puts(&sql, "INSERT INTO tally_latency(day, bucket, n) SELECT at / 86400000, CASE");
    for (int b = 0; b < HUB_TALLY_BUCKETS - 1; b++)
        buf_printf(&sql, " WHEN at - created <= %lld THEN %d", hub_tally_latency_le_ms[b], b);
    buf_printf(&sql, " ELSE %d END, count(*) FROM tally_acc GROUP BY 1, 2;"
                     "DROP TABLE temp.tally_acc;", HUB_TALLY_BUCKETS - 1);
    ok = sql.broken ? -1 : db_exec(db->lite, sql.data);
    buf_free(&sql);
    return ok;
}

/* Each kind's key, then n: ?1.. as write_row binds them. */
static const char *const upsert[HUB_TALLY_KINDS] = {
    [HUB_TALLY_DAY] = "INSERT INTO tally_days(day, agency, platform, state, n)"
                      " VALUES(?1, ?2, ?3, ?4, ?5)"
                      " ON CONFLICT DO UPDATE SET n = n + excluded.n",
    [HUB_TALLY_STATE] = "INSERT INTO tally_states(state, n) VALUES(?1, ?2)"
                        " ON CONFLICT DO UPDATE SET n = n + excluded.n",
    [HUB_TALLY_DUE] = "INSERT INTO tally_due(day, n) VALUES(?1, ?2)"
                      " ON CONFLICT DO UPDATE SET n = n + excluded.n",
    [HUB_TALLY_LATENCY] = "INSERT INTO tally_latency(day, bucket, n) VALUES(?1, ?2, ?3)"
                          " ON CONFLICT DO UPDATE SET n = n + excluded.n",
};

/* PostgreSQL wants the key named; n is added to, so that nodes adding to
 * one row at once each count. */
static const char *const pg_upsert[HUB_TALLY_KINDS] = {
    [HUB_TALLY_DAY] = "INSERT INTO tally_days(day, agency, platform, state, n)"
                      " VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT(day, agency, platform, state)"
                      " DO UPDATE SET n = tally_days.n + excluded.n",
    [HUB_TALLY_STATE] = "INSERT INTO tally_states(state, n) VALUES(?1, ?2)"
                        " ON CONFLICT(state) DO UPDATE SET n = tally_states.n + excluded.n",
    [HUB_TALLY_DUE] = "INSERT INTO tally_due(day, n) VALUES(?1, ?2)"
                      " ON CONFLICT(day) DO UPDATE SET n = tally_due.n + excluded.n",
    [HUB_TALLY_LATENCY] = "INSERT INTO tally_latency(day, bucket, n) VALUES(?1, ?2, ?3)"
                          " ON CONFLICT(day, bucket)"
                          " DO UPDATE SET n = tally_latency.n + excluded.n",
};

const long long hub_tally_latency_le_ms[HUB_TALLY_BUCKETS] = {
    1000, 5000, 30000, 60000, 300000, 900000, 3600000, 21600000, 86400000, -1,
};

/* SQLite: a file from before the summaries gets them now. (PostgreSQL's
 * are in its first schema: hub_db_pg.c.) */
static int make_tables(hub_db *db)
{
    sqlite3_stmt *probe = NULL;
    int fresh = sqlite3_prepare_v2(db->lite, "SELECT 1 FROM tally_states", -1, &probe,
                                   NULL) != SQLITE_OK;
    int ok;

    sqlite3_finalize(probe);
    if (!fresh)
        return 0;
    if (db_begin(db->lite) != 0)
        return -1;
    ok = db_exec(db->lite, schema) == 0 && db_exec(db->lite, backfill) == 0 &&
                 backfill_latency(db) == 0
             ? 0
             : -1;
    if (ok != 0 || db_commit(db->lite) != 0) {
        db_rollback(db->lite);
        return -1;
    }
    return 0;
}

int hub_db_tally_open(hub_db *db)
{
    if (!db->pg && make_tables(db) != 0)
        return -1;
    for (int k = 0; k < HUB_TALLY_KINDS; k++)
        if (!(db->tally_st[k] = sql_prepare(db->w.conn, db->pg ? pg_upsert[k] : upsert[k])))
            return -1;
    return 0;
}

void hub_db_tally_close(hub_db *db)
{
    for (int k = 0; k < HUB_TALLY_KINDS; k++)
        sql_finalize(db->tally_st[k]);
}

static int write_row(hub_db *db, const hub_tally_row *r)
{
    sql_stmt *st = db->tally_st[r->kind];

    sql_reset(st);
    switch (r->kind) {
    case HUB_TALLY_DAY:
        sql_bind_int64(st, 1, r->day);
        sql_bind_text(st, 2, r->agency);
        sql_bind_text(st, 3, r->platform);
        sql_bind_text(st, 4, notice_state_name((notice_state)r->k));
        sql_bind_int64(st, 5, r->n);
        break;
    case HUB_TALLY_STATE:
        sql_bind_text(st, 1, notice_state_name((notice_state)r->k));
        sql_bind_int64(st, 2, r->n);
        break;
    case HUB_TALLY_DUE:
        sql_bind_int64(st, 1, r->day);
        sql_bind_int64(st, 2, r->n);
        break;
    default: /* HUB_TALLY_LATENCY: k is the bucket */
        sql_bind_int64(st, 1, r->day);
        sql_bind_int(st, 2, r->k);
        sql_bind_int64(st, 3, r->n);
    }
    return sql_step_later(st);
}

/* The order rows are written in on PostgreSQL: the same in every
 * transaction, so that two nodes adding to the same rows wait for each
 * other instead of deadlocking. */
static int row_order(const void *a, const void *b)
{
    const hub_tally_row *x = a, *y = b;
    int c;

    if (x->kind != y->kind)
        return x->kind - y->kind;
    if (x->day != y->day)
        return x->day < y->day ? -1 : 1;
    if (x->k != y->k)
        return x->k - y->k;
    if ((c = strcmp(x->agency, y->agency)) != 0)
        return c;
    return strcmp(x->platform, y->platform);
}

int hub_db_tally_flush(hub_db *db)
{
    int ok = 0;

    if (db->pg)
        qsort(db->tally, db->ntally, sizeof *db->tally, row_order);
    for (size_t i = 0; i < db->ntally && ok == 0; i++)
        if (db->tally[i].n)
            ok = write_row(db, &db->tally[i]);
    db->ntally = 0;
    return ok;
}

void hub_db_tally_drop(hub_db *db)
{
    db->ntally = 0;
}

/* Adds n to the row of that key, made when missing. A batch with more
 * distinct keys than the table holds writes what it has so far. */
static int add(hub_db *db, int kind, long long day, int k, const char *agency,
               const char *platform, long long n)
{
    hub_tally_row *r;

    for (size_t i = db->ntally; i-- > 0;) {
        r = &db->tally[i];
        if (r->kind == kind && r->day == day && r->k == k && !strcmp(r->agency, agency) &&
            !strcmp(r->platform, platform)) {
            r->n += n;
            return 0;
        }
    }
    if (db->ntally == HUB_TALLY_ROWS && hub_db_tally_flush(db) != 0)
        return -1;
    r = &db->tally[db->ntally++];
    r->kind = kind;
    r->day = day;
    r->k = k;
    r->n = n;
    memcpy(r->agency, agency, strlen(agency) + 1);
    memcpy(r->platform, platform, strlen(platform) + 1);
    return 0;
}

#define DAY_MS 86400000LL

int hub_db_tally_new(hub_db *db, const hub_notice *n, long long now)
{
    if (add(db, HUB_TALLY_DAY, now / DAY_MS, NS_ACCEPTED, n->agency, "", 1) != 0)
        return -1;
    return add(db, HUB_TALLY_STATE, 0, NS_ACCEPTED, "", "", 1);
}

static int in_window(notice_state s, long long due)
{
    return (s == NS_RELAYED || s == NS_RECEIVED) && due > 0;
}

int hub_db_tally_save(hub_db *db, const hub_notice *n, long long now)
{
    int ok = 0;

    if (n->state != n->stored) {
        ok |= add(db, HUB_TALLY_STATE, 0, (int)n->stored, "", "", -1);
        ok |= add(db, HUB_TALLY_STATE, 0, (int)n->state, "", "", 1);
        /* back to accepted for another channel: not a new submission;
         * relayed: counted by hub_db_tally_relayed */
        if (n->state != NS_ACCEPTED && n->state != NS_RELAYED)
            ok |= add(db, HUB_TALLY_DAY, now / DAY_MS, (int)n->state, n->agency, n->platform,
                      1);
    }
    if (n->state != n->stored || n->due != n->stored_due) {
        if (in_window(n->stored, n->stored_due))
            ok |= add(db, HUB_TALLY_DUE, n->stored_due / DAY_MS, 0, "", "", -1);
        if (in_window(n->state, n->due))
            ok |= add(db, HUB_TALLY_DUE, n->due / DAY_MS, 0, "", "", 1);
    }
    return ok ? -1 : 0;
}

int hub_db_tally_relayed(hub_db *db, const hub_notice *n, const char *platform, long long now)
{
    long long took = now - n->created;
    int b = 0;

    while (b < HUB_TALLY_BUCKETS - 1 && took > hub_tally_latency_le_ms[b])
        b++;
    if (add(db, HUB_TALLY_DAY, now / DAY_MS, NS_RELAYED, n->agency, platform, 1) != 0)
        return -1;
    return add(db, HUB_TALLY_LATENCY, now / DAY_MS, b, "", "", 1);
}
