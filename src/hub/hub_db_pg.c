/* hub_db_pg.c -- the hub's store in PostgreSQL, which several hubs
 * (nodes) share: its schema and versioned migrations, its SQL, and its
 * open. The logic that runs on it is the SQLite store's (hub_db_*.c, over
 * sql.h); what differs is said here:
 *
 *   - a notice is loaded FOR UPDATE, so two nodes changing it take turns
 *     and its leaves reach the log in the order of their commits;
 *   - the workers' claims skip rows another node holds (SKIP LOCKED);
 *   - a notice's last leaf time is in its row (last_leaf), not in one
 *     node's memory; a lease names its node (leased_by);
 *   - a change waits in changes_queue for its seq: the log's sequencer
 *     moves it into changes, numbered in one order for every node (a
 *     bigserial is neither gap-free nor in commit order across
 *     connections);
 *   - summaries are added to (n = n + excluded.n), never overwritten;
 *   - a withdrawal owed to a platform is leased to the node telling it. */
#include "hub_db_internal.h"

#include <stdio.h>
#include <string.h>

/* The schema this binary writes; a database at a later one was made by a
 * newer herald, and this one refuses it rather than guess. */
#define HUB_PG_SCHEMA 6
/* pg_advisory_lock key under which one node at a time migrates. */
#define HUB_PG_MIGRATE_LOCK "4242001"

/* Version 1: the SQLite store's tables, with the columns several nodes
 * need (see the top of this file). What is kept, and never kept, is as
 * in hub_db.c; times are Unix milliseconds. (The directory makes its own
 * table, under the same lock: hub_directory.c.) */
static const char migrate_1[] =
    "CREATE TABLE notices("
    "  id text PRIMARY KEY, agency text NOT NULL, reference text NOT NULL,"
    "  rk text NOT NULL, title text NOT NULL, doc_sha256 text NOT NULL,"
    "  deadline bigint NOT NULL, link text NOT NULL, state text NOT NULL, platform text,"
    "  created bigint NOT NULL, due bigint, next_attempt bigint NOT NULL DEFAULT 0,"
    "  attempts int NOT NULL DEFAULT 0, expiries int NOT NULL DEFAULT 0,"
    "  window_start bigint, remind_at bigint, reminded int NOT NULL DEFAULT 0,"
    "  urgent int NOT NULL DEFAULT 0, last_leaf bigint NOT NULL DEFAULT 0, leased_by text,"
    "  UNIQUE(agency, reference));"
    "CREATE INDEX notices_relay ON notices(next_attempt) WHERE state = 'accepted';"
    "CREATE INDEX notices_due ON notices(due) WHERE state IN ('relayed', 'received');"
    "CREATE INDEX notices_remind ON notices(remind_at) WHERE remind_at IS NOT NULL;"
    "CREATE TABLE relays(notice text NOT NULL, platform text NOT NULL, accepted int NOT NULL,"
    "  events int NOT NULL DEFAULT 0, PRIMARY KEY(notice, platform));"
    "CREATE TABLE reported(notice text NOT NULL, event text NOT NULL, actor text NOT NULL,"
    "  reason text NOT NULL, PRIMARY KEY(notice, event, actor, reason));"
    "CREATE TABLE changes(id bigserial PRIMARY KEY, seq bigint UNIQUE, agency text NOT NULL,"
    "  notice text NOT NULL, state text NOT NULL, at bigint NOT NULL,"
    "  reference text NOT NULL DEFAULT '', platform text, event text);"
    "CREATE INDEX changes_agency ON changes(agency, seq) WHERE seq IS NOT NULL;"
    "CREATE INDEX changes_unsequenced ON changes(id) WHERE seq IS NULL;"
    "CREATE TABLE reminders(notice text NOT NULL, platform text NOT NULL, n int NOT NULL,"
    "  at bigint NOT NULL, PRIMARY KEY(notice, platform, n));"
    "CREATE TABLE withdrawals(notice text NOT NULL, platform text NOT NULL, reason text,"
    "  leased_until bigint NOT NULL DEFAULT 0, PRIMARY KEY(notice, platform));"
    "CREATE TABLE tally_days(day bigint NOT NULL, agency text NOT NULL,"
    "  platform text NOT NULL, state text NOT NULL, n bigint NOT NULL,"
    "  PRIMARY KEY(day, agency, platform, state));"
    "CREATE TABLE tally_states(state text PRIMARY KEY, n bigint NOT NULL);"
    "CREATE TABLE tally_due(day bigint PRIMARY KEY, n bigint NOT NULL);"
    "CREATE TABLE tally_latency(day bigint NOT NULL, bucket int NOT NULL, n bigint NOT NULL,"
    "  PRIMARY KEY(day, bucket));";

/* Version 2: a change waits for its seq in a queue of its own
 * (changes_queue), which the sequencer empties into changes, numbered.
 * Numbered in place, every numbered row left a dead entry in the index of
 * unnumbered ones until a vacuum of the whole table: at 200,000 notices
 * the sequencer's look for new rows, and a feed reader's wait for its
 * agency's, stepped over 200,000 of them each time (60-130 ms). The queue
 * is small and the sequencer vacuums it with log_pending. Notices and
 * relays leave a fifth of each page written from then on free (pages a
 * version 1 store filled stay full until rewritten): an update of a
 * column no index holds (a notice's last_leaf, a relay's events) then
 * stays in its page (HOT) and adds no index entries. */
static const char migrate_2[] =
    "CREATE TABLE changes_queue(id bigserial PRIMARY KEY, agency text NOT NULL,"
    "  notice text NOT NULL, state text NOT NULL, at bigint NOT NULL,"
    "  reference text NOT NULL DEFAULT '', platform text, event text);"
    "INSERT INTO changes_queue(agency, notice, state, at, reference, platform, event)"
    "  SELECT agency, notice, state, at, reference, platform, event FROM changes"
    "  WHERE seq IS NULL ORDER BY id;"
    "DELETE FROM changes WHERE seq IS NULL;"
    "DROP INDEX changes_unsequenced;"
    "ALTER TABLE changes ALTER seq SET NOT NULL;"
    "ALTER TABLE notices SET (fillfactor = 80);"
    "ALTER TABLE relays SET (fillfactor = 80);";

/* The log's tables as version 3 made them (version 5 changed log_tree
 * for log_blocks: HUB_PG_LOG_SCHEMA). */
#define LOG_SCHEMA_3                                                                        \
    HUB_PG_LOG_QUEUE                                                                        \
    "CREATE TABLE IF NOT EXISTS log_tree(idx bigint PRIMARY KEY, id bigint NOT NULL UNIQUE," \
    "  hash bytea NOT NULL);"                                                               \
    "CREATE OR REPLACE VIEW log_leaves AS SELECT t.idx, e.notice, e.leaf, t.hash"           \
    "  FROM log_tree t JOIN log_entries e ON e.id = t.id;"                                  \
    HUB_PG_LOG_HEADS

/* Version 3: a leaf's bytes are written once (LOG_SCHEMA_3). Before,
 * they went into log_pending with the state they record and the sequencer
 * moved them into log_leaves: each leaf written twice, the move 67 us of
 * the server's ~320 us of statement time per notice at 200,000
 * (pg_stat_statements). A log of the old shape is carried over: its
 * integrated leaves keep their indexes (ids idx + 1), and the queued
 * ones are queued again in their order. A new store has no log yet: the
 * steps that carry one over do nothing. */
static const char migrate_3[] =
    "DO $$ BEGIN IF to_regclass('log_leaves') IS NOT NULL"
    "  AND NOT EXISTS(SELECT 1 FROM pg_views WHERE viewname = 'log_leaves'"
    "    AND schemaname = current_schema()) THEN"
    "  ALTER TABLE log_leaves RENAME TO log_leaves_2;"
    "  ALTER TABLE log_pending RENAME TO log_pending_2;"
    "  ALTER INDEX log_pending_pkey RENAME TO log_pending_2_pkey;"
    " END IF; END $$;"
    LOG_SCHEMA_3
    "DO $$ BEGIN IF to_regclass('log_leaves_2') IS NOT NULL THEN"
    "  ALTER TABLE log_entries DISABLE TRIGGER log_entries_queue;"
    "  INSERT INTO log_entries(id, notice, leaf, hash)"
    "    SELECT idx + 1, notice, leaf, hash FROM log_leaves_2 ORDER BY idx;"
    "  INSERT INTO log_tree(idx, id, hash) SELECT idx, idx + 1, hash FROM log_leaves_2;"
    "  ALTER TABLE log_entries ENABLE TRIGGER log_entries_queue;"
    "  PERFORM setval(pg_get_serial_sequence('log_entries', 'id'),"
    "    coalesce((SELECT max(idx) FROM log_leaves_2), -1) + 2, false);"
    "  INSERT INTO log_entries(notice, leaf, hash)"
    "    SELECT notice, leaf, hash FROM log_pending_2 ORDER BY id;"
    "  DROP TABLE log_leaves_2, log_pending_2;"
    " END IF; END $$;";

/* Version 4: indexes nothing reads are gone. Each one cost every row a
 * btree insertion, and they were a fifth of the store's ~39 a notice at
 * 100,000 (pg_waldump): the queues' primary keys (the sequencer takes
 * the oldest rows of a queue that stays small, by a scan and a sort),
 * and changes' id and seq keys (the feed is read by agency and seq; its
 * index now keeps each pair unique). */
static const char migrate_4[] =
    "ALTER TABLE log_pending DROP CONSTRAINT IF EXISTS log_pending_pkey;"
    "ALTER TABLE changes_queue DROP CONSTRAINT IF EXISTS changes_queue_pkey;"
    "ALTER TABLE changes DROP COLUMN IF EXISTS id;"
    "ALTER TABLE changes DROP CONSTRAINT IF EXISTS changes_seq_key;"
    "DROP INDEX IF EXISTS changes_agency;"
    "CREATE UNIQUE INDEX changes_agency ON changes(agency, seq);";

/* Version 5: the tree's leaves a block at a time (log_blocks,
 * hub_evidence_log.h) instead of a row each in log_tree. The leaves
 * integrated so far keep their indexes, in blocks of HUB_PG_LOG_BLOCK
 * consecutive ones. */
#define STR(x) #x
#define XSTR(x) STR(x)
static const char migrate_5[] =
    HUB_PG_LOG_BLOCKS
    "INSERT INTO log_blocks(first_idx, n, min_id, max_id, ids, hashes)"
    "  SELECT min(idx), count(*), min(id), max(id), array_agg(id ORDER BY idx),"
    "  string_agg(hash, ''::bytea ORDER BY idx) FROM log_tree"
    "  GROUP BY idx / " XSTR(HUB_PG_LOG_BLOCK) ";"
    HUB_PG_LOG_LEAVES_VIEW
    "DROP TABLE log_tree;";

/* Version 6: a withdrawal owed again while a node tells the platform of
 * it is told once more (gen: only the generation told is taken away). */
static const char migrate_6[] =
    "ALTER TABLE withdrawals ADD COLUMN IF NOT EXISTS gen int NOT NULL DEFAULT 0;";

static const char *const migrations[HUB_PG_SCHEMA + 1] = {
    [1] = migrate_1, [2] = migrate_2, [3] = migrate_3, [4] = migrate_4, [5] = migrate_5,
    [6] = migrate_6};

#define PG_NOTICE_COLS HUB_DB_NOTICE_COLS ", last_leaf"

/* The writer's statements; their numbers as in hub_db.c's (S_INSERT is
 * SQLite's alone: S_INSERT_MANY takes its place). ?8 of S_SAVE, ?11 of
 * S_SAVE_REMIND, ?13 of S_INSERT_MANY, ?3 of S_RELEASE and ?2 of
 * S_RECOVER are the node; ?9 of S_SAVE and ?12 of S_SAVE_REMIND the
 * notice's last leaf time. */
static const char *const pg_sql[S_COUNT] = {
    [S_FIND_REF] = "SELECT id, state FROM notices WHERE agency = ?1 AND reference = ?2",
    /* A submission's notices in one statement (hub_db_submit.c): a
     * prepared INSERT per row cost the server about twice as much. Empty
     * platforms and nodes stand for NULL; the ids RETURNING gives are the
     * rows that went in. */
    [S_INSERT_MANY] = "INSERT INTO notices(id, agency, reference, rk, title, doc_sha256, deadline,"
                      " link, state, created, next_attempt, platform, urgent, last_leaf,"
                      " leased_by) SELECT v.id, ?1, v.ref, v.rk, v.title, v.doc, v.deadline,"
                      " v.link, 'accepted', ?2, v.next, NULLIF(v.platform, ''), v.urgent, ?2,"
                      " NULLIF(v.node, '') FROM unnest(?3::text[], ?4::text[], ?5::text[],"
                      " ?6::text[], ?7::text[], ?8::bigint[], ?9::text[], ?10::bigint[],"
                      " ?11::text[], ?12::int[], ?13::text[])"
                      " AS v(id, ref, rk, title, doc, deadline, link, next, platform, urgent, node)"
                      " ON CONFLICT(agency, reference) DO NOTHING RETURNING id",
    [S_LOAD] = "SELECT " PG_NOTICE_COLS " FROM notices WHERE id = ?1 FOR UPDATE",
    /* leased_by names the node whose lease or backoff next_attempt is: a
     * save that leaves next_attempt as it was (a reminder round's, on a
     * notice another node has leased) leaves it too, or that node's
     * lease would be this node's to free at its next start. */
    [S_SAVE] = "UPDATE notices SET state = ?2, platform = ?3, due = ?4, next_attempt = ?5,"
               " attempts = ?6, expiries = ?7,"
               " leased_by = CASE WHEN next_attempt = ?5 THEN leased_by ELSE ?8 END,"
               " last_leaf = GREATEST(last_leaf, ?9) WHERE id = ?1",
    [S_SAVE_REMIND] = "UPDATE notices SET state = ?2, platform = ?3, due = ?4,"
                      " next_attempt = ?5, attempts = ?6, expiries = ?7, window_start = ?8,"
                      " remind_at = ?9, reminded = ?10,"
                      " leased_by = CASE WHEN next_attempt = ?5 THEN leased_by ELSE ?11 END,"
                      " last_leaf = GREATEST(last_leaf, ?12) WHERE id = ?1",
    /* The notice's integrated leaves in tree order, then those the
     * sequencer has yet to take (NULLs sort last), in the order they were
     * committed: one statement, one snapshot, so a leaf being integrated
     * has its index or has none. */
    [S_HISTORY] = "SELECT e.leaf, e.hash, NULL::bigint, NULL::bigint"
                  HUB_PG_NOTICE_LEAVES("?1") " ORDER BY t.idx, e.id",
    [S_CHANGES] = "SELECT seq, notice, reference, state, at, platform, event FROM changes"
                  " WHERE agency = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
    [S_REPORTED] = "INSERT INTO reported(notice, event, actor, reason) VALUES(?1, ?2, ?3, ?4)"
                   " ON CONFLICT DO NOTHING",
    [S_RELAY_GET] = "SELECT accepted FROM relays WHERE notice = ?1 AND platform = ?2",
    [S_RELAY_ADD] = "INSERT INTO relays(notice, platform, accepted, events)"
                    " VALUES(?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
    [S_RELAY_EVENT] = "UPDATE relays SET events = events | ?3::int"
                      " WHERE notice = ?1 AND platform = ?2 AND (events & ?3::int) = 0",
    [S_CLAIM] = "SELECT " PG_NOTICE_COLS " FROM notices WHERE state = 'accepted'"
                " AND next_attempt <= ?1 ORDER BY next_attempt LIMIT ?2 FOR UPDATE SKIP LOCKED",
    [S_DUE] = "SELECT " PG_NOTICE_COLS " FROM notices WHERE state IN ('relayed', 'received')"
              " AND due <= ?1 ORDER BY due LIMIT ?2 FOR UPDATE SKIP LOCKED",
    /* Only a lease of this node's: one run out may be another's now. */
    [S_RELEASE] = "UPDATE notices SET next_attempt = ?2 WHERE id = ?1 AND state = 'accepted'"
                  " AND next_attempt > ?2 AND leased_by = ?3",
    [S_REMIND] = "SELECT " PG_NOTICE_COLS " FROM notices WHERE remind_at <= ?1"
                 " ORDER BY remind_at LIMIT ?2 FOR UPDATE SKIP LOCKED",
    [S_REMINDED] = "INSERT INTO reminders(notice, platform, n, at) VALUES(?1, ?2, ?3, ?4)"
                   " ON CONFLICT DO NOTHING",
    [S_WITHDRAW_ADD] = "INSERT INTO withdrawals(notice, platform, reason)"
                       " SELECT * FROM (SELECT ?1::text, platform, ?2::text FROM relays"
                       " WHERE notice = ?1 AND accepted = 1"
                       " UNION SELECT ?1::text, ?3::text, ?2::text WHERE ?3::text IS NOT NULL) w"
                       " ON CONFLICT(notice, platform) DO UPDATE SET gen = withdrawals.gen + 1,"
                       " leased_until = 0",
    /* ?1 max, ?2 the lease's end, ?3 now. Platforms in turn, as on SQLite:
     * in name order, a backlog owed to a platform that is down (leased
     * again as each lease ends) kept every other platform's out. A window
     * function cannot go with FOR UPDATE, so the rows are chosen first,
     * then locked, their lease checked again on the row locked. */
    [S_WITHDRAW_DUE] = "UPDATE withdrawals w SET leased_until = ?2 FROM (SELECT notice, platform"
                       " FROM withdrawals WHERE (notice, platform) IN (SELECT notice, platform"
                       "  FROM (SELECT notice, platform, row_number() OVER (PARTITION BY platform"
                       "   ORDER BY notice) AS k FROM withdrawals WHERE leased_until <= ?3) t"
                       "  ORDER BY k, platform LIMIT ?1)"
                       " AND leased_until <= ?3 FOR UPDATE SKIP LOCKED) d"
                       " WHERE w.notice = d.notice AND w.platform = d.platform"
                       " RETURNING w.notice, w.platform, w.reason, w.gen",
    [S_WITHDRAW_DONE] = "DELETE FROM withdrawals WHERE notice = ?1 AND platform = ?2"
                        " AND gen = ?3",
    /* Only this node's: the others' rounds are alive. */
    [S_RECOVER] = "UPDATE notices SET next_attempt = ?1 WHERE state = 'accepted'"
                  " AND next_attempt > ?1 AND leased_by = ?2",
    [S_PRELOAD] = "SELECT " PG_NOTICE_COLS " FROM notices WHERE id = ANY(?1::text[])"
                  " ORDER BY id COLLATE \"C\" FOR UPDATE",
    /* Its notices locked, a batch's relays rows need no lock of their own:
     * nothing writes one without its notice's (hub_db_relay_preload). */
    [S_RELAY_PRELOAD] = "SELECT notice, accepted, events FROM relays"
                        " WHERE notice = ANY(?1::text[]) AND platform = ?2"
                        " ORDER BY notice COLLATE \"C\"",
    /* Events marked in a report batch's preloaded relays rows. */
    [S_RELAY_MARKS] = "UPDATE relays r SET events = r.events | v.bits"
                      " FROM unnest(?1::text[], ?2::int[]) AS v(notice, bits)"
                      " WHERE r.notice = v.notice AND r.platform = ?3",
    /* The transaction's notices' last leaf times (hub_db_leaf_time.c). */
    [S_LEAF_TIMES] = "UPDATE notices n SET last_leaf = v.t"
                     " FROM unnest(?1::text[], ?2::bigint[]) AS v(id, t)"
                     " WHERE n.id = v.id AND n.last_leaf < v.t",
    /* Not one owed again since (gen), nor one whose lease ran out during
     * the calls (?4, the lease this node set): another node may be
     * telling it. */
    [S_WITHDRAW_RELEASE] = "UPDATE withdrawals SET leased_until = 0"
                           " WHERE notice = ?1 AND platform = ?2 AND gen = ?3"
                           " AND leased_until = ?4",
};

/* The reader's notice, for GETs: locking nothing. */
static const char pg_read_load[] = "SELECT " PG_NOTICE_COLS " FROM notices WHERE id = ?1";
/* The agency's last change still without its seq, and whether those up
 * to one are still waiting for the sequencer (hub_db_changes.c). */
static const char pg_changes_last[] = "SELECT coalesce(max(id), 0) FROM changes_queue"
                                      " WHERE agency = ?1";
static const char pg_changes_waiting[] = "SELECT count(*) FROM changes_queue"
                                         " WHERE agency = ?1 AND id <= ?2";

/* The version the database is at: 0 when it has none yet, -1 on error. */
static int schema_version(sql_conn *c)
{
    sql_stmt *st;
    int v = -1;

    if (sql_exec(c, "CREATE TABLE IF NOT EXISTS hub_schema(version int NOT NULL)") != 0)
        return -1;
    st = sql_prepare(c, "SELECT coalesce(max(version), 0) FROM hub_schema");
    if (st && sql_step(st) == 1)
        v = sql_int(st, 0);
    sql_finalize(st);
    return v;
}

/* Brings the schema to HUB_PG_SCHEMA, each step in a transaction of its
 * own, under the migration lock. */
static int migrate(sql_conn *c, char *err, size_t errlen)
{
    char bump[64];
    int v = schema_version(c);

    if (v < 0) {
        snprintf(err, errlen, "PostgreSQL: cannot read the store's schema version");
        return -1;
    }
    if (v > HUB_PG_SCHEMA) {
        snprintf(err, errlen,
                 "PostgreSQL: the store's schema is version %d, newer than this herald's"
                 " (version %d): run a herald at least as new",
                 v, HUB_PG_SCHEMA);
        return -1;
    }
    for (v++; v <= HUB_PG_SCHEMA; v++) {
        snprintf(bump, sizeof bump, "DELETE FROM hub_schema; INSERT INTO hub_schema VALUES(%d)",
                 v);
        if (sql_begin(c) != 0 || sql_exec(c, migrations[v]) != 0 || sql_exec(c, bump) != 0 ||
            sql_commit(c) != 0) {
            sql_rollback(c);
            snprintf(err, errlen, "PostgreSQL: cannot migrate the store to version %d", v);
            return -1;
        }
    }
    return 0;
}

/* Schema and log under the migration lock (a session lock: a node that
 * dies holding it lets go with its connection). */
static int make_schema(hub_db *db, const char *dsn, char *err, size_t errlen)
{
    sql_conn *c = db->w.conn;
    int ok;

    if (sql_exec(c, "SELECT pg_advisory_lock(" HUB_PG_MIGRATE_LOCK ")") != 0) {
        snprintf(err, errlen, "PostgreSQL: cannot take the migration lock");
        return -1;
    }
    ok = migrate(c, err, errlen);
    if (ok == 0 && !(db->log = hub_evidence_log_open_pg(c, dsn, db->node, err, errlen)))
        ok = -1;
    if (sql_exec(c, "SELECT pg_advisory_unlock(" HUB_PG_MIGRATE_LOCK ")") != 0 && ok == 0) {
        snprintf(err, errlen, "PostgreSQL: cannot let go of the migration lock");
        ok = -1;
    }
    return ok;
}

static int open_reader(hub_db *db, const char *dsn, char *err, size_t errlen)
{
    const char *text[S_COUNT] = {[S_LOAD] = pg_read_load,
                                 [S_FIND_REF] = pg_sql[S_FIND_REF],
                                 [S_HISTORY] = pg_sql[S_HISTORY],
                                 [S_CHANGES] = pg_sql[S_CHANGES],
                                 [S_RELAY_GET] = pg_sql[S_RELAY_GET],
                                 [S_CHANGES_LAST] = pg_changes_last,
                                 [S_CHANGES_WAITING] = pg_changes_waiting};

    if (!(db->r.conn = sql_connect_pg(dsn, err, errlen)))
        return -1;
    db->reader = &db->r;
    if (hub_db_prepare_all(&db->r, text) != 0) {
        snprintf(err, errlen, "PostgreSQL: cannot prepare the reader's statements");
        return -1;
    }
    return 0;
}

hub_db *hub_db_open_pg(const char *dsn, const char *node, char *err, size_t errlen)
{
    hub_db *db;

    if (!node[0] || strlen(node) >= sizeof db->node) {
        snprintf(err, errlen, "the node's name must be 1 to %d bytes",
                 (int)sizeof db->node - 1);
        return NULL;
    }
    if (!(db = hub_db_new(err, errlen)))
        return NULL;
    db->pg = 1;
    memcpy(db->node, node, strlen(node) + 1);
    if (!(db->w.conn = sql_connect_pg(dsn, err, errlen)) ||
        make_schema(db, dsn, err, errlen) != 0 || open_reader(db, dsn, err, errlen) != 0) {
        hub_db_close(db);
        return NULL;
    }
    hub_evidence_log_set_writer_lock(db->log, &db->w.lock);
    if (hub_db_tally_open(db) != 0 || hub_db_prepare_all(&db->w, pg_sql) != 0) {
        snprintf(err, errlen, "PostgreSQL: cannot prepare the store's statements");
        hub_db_close(db);
        return NULL;
    }
    return db;
}
