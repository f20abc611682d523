/* platform_db.c -- see platform_db.h. */
#include "platform_db.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"

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

/* rk is UNIQUE: one account per person per platform, so a relay finds
 * exactly one inbox. The CI is kept (bound at sign-up); the RRN never.
 * verified: the back office has proofed that the member is the person the
 * CI names; until then the member is kept out of the hub's directory and
 * gets no relayed notices (a web sign-up only shows that someone knew an
 * RRN). login_failures.newest is the latest failure's time, so that rows
 * past the lockout window can be pruned without parsing each one. */
static const char schema[] =
    "CREATE TABLE IF NOT EXISTS members("
    " id INTEGER PRIMARY KEY, name TEXT NOT NULL, phone TEXT NOT NULL UNIQUE,"
    " ci TEXT NOT NULL, rk TEXT NOT NULL UNIQUE, pin_hash TEXT NOT NULL,"
    " consent INTEGER NOT NULL, preference INTEGER NOT NULL, created TEXT NOT NULL,"
    " verified INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS inbox("
    " notice TEXT PRIMARY KEY, member INTEGER NOT NULL REFERENCES members(id),"
    " rk TEXT NOT NULL, agency TEXT NOT NULL, title TEXT NOT NULL,"
    " doc_sha256 TEXT NOT NULL, deadline TEXT NOT NULL, link TEXT NOT NULL,"
    " received TEXT NOT NULL, read_at TEXT);"
    "CREATE INDEX IF NOT EXISTS inbox_by_member ON inbox(member, received);"
    "CREATE TABLE IF NOT EXISTS outbox("
    " id INTEGER PRIMARY KEY, notice TEXT NOT NULL, channel TEXT NOT NULL,"
    " phone TEXT NOT NULL, text TEXT NOT NULL, created TEXT NOT NULL, sent TEXT);"
    /* The outbox is also the queue of ConsignmentNotification reports to
     * the hub: rows are sent, and then reported, in id order, so two ids
     * say how far each has gone (platform_db.sent_upto in memory, found again at
     * open; reported_upto in meta). A queue table and an index of unsent
     * rows cost each notice four more B-tree writes. */
    "DROP INDEX IF EXISTS outbox_unsent;"
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;"
    /* A relay looks its member up by rk: this index answers it without a
     * visit to the members table, whose rows are mostly text it does not
     * need. */
    "CREATE INDEX IF NOT EXISTS members_relay ON members(rk, verified, consent, phone);"
    "CREATE TABLE IF NOT EXISTS hub_directory("
    " id INTEGER PRIMARY KEY, rk TEXT NOT NULL, consent INTEGER NOT NULL,"
    " preference INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS sessions("
    " id_hash TEXT PRIMARY KEY, member INTEGER NOT NULL REFERENCES members(id),"
    " expires INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS login_failures("
    " phone TEXT PRIMARY KEY, attempts TEXT NOT NULL, newest INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS login_failures_newest ON login_failures(newest);";

#define MEMBER_COLS "id, name, phone, ci, rk, pin_hash, consent, preference, verified"
#define NOTICE_COLS \
    "notice, member, rk, agency, title, doc_sha256, deadline, link, received," \
    " read_at IS NOT NULL, read_at"

typedef struct stmt_def {
    size_t offset;
    const char *sql;
} stmt_def;

#define S(field, sql) {offsetof(platform_db, field), sql}
static const stmt_def stmts[] = {
    S(member_by_rk, "SELECT " MEMBER_COLS " FROM members WHERE rk = ?"),
    S(member_by_phone, "SELECT " MEMBER_COLS " FROM members WHERE phone = ?"),
    S(member_by_id, "SELECT " MEMBER_COLS " FROM members WHERE id = ?"),
    S(member_insert, "INSERT INTO members(name, phone, ci, rk, pin_hash, consent, preference,"
                     " created, verified) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"),
    S(member_verify, "UPDATE members SET verified = 1 WHERE id = ?"),
    S(member_consent, "UPDATE members SET consent = ?, preference = ? WHERE id = ?"),
    S(inbox_insert, "INSERT OR IGNORE INTO inbox(notice, member, rk, agency, title,"
                    " doc_sha256, deadline, link, received) VALUES (?,?,?,?,?,?,?,?,?)"),
    S(inbox_get, "SELECT " NOTICE_COLS " FROM inbox WHERE notice = ?"),
    S(inbox_list, "SELECT " NOTICE_COLS " FROM inbox WHERE member = ?"
                  " ORDER BY received DESC, notice DESC LIMIT ?"),
    S(inbox_read, "UPDATE inbox SET read_at = coalesce(read_at, ?) WHERE notice = ?"),
    S(outbox_insert, "INSERT INTO outbox(notice, channel, phone, text, created)"
                     " VALUES (?, ?, ?, ?, ?)"),
    S(dir_insert, "INSERT INTO hub_directory(rk, consent, preference) VALUES (?, ?, ?)"),
    /* Named: the planner would take rk's UNIQUE index, then the table. */
    S(member_route, "SELECT id, verified, consent, phone FROM members INDEXED BY members_relay"
                    " WHERE rk = ?"),
    S(notify_mark, "UPDATE outbox SET sent = ?1 WHERE id > ?2"),
    S(outbox_last, "SELECT max(id) FROM outbox"),
    S(events_batch, "SELECT id, notice, sent FROM outbox WHERE id > ?1 AND id <= ?2"
                    " ORDER BY id LIMIT ?3"),
    S(events_reported, "INSERT INTO meta(key, value) VALUES ('reported_upto', ?1)"
                       " ON CONFLICT(key) DO UPDATE SET value = excluded.value"),
    S(dir_batch, "SELECT id, rk, consent, preference FROM hub_directory ORDER BY id LIMIT ?"),
    S(dir_delete, "DELETE FROM hub_directory WHERE id <= ?"),
    S(session_insert, "INSERT INTO sessions(id_hash, member, expires) VALUES (?, ?, ?)"),
    S(session_get, "SELECT member FROM sessions WHERE id_hash = ? AND expires > ?"),
    S(session_delete, "DELETE FROM sessions WHERE id_hash = ?"),
    S(sessions_expire, "DELETE FROM sessions WHERE expires <= ?"),
    S(attempts_get, "SELECT attempts FROM login_failures WHERE phone = ?"),
    S(attempts_set, "INSERT INTO login_failures(phone, attempts, newest) VALUES (?, ?, ?)"
                    " ON CONFLICT(phone) DO UPDATE SET attempts = excluded.attempts,"
                    " newest = excluded.newest"),
    S(attempts_clear, "DELETE FROM login_failures WHERE phone = ?"),
    S(attempts_expire, "DELETE FROM login_failures WHERE newest <= ?"),
};
#undef S

/* Pages of 16 KiB for a new database: inbox and outbox rows are appended
 * by relay batches, and a relay's commit writes a quarter as many WAL
 * frames as with 4 KiB pages. Members are looked up at random, but from
 * the cache. */
#define PLATFORM_PAGE_SIZE 16384
/* A checkpoint per 16 MB of WAL, whatever the page size. */
#define PLATFORM_CHECKPOINT_BYTES (16LL << 20)

#define STMT(d, off) (*(sqlite3_stmt **)((char *)(d) + (off)))

/* Before the outbox was the queue, sending a notification copied it into
 * a hub_events table until the hub had it. Such a database resumes
 * reporting at the outbox row of the oldest event still queued there (or,
 * with none queued, after its last sent row). */
static const char from_hub_events[] =
    "INSERT OR REPLACE INTO meta(key, value) SELECT 'reported_upto', coalesce("
    " (SELECT min(o.id) - 1 FROM outbox o WHERE o.notice IN (SELECT notice FROM hub_events)),"
    " (SELECT max(id) FROM outbox WHERE sent IS NOT NULL), 0);"
    "DROP TABLE hub_events;";

/* Sent rows are a prefix of the outbox (they are sent in id order), so
 * the last one is found from the end. Every database this code made has
 * its reported_upto from the start (0); an older one gets it from its
 * hub_events queue. */
static int load_cursors(platform_db *d)
{
    long long legacy = 0, queued = 0;

    if (db_one_int(d->db, "SELECT count(*) FROM sqlite_schema"
                          " WHERE type = 'table' AND name = 'hub_events'", &legacy) < 0 ||
        db_begin(d->db) != 0)
        return -1;
    if (legacy && (db_one_int(d->db, "SELECT count(*) FROM hub_events", &queued) < 0 ||
                   db_exec(d->db, from_hub_events) != 0))
        goto fail;
    d->sent_upto = d->reported_upto = 0;
    if (db_exec(d->db, "INSERT OR IGNORE INTO meta(key, value) VALUES ('reported_upto', 0)") != 0 ||
        db_one_int(d->db, "SELECT id FROM outbox WHERE sent IS NOT NULL ORDER BY id DESC LIMIT 1",
                   &d->sent_upto) < 0 ||
        db_one_int(d->db, "SELECT value FROM meta WHERE key = 'reported_upto'",
                   &d->reported_upto) < 0 ||
        db_commit(d->db) != 0)
        goto fail;
    if (legacy)
        log_info("database: notifications now reported from the outbox, after row %lld"
                 " (%lld were queued)", d->reported_upto, queued);
    return 0;
fail:
    db_rollback(d->db);
    return -1;
}

static int open_into(platform_db *d, const char *path, char *err, size_t errlen)
{
    d->db = db_open(path, schema, PLATFORM_PAGE_SIZE, err, errlen);
    if (!d->db)
        return -1;
    /* A relay looks members up by rk in random order, and files each
     * notice under its member (inbox_by_member) in the same order. At a
     * million members those two indexes are ~95 MiB: a 32 MiB cache
     * missed on most lookups (a read system call and a 16 KiB copy each);
     * 96 MiB keeps nearly all of them, and a platform's peak stays under
     * ~140 MiB. */
    if (db_exec(d->db, "PRAGMA cache_size=-98304") != 0) {
        snprintf(err, errlen, "%s: cannot set the cache size", path);
        return -1;
    }
    /* A relay's commit would otherwise copy the WAL into the database now
     * and then, holding up that relay's answer and the next. */
    d->ckpt = db_checkpointer_start(d->db, path, PLATFORM_CHECKPOINT_BYTES, err, errlen);
    if (!d->ckpt) {
        return -1;
    }
    if (load_cursors(d) != 0) {
        snprintf(err, errlen, "%s: cannot read the outbox's cursors (see log)", path);
        return -1;
    }
    for (size_t i = 0; i < sizeof stmts / sizeof stmts[0]; i++) {
        STMT(d, stmts[i].offset) = db_prepare(d->db, stmts[i].sql);
        if (!STMT(d, stmts[i].offset)) {
            snprintf(err, errlen, "%s: cannot prepare statements (see log)", path);
                return -1;
        }
    }
    return 0;
}

platform_db *platform_db_open(const char *path, char *err, size_t errlen)
{
    platform_db *d = calloc(1, sizeof *d);

    if (!d) {
        snprintf(err, errlen, "%s: out of memory", path);
        return NULL;
    }
    if (open_into(d, path, err, errlen) != 0) {
        platform_db_close(d);
        return NULL;
    }
    return d;
}

void platform_db_close(platform_db *d)
{
    db_checkpointer_stop(d->ckpt, d->db);
    for (size_t i = 0; i < sizeof stmts / sizeof stmts[0]; i++)
        sqlite3_finalize(STMT(d, stmts[i].offset));
    if (d->db)
        db_close(d->db);
    free(d);
}

int platform_db_begin(platform_db *d)
{
    return db_begin(d->db);
}

int platform_db_commit(platform_db *d)
{
    return db_commit(d->db);
}

void platform_db_rollback(platform_db *d)
{
    db_rollback(d->db);
}

/* Steps a bound lookup once: read(st, out) takes the row if there is one.
 * 1 found, 0 not, -1 on a database error (logged). Leaves st reset. */
static int read_row(platform_db *d, sqlite3_stmt *st, void (*read)(sqlite3_stmt *st, void *out),
                    void *out)
{
    int rc = sqlite3_step(st), found = 0;

    if (rc == SQLITE_ROW) {
        read(st, out);
        found = 1;
    } else if (rc != SQLITE_DONE) {
        log_error("database: %s", sqlite3_errmsg(d->db));
        found = -1;
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return found;
}

static void member_of(sqlite3_stmt *st, void *out)
{
    member *m = out;

    m->id = sqlite3_column_int64(st, 0);
    db_copy_text(m->name, sizeof m->name, st, 1);
    db_copy_text(m->phone, sizeof m->phone, st, 2);
    db_copy_text(m->ci, sizeof m->ci, st, 3);
    db_copy_text(m->rk, sizeof m->rk, st, 4);
    db_copy_text(m->pin_hash, sizeof m->pin_hash, st, 5);
    m->consent = sqlite3_column_int(st, 6);
    m->preference = sqlite3_column_int(st, 7);
    m->verified = sqlite3_column_int(st, 8);
}

static int read_member(platform_db *d, sqlite3_stmt *st, member *m)
{
    return read_row(d, st, member_of, m);
}

static int member_by_rk(platform_db *d, const char *rk, member *m)
{
    db_bind_text(d->member_by_rk, 1, rk);
    return read_member(d, d->member_by_rk, m);
}

static void route_of(sqlite3_stmt *st, void *out)
{
    member_route *r = out;

    r->id = sqlite3_column_int64(st, 0);
    r->verified = sqlite3_column_int(st, 1);
    r->consent = sqlite3_column_int(st, 2);
    db_copy_text(r->phone, sizeof r->phone, st, 3);
}

int platform_db_member_route(platform_db *d, const char *rk, member_route *r)
{
    db_bind_text(d->member_route, 1, rk);
    return read_row(d, d->member_route, route_of, r);
}

int platform_db_member_by_phone(platform_db *d, const char *phone, member *m)
{
    db_bind_text(d->member_by_phone, 1, phone);
    return read_member(d, d->member_by_phone, m);
}

int platform_db_member_by_id(platform_db *d, long long id, member *m)
{
    sqlite3_bind_int64(d->member_by_id, 1, id);
    return read_member(d, d->member_by_id, m);
}

/* Deletes an unverified member and their sessions. Unverified members
 * never received a notice (relays to them are refused), so nothing else
 * refers to them. */
static int drop_unverified(platform_db *d, long long id)
{
    static const char *const sql[] = {
        "DELETE FROM sessions WHERE member = ?",
        "DELETE FROM members WHERE id = ? AND verified = 0",
    };

    for (size_t i = 0; i < sizeof sql / sizeof sql[0]; i++) {
        sqlite3_stmt *st = db_prepare(d->db, sql[i]);
        if (!st)
            return -1;
        sqlite3_bind_int64(st, 1, id);
        int rc = sqlite3_step(st);
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE)
            return -1;
    }
    return 0;
}

/* A back-office sign-up has proofed the person's identity, so it takes
 * precedence over an unverified web sign-up with the same phone or the
 * same CI: someone who typed another's RRN on the web page must not be
 * able to keep the real person out. Returns 1 if m may be inserted. */
static int clear_the_way(platform_db *d, const member *m, member *other, const char **dup)
{
    int by_phone = platform_db_member_by_phone(d, m->phone, other) == 1;

    if (!by_phone && member_by_rk(d, m->rk, other) != 1)
        return 1;
    *dup = by_phone ? "phone" : "person";
    if (!m->verified || other->verified)
        return 0;
    if (drop_unverified(d, other->id) != 0)
        return -1;
    log_warn("a verified sign-up replaced unverified web member %lld (same %s)", other->id,
             *dup);
    *dup = NULL;
    return clear_the_way(d, m, other, dup); /* the other key may hold a second one */
}

long long platform_db_member_insert(platform_db *d, const member *m, const char *created,
                                    const char **dup)
{
    sqlite3_stmt *st = d->member_insert;
    member other;
    int rc;

    *dup = NULL;
    rc = clear_the_way(d, m, &other, dup);
    if (rc <= 0)
        return rc;
    db_bind_text(st, 1, m->name);
    db_bind_text(st, 2, m->phone);
    db_bind_text(st, 3, m->ci);
    db_bind_text(st, 4, m->rk);
    db_bind_text(st, 5, m->pin_hash);
    sqlite3_bind_int(st, 6, m->consent);
    sqlite3_bind_int(st, 7, m->preference);
    db_bind_text(st, 8, created);
    sqlite3_bind_int(st, 9, m->verified);
    rc = db_run(st);
    return rc == 0 ? sqlite3_last_insert_rowid(d->db) : -1;
}

int platform_db_member_verify(platform_db *d, long long id)
{
    sqlite3_bind_int64(d->member_verify, 1, id);
    return db_run(d->member_verify);
}

int platform_db_member_set_consent(platform_db *d, long long id, int consent, int preference)
{
    sqlite3_bind_int(d->member_consent, 1, consent);
    sqlite3_bind_int(d->member_consent, 2, preference);
    sqlite3_bind_int64(d->member_consent, 3, id);
    return db_run(d->member_consent);
}

int platform_db_inbox_insert(platform_db *d, const notice_row *n)
{
    sqlite3_stmt *st = d->inbox_insert;

    db_bind_text(st, 1, n->notice);
    sqlite3_bind_int64(st, 2, n->member);
    db_bind_text(st, 3, n->rk);
    db_bind_text(st, 4, n->agency);
    db_bind_text(st, 5, n->title);
    db_bind_text(st, 6, n->doc_sha256);
    db_bind_text(st, 7, n->deadline);
    db_bind_text(st, 8, n->link);
    db_bind_text(st, 9, n->received);
    if (db_run(st) != 0)
        return -1;
    return sqlite3_changes(d->db) > 0;
}

static void read_notice(sqlite3_stmt *st, void *out)
{
    notice_row *n = out;

    db_copy_text(n->notice, sizeof n->notice, st, 0);
    n->member = sqlite3_column_int64(st, 1);
    db_copy_text(n->rk, sizeof n->rk, st, 2);
    db_copy_text(n->agency, sizeof n->agency, st, 3);
    db_copy_text(n->title, sizeof n->title, st, 4);
    db_copy_text(n->doc_sha256, sizeof n->doc_sha256, st, 5);
    db_copy_text(n->deadline, sizeof n->deadline, st, 6);
    db_copy_text(n->link, sizeof n->link, st, 7);
    db_copy_text(n->received, sizeof n->received, st, 8);
    n->read = sqlite3_column_int(st, 9);
    db_copy_text(n->read_at, sizeof n->read_at, st, 10);
}

int platform_db_inbox_get(platform_db *d, const char *notice, notice_row *n)
{
    db_bind_text(d->inbox_get, 1, notice);
    return read_row(d, d->inbox_get, read_notice, n);
}

int platform_db_inbox_list(platform_db *d, long long member, int limit,
                           void (*fn)(void *ctx, const notice_row *n), void *ctx)
{
    sqlite3_stmt *st = d->inbox_list;
    notice_row n;
    int rc;

    sqlite3_bind_int64(st, 1, member);
    sqlite3_bind_int(st, 2, limit);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        read_notice(st, &n);
        fn(ctx, &n);
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE) {
        log_error("database: %s", sqlite3_errmsg(d->db));
        return -1;
    }
    return 0;
}

int platform_db_inbox_mark_read(platform_db *d, const char *notice, const char *at)
{
    db_bind_text(d->inbox_read, 1, at);
    db_bind_text(d->inbox_read, 2, notice);
    return db_run(d->inbox_read);
}

int platform_db_outbox_insert(platform_db *d, const char *notice, const char *channel,
                              const char *phone, const char *text, const char *created)
{
    sqlite3_stmt *st = d->outbox_insert;

    db_bind_text(st, 1, notice);
    db_bind_text(st, 2, channel);
    db_bind_text(st, 3, phone);
    db_bind_text(st, 4, text);
    db_bind_text(st, 5, created);
    return db_run(st);
}

int platform_db_directory_queue(platform_db *d, const char *rk, int consent, int preference)
{
    sqlite3_stmt *st = d->dir_insert;

    db_bind_text(st, 1, rk);
    sqlite3_bind_int(st, 2, consent);
    sqlite3_bind_int(st, 3, preference);
    return db_run(st);
}

int platform_db_outbox_deliver(platform_db *d, const char *at)
{
    sqlite3_stmt *st = d->outbox_last;
    long long last;
    int rc;

    if (db_begin(d->db) != 0)
        return -1;
    rc = sqlite3_step(st);
    last = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_reset(st);
    if (last > d->sent_upto) {
        db_bind_text(d->notify_mark, 1, at);
        sqlite3_bind_int64(d->notify_mark, 2, d->sent_upto);
        if (db_run(d->notify_mark) != 0)
            last = -1;
    }
    if (last < 0 || db_commit(d->db) != 0) {
        db_rollback(d->db); /* the next round marks the same rows */
        return -1;
    }
    if (last <= d->sent_upto)
        return 0;
    rc = (int)(last - d->sent_upto);
    d->sent_upto = last; /* only once they are marked for good */
    return rc;
}

int platform_db_events_batch(platform_db *d, int limit,
                             void (*fn)(void *ctx, long long id, const char *notice,
                                        const char *at),
                             void *ctx)
{
    sqlite3_stmt *st = d->events_batch;
    int rc, n = 0;

    sqlite3_bind_int64(st, 1, d->reported_upto);
    sqlite3_bind_int64(st, 2, d->sent_upto);
    sqlite3_bind_int(st, 3, limit);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        fn(ctx, sqlite3_column_int64(st, 0), db_text(st, 1), db_text(st, 2));
        n++;
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? n : -1;
}

int platform_db_events_reported_upto(platform_db *d, long long id)
{
    sqlite3_bind_int64(d->events_reported, 1, id);
    if (db_run(d->events_reported) != 0)
        return -1;
    d->reported_upto = id;
    return 0;
}

int platform_db_directory_batch(platform_db *d, int limit,
                                void (*fn)(void *ctx, long long id, const char *rk, int consent,
                                           int preference),
                                void *ctx)
{
    sqlite3_stmt *st = d->dir_batch;
    int rc, n = 0;

    sqlite3_bind_int(st, 1, limit);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        fn(ctx, sqlite3_column_int64(st, 0), db_text(st, 1), sqlite3_column_int(st, 2),
           sqlite3_column_int(st, 3));
        n++;
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? n : -1;
}

int platform_db_directory_delete_upto(platform_db *d, long long id)
{
    sqlite3_bind_int64(d->dir_delete, 1, id);
    return db_run(d->dir_delete);
}

int platform_db_session_insert(platform_db *d, const char *id_hash, long long member,
                               long long expires_ms)
{
    db_bind_text(d->session_insert, 1, id_hash);
    sqlite3_bind_int64(d->session_insert, 2, member);
    sqlite3_bind_int64(d->session_insert, 3, expires_ms);
    return db_run(d->session_insert);
}

long long platform_db_session_member(platform_db *d, const char *id_hash, long long now_ms)
{
    sqlite3_stmt *st = d->session_get;
    long long member = 0;
    int rc;

    db_bind_text(st, 1, id_hash);
    sqlite3_bind_int64(st, 2, now_ms);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        member = sqlite3_column_int64(st, 0);
    else if (rc != SQLITE_DONE)
        member = -1;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return member;
}

int platform_db_session_delete(platform_db *d, const char *id_hash)
{
    db_bind_text(d->session_delete, 1, id_hash);
    return db_run(d->session_delete);
}

int platform_db_sessions_expire(platform_db *d, long long now_ms)
{
    sqlite3_bind_int64(d->sessions_expire, 1, now_ms);
    return db_run(d->sessions_expire);
}

int platform_db_attempts_get(platform_db *d, const char *phone, login_attempts *a)
{
    sqlite3_stmt *st = d->attempts_get;
    int rc;

    memset(a, 0, sizeof *a);
    db_bind_text(st, 1, phone);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        login_attempts_parse(a, db_text(st, 0));
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

int platform_db_attempts_set(platform_db *d, const char *phone, const login_attempts *a)
{
    char text[LOGIN_ATTEMPTS_TEXT_MAX + 1];

    login_attempts_format(a, text);
    db_bind_text(d->attempts_set, 1, phone);
    db_bind_text(d->attempts_set, 2, text);
    sqlite3_bind_int64(d->attempts_set, 3, a->n ? a->at[a->n - 1] : 0);
    return db_run(d->attempts_set);
}

int platform_db_attempts_clear(platform_db *d, const char *phone)
{
    db_bind_text(d->attempts_clear, 1, phone);
    return db_run(d->attempts_clear);
}

int platform_db_attempts_expire(platform_db *d, long long now_ms)
{
    /* A failure counts while now - at < LOGIN_ATTEMPTS_WINDOW_MS (login_attempts.c): once the
     * newest is that old, the row locks nobody and is only weight. */
    sqlite3_bind_int64(d->attempts_expire, 1, now_ms - LOGIN_ATTEMPTS_WINDOW_MS);
    return db_run(d->attempts_expire);
}

long long platform_db_pending_reports(platform_db *d)
{
    static const char sql[] =
        "SELECT (SELECT count(*) FROM hub_directory) + (SELECT count(*) FROM outbox WHERE id > ?)";
    sqlite3_stmt *st = db_prepare(d->db, sql);
    long long n = -1;

    if (st) {
        sqlite3_bind_int64(st, 1, d->reported_upto);
        if (sqlite3_step(st) == SQLITE_ROW)
            n = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    return n;
}
