/* hub_db.c -- see hub_db.h. The store's SQLite file: its schema and the
 * migrations of older files, its statements, its connection and lock, and
 * the transactions every other piece (hub_db_internal.h) writes in, on
 * either store (hub_db_pg.c opens the PostgreSQL one). */
#include "hub_db_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"

/* What the hub keeps, and what it never keeps: no CI (only rk, a one-way
 * hash of it), no RRN, no names, no addresses, no document content (only
 * its SHA-256 and the agency's link). Times are Unix milliseconds. */
static const char schema[] =
    "CREATE TABLE IF NOT EXISTS notices("
    "  id TEXT PRIMARY KEY,"          /* UUIDv7: inserts stay sequential */
    "  agency TEXT NOT NULL,"
    "  reference TEXT NOT NULL,"
    "  rk TEXT NOT NULL,"
    "  title TEXT NOT NULL,"
    "  doc_sha256 TEXT NOT NULL,"
    "  deadline INTEGER NOT NULL,"
    "  link TEXT NOT NULL,"
    "  state TEXT NOT NULL,"
    "  platform TEXT,"                /* channel tried now or last */
    "  created INTEGER NOT NULL,"
    "  due INTEGER,"                  /* read deadline on the current channel */
    "  next_attempt INTEGER NOT NULL DEFAULT 0," /* relay queue order and backoff */
    "  attempts INTEGER NOT NULL DEFAULT 0,"     /* failed calls to this channel */
    "  expiries INTEGER NOT NULL DEFAULT 0,"     /* channels given up on: expired, alert failed */
    "  window_start INTEGER,"         /* the current channel's read window began */
    "  remind_at INTEGER,"            /* its next reminder; NULL: none */
    "  reminded INTEGER NOT NULL DEFAULT 0," /* reminders asked for there; -1: pre-notice */
    "  urgent INTEGER NOT NULL DEFAULT 0," /* overtakes bulk notices (hub_relay_queue.h) */
    "  UNIQUE(agency, reference)"
    ") WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS notices_relay ON notices(next_attempt) WHERE state = 'accepted';"
    "CREATE INDEX IF NOT EXISTS notices_due ON notices(due) WHERE state IN ('relayed', 'received');"
    /* Platforms that answered a relay (or proved by an early report that
     * they took it): accepted 1 for RelayAcceptance, 0 for a rejection.
     * Only a platform that accepted may report on the notice or see its
     * certificate. events: the platform's once-only events recorded so
     * far, bit 1 << notice_event (ContentConsignment, ConsignmentNotification):
     * kept here rather than in `reported`, it costs no B-tree of its own. */
    "CREATE TABLE IF NOT EXISTS relays("
    "  notice TEXT NOT NULL, platform TEXT NOT NULL, accepted INTEGER NOT NULL,"
    "  events INTEGER NOT NULL DEFAULT 0,"
    "  PRIMARY KEY(notice, platform)) WITHOUT ROWID;"
    /* Idempotency of the other reported events: an agency's, and a
     * platform's failures. reason is '' except for failures: a second
     * failure for another cause is evidence of its own. */
    "CREATE TABLE IF NOT EXISTS reported("
    "  notice TEXT NOT NULL, event TEXT NOT NULL, actor TEXT NOT NULL, reason TEXT NOT NULL,"
    "  PRIMARY KEY(notice, event, actor, reason)) WITHOUT ROWID;"
    /* The evidence table and the Merkle log over it: see hub_evidence_log.c. */
    /* seq needs no AUTOINCREMENT: rows are never deleted, so the next
     * rowid is always above every seq handed out, without the extra
     * sqlite_sequence update per row. */
    /* The agency's reference is kept with each change, so that the feed
     * reads this table alone, without a lookup of every notice. */
    "CREATE TABLE IF NOT EXISTS changes("
    "  seq INTEGER PRIMARY KEY, agency TEXT NOT NULL,"
    "  notice TEXT NOT NULL, state TEXT NOT NULL, at INTEGER NOT NULL,"
    "  reference TEXT NOT NULL DEFAULT '', platform TEXT, event TEXT);"
    "CREATE INDEX IF NOT EXISTS changes_agency ON changes(agency, seq);"
    /* The reminders platforms took, each once: (notice, platform, n). */
    "CREATE TABLE IF NOT EXISTS reminders("
    "  notice TEXT NOT NULL, platform TEXT NOT NULL, n INTEGER NOT NULL, at INTEGER NOT NULL,"
    "  PRIMARY KEY(notice, platform, n)) WITHOUT ROWID;"
    /* Cancelled notices the platforms holding them are still to hear of
     * (POST /v1/withdraw); a row goes once the platform has answered, if
     * it was not owed again meanwhile (gen). */
    "CREATE TABLE IF NOT EXISTS withdrawals("
    "  notice TEXT NOT NULL, platform TEXT NOT NULL, reason TEXT,"
    "  gen INTEGER NOT NULL DEFAULT 0, PRIMARY KEY(notice, platform)) WITHOUT ROWID;";

/* Made after upgrade() has added remind_at to an older notices table.
 * Partial: a notice enters it when its read window starts and leaves it
 * at its last reminder or expiry, or once read, at its next point; so
 * without reminders it costs nothing. */
static const char remind_index[] =
    "CREATE INDEX IF NOT EXISTS notices_remind ON notices(remind_at)"
    " WHERE remind_at IS NOT NULL;";

/* A checkpoint per 40 MB of WAL (2,560 pages of 16 KiB): bigger ones
 * write a page changed by several batches once. */
#define HUB_CHECKPOINT_BYTES (40LL << 20)

static const char *const lite_sql[S_COUNT] = {
    [S_FIND_REF] = "SELECT id, state FROM notices WHERE agency = ?1 AND reference = ?2",
    [S_INSERT] = "INSERT INTO notices(id, agency, reference, rk, title, doc_sha256, deadline,"
                 " link, state, created, next_attempt, platform, urgent) VALUES(?1, ?2, ?3, ?4, ?5,"
                 " ?6, ?7, ?8, 'accepted', ?9, ?10, ?11, ?12)"
                 " ON CONFLICT(agency, reference) DO NOTHING",
    [S_LOAD] = "SELECT " HUB_DB_NOTICE_COLS " FROM notices WHERE id = ?1",
    [S_SAVE] = "UPDATE notices SET state = ?2, platform = ?3, due = ?4, next_attempt = ?5,"
               " attempts = ?6, expiries = ?7 WHERE id = ?1",
    /* Only when the reminders changed: an UPDATE that names remind_at
     * rewrites its index entry, and a read notice's (the agency reports
     * reads in random order) would cost a random page of that index per
     * read; instead its entry stays until its point comes, and the
     * reminders' worker drops it then, in index order (hub_db_remind.c). */
    [S_SAVE_REMIND] = "UPDATE notices SET state = ?2, platform = ?3, due = ?4,"
                      " next_attempt = ?5, attempts = ?6, expiries = ?7, window_start = ?8,"
                      " remind_at = ?9, reminded = ?10 WHERE id = ?1",
    [S_CHANGE] = "INSERT INTO changes(agency, notice, state, at, reference, platform, event)"
                 " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [S_HISTORY] = "SELECT leaf, hash, off, len FROM evidence WHERE notice = ?1 ORDER BY idx",
    [S_CHANGES] = "SELECT seq, notice, reference, state, at, platform, event FROM changes"
                  " WHERE agency = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
    [S_REPORTED] = "INSERT OR IGNORE INTO reported(notice, event, actor, reason)"
                   " VALUES(?1, ?2, ?3, ?4)",
    [S_RELAY_GET] = "SELECT accepted FROM relays WHERE notice = ?1 AND platform = ?2",
    [S_RELAY_ADD] = "INSERT OR IGNORE INTO relays(notice, platform, accepted, events)"
                    " VALUES(?1, ?2, ?3, ?4)",
    [S_RELAY_EVENT] = "UPDATE relays SET events = events | ?3"
                      " WHERE notice = ?1 AND platform = ?2 AND events & ?3 = 0",
    [S_CLAIM] = "SELECT " HUB_DB_NOTICE_COLS " FROM notices WHERE state = 'accepted'"
                " AND next_attempt <= ?1 ORDER BY next_attempt LIMIT ?2",
    [S_DUE] = "SELECT " HUB_DB_NOTICE_COLS " FROM notices WHERE state IN ('relayed', 'received')"
              " AND due <= ?1 ORDER BY due LIMIT ?2",
    [S_RELEASE] = "UPDATE notices SET next_attempt = ?2 WHERE id = ?1 AND state = 'accepted'"
                  " AND next_attempt > ?2",
    [S_REMIND] = "SELECT " HUB_DB_NOTICE_COLS " FROM notices WHERE remind_at <= ?1"
                 " ORDER BY remind_at LIMIT ?2",
    [S_REMINDED] = "INSERT OR IGNORE INTO reminders(notice, platform, n, at)"
                   " VALUES(?1, ?2, ?3, ?4)",
    /* Every platform that accepted the notice, and the one it is leased
     * to now (?3, maybe NULL): an answer in flight may yet accept it. */
    /* Owed again while being told (a relay that landed after the
     * platform said it had no such notice): told once more (gen). */
    [S_WITHDRAW_ADD] = "INSERT INTO withdrawals(notice, platform, reason)"
                       " SELECT ?1, platform, ?2 FROM relays WHERE notice = ?1 AND accepted = 1"
                       " UNION SELECT ?1, ?3, ?2 WHERE ?3 IS NOT NULL"
                       " ON CONFLICT(notice, platform) DO UPDATE SET gen = gen + 1",
    /* Every platform's first, then every platform's second...: one with
     * a backlog (down, say) takes no more than its turn of a round. */
    [S_WITHDRAW_DUE] = "SELECT notice, platform, reason, gen FROM (SELECT notice, platform,"
                       " reason, gen, row_number() OVER (PARTITION BY platform ORDER BY notice)"
                       " AS k FROM withdrawals) ORDER BY k, platform LIMIT ?1",
    [S_WITHDRAW_DONE] = "DELETE FROM withdrawals WHERE notice = ?1 AND platform = ?2"
                        " AND gen = ?3",
    [S_RECOVER] = "UPDATE notices SET next_attempt = ?1 WHERE state = 'accepted'"
                  " AND next_attempt > ?1",
};

/* ---- statements ---- */

sql_stmt *hub_db_conn_stmt(hub_db_conn *c, int which)
{
    sql_stmt *st = c->st[which];

    sql_reset(st);
    return st;
}

sql_stmt *hub_db_stmt(hub_db *db, int which)
{
    return hub_db_conn_stmt(&db->w, which);
}

int hub_db_step_changed(sql_stmt *st)
{
    if (sql_step_done(st) != 0)
        return -1;
    return sql_changes(st) > 0;
}

int hub_db_prepare_all(hub_db_conn *c, const char *const text[S_COUNT])
{
    for (int i = 0; i < S_COUNT; i++)
        if (text[i] && !(c->st[i] = sql_prepare(c->conn, text[i])))
            return -1;
    return 0;
}

void hub_db_json_time(buf *out, long long ms)
{
    char t[25];

    clock_rfc3339_ms(t, ms);
    buf_puts(out, "\"");
    buf_puts(out, t);
    buf_puts(out, "\"");
}

/* rows points at a T *, not a void *: the pointer is copied in and out
 * rather than written through a void ** (an access of another type). */
int hub_db_reserve(void *rows, size_t *cap, size_t want, size_t each)
{
    void *old, *more;

    if (want <= *cap)
        return 0;
    memcpy(&old, rows, sizeof old);
    if (!(more = realloc(old, want * each)))
        return -1;
    memcpy(rows, &more, sizeof more);
    *cap = want;
    return 0;
}

/* ---- transactions ---- */

/* On PostgreSQL a connection the server dropped is made again before the
 * next use: the call that found it lost failed (5xx), this one may not. */
static int connected(hub_db_conn *c)
{
    return !sql_lost(c->conn) || sql_reset_conn(c->conn) == 0 ? 0 : -1;
}

int hub_db_begin(hub_db *db)
{
    /* After a failed sync nothing more is written: what was answered as
     * stored must not depend on a disk that lost writes. */
    if (!db->pg && db_wal_failed(&db->wal))
        return -1;
    pthread_mutex_lock(&db->w.lock);
    if (db->pg && connected(&db->w) != 0) {
        pthread_mutex_unlock(&db->w.lock);
        return -1;
    }
    /* A server that went away since the last call is found out here,
     * before anything was done: connected again, the call goes on. */
    if (sql_begin(db->w.conn) != 0 &&
        (!db->pg || connected(&db->w) != 0 || sql_begin(db->w.conn) != 0)) {
        pthread_mutex_unlock(&db->w.lock);
        return -1;
    }
    return 0;
}

/* The open transaction's events into GET /metrics' counts when it
 * committed; forgotten when it rolled back, as its events were. */
static void count_applied(hub_db *db, int committed)
{
    for (int e = 0; e < EV_COUNT; e++)
        for (int o = 0; o < 3; o++) {
            if (committed && db->applying[e][o])
                metrics_add(&db->applied[e][o], db->applying[e][o]);
            db->applying[e][o] = 0;
        }
}

int hub_db_unlock_synced(hub_db *db)
{
    pthread_mutex_unlock(&db->w.lock);
    return db->pg ? 0 : db_wal_sync(&db->wal);
}

int hub_db_finish(hub_db *db, int ok)
{
    if (ok == 0 && hub_db_leaf_times_flush(db) != 0)
        ok = -1;
    if (ok == 0)
        ok = hub_db_tally_flush(db);
    if (ok == 0)
        ok = hub_db_changes_flush(db);
    if (ok != 0) {
        hub_db_tally_drop(db);
        hub_db_leaf_times_drop(db);
        hub_db_changes_drop(db);
    }
    if (ok == 0 &&
        (hub_evidence_log_before_commit(db->log) != 0 || sql_commit(db->w.conn) != 0))
        ok = -1;
    if (ok != 0) {
        sql_rollback(db->w.conn);
        hub_evidence_log_rolled_back(db->log); /* leaves of the failed batch were not kept */
    } else {
        hub_evidence_log_committed(db->log);
    }
    count_applied(db, ok == 0);
    if (ok != 0) {
        pthread_mutex_unlock(&db->w.lock);
        return ok;
    }
    return hub_db_unlock_synced(db);
}

hub_db_conn *hub_db_read_begin(hub_db *db)
{
    hub_db_conn *c = db->reader;

    pthread_mutex_lock(&c->lock);
    if (db->pg && connected(c) != 0) {
        pthread_mutex_unlock(&c->lock);
        return NULL;
    }
    return c;
}

int hub_db_read_end(hub_db *db, hub_db_conn *c, int synced)
{
    int lost = db->pg && sql_lost(c->conn);

    if (c == &db->w && synced)
        return hub_db_unlock_synced(db);
    pthread_mutex_unlock(&c->lock);
    return lost;
}

int hub_db_begin_prepared(hub_db *db, hub_prepared_leaves *p)
{
    uint64_t off;

    if (p->bytes.len > 0 && !p->bytes.broken &&
        hub_evidence_log_file_leaves(db->log, p->bytes.data, p->bytes.len, &off) == 0 &&
        off <= (uint64_t)INT64_MAX - p->bytes.len)
        p->filed_at = (long long)off;
    if (hub_db_begin(db) == 0)
        return 0;
    hub_prepared_leaves_free(p);
    return -1;
}

void hub_db_use_prepared(hub_db *db, const hub_prepared_leaves *p, size_t i)
{
    db->prepared = p;
    db->prepared_at = i * PREPARED_PER_ITEM;
}

int hub_db_finish_prepared(hub_db *db, int ok, hub_prepared_leaves *p)
{
    db->prepared = NULL;
    ok = hub_db_finish(db, ok);
    hub_prepared_leaves_free(p);
    return ok;
}

/* ---- open and close ---- */

/* Databases from before relays, reported and changes.reference: carried
 * over once. A tried platform counts as having accepted when the log
 * holds its RelayAcceptance for the notice. */
static const char upgrade_tried[] =
    "INSERT OR IGNORE INTO relays(notice, platform, accepted)"
    " SELECT t.notice, t.platform, EXISTS(SELECT 1 FROM evidence e WHERE e.notice = t.notice"
    " AND json_extract(CAST(e.leaf AS TEXT), '$.event') = 'RelayAcceptance'"
    " AND json_extract(CAST(e.leaf AS TEXT), '$.actor') = t.platform) FROM tried t;"
    "DROP TABLE tried;";
static const char upgrade_reports[] =
    "INSERT OR IGNORE INTO reported(notice, event, actor, reason)"
    " SELECT notice, event, actor, '' FROM reports;"
    "DROP TABLE reports;";
/* The events a platform reported once, moved from `reported` into the
 * bits of its relays row (the old rows stay, unread). Also run for a
 * database older still, whose relays table the schema has just made. */
static const char upgrade_relay_events_column[] =
    "ALTER TABLE relays ADD COLUMN events INTEGER NOT NULL DEFAULT 0;";
static const char upgrade_relay_events[] =
    "UPDATE relays SET events = events | (SELECT coalesce(sum(CASE r.event"
    "  WHEN 'ContentConsignment' THEN 64 WHEN 'ConsignmentNotification' THEN 128"
    "  ELSE 0 END), 0) FROM reported r"
    "  WHERE r.notice = relays.notice AND r.actor = relays.platform AND r.reason = '')"
    " WHERE EXISTS (SELECT 1 FROM reported r"
    "  WHERE r.notice = relays.notice AND r.actor = relays.platform AND r.reason = '');";
_Static_assert(EVENT_BIT(EV_CONTENT_CONSIGNMENT) == 64 &&
                   EVENT_BIT(EV_CONSIGNMENT_NOTIFICATION) == 128,
               "upgrade_relay_events spells these bits out");
static const char upgrade_reminders[] =
    "ALTER TABLE notices ADD COLUMN window_start INTEGER;"
    "ALTER TABLE notices ADD COLUMN remind_at INTEGER;"
    "ALTER TABLE notices ADD COLUMN reminded INTEGER NOT NULL DEFAULT 0;";
static const char upgrade_changes[] =
    "ALTER TABLE changes ADD COLUMN reference TEXT NOT NULL DEFAULT '';"
    "UPDATE changes SET reference = (SELECT reference FROM notices WHERE id = changes.notice);";
/* The platform a change happened on: older rows have none. */
static const char upgrade_changes_platform[] = "ALTER TABLE changes ADD COLUMN platform TEXT;";
static const char upgrade_urgent[] =
    "ALTER TABLE notices ADD COLUMN urgent INTEGER NOT NULL DEFAULT 0;";
/* The evidence event of a change that moves no state (PrintHandover):
 * older rows are all state changes. */
static const char upgrade_changes_event[] = "ALTER TABLE changes ADD COLUMN event TEXT;";
static const char upgrade_withdrawals_gen[] =
    "ALTER TABLE withdrawals ADD COLUMN gen INTEGER NOT NULL DEFAULT 0;";

/* 1 if probe compiles: the tables and columns it names exist. */
static int compiles(sqlite3 *conn, const char *probe)
{
    sqlite3_stmt *st = NULL;
    int ok = sqlite3_prepare_v2(conn, probe, -1, &st, NULL) == SQLITE_OK;

    sqlite3_finalize(st);
    return ok;
}

static int upgrade(sqlite3 *conn)
{
    int tried = compiles(conn, "SELECT 1 FROM tried");
    int reports = compiles(conn, "SELECT 1 FROM reports");
    int changes = !compiles(conn, "SELECT reference FROM changes");
    int relay_events = !compiles(conn, "SELECT events FROM relays");
    int reminders = !compiles(conn, "SELECT remind_at FROM notices");
    int platform = !compiles(conn, "SELECT platform FROM changes");
    int urgent = !compiles(conn, "SELECT urgent FROM notices");
    int event = !compiles(conn, "SELECT event FROM changes");
    int gen = !compiles(conn, "SELECT gen FROM withdrawals");
    int ok = 0;

    if (!tried && !reports && !changes && !relay_events && !reminders && !platform && !urgent &&
        !event && !gen)
        return db_exec(conn, remind_index);
    if (db_begin(conn) != 0)
        return -1;
    if (tried)
        ok = db_exec(conn, upgrade_tried);
    if (ok == 0 && reports)
        ok = db_exec(conn, upgrade_reports);
    if (ok == 0 && changes)
        ok = db_exec(conn, upgrade_changes);
    if (ok == 0 && relay_events)
        ok = db_exec(conn, upgrade_relay_events_column);
    if (ok == 0 && (tried || reports || changes || relay_events))
        ok = db_exec(conn, upgrade_relay_events);
    if (ok == 0 && reminders)
        ok = db_exec(conn, upgrade_reminders);
    if (ok == 0 && platform)
        ok = db_exec(conn, upgrade_changes_platform);
    if (ok == 0 && urgent)
        ok = db_exec(conn, upgrade_urgent);
    if (ok == 0 && event)
        ok = db_exec(conn, upgrade_changes_event);
    if (ok == 0 && gen)
        ok = db_exec(conn, upgrade_withdrawals_gen);
    if (ok == 0)
        ok = db_exec(conn, remind_index);
    if (ok == 0 && db_commit(conn) == 0)
        return 0;
    db_rollback(conn);
    return -1;
}

hub_db *hub_db_new(char *err, size_t errlen)
{
    hub_db *db = calloc(1, sizeof *db);

    if (!db) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&db->w.lock, NULL);
    pthread_mutex_init(&db->r.lock, NULL);
    pthread_mutex_init(&db->id_lock, NULL);
    db->reader = &db->w;
    db->wal.fd = -1;
    buf_init(&db->leaf, 1024);
    buf_init(&db->pending_ids, 4096);
    buf_init(&db->pending_ats, 1024);
    buf_init(&db->pre_ids, 4096);
    buf_init(&db->changes_copy, 4096);
    db->rnd_used = sizeof db->rnd; /* drawn at the first notice */
    return db;
}

hub_db *hub_db_open(const char *path, char *err, size_t errlen)
{
    hub_db *db = hub_db_new(err, errlen);

    if (!db)
        return NULL;
    /* Every use of the connection is under db->w.lock. */
    db->lite = db_open_unlocked(path, schema, HUB_EVIDENCE_LOG_PAGE_SIZE, err, errlen);
    if (!db->lite || !(db->w.conn = sql_wrap_sqlite(db->lite))) {
        if (db->lite)
            snprintf(err, errlen, "out of memory");
        hub_db_close(db);
        return NULL;
    }
    db->log = hub_evidence_log_open(db->lite, path, err, errlen);
    if (!db->log) {
        hub_db_close(db);
        return NULL;
    }
    hub_evidence_log_set_writer_lock(db->log, &db->w.lock);
    if (upgrade(db->lite) != 0) {
        snprintf(err, errlen, "%s: cannot upgrade the database", path);
        hub_db_close(db);
        return NULL;
    }
    if (db_wal_init(&db->wal, db->lite, err, errlen) != 0 ||
        !(db->ckpt = db_checkpointer_start(db->lite, path, HUB_CHECKPOINT_BYTES, err,
                                           errlen))) {
        hub_db_close(db);
        return NULL;
    }
    hub_evidence_log_set_wal(db->log, &db->wal);
    if (hub_db_tally_open(db) != 0) {
        snprintf(err, errlen, "%s: cannot make the console's summaries", path);
        hub_db_close(db);
        return NULL;
    }
    if (hub_db_prepare_all(&db->w, lite_sql) != 0) {
        snprintf(err, errlen, "%s: cannot prepare statements", path);
        hub_db_close(db);
        return NULL;
    }
    return db;
}

void hub_db_set_fallback_ms(hub_db *db, long long ms)
{
    db->fallback_ms = ms;
}

void hub_db_set_directory(hub_db *db, hub_directory *dir)
{
    db->dir = dir;
}

void hub_db_set_reminders(hub_db *db, const hub_reminders *r)
{
    db->reminders = *r;
}

void hub_db_set_consent_window_ms(hub_db *db, long long ms)
{
    db->consent_window_ms = ms;
}

static void conn_close(hub_db_conn *c)
{
    for (int i = 0; i < S_COUNT; i++)
        sql_finalize(c->st[i]);
    /* A wrapped SQLite connection is closed below, by its owner. */
    sql_close(c->conn);
}

void hub_db_close(hub_db *db)
{
    if (!db)
        return;
    /* The log's signer commits through the writer until it stops: only
     * then may the checkpointer's hook come off the connection. */
    hub_evidence_log_close(db->log);
    if (db->lite)
        db_checkpointer_stop(db->ckpt, db->lite);
    hub_db_tally_close(db);
    conn_close(&db->w);
    conn_close(&db->r);
    if (db->lite)
        db_close(db->lite);
    db_wal_close(&db->wal);
    buf_free(&db->leaf);
    buf_free(&db->pending_ids);
    buf_free(&db->pending_ats);
    buf_free(&db->pre_ids);
    buf_free(&db->changes_copy);
    free(db->pre);
    free(db->rpre);
    free(db->rows);
    free(db->picks);
    free(db->pre_picks);
    pthread_mutex_destroy(&db->w.lock);
    pthread_mutex_destroy(&db->r.lock);
    pthread_mutex_destroy(&db->id_lock);
    free(db);
}

hub_evidence_log *hub_db_log(hub_db *db)
{
    return db->log;
}

uint64_t hub_db_applied(hub_db *db, notice_event ev, notice_outcome o)
{
    return metrics_read(&db->applied[ev][o]);
}
