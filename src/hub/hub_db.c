/* hub_db.c -- see hub_db.h. */
#include "hub_db.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "db.h"
#include "evidence.h"
#include "hub_prepared_leaves.h"
#include "hub_log.h"
#include "log.h"
#include "strcopy.h"

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
    "  expiries INTEGER NOT NULL DEFAULT 0,"     /* channels that timed out */
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
    /* The evidence table and the Merkle log over it: see hub_log.c. */
    /* seq needs no AUTOINCREMENT: rows are never deleted, so the next
     * rowid is always above every seq handed out, without the extra
     * sqlite_sequence update per row. */
    /* The agency's reference is kept with each change, so that the feed
     * reads this table alone, without a lookup of every notice. */
    "CREATE TABLE IF NOT EXISTS changes("
    "  seq INTEGER PRIMARY KEY, agency TEXT NOT NULL,"
    "  notice TEXT NOT NULL, state TEXT NOT NULL, at INTEGER NOT NULL,"
    "  reference TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX IF NOT EXISTS changes_agency ON changes(agency, seq);";

#define NOTICE_COLS "id, agency, reference, rk, title, doc_sha256, deadline, link, state, " \
                    "platform, created, due, next_attempt, attempts, expiries"

/* A claimed notice is not claimed again for this long: longer than any
 * relay call can take, short enough that a crash delays it little. */
#define RELAY_LEASE_MS (5 * 60 * 1000LL)

/* A checkpoint per 40 MB of WAL (2,560 pages of 16 KiB): bigger ones
 * write a page changed by several batches once. */
#define HUB_CHECKPOINT_BYTES (40LL << 20)

enum {
    S_FIND_REF, S_INSERT, S_LOAD, S_SAVE, S_CHANGE, S_HISTORY, S_CHANGES,
    S_REPORTED, S_RELAY_GET, S_RELAY_ADD, S_RELAY_EVENT, S_CLAIM, S_DUE, S_RELEASE,
    S_COUNT
};

static const char *const sql[S_COUNT] = {
    [S_FIND_REF] = "SELECT id, state FROM notices WHERE agency = ?1 AND reference = ?2",
    [S_INSERT] = "INSERT INTO notices(id, agency, reference, rk, title, doc_sha256, deadline,"
                 " link, state, created, next_attempt, platform) VALUES(?1, ?2, ?3, ?4, ?5, ?6,"
                 " ?7, ?8, 'accepted', ?9, ?10, ?11) ON CONFLICT(agency, reference) DO NOTHING",
    [S_LOAD] = "SELECT " NOTICE_COLS " FROM notices WHERE id = ?1",
    [S_SAVE] = "UPDATE notices SET state = ?2, platform = ?3, due = ?4, next_attempt = ?5,"
               " attempts = ?6, expiries = ?7 WHERE id = ?1",
    [S_CHANGE] = "INSERT INTO changes(agency, notice, state, at, reference)"
                 " VALUES(?1, ?2, ?3, ?4, ?5)",
    [S_HISTORY] = "SELECT leaf, hash, off, len FROM evidence WHERE notice = ?1 ORDER BY idx",
    [S_CHANGES] = "SELECT seq, notice, reference, state, at FROM changes"
                  " WHERE agency = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
    [S_REPORTED] = "INSERT OR IGNORE INTO reported(notice, event, actor, reason)"
                   " VALUES(?1, ?2, ?3, ?4)",
    [S_RELAY_GET] = "SELECT accepted FROM relays WHERE notice = ?1 AND platform = ?2",
    [S_RELAY_ADD] = "INSERT OR IGNORE INTO relays(notice, platform, accepted, events)"
                    " VALUES(?1, ?2, ?3, ?4)",
    [S_RELAY_EVENT] = "UPDATE relays SET events = events | ?3"
                      " WHERE notice = ?1 AND platform = ?2 AND events & ?3 = 0",
    [S_CLAIM] = "SELECT " NOTICE_COLS " FROM notices WHERE state = 'accepted'"
                " AND next_attempt <= ?1 ORDER BY next_attempt LIMIT ?2",
    [S_DUE] = "SELECT " NOTICE_COLS " FROM notices WHERE state IN ('relayed', 'received')"
              " AND due <= ?1 ORDER BY due LIMIT ?2",
    [S_RELEASE] = "UPDATE notices SET next_attempt = ?2 WHERE id = ?1 AND state = 'accepted'"
                  " AND next_attempt > ?2",
};

struct hub_db {
    sqlite3 *conn;
    db_wal wal;               /* commits are synced after the lock is let go */
    db_checkpointer *ckpt;    /* and checkpointed on a thread of their own */
    sqlite3_stmt *st[S_COUNT];
    pthread_mutex_t lock;
    hub_log *log;          /* the evidence log, appended in our transactions */
    hub_directory *dir;    /* routes for relay claims (its own file and lock) */
    pthread_mutex_t id_lock; /* ids and rnd: taken before the writer's lock */
    notice_id_gen ids;
    /* Leaves the item being recorded may take instead of encoding its
     * own: slots prepared_at to prepared_at + PREPARED_PER_ITEM - 1 of
     * prepared. Set under the writer's lock, NULL outside a batch. */
    const hub_prepared_leaves *prepared;
    size_t prepared_at;
    buf leaf;              /* reused for encoding leaves */
    long long fallback_ms; /* read deadline on a fallback channel */
    hub_notice *rows;      /* select_notices' rows, kept: a batch is ~1 MB, and */
    size_t rows_cap;       /* malloc would map and unmap it every round */
    char (*picks)[HUB_NAME_MAX + 1]; /* the claimed rows' next platforms */
    size_t picks_cap;
    /* Random bits for notice ids, drawn 4 KiB at a time: one system call
     * per notice was a percent of the hub's time. */
    uint8_t rnd[4096];
    size_t rnd_used;
};

/* ---- plumbing ---- */

static sqlite3_stmt *stmt(hub_db *db, int which)
{
    sqlite3_stmt *st = db->st[which];

    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return st;
}

static int step_done(hub_db *db, sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);

    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        log_error("database: %s", sqlite3_errmsg(db->conn));
        return -1;
    }
    return 0;
}

static int begin(hub_db *db)
{
    /* After a failed sync nothing more is written: what was answered as
     * stored must not depend on a disk that lost writes. */
    if (db_wal_failed(&db->wal))
        return -1;
    pthread_mutex_lock(&db->lock);
    if (db_begin(db->conn) != 0) {
        pthread_mutex_unlock(&db->lock);
        return -1;
    }
    return 0;
}

/* Lets go of the lock, then makes what was committed under it durable
 * (group commit: the next batch is written meanwhile). Nothing the hub
 * answers or shows is read from a commit that this has not synced. */
static int unlock_synced(hub_db *db)
{
    pthread_mutex_unlock(&db->lock);
    return db_wal_sync(&db->wal);
}

/* Commits when ok is 0, else rolls back; either way releases the lock.
 * A commit is durable when this returns 0. -1 after a commit means the
 * disk refused to sync it: it may or may not survive a crash, and every
 * later write fails too (db_wal_sync). */
static int finish(hub_db *db, int ok)
{
    if (ok == 0 && (hub_log_before_commit(db->log) != 0 || db_commit(db->conn) != 0))
        ok = -1;
    if (ok != 0) {
        db_rollback(db->conn);
        hub_log_rolled_back(db->log); /* leaves of the failed batch were not kept */
    } else {
        hub_log_committed(db->log);
    }
    if (ok != 0) {
        pthread_mutex_unlock(&db->lock);
        return ok;
    }
    return unlock_synced(db);
}

/* begin() for a batch with prepared leaves: they go with it,
 * their bytes to the leaf file (synced) before the lock, so that the
 * writer only stores where they are. */
static int begin_prepared(hub_db *db, hub_prepared_leaves *prepared)
{
    uint64_t off;

    if (prepared->bytes.len > 0 && !prepared->bytes.broken &&
        hub_log_file_leaves(db->log, prepared->bytes.data, prepared->bytes.len, &off) == 0 &&
        off <= (uint64_t)INT64_MAX - prepared->bytes.len)
        prepared->filed_at = (long long)off;
    if (begin(db) == 0)
        return 0;
    hub_prepared_leaves_free(prepared);
    return -1;
}

static int finish_prepared(hub_db *db, int ok, hub_prepared_leaves *prepared)
{
    db->prepared = NULL;
    ok = finish(db, ok);
    hub_prepared_leaves_free(prepared);
    return ok;
}

static void read_notice(sqlite3_stmt *st, hub_notice *n)
{
    db_copy_text(n->id, sizeof n->id, st, 0);
    db_copy_text(n->agency, sizeof n->agency, st, 1);
    db_copy_text(n->reference, sizeof n->reference, st, 2);
    db_copy_text(n->rk, sizeof n->rk, st, 3);
    db_copy_text(n->title, sizeof n->title, st, 4);
    db_copy_text(n->doc_sha256, sizeof n->doc_sha256, st, 5);
    n->deadline = sqlite3_column_int64(st, 6);
    db_copy_text(n->link, sizeof n->link, st, 7);
    n->state = (notice_state)notice_state_parse(db_text(st, 8));
    n->stored = n->state;
    db_copy_text(n->platform, sizeof n->platform, st, 9);
    n->created = sqlite3_column_int64(st, 10);
    n->due = sqlite3_column_int64(st, 11);
    n->next_attempt = sqlite3_column_int64(st, 12);
    n->attempts = sqlite3_column_int(st, 13);
    n->expiries = sqlite3_column_int(st, 14);
}

/* 1 found, 0 not found, -1 error. */
static int load_notice(hub_db *db, const char *id, hub_notice *n)
{
    sqlite3_stmt *st = stmt(db, S_LOAD);
    int rc;

    db_bind_text(st, 1, id);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        read_notice(st, n);
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

static int add_change(hub_db *db, const hub_notice *n, long long now);

/* Writes n back; a new state also goes to the agency's feed, once per
 * save however many steps led to it (RelayAcceptance and
 * ContentConsignment in one answer: one row, "received"). */
static int save_notice(hub_db *db, hub_notice *n, long long now)
{
    sqlite3_stmt *st;

    if (n->state != n->stored) {
        if (add_change(db, n, now) != 0)
            return -1;
        n->stored = n->state;
    }
    st = stmt(db, S_SAVE);

    db_bind_text(st, 1, n->id);
    db_bind_text(st, 2, notice_state_name(n->state));
    db_bind_text(st, 3, n->platform[0] ? n->platform : NULL);
    if (n->due)
        sqlite3_bind_int64(st, 4, n->due);
    sqlite3_bind_int64(st, 5, n->next_attempt);
    sqlite3_bind_int(st, 6, n->attempts);
    sqlite3_bind_int(st, 7, n->expiries);
    return step_done(db, st);
}

/* A relayed notice's RelayAcceptance and ContentConsignment. */
#define PREPARED_PER_ITEM 2

static int append_evidence(hub_db *db, const hub_notice *n, notice_event ev,
                           const char *actor, const char *reason, long long now)
{
    evidence_rec r = {notice_event_name(ev), n->id, now, n->agency, actor, n->rk,
                      n->doc_sha256, reason};

    for (size_t k = db->prepared_at; db->prepared && k < db->prepared_at + PREPARED_PER_ITEM;
         k++) {
        const hub_prepared_leaf *l = hub_prepared_leaves_find(db->prepared, k, &r);
        if (l && db->prepared->filed_at >= 0)
            return hub_log_append_filed(db->log, n->id,
                                        (uint64_t)db->prepared->filed_at + l->off, l->len,
                                        l->hash);
        if (l)
            return hub_log_append_hashed(db->log, n->id, db->prepared->bytes.data + l->off,
                                         l->len, l->hash);
    }
    db->leaf.len = 0;
    evidence_encode(&db->leaf, &r);
    if (db->leaf.broken)
        return -1;
    return hub_log_append(db->log, n->id, db->leaf.data, db->leaf.len);
}

static int add_change(hub_db *db, const hub_notice *n, long long now)
{
    sqlite3_stmt *st = stmt(db, S_CHANGE);

    db_bind_text(st, 1, n->agency);
    db_bind_text(st, 2, n->id);
    db_bind_text(st, 3, notice_state_name(n->state));
    sqlite3_bind_int64(st, 4, now);
    db_bind_text(st, 5, n->reference);
    return step_done(db, st);
}

/* Applies one event to n: evidence always, and when the state machine
 * (and may_move) says so, the new state. The caller saves n, which puts
 * a new state in the agency's feed. */
static int record_event(hub_db *db, hub_notice *n, notice_event ev, const char *actor,
                        const char *reason, int may_move, long long now,
                        notice_outcome *outcome)
{
    notice_state next;
    notice_outcome o = notice_state_apply(n->state, ev, &next);

    if (o == NS_MOVED && !may_move)
        o = NS_RECORDED;
    if (outcome)
        *outcome = o;
    if (append_evidence(db, n, ev, actor, reason, now) != 0)
        return -1;
    if (o == NS_MOVED)
        n->state = next;
    return 0;
}

/* What a platform answered to the relay of a notice (relays table). */
enum { ANSWER_NONE, ANSWER_REJECTED, ANSWER_ACCEPTED };

/* ANSWER_*, or -1 on error. */
static int relay_answer(hub_db *db, const char *notice, const char *platform)
{
    sqlite3_stmt *st = stmt(db, S_RELAY_GET);
    int rc, answer = ANSWER_NONE;

    db_bind_text(st, 1, notice);
    db_bind_text(st, 2, platform);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        answer = sqlite3_column_int(st, 0) ? ANSWER_ACCEPTED : ANSWER_REJECTED;
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? answer : -1;
}

#define EVENT_BIT(ev) (1 << (ev))
_Static_assert(EVENT_BIT(EV_CONTENT_CONSIGNMENT) == 64 &&
                   EVENT_BIT(EV_CONSIGNMENT_NOTIFICATION) == 128,
               "upgrade_relay_events spells these bits out");

/* Notes the platform's answer, with the once-only events (EVENT_BITs)
 * that came with it: 1 if it had not answered before, 0 if it had
 * (nothing changes), -1 on error. */
static int note_answer(hub_db *db, const char *notice, const char *platform, int accepted,
                       int events)
{
    sqlite3_stmt *st = stmt(db, S_RELAY_ADD);

    db_bind_text(st, 1, notice);
    db_bind_text(st, 2, platform);
    sqlite3_bind_int(st, 3, accepted);
    sqlite3_bind_int(st, 4, events);
    if (step_done(db, st) != 0)
        return -1;
    return sqlite3_changes(db->conn) > 0;
}

/* The platform accepted the relay: RelayAcceptance, and the channel's
 * read deadline starts. The caller saves n. */
static int record_acceptance(hub_db *db, hub_notice *n, const char *platform, long long now)
{
    if (record_event(db, n, EV_RELAY_ACCEPTANCE, platform, NULL, 1, now, NULL) != 0)
        return -1;
    if (n->state == NS_RELAYED || n->state == NS_RECEIVED)
        n->due = n->expiries ? now + db->fallback_ms : n->deadline;
    n->attempts = 0;
    return 0;
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
static const char upgrade_changes[] =
    "ALTER TABLE changes ADD COLUMN reference TEXT NOT NULL DEFAULT '';"
    "UPDATE changes SET reference = (SELECT reference FROM notices WHERE id = changes.notice);";

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
    int ok = 0;

    if (!tried && !reports && !changes && !relay_events)
        return 0;
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
    if (ok == 0)
        ok = db_exec(conn, upgrade_relay_events);
    if (ok == 0 && db_commit(conn) == 0)
        return 0;
    db_rollback(conn);
    return -1;
}

hub_db *hub_db_open(const char *path, char *err, size_t errlen)
{
    hub_db *db = calloc(1, sizeof *db);

    if (!db) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&db->lock, NULL);
    pthread_mutex_init(&db->id_lock, NULL);
    db->wal.fd = -1;
    buf_init(&db->leaf, 1024);
    db->rnd_used = sizeof db->rnd; /* drawn at the first notice */
    /* Every use of the connection is under db->lock. */
    db->conn = db_open_unlocked(path, schema, HUB_LOG_PAGE_SIZE, err, errlen);
    if (!db->conn) {
        hub_db_close(db);
        return NULL;
    }
    db->log = hub_log_open(db->conn, path, err, errlen);
    if (!db->log) {
        hub_db_close(db);
        return NULL;
    }
    hub_log_set_writer_lock(db->log, &db->lock);
    if (upgrade(db->conn) != 0) {
        snprintf(err, errlen, "%s: cannot upgrade the database", path);
        hub_db_close(db);
        return NULL;
    }
    if (db_wal_init(&db->wal, db->conn, err, errlen) != 0 ||
        !(db->ckpt = db_checkpointer_start(db->conn, path, HUB_CHECKPOINT_BYTES, err,
                                           errlen))) {
        hub_db_close(db);
        return NULL;
    }
    hub_log_set_wal(db->log, &db->wal);
    for (int i = 0; i < S_COUNT; i++) {
        db->st[i] = db_prepare(db->conn, sql[i]);
        if (!db->st[i]) {
            snprintf(err, errlen, "%s: cannot prepare statements", path);
            hub_db_close(db);
            return NULL;
        }
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

void hub_db_close(hub_db *db)
{
    if (!db)
        return;
    /* The log's signer commits through the writer until it stops: only
     * then may the checkpointer's hook come off the connection. */
    hub_log_close(db->log);
    db_checkpointer_stop(db->ckpt, db->conn);
    for (int i = 0; i < S_COUNT; i++)
        sqlite3_finalize(db->st[i]);
    if (db->conn)
        db_close(db->conn);
    db_wal_close(&db->wal);
    buf_free(&db->leaf);
    free(db->rows);
    free(db->picks);
    pthread_mutex_destroy(&db->lock);
    pthread_mutex_destroy(&db->id_lock);
    free(db);
}

/* ---- submissions ---- */

/* 1 when (agency, reference) exists: fills id and state. */
static int find_reference(hub_db *db, const char *agency, hub_submission *s)
{
    sqlite3_stmt *st = stmt(db, S_FIND_REF);
    int rc;

    db_bind_text(st, 1, agency);
    db_bind_text(st, 2, s->reference);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        db_copy_text(s->id, sizeof s->id, st, 0);
        s->state = (notice_state)notice_state_parse(db_text(st, 1));
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* The notice s becomes, as the relay worker sees it. */
static void submitted_notice(const hub_submission *s, const char *agency, long long now,
                             hub_notice *n)
{
    memset(n, 0, sizeof *n);
    memcpy(n->id, s->id, sizeof n->id);
    str_copy(n->agency, sizeof n->agency, agency);
    str_copy(n->reference, sizeof n->reference, s->reference);
    memcpy(n->rk, s->rk, sizeof n->rk);
    str_copy(n->title, sizeof n->title, s->title);
    str_copy(n->doc_sha256, sizeof n->doc_sha256, s->doc_sha256);
    str_copy(n->link, sizeof n->link, s->link);
    n->deadline = s->deadline;
    n->created = now;
    n->next_attempt = now;
    n->state = n->stored = NS_ACCEPTED;
}

/* Inserts s unless (agency, reference) exists: 1 inserted, 0 a duplicate
 * (nothing written), -1 on error. Inserting first and looking up only on
 * a conflict saves a lookup of the unique index for every new notice.
 * With route, the notice is inserted routed to s->platform (if any) and
 * leased, and *n is the routed notice. */
static int insert_notice(hub_db *db, const char *agency, hub_submission *s, long long now,
                         int route, hub_notice *n)
{
    sqlite3_stmt *st;
    int routed = route && s->platform[0];

    submitted_notice(s, agency, now, n);
    if (routed) {
        memcpy(n->platform, s->platform, sizeof n->platform);
        n->next_attempt = now + RELAY_LEASE_MS;
    }
    st = stmt(db, S_INSERT);
    db_bind_text(st, 1, s->id);
    db_bind_text(st, 2, agency);
    db_bind_text(st, 3, s->reference);
    db_bind_text(st, 4, s->rk);
    db_bind_text(st, 5, s->title);
    db_bind_text(st, 6, s->doc_sha256);
    sqlite3_bind_int64(st, 7, s->deadline);
    db_bind_text(st, 8, s->link);
    sqlite3_bind_int64(st, 9, now);
    sqlite3_bind_int64(st, 10, n->next_attempt);
    db_bind_text(st, 11, routed ? n->platform : NULL);
    if (step_done(db, st) != 0)
        return -1;
    if (sqlite3_changes(db->conn) == 0)
        return 0;
    s->state = NS_ACCEPTED;
    s->duplicate = 0;
    s->routed = routed;
    /* No row in the agency's feed: the answer to this call tells it. */
    if (append_evidence(db, n, EV_SUBMISSION_ACCEPTANCE, "hub", NULL, now) != 0)
        return -1;
    return 1;
}

/* Ids for the batch, and each one's SubmissionAcceptance prepared (a
 * resubmitted reference keeps its old id, and its leaf goes unused). */
static void submissions_ahead(hub_db *db, const char *agency, hub_submission *items, size_t n,
                              long long now, hub_prepared_leaves *e)
{
    pthread_mutex_lock(&db->id_lock);
    for (size_t i = 0; i < n; i++) {
        if (db->rnd_used + NOTICE_ID_RANDOM_LEN > sizeof db->rnd) {
            random_bytes(db->rnd, sizeof db->rnd);
            db->rnd_used = 0;
        }
        notice_id_next(&db->ids, now, db->rnd + db->rnd_used, items[i].id);
        db->rnd_used += NOTICE_ID_RANDOM_LEN;
    }
    pthread_mutex_unlock(&db->id_lock);
    hub_prepared_leaves_init(e, n * PREPARED_PER_ITEM);
    for (size_t i = 0; i < n; i++) {
        evidence_rec r = {notice_event_name(EV_SUBMISSION_ACCEPTANCE), items[i].id, now, agency,
                          "hub", items[i].rk, items[i].doc_sha256, NULL};
        hub_prepared_leaves_add(e, i * PREPARED_PER_ITEM, &r);
    }
}

int hub_db_submit(hub_db *db, const char *agency, hub_submission *items, size_t n,
                  long long now, size_t may_route, hub_notice *routed_out, size_t *n_routed)
{
    hub_notice scratch;
    hub_prepared_leaves prepared;
    int ok = 0;

    *n_routed = 0;
    submissions_ahead(db, agency, items, n, now, &prepared);
    if (begin_prepared(db, &prepared) != 0)
        return -1;
    db->prepared = &prepared;
    for (size_t i = 0; i < n && ok == 0; i++) {
        int route = *n_routed < may_route;
        hub_notice *into = route ? &routed_out[*n_routed] : &scratch;
        int fresh;

        items[i].routed = 0;
        db->prepared_at = i * PREPARED_PER_ITEM;
        fresh = insert_notice(db, agency, &items[i], now, route, into);
        if (fresh == 0) {
            items[i].duplicate = 1;
            fresh = find_reference(db, agency, &items[i]);
        }
        if (items[i].routed)
            (*n_routed)++;
        ok = fresh < 0 ? -1 : 0;
    }
    if (finish_prepared(db, ok, &prepared) != 0) {
        *n_routed = 0; /* nothing to hand over: the claim finds what was kept */
        return -1;
    }
    return 0;
}

/* ---- reads ---- */

static void json_time(buf *out, long long ms)
{
    char t[25];

    clock_rfc3339_ms(t, ms);
    buf_puts(out, "\"");
    buf_puts(out, t);
    buf_puts(out, "\"");
}

static int history_json(hub_db *db, const char *id, buf *out)
{
    sqlite3_stmt *st = stmt(db, S_HISTORY);
    int rc, first = 1;

    db_bind_text(st, 1, id);
    buf_puts(out, ",\"events\":[");
    /* Leaves are JSON objects we wrote: shipped as they are. */
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (!first)
            buf_puts(out, ",");
        first = 0;
        if (hub_log_row_leaf(db->log, st, 0, out) != 0) {
            rc = SQLITE_ERROR;
            break;
        }
    }
    sqlite3_reset(st);
    buf_puts(out, "]}");
    return rc == SQLITE_DONE ? 0 : -1;
}

int hub_db_notice_json(hub_db *db, const char *id, const char *agency, buf *out)
{
    hub_notice n;
    int found, status = 200;

    pthread_mutex_lock(&db->lock);
    found = load_notice(db, id, &n);
    if (found <= 0 || strcmp(n.agency, agency) != 0) {
        pthread_mutex_unlock(&db->lock);
        return found < 0 ? 500 : found == 0 ? 404 : 403;
    }
    buf_puts(out, "{\"notice\":");
    buf_json_string(out, n.id);
    buf_puts(out, ",\"reference\":");
    buf_json_string(out, n.reference);
    buf_puts(out, ",\"agency\":");
    buf_json_string(out, n.agency);
    buf_printf(out, ",\"state\":\"%s\",\"platform\":", notice_state_name(n.state));
    if (n.platform[0])
        buf_json_string(out, n.platform);
    else
        buf_puts(out, "null");
    buf_puts(out, ",\"title\":");
    buf_json_string(out, n.title);
    buf_printf(out, ",\"doc_sha256\":\"%s\",\"deadline\":", n.doc_sha256);
    json_time(out, n.deadline);
    buf_puts(out, ",\"created\":");
    json_time(out, n.created);
    if (history_json(db, id, out) != 0)
        status = 500;
    return unlock_synced(db) == 0 ? status : 500;
}

int hub_db_changes_json(hub_db *db, const char *agency, long long after, long limit,
                        buf *out)
{
    sqlite3_stmt *st;
    long long next = after;
    int rc, first = 1;

    pthread_mutex_lock(&db->lock);
    st = stmt(db, S_CHANGES);
    db_bind_text(st, 1, agency);
    sqlite3_bind_int64(st, 2, after);
    sqlite3_bind_int64(st, 3, limit);
    buf_puts(out, "{\"changes\":[");
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        next = sqlite3_column_int64(st, 0);
        buf_printf(out, "%s{\"seq\":%lld,\"notice\":", first ? "" : ",", next);
        buf_json_string(out, db_text(st, 1));
        buf_puts(out, ",\"reference\":");
        buf_json_string(out, db_text(st, 2));
        buf_puts(out, ",\"state\":\"");
        buf_puts(out, db_text(st, 3));
        buf_puts(out, "\",\"at\":");
        json_time(out, sqlite3_column_int64(st, 4));
        buf_puts(out, "}");
        first = 0;
    }
    sqlite3_reset(st);
    /* An agency acts on a change (prints a letter): on disk first. */
    if (unlock_synced(db) != 0)
        return -1;
    buf_printf(out, "],\"next\":%lld}", next);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* ---- reports ---- */

/* 1 if the caller may report on n and see its certificate: the agency
 * that sent it, or a platform whose RelayAcceptance is recorded. Being
 * tried, rejecting, or being the current pick is not enough. */
static int owns(hub_db *db, notice_role role, const char *caller, const hub_notice *n)
{
    int answer;

    if (role == ROLE_AGENCY)
        return !strcmp(n->agency, caller);
    /* Only the current platform's RelayAcceptance makes a notice relayed
     * or received: no lookup needed for the common case. */
    if ((n->state == NS_RELAYED || n->state == NS_RECEIVED) && !strcmp(n->platform, caller))
        return 1;
    answer = relay_answer(db, n->id, caller);
    return answer < 0 ? -1 : answer == ANSWER_ACCEPTED;
}

/* Failures are deduplicated with their reason: a second notification
 * that fails for another cause is evidence too. Other events happen once
 * per actor, whatever the reason says. */
static const char *dedup_reason(const hub_report *r)
{
    int failure = r->event == EV_CONSIGNMENT_NOTIFICATION_FAILURE ||
                  r->event == EV_CONTENT_HANDOVER_FAILURE;

    return failure && r->reason ? r->reason : "";
}

/* 1 if this (notice, event, actor, dedup reason) was not reported
 * before, and now is; 0 if it was; -1 on error. */
static int note_report(hub_db *db, const char *notice, notice_event ev, const char *actor,
                       const char *reason)
{
    sqlite3_stmt *st = stmt(db, S_REPORTED);

    db_bind_text(st, 1, notice);
    db_bind_text(st, 2, notice_event_name(ev));
    db_bind_text(st, 3, actor);
    db_bind_text(st, 4, reason);
    if (step_done(db, st) != 0)
        return -1;
    return sqlite3_changes(db->conn) > 0;
}

/* The same for ContentConsignment and ConsignmentNotification, which a
 * platform reports once per notice: marked in its relays row. A platform
 * without one (none should report) falls back to `reported`. */
static int note_platform_event(hub_db *db, const char *notice, notice_event ev,
                               const char *platform)
{
    sqlite3_stmt *st = stmt(db, S_RELAY_EVENT);
    int answer;

    db_bind_text(st, 1, notice);
    db_bind_text(st, 2, platform);
    sqlite3_bind_int(st, 3, EVENT_BIT(ev));
    if (step_done(db, st) != 0)
        return -1;
    if (sqlite3_changes(db->conn) > 0)
        return 1;
    answer = relay_answer(db, notice, platform);
    if (answer < 0)
        return -1;
    return answer == ANSWER_NONE ? note_report(db, notice, ev, platform, "") : 0;
}

static int first_report(hub_db *db, notice_role role, const hub_report *r, const char *caller)
{
    if (role == ROLE_PLATFORM && (r->event == EV_CONTENT_CONSIGNMENT ||
                                  r->event == EV_CONSIGNMENT_NOTIFICATION))
        return note_platform_event(db, r->notice, r->event, caller);
    return note_report(db, r->notice, r->event, caller, dedup_reason(r));
}

/* The platform has the notice in the member's inbox: ContentConsignment,
 * once per platform whether it came with the relay's answer or as a
 * report. The caller saves n. */
static int record_consignment(hub_db *db, hub_notice *n, const char *platform, long long now)
{
    int fresh = note_platform_event(db, n->id, EV_CONTENT_CONSIGNMENT, platform);

    if (fresh <= 0)
        return fresh;
    return record_event(db, n, EV_CONTENT_CONSIGNMENT, platform, NULL, 1, now, NULL);
}

/* A report from the notice's current platform while the notice is still
 * accepted and that platform has not answered means the relay to it is in
 * flight (or its answer was lost): the report proves that the platform
 * accepted it, so RelayAcceptance is recorded now, before the report, and
 * the relay's answer finds the platform answered and changes nothing. A
 * platform accepts a relay by putting the notice in an inbox, so any
 * other report proves ContentConsignment as well, which is recorded next:
 * every timeline runs RelayAcceptance, ContentConsignment, then the rest.
 * A platform that rejected, or whose channel expired (the notice is
 * accepted again, waiting for the next one), proves nothing. Returns 1
 * when the acceptance was recorded, 0 when the caller is not in flight,
 * -1 on error. */
static int accept_in_flight(hub_db *db, hub_notice *n, const char *platform,
                            notice_event reported, long long now)
{
    int fresh;

    if (n->state != NS_ACCEPTED || strcmp(n->platform, platform) != 0)
        return 0;
    fresh = note_answer(db, n->id, platform, 1, 0);
    if (fresh <= 0)
        return fresh;
    if (record_acceptance(db, n, platform, now) != 0)
        return -1;
    if (reported != EV_CONTENT_CONSIGNMENT && record_consignment(db, n, platform, now) < 0)
        return -1;
    return 1;
}

static int report_one(hub_db *db, notice_role role, const char *caller, hub_report *r,
                      long long now)
{
    hub_notice n;
    notice_outcome o;
    int rc = load_notice(db, r->notice, &n), may_move = 1;

    if (rc <= 0) {
        r->error = "unknown notice";
        return rc;
    }
    rc = owns(db, role, caller, &n);
    if (rc == 0 && role == ROLE_PLATFORM)
        rc = accept_in_flight(db, &n, caller, r->event, now);
    if (rc <= 0) {
        r->error = "not yours";
        return rc;
    }
    rc = first_report(db, role, r, caller);
    if (rc <= 0) {
        r->status = "duplicate";
        return rc < 0 || n.state == n.stored ? rc : save_notice(db, &n, now);
    }
    /* A platform the notice has moved on from (another platform's turn, or
     * back in the queue after this one's deadline) is heard, but moves
     * nothing. */
    if (role == ROLE_PLATFORM)
        may_move = !strcmp(n.platform, caller) && n.state != NS_ACCEPTED;
    if (record_event(db, &n, r->event, caller, r->reason, may_move, now, &o) != 0)
        return -1;
    r->status = o == NS_IGNORED ? "ignored" : "recorded";
    /* Only a new state (and what came with it) needs writing back. */
    return n.state != n.stored ? save_notice(db, &n, now) : 0;
}

int hub_db_report(hub_db *db, notice_role role, const char *caller, hub_report *r,
                  size_t n, long long now)
{
    int ok = 0;

    if (begin(db) != 0)
        return -1;
    for (size_t i = 0; i < n && ok == 0; i++)
        if (!r[i].error)
            ok = report_one(db, role, caller, &r[i], now);
    return finish(db, ok);
}

/* GET /v1/notices/{id}/certificate: the same callers as owns(). */
int hub_db_may_see(hub_db *db, const char *id, notice_role role, const char *caller)
{
    hub_notice n;
    int found, mine = 0;

    pthread_mutex_lock(&db->lock);
    found = load_notice(db, id, &n);
    if (found > 0)
        mine = owns(db, role, caller, &n);
    pthread_mutex_unlock(&db->lock);
    if (found < 0 || mine < 0)
        return 500;
    return !found ? 404 : mine ? 200 : 403;
}

hub_log *hub_db_log(hub_db *db)
{
    return db->log;
}

/* ---- relay ---- */

/* Reads up to max rows of a notice query into db->rows (the lock held),
 * so that the rows can be updated afterwards without disturbing the scan. */
static hub_notice *select_notices(hub_db *db, int which, long long now, size_t max,
                                  size_t *count)
{
    sqlite3_stmt *st = stmt(db, which);
    hub_notice *rows = db->rows;
    int rc;

    *count = 0;
    if (max > db->rows_cap) {
        rows = realloc(db->rows, max * sizeof *rows);
        if (!rows)
            return NULL;
        db->rows = rows;
        db->rows_cap = max;
    }
    sqlite3_bind_int64(st, 1, now);
    sqlite3_bind_int64(st, 2, (long long)max);
    while (*count < max && (rc = sqlite3_step(st)) == SQLITE_ROW)
        read_notice(st, &rows[(*count)++]);
    sqlite3_reset(st);
    return rows;
}

/* 1 when the notice was relayed to platform before (whatever the
 * answer), 0 when not, -1 on error. */
static int relay_tried(hub_db *db, const char *notice, const char *platform)
{
    sqlite3_stmt *st = stmt(db, S_RELAY_GET);
    int rc;

    db_bind_text(st, 1, notice);
    db_bind_text(st, 2, platform);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

typedef struct route_pick {
    hub_db *db;
    const hub_notice *rows;
    hub_platform_known_fn known;
    void *ctx;
    int failed;
} route_pick;

/* Each claimed notice's next platform: the first of its recipient's
 * routes that the hub knows and has not tried; "" when none is left. */
static void pick_route(void *arg, size_t i, char routes[][HUB_NAME_MAX + 1], int n)
{
    route_pick *p = arg;
    char *pick = p->db->picks[i];

    pick[0] = '\0';
    for (int k = 0; k < n && !p->failed; k++) {
        if (!p->known(p->ctx, routes[k]))
            continue;
        int tried = relay_tried(p->db, p->rows[i].id, routes[k]);
        if (tried < 0)
            p->failed = 1;
        else if (!tried) {
            memcpy(pick, routes[k], HUB_NAME_MAX + 1);
            return;
        }
    }
}

/* Next platforms for rows[0..count) into db->picks, from the directory in
 * one read transaction (its lock taken inside the writer's, never the
 * other way round). 0 or -1. */
static int pick_routes(hub_db *db, const hub_notice *rows, size_t count,
                       hub_platform_known_fn known, void *ctx)
{
    route_pick p = {db, rows, known, ctx, 0};

    if (!count)
        return 0;
    if (!db->dir) {
        log_error("relay: no directory to route by (hub_db_set_directory)");
        return -1;
    }
    if (count > db->picks_cap) {
        char (*picks)[HUB_NAME_MAX + 1] = realloc(db->picks, count * sizeof *picks);
        if (!picks)
            return -1;
        db->picks = picks;
        db->picks_cap = count;
    }
    if (hub_directory_routes_many(db->dir, rows->rk, sizeof *rows, count, pick_route, &p) != 0)
        return -1;
    return p.failed ? -1 : 0;
}

void hub_relay_item_init(hub_relay_item *it, const hub_notice *n)
{
    it->n = *n;
    it->outcome = RELAY_FAILED;
    it->consigned = 0;
    it->reason[0] = '\0';
}

static int send_to_postal(hub_db *db, hub_notice *n, long long now)
{
    const char *why = n->platform[0] ? "no further platform reaches the recipient"
                                     : "no platform reaches the recipient";

    if (record_event(db, n, EV_RELAY_TO_NON_ERDS, "hub", why, 1, now, NULL) != 0)
        return -1;
    return save_notice(db, n, now);
}

/* Relays n to platform next, or sends it to postal when next is "". */
static int claim_one(hub_db *db, hub_notice *n, const char *next, long long now,
                     hub_relay_item *items, size_t *n_out, size_t *n_postal)
{
    if (!next[0]) {
        (*n_postal)++;
        return send_to_postal(db, n, now);
    }
    if (strcmp(next, n->platform) != 0)
        n->attempts = 0; /* a new channel starts its own backoff */
    memcpy(n->platform, next, sizeof n->platform);
    n->next_attempt = now + RELAY_LEASE_MS;
    hub_relay_item_init(&items[(*n_out)++], n);
    return save_notice(db, n, now);
}

/* The claim, inside a transaction the caller holds. */
static int claim_batch(hub_db *db, long long now, size_t max, hub_platform_known_fn known,
                       void *ctx, hub_relay_item *items, size_t *n_out, size_t *n_postal)
{
    hub_notice *rows;
    size_t count;
    int ok = 0;

    rows = select_notices(db, S_CLAIM, now, max, &count);
    if (!rows || pick_routes(db, rows, count, known, ctx) != 0)
        ok = -1;
    for (size_t i = 0; i < count && ok == 0; i++)
        ok = claim_one(db, &rows[i], db->picks[i], now, items, n_out, n_postal);
    return ok;
}

static int record_answer(hub_db *db, hub_relay_item *it, long long now)
{
    hub_notice n;
    const char *platform = it->n.platform;
    int rc = load_notice(db, it->n.id, &n);

    if (rc <= 0)
        return rc; /* gone: nothing to record */
    if (it->outcome != RELAY_FAILED) {
        int accepted = it->outcome == RELAY_ACCEPTED;
        rc = note_answer(db, n.id, platform, accepted,
                         accepted && it->consigned ? EVENT_BIT(EV_CONTENT_CONSIGNMENT) : 0);
        if (rc <= 0)
            return rc; /* a report already proved the acceptance: see accept_in_flight */
    } else if ((rc = relay_answer(db, n.id, platform)) != ANSWER_NONE) {
        return rc < 0 ? -1 : 0;
    }
    switch (it->outcome) {
    case RELAY_ACCEPTED:
        /* The answer's ContentConsignment is noted with it: the row is new */
        if (record_acceptance(db, &n, platform, now) != 0 ||
            (it->consigned &&
             record_event(db, &n, EV_CONTENT_CONSIGNMENT, platform, NULL, 1, now, NULL) != 0))
            return -1;
        break;
    case RELAY_REJECTED:
        if (record_event(db, &n, EV_RELAY_REJECTION, platform, it->reason, 1, now, NULL) != 0)
            return -1;
        n.attempts = 0;
        n.next_attempt = now; /* on to the next platform at once */
        break;
    case RELAY_FAILED:
        /* Logged once per channel: a platform down for an hour must not
         * add sixty leaves per notice. */
        if (++n.attempts == 1 &&
            record_event(db, &n, EV_RELAY_FAILURE, "hub", it->reason, 1, now, NULL) != 0)
            return -1;
        n.next_attempt = now + notice_retry_delay_ms(n.attempts);
        break;
    }
    return save_notice(db, &n, now);
}

/* The leaves an accepted relay will most likely add, prepared. */
static void answers_ahead(const hub_relay_item *items, size_t n, long long now,
                          hub_prepared_leaves *e)
{
    hub_prepared_leaves_init(e, n * PREPARED_PER_ITEM);
    for (size_t i = 0; i < n; i++) {
        const hub_notice *nt = &items[i].n;
        evidence_rec r = {notice_event_name(EV_RELAY_ACCEPTANCE), nt->id, now, nt->agency,
                          nt->platform, nt->rk, nt->doc_sha256, NULL};
        if (items[i].outcome != RELAY_ACCEPTED)
            continue;
        hub_prepared_leaves_add(e, i * PREPARED_PER_ITEM, &r);
        r.event = notice_event_name(EV_CONTENT_CONSIGNMENT);
        if (items[i].consigned)
            hub_prepared_leaves_add(e, i * PREPARED_PER_ITEM + 1, &r);
    }
}

static int record_answers(hub_db *db, hub_relay_item *items, size_t n, long long now,
                          const hub_prepared_leaves *prepared)
{
    int ok = 0;

    db->prepared = prepared;
    for (size_t i = 0; i < n && ok == 0; i++) {
        db->prepared_at = i * PREPARED_PER_ITEM;
        ok = record_answer(db, &items[i], now);
    }
    db->prepared = NULL;
    return ok;
}

int hub_db_relay_record(hub_db *db, hub_relay_item *items, size_t n, long long now)
{
    hub_prepared_leaves prepared;

    answers_ahead(items, n, now, &prepared);
    if (begin_prepared(db, &prepared) != 0)
        return -1;
    return finish_prepared(db, record_answers(db, items, n, now, &prepared), &prepared);
}

/* One commit (one fsync of the WAL) per round instead of two: the
 * answers are read out of items before the claim writes over them. */
int hub_db_relay_next(hub_db *db, hub_relay_item *items, size_t answered, long long now,
                      size_t max, hub_platform_known_fn known, void *ctx, size_t *n_out,
                      size_t *n_postal)
{
    hub_prepared_leaves prepared;
    int ok;

    *n_out = *n_postal = 0;
    answers_ahead(items, answered, now, &prepared);
    if (begin_prepared(db, &prepared) != 0)
        return -1;
    ok = record_answers(db, items, answered, now, &prepared);
    if (ok == 0)
        ok = claim_batch(db, now, max, known, ctx, items, n_out, n_postal);
    if (ok != 0)
        *n_out = *n_postal = 0;
    return finish_prepared(db, ok, &prepared);
}

int hub_db_relay_release(hub_db *db, const hub_relay_item *items, size_t n, long long now)
{
    int ok = 0;

    if (begin(db) != 0)
        return -1;
    for (size_t i = 0; i < n && ok == 0; i++) {
        sqlite3_stmt *st = stmt(db, S_RELEASE);
        db_bind_text(st, 1, items[i].n.id);
        sqlite3_bind_int64(st, 2, now);
        ok = step_done(db, st);
    }
    return finish(db, ok);
}

/* ---- deadlines ---- */

static int expire_one(hub_db *db, hub_notice *n, long long now)
{
    char why[HUB_NAME_MAX + 40];

    snprintf(why, sizeof why, "unread at the deadline on %s", n->platform);
    if (record_event(db, n, EV_ACCEPTANCE_REJECTION_EXPIRY, "hub", why, 1, now, NULL) != 0)
        return -1;
    n->expiries++;
    n->attempts = 0;
    n->due = 0;
    n->next_attempt = now;
    return save_notice(db, n, now);
}

int hub_db_expire(hub_db *db, long long now, size_t max, size_t *expired)
{
    hub_notice *rows;
    size_t count;
    int ok = 0;

    *expired = 0;
    if (begin(db) != 0)
        return -1;
    rows = select_notices(db, S_DUE, now, max, &count);
    if (!rows)
        ok = -1;
    for (size_t i = 0; i < count && ok == 0; i++)
        ok = expire_one(db, &rows[i], now);
    if (ok == 0)
        *expired = count;
    return finish(db, ok);
}
