/* platform_db.c -- see platform_db.h. */
#include "platform_db.h"
#include "platform_db_internal.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "db.h"
#include "log.h"
#include "signup_code.h"

/* The outbox's columns beyond the first seven, as ALTER TABLE adds them
 * to an older database and CREATE TABLE makes them in a new one. */
#define OUTBOX_NEW_COLUMNS \
    ", state TEXT NOT NULL DEFAULT 'queued', attempts INTEGER NOT NULL DEFAULT 0," \
    " duplicate INTEGER NOT NULL DEFAULT 0, resent TEXT, reference TEXT, settled TEXT," \
    " reason TEXT" OUTBOX_KIND_COLUMN
/* What an alert tells: 'alert' (a new notice), 'reminder' (of an unread
 * one), 'pre_notice' (one awaits consent). Only an 'alert' is reported to
 * the hub as ConsignmentNotification or its failure: the hub records a
 * reminder and a pre-notice when the platform takes it. */
#define OUTBOX_KIND_COLUMN ", kind TEXT NOT NULL DEFAULT 'alert'"
/* pending: relayed as a pre-notice, hidden from the member until they
 * consent, and dropped if they do so after consent_until. */
#define INBOX_NEW_COLUMNS ", pending INTEGER NOT NULL DEFAULT 0, consent_until TEXT" \
    WITHDRAWN_COLUMNS
/* withdrawn_at: the sending agency cancelled the notice (the hub's POST
 * /v1/withdraw); the inbox shows it withdrawn, with the agency's reason,
 * and it no longer opens. */
#define WITHDRAWN_COLUMNS ", withdrawn_at TEXT, withdrawn_reason TEXT"

/* rk is UNIQUE: one account per person per platform, so a relay finds
 * exactly one inbox. The CI is kept (bound at sign-up); the RRN never.
 * verified: the back office has proofed that the member is the person the
 * CI names; until then the member is kept out of the hub's directory and
 * gets no relayed notices (a web sign-up only shows that someone knew an
 * RRN). */
static const char schema[] =
    "CREATE TABLE IF NOT EXISTS members("
    " id INTEGER PRIMARY KEY, name TEXT NOT NULL, phone TEXT NOT NULL UNIQUE,"
    " ci TEXT NOT NULL, rk TEXT NOT NULL UNIQUE, pin_hash TEXT NOT NULL,"
    " consent INTEGER NOT NULL, preference INTEGER NOT NULL, created TEXT NOT NULL,"
    " verified INTEGER NOT NULL, confirm_until TEXT, confirm_hash TEXT,"
    " confirm_tries INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE IF NOT EXISTS inbox("
    " notice TEXT PRIMARY KEY, member INTEGER NOT NULL REFERENCES members(id),"
    " rk TEXT NOT NULL, agency TEXT NOT NULL, title TEXT NOT NULL,"
    " doc_sha256 TEXT NOT NULL, deadline TEXT NOT NULL, link TEXT NOT NULL,"
    " received TEXT NOT NULL, read_at TEXT" INBOX_NEW_COLUMNS ");"
    "CREATE INDEX IF NOT EXISTS inbox_by_member ON inbox(member, received);"
    /* An alert and its way (platform_db.h): state, attempts, duplicate
     * (queued again after an unknown outcome), resent (when it was sent
     * that second time), the channel's reference, sent (when the channel
     * accepted it), settled (when it became delivered or failed), and a
     * failure's reason. An older database has the first seven columns:
     * see platform_db_migrate.c. */
    "CREATE TABLE IF NOT EXISTS outbox("
    " id INTEGER PRIMARY KEY, notice TEXT NOT NULL, channel TEXT NOT NULL,"
    " phone TEXT NOT NULL, text TEXT NOT NULL, created TEXT NOT NULL, sent TEXT"
    OUTBOX_NEW_COLUMNS ");"
    /* The outbox is also the queue of ConsignmentNotification reports to
     * the hub: rows are settled, and then reported, mostly in id order,
     * so two ids say how far each has gone (platform_db.sent_upto in
     * memory, found again at open; reported_upto in meta). A queue table
     * and an index of unsent rows cost each notice four more B-tree
     * writes, and any index on the outbox costs every insert: what only
     * some alerts need has a table of its own. outbox_references: a
     * receipt names its alert by (channel, reference); the newest alert
     * with a reference has it. outbox_failures: the failures the hub is
     * still to hear of, in the order they happened. */
    "DROP INDEX IF EXISTS outbox_unsent;"
    "CREATE TABLE IF NOT EXISTS outbox_references("
    " channel TEXT NOT NULL, reference TEXT NOT NULL, alert INTEGER NOT NULL,"
    " PRIMARY KEY(channel, reference)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS outbox_failures(seq INTEGER PRIMARY KEY, alert INTEGER NOT NULL);"
    /* outbox_deliveries: the same for receipts that said delivered. */
    "CREATE TABLE IF NOT EXISTS outbox_deliveries(seq INTEGER PRIMARY KEY,"
    " alert INTEGER NOT NULL);"
    /* outbox_urgent: alerts of urgent notices, claimed before the others
     * of their channel; a row goes when its alert is claimed, or once
     * the settled cursor passes it. outbox_urgent_claimed: the urgent
     * ones claimed, until the settled cursor passes them, so that one
     * put back in the queue unanswered (unclaimed at a channel's stop,
     * queued again after an unknown outcome or a crash) is urgent again,
     * not behind a backlog. Kept apart, they cost the claims' look for
     * urgent alerts nothing while their alerts are in flight. */
    "CREATE TABLE IF NOT EXISTS outbox_urgent(alert INTEGER PRIMARY KEY);"
    "CREATE TABLE IF NOT EXISTS outbox_urgent_claimed(alert INTEGER PRIMARY KEY);"
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;"
    /* The reminders queued, each (notice, n) once however often the hub
     * asks; and the consents to pre-noticed notices the hub is still to
     * hear of (ConsentAcceptance and ContentConsignment). */
    "CREATE TABLE IF NOT EXISTS reminders("
    " notice TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY(notice, n)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS consent_reports("
    " seq INTEGER PRIMARY KEY, notice TEXT NOT NULL, at TEXT NOT NULL);"
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
    /* The sign-in limits (login_guard.h): failures per (phone, source)
     * pair, sources blocked for spraying, and each source's sign-up
     * window. Rows are pruned once they can no longer slow anyone. The
     * one-row-per-phone table of before is gone with its rule. */
    "DROP INDEX IF EXISTS login_failures_newest;"
    "DROP TABLE IF EXISTS login_failures;"
    "CREATE TABLE IF NOT EXISTS login_pairs("
    " phone TEXT NOT NULL, source TEXT NOT NULL, failures INTEGER NOT NULL,"
    " last_ms INTEGER NOT NULL, PRIMARY KEY(phone, source)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS login_pairs_source ON login_pairs(source, last_ms);"
    "CREATE INDEX IF NOT EXISTS login_pairs_last ON login_pairs(last_ms);"
    "CREATE TABLE IF NOT EXISTS blocked_sources("
    " source TEXT PRIMARY KEY, until_ms INTEGER NOT NULL) WITHOUT ROWID;"
    /* Browsers each member signed in from (platform_db_devices.c). */
    "CREATE TABLE IF NOT EXISTS devices("
    " id_hash TEXT PRIMARY KEY, member INTEGER NOT NULL, phone TEXT NOT NULL,"
    " created_ms INTEGER NOT NULL, failures INTEGER NOT NULL DEFAULT 0,"
    " last_fail_ms INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX IF NOT EXISTS devices_made ON devices(created_ms);"
    "CREATE INDEX IF NOT EXISTS devices_member ON devices(member, created_ms);"
    "CREATE TABLE IF NOT EXISTS signup_sources("
    " source TEXT PRIMARY KEY, start_ms INTEGER NOT NULL, count INTEGER NOT NULL) WITHOUT ROWID;";

#define MEMBER_COLS                                                                     \
    "id, name, phone, ci, rk, pin_hash, consent, preference, verified, confirm_until,"   \
    " confirm_hash, confirm_tries"
#define NOTICE_COLS \
    "notice, member, rk, agency, title, doc_sha256, deadline, link, received," \
    " read_at IS NOT NULL, read_at, pending, consent_until, withdrawn_at, withdrawn_reason"

#define ALERT_COLS "id, notice, phone, text, attempts, duplicate, kind, created"

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
                     " created, verified, confirm_until, confirm_hash)"
                     " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
    S(member_verify, "UPDATE members SET verified = 1 WHERE id = ?"),
    S(member_consent, "UPDATE members SET consent = ?, preference = ? WHERE id = ?"),
    S(inbox_insert, "INSERT OR IGNORE INTO inbox(notice, member, rk, agency, title,"
                    " doc_sha256, deadline, link, received, pending, consent_until)"
                    " VALUES (?,?,?,?,?,?,?,?,?,?,?)"),
    S(inbox_get, "SELECT " NOTICE_COLS " FROM inbox WHERE notice = ?"),
    S(inbox_list, "SELECT " NOTICE_COLS " FROM inbox WHERE member = ?1 AND pending = 0"
                  " AND (received < ?3 OR (received = ?3 AND notice < ?4))"
                  " ORDER BY received DESC, notice DESC LIMIT ?2"),
    S(inbox_list_newer, "SELECT " NOTICE_COLS " FROM inbox WHERE member = ?1 AND pending = 0"
                        " AND (received > ?3 OR (received = ?3 AND notice > ?4))"
                        " ORDER BY received, notice LIMIT ?2"),
    S(inbox_pending, "SELECT " NOTICE_COLS " FROM inbox WHERE member = ? AND pending = 1"
                     " ORDER BY received, notice"),
    S(inbox_reveal, "UPDATE inbox SET pending = 0, received = ? WHERE notice = ? AND pending = 1"),
    S(inbox_drop, "DELETE FROM inbox WHERE notice = ? AND pending = 1"),
    S(outbox_insert_kind, "INSERT INTO outbox(notice, channel, phone, text, created, kind)"
                          " VALUES (?, ?, ?, ?, ?, ?)"),
    S(signups_to_phone, "SELECT count(*) FROM outbox WHERE kind = 'signup' AND phone = ?1"
                        " AND created > ?2"),
    S(reminder_note, "INSERT OR IGNORE INTO reminders(notice, n) VALUES (?, ?)"),
    S(consent_report, "INSERT INTO consent_reports(notice, at) VALUES (?, ?)"),
    S(consent_batch, "SELECT seq, notice, at FROM consent_reports ORDER BY seq LIMIT ?"),
    S(consent_done, "DELETE FROM consent_reports WHERE seq <= ?"),
    S(inbox_read, "UPDATE inbox SET read_at = ? WHERE notice = ? AND read_at IS NULL"),
    S(inbox_withdraw, "UPDATE inbox SET withdrawn_at = ?, withdrawn_reason = ?"
                      " WHERE notice = ? AND withdrawn_at IS NULL"),
    /* Its alerts not yet taken by a channel go no further: state
     * 'withdrawn', settled, never sent and never reported. The queued
     * ones lie past sent_upto (?1), so no scan of the whole outbox. */
    S(outbox_withdraw, "UPDATE outbox SET state = 'withdrawn', settled = ?3,"
                       " reason = 'withdrawn by the agency'"
                       " WHERE id > ?1 AND notice = ?2 AND state = 'queued'"),
    /* A member who opened the notice is not told it is unread: its
     * reminders still queued (past sent_upto, ?1) go no further. */
    S(outbox_read_reminders, "UPDATE outbox SET state = 'withdrawn', settled = ?3,"
                             " reason = 'read before it was sent'"
                             " WHERE id > ?1 AND notice = ?2 AND state = 'queued'"
                             " AND kind = 'reminder'"),
    S(outbox_insert, "INSERT INTO outbox(notice, channel, phone, text, created)"
                     " VALUES (?, ?, ?, ?, ?)"),
    S(dir_insert, "INSERT INTO hub_directory(rk, consent, preference) VALUES (?, ?, ?)"),
    /* Named: the planner would take rk's UNIQUE index, then the table. */
    S(member_route, "SELECT id, verified, consent, phone FROM members INDEXED BY members_relay"
                    " WHERE rk = ?"),
    S(outbox_last, "SELECT max(id) FROM outbox"),
    S(events_batch, "SELECT id, notice, sent, channel, reference FROM outbox WHERE id > ?1"
                    " AND id <= ?2 AND sent IS NOT NULL AND kind = 'alert' ORDER BY id LIMIT ?3"),
    S(events_reported, "INSERT INTO meta(key, value) VALUES ('reported_upto', ?1)"
                       " ON CONFLICT(key) DO UPDATE SET value = excluded.value"),
    S(outbox_requeued, "SELECT " ALERT_COLS " FROM outbox WHERE id > ?1 AND id <= ?2"
                       " AND channel = ?3 AND state = 'queued' ORDER BY id LIMIT 1"),
    S(urgent_mark, "INSERT OR IGNORE INTO outbox_urgent(alert) VALUES (last_insert_rowid())"),
    S(urgent_next, "SELECT " ALERT_COLS " FROM outbox WHERE channel = ?1 AND state = 'queued'"
                   " AND id IN (SELECT alert FROM outbox_urgent) ORDER BY id LIMIT 1"),
    S(urgent_done, "DELETE FROM outbox_urgent WHERE alert = ?1 OR alert <= ?2"),
    S(urgent_claimed, "INSERT OR IGNORE INTO outbox_urgent_claimed(alert) VALUES (?1)"),
    S(urgent_claimed_done, "DELETE FROM outbox_urgent_claimed WHERE alert <= ?1"),
    S(urgent_again, "INSERT OR IGNORE INTO outbox_urgent(alert)"
                    " SELECT alert FROM outbox_urgent_claimed WHERE alert = ?1"),
    S(outbox_fresh, "SELECT " ALERT_COLS " FROM outbox WHERE id > ?1 AND channel = ?2"
                    " AND state = 'queued' ORDER BY id LIMIT 1"),
    S(outbox_claim, "UPDATE outbox SET state = 'submitting', attempts = attempts + 1,"
                    " resent = CASE WHEN duplicate THEN ?2 ELSE resent END"
                    " WHERE id = ?1 AND state = 'queued'"),
    S(outbox_accept, "UPDATE outbox SET state = 'accepted', reference = ?2, sent = ?3"
                     " WHERE id = ?1 AND state = 'submitting' AND channel = ?4"),
    /* The channel bound, not looked up in the outbox: an INSERT from a
     * SELECT costs twice an INSERT of values, once per alert. */
    S(outbox_reference, "INSERT OR REPLACE INTO outbox_references(channel, reference, alert)"
                        " VALUES (?3, ?2, ?1)"),
    S(outbox_unclaim, "UPDATE outbox SET state = 'queued', attempts = attempts - 1"
                      " WHERE id = ?1 AND state = 'submitting'"),
    S(outbox_fail, "UPDATE outbox SET state = 'failed', reason = ?2, settled = ?3"
                   " WHERE id = ?1 AND state IN ('submitting', 'accepted')"),
    S(failure_queue, "INSERT INTO outbox_failures(alert)"
                     " SELECT id FROM outbox WHERE id = ?1 AND kind = 'alert'"),
    S(delivery_queue, "INSERT INTO outbox_deliveries(alert) VALUES (?1)"),
    S(outbox_by_ref, "SELECT o.id, o.state, o.kind = 'alert' FROM outbox_references r"
                     " JOIN outbox o ON o.id = r.alert WHERE r.channel = ?1 AND r.reference = ?2"),
    S(outbox_delivered, "UPDATE outbox SET state = 'delivered', settled = ?2"
                        " WHERE id = ?1 AND state = 'accepted'"),
    S(outbox_unsettled, "SELECT id FROM outbox WHERE id > ?1"
                        " AND state IN ('queued', 'submitting') ORDER BY id LIMIT 1"),
    S(outbox_submitting, "SELECT id, duplicate, channel FROM outbox WHERE id > ?1"
                         " AND state = 'submitting' AND (?2 IS NULL OR channel = ?2)"
                         " ORDER BY id LIMIT 1"),
    S(outbox_requeue, "UPDATE outbox SET state = 'queued', duplicate = 1"
                      " WHERE id = ?1 AND state = 'submitting'"),
    S(failures_batch, "SELECT f.seq, o.id, o.notice, o.settled, o.reason, o.sent IS NOT NULL,"
                      " o.channel, o.reference"
                      " FROM outbox_failures f JOIN outbox o ON o.id = f.alert"
                      " ORDER BY f.seq LIMIT ?1"),
    S(failures_reported, "DELETE FROM outbox_failures WHERE seq <= ?1"),
    S(deliveries_batch, "SELECT d.seq, o.id, o.notice, o.settled, NULL, 1, o.channel,"
                        " o.reference FROM outbox_deliveries d JOIN outbox o ON o.id = d.alert"
                        " ORDER BY d.seq LIMIT ?1"),
    S(deliveries_reported, "DELETE FROM outbox_deliveries WHERE seq <= ?1"),
    S(dir_batch, "SELECT id, rk, consent, preference FROM hub_directory ORDER BY id LIMIT ?"),
    S(dir_delete, "DELETE FROM hub_directory WHERE id <= ?"),
    /* For the member row the PIN was checked against: a row replaced
     * since (SQLite may give a newer one its id) or given a new PIN, or
     * not yet confirmed, gets no session. */
    S(session_insert, "INSERT INTO sessions(id_hash, member, expires) SELECT ?1, ?2, ?3"
                      " WHERE EXISTS (SELECT 1 FROM members WHERE id = ?2 AND pin_hash = ?4"
                      " AND confirm_until IS NULL)"),
    S(session_get, "SELECT member FROM sessions WHERE id_hash = ? AND expires > ?"),
    S(session_delete, "DELETE FROM sessions WHERE id_hash = ?"),
    S(sessions_expire, "DELETE FROM sessions WHERE expires <= ?"),
    S(guard_blocked, "SELECT until_ms FROM blocked_sources WHERE source = ?"),
    S(guard_pair, "SELECT failures, last_ms FROM login_pairs WHERE phone = ? AND source = ?"),
    S(guard_phone, "SELECT failures, last_ms FROM login_pairs WHERE phone = ? AND last_ms > ?"),
    S(guard_pair_set, "INSERT INTO login_pairs(phone, source, failures, last_ms)"
                      " VALUES (?, ?, ?, ?) ON CONFLICT(phone, source) DO UPDATE SET"
                      " failures = excluded.failures, last_ms = excluded.last_ms"),
    S(guard_pair_clear, "DELETE FROM login_pairs WHERE phone = ? AND source = ?"),
    S(guard_spread, "SELECT count(*), coalesce(sum(failures), 0) FROM login_pairs"
                    " WHERE source = ? AND last_ms > ?"),
    S(guard_block, "INSERT INTO blocked_sources(source, until_ms) VALUES (?, ?)"
                   " ON CONFLICT(source) DO UPDATE SET until_ms = excluded.until_ms"),
    S(guard_expire_pairs, "DELETE FROM login_pairs WHERE last_ms <= ?"),
    S(guard_expire_blocks, "DELETE FROM blocked_sources WHERE until_ms <= ?"),
    S(signup_get, "SELECT start_ms, count FROM signup_sources WHERE source = ?"),
    S(signup_set, "INSERT INTO signup_sources(source, start_ms, count) VALUES (?, ?, ?)"
                  " ON CONFLICT(source) DO UPDATE SET start_ms = excluded.start_ms,"
                  " count = excluded.count"),
    S(signup_expire, "DELETE FROM signup_sources WHERE start_ms <= ?"),
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

/* reported_upto is in meta: every database this code made has it from the
 * start (0); an older one gets it from its hub_events queue. Every row up
 * to it is settled, so sent_upto starts there and platform_db_outbox_settle
 * moves it on once the statements are ready. */
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
    d->reported_upto = 0;
    if (db_exec(d->db, "INSERT OR IGNORE INTO meta(key, value) VALUES ('reported_upto', 0)") != 0 ||
        db_one_int(d->db, "SELECT value FROM meta WHERE key = 'reported_upto'",
                   &d->reported_upto) < 0 ||
        db_commit(d->db) != 0)
        goto fail;
    d->sent_upto = d->reported_upto;
    if (legacy)
        log_info("database: notifications now reported from the outbox, after row %lld"
                 " (%lld were queued)", d->reported_upto, queued);
    return 0;
fail:
    db_rollback(d->db);
    return -1;
}

/* What a crash left half done: alerts claimed whose outcome nobody heard
 * go back to their queue (or fail, if this was already their second
 * time). Then every channel claims from the end of the settled rows. */
static int recover_outbox(platform_db *d)
{
    char now[25];
    int requeued, failed = 0;

    if (platform_db_outbox_settle(d) != 0)
        return -1;
    clock_rfc3339_ms(now, clock_now_ms());
    requeued = platform_db_outbox_requeue(d, NULL, now, &failed);
    if (requeued < 0)
        return -1;
    if (requeued || failed)
        log_warn("database: %d alerts whose outcome is unknown queued again as possible"
                 " duplicates, %d failed (outcome unknown twice)", requeued, failed);
    return 0;
}

/* The codes of sign-up messages that lapsed while the platform was
 * down, or before this version wiped them: at open, before anyone signs
 * up, rather than inside the next sign-up's transaction. 0 or -1. */
static int wipe_lapsed_codes(platform_db *d, const char *path, char *err, size_t errlen)
{
    char lapsed[25];
    long long n;

    clock_rfc3339_ms(lapsed, clock_now_ms() - SIGNUP_CODE_TTL_MS);
    if ((n = platform_db_signup_codes_wipe(d, lapsed)) < 0) {
        snprintf(err, errlen, "%s: cannot wipe the lapsed sign-up codes (see log)", path);
        return -1;
    }
    if (n > 0)
        log_info("database: the codes of %lld lapsed sign-up message%s wiped", n,
                 n == 1 ? "" : "s");
    return 0;
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
    if (platform_db_migrate(d) != 0) {
        snprintf(err, errlen, "%s: cannot bring it to this version's columns (see the log)",
                 path);
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
    if (recover_outbox(d) != 0) {
        snprintf(err, errlen, "%s: cannot recover the outbox's unanswered alerts (see log)",
                 path);
        return -1;
    }
    return wipe_lapsed_codes(d, path, err, errlen);
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

void platform_db_counted(platform_db *d, platform_count kind)
{
    if (sqlite3_get_autocommit(d->db))
        metrics_add(&d->counts[kind], 1);
    else
        d->pending[kind]++;
}

int platform_db_begin(platform_db *d)
{
    memset(d->pending, 0, sizeof d->pending);
    return db_begin(d->db);
}

int platform_db_savepoint(platform_db *d, int keep)
{
    if (!keep)
        memcpy(d->pending, d->at_savepoint, sizeof d->pending);
    return db_exec(d->db, keep ? "RELEASE one" : "ROLLBACK TO one; RELEASE one");
}

int platform_db_savepoint_open(platform_db *d)
{
    memcpy(d->at_savepoint, d->pending, sizeof d->pending);
    return db_exec(d->db, "SAVEPOINT one");
}

int platform_db_commit(platform_db *d)
{
    if (db_commit(d->db) != 0)
        return -1;
    for (int k = 0; k < PLATFORM_COUNT_KINDS; k++)
        if (d->pending[k])
            metrics_add(&d->counts[k], d->pending[k]);
    memset(d->pending, 0, sizeof d->pending);
    return 0;
}

void platform_db_rollback(platform_db *d)
{
    memset(d->pending, 0, sizeof d->pending);
    db_rollback(d->db);
}

int platform_db_read_row(sqlite3_stmt *st, void (*read)(sqlite3_stmt *st, void *out),
                         void *out)
{
    int found = db_step_row(st);

    if (found == 1)
        read(st, out);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return found;
}

long long platform_db_pending_reports(platform_db *d)
{
    /* A failure past reported_upto is counted there until the cursor
     * passes it, then among the failures. A delivery is owed besides its
     * alert's notification: each counts. */
    static const char sql[] =
        "SELECT (SELECT count(*) FROM hub_directory) + (SELECT count(*) FROM outbox WHERE id > ?1)"
        " + (SELECT count(*) FROM outbox_failures WHERE alert <= ?1)"
        " + (SELECT count(*) FROM outbox_deliveries)"
        " + (SELECT count(*) FROM consent_reports)";
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

uint64_t platform_db_count(platform_db *d, platform_count kind)
{
    return metrics_read(&d->counts[kind]);
}
