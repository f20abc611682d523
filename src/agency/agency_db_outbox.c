/* agency_db_outbox.c -- the events the hub must hear of (ContentHandover,
 * ContentHandoverFailure), queued here so that none is lost while the hub
 * is away, and the used view token nonces that make a handover happen
 * once. */
#include "agency_db_sql.h"
#include "clock.h"
#include "db.h"

static int insert_event(sqlite3 *sql, const char *notice, const char *event,
                        const char *at, const char *reason)
{
    sqlite3_stmt *st = db_prepare(sql, "INSERT INTO outbox(notice, event, at, reason)"
                                       " VALUES (?,?,?,?)");
    int rc;

    if (!st)
        return -1;
    db_bind_text(st, 1, notice);
    db_bind_text(st, 2, event);
    db_bind_text(st, 3, at);
    db_bind_text(st, 4, reason);
    rc = db_step_done(st);
    sqlite3_finalize(st);
    return rc;
}

/* 0 when the nonce was new, 1 when already used, -1 on error. */
static int burn_nonce(sqlite3 *sql, const char *nonce, long long exp_ms)
{
    sqlite3_stmt *st = db_prepare(sql, "INSERT OR IGNORE INTO used_nonces(nonce, exp_ms)"
                                       " VALUES (?,?)");
    int rc;

    if (!st)
        return -1;
    db_bind_text(st, 1, nonce);
    sqlite3_bind_int64(st, 2, exp_ms);
    rc = db_step_done(st);
    if (rc == 0 && sqlite3_changes(sql) == 0)
        rc = 1;
    sqlite3_finalize(st);
    return rc;
}

/* Read is final: the retention period counts from now (final_at). A
 * notice final already (postal, paid, cancelled) keeps its state, as the
 * hub does: the read is evidence there, not a move. */
static int mark_read(sqlite3 *sql, const char *reference)
{
    sqlite3_stmt *st = db_prepare(sql, "UPDATE documents SET state = 'read',"
                                       " final_at = coalesce(final_at, ?2)"
                                       " WHERE reference = ?1"
                                       " AND state NOT IN ('postal', 'paid', 'cancelled')");
    int rc;

    if (!st)
        return -1;
    db_bind_text(st, 1, reference);
    sqlite3_bind_int64(st, 2, clock_now_ms());
    rc = db_step_done(st);
    sqlite3_finalize(st);
    return rc;
}

/* 0 while the document may still be handed over, 2 once it has ended
 * (cancelled or purged since the request looked it up: the look-up and
 * this transaction are apart), -1 on error. */
static int still_open(sqlite3 *sql, const char *reference)
{
    sqlite3_stmt *st = db_prepare(sql, "SELECT cancelled_at IS NULL AND purged_at IS NULL"
                                       " FROM documents WHERE reference = ?1");
    int rc;

    if (!st)
        return -1;
    db_bind_text(st, 1, reference);
    rc = sqlite3_step(st);
    rc = rc == SQLITE_ROW ? (sqlite3_column_int(st, 0) ? 0 : 2) : rc == SQLITE_DONE ? 2 : -1;
    sqlite3_finalize(st);
    return rc;
}

static int handover(sqlite3 *sql, const char *nonce, long long exp_ms,
                    const char *reference, const char *notice, const char *at)
{
    int rc;

    if (db_begin(sql) != 0)
        return -1;
    rc = still_open(sql, reference);
    if (rc == 0)
        rc = burn_nonce(sql, nonce, exp_ms);
    if (rc == 0)
        rc = insert_event(sql, notice, "ContentHandover", at, NULL);
    if (rc == 0)
        rc = mark_read(sql, reference);
    if (rc == 0 && db_commit(sql) == 0)
        return 0;
    db_rollback(sql); /* a failed COMMIT may leave the transaction open */
    return rc ? rc : -1;
}

int agency_db_outbox_handover(agency_db *db, const char *nonce, long long exp_ms,
                              const char *reference, const char *notice, const char *at)
{
    int rc;

    agency_db_lock(db);
    rc = handover(db->sql, nonce, exp_ms, reference, notice, at);
    agency_db_unlock(db);
    return rc;
}

int agency_db_outbox_refusal(agency_db *db, const char *notice, const char *at,
                             const char *reason)
{
    sqlite3_stmt *st;
    int rc = -1;

    agency_db_lock(db);
    if (db_begin(db->sql) != 0) {
        agency_db_unlock(db);
        return -1;
    }
    st = db_prepare(db->sql, "INSERT OR IGNORE INTO handover_refusals(notice, reason)"
                             " VALUES (?, ?)");
    if (st) {
        db_bind_text(st, 1, notice);
        db_bind_text(st, 2, reason);
        rc = db_step_done(st);
        sqlite3_finalize(st);
    }
    if (rc == 0 && sqlite3_changes(db->sql) == 1)
        rc = insert_event(db->sql, notice, "ContentHandoverFailure", at, reason);
    if (rc == 0 && db_commit(db->sql) != 0)
        rc = -1;
    if (rc != 0) /* the one shared connection must not stay in a transaction */
        db_rollback(db->sql);
    agency_db_unlock(db);
    return rc;
}

static json_t *peek(sqlite3 *sql, size_t limit, long long *last_id)
{
    sqlite3_stmt *st = db_prepare(sql, "SELECT id, notice, event, at, reason FROM outbox"
                                       " ORDER BY id LIMIT ?");
    json_t *events = json_array();

    if (!st || !events) {
        sqlite3_finalize(st);
        json_decref(events);
        return NULL;
    }
    sqlite3_bind_int64(st, 1, (long long)limit);
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_t *e = json_pack("{ss ss ss}", "notice", db_text(st, 1), "event",
                              db_text(st, 2), "at", db_text(st, 3));
        if (!e)
            break;
        json_object_set_new(e, "reason", sqlite3_column_type(st, 4) == SQLITE_NULL
                                             ? json_null() : json_string(db_text(st, 4)));
        json_array_append_new(events, e);
        *last_id = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    return events;
}

json_t *agency_db_outbox_peek(agency_db *db, size_t limit, long long *last_id)
{
    json_t *events;

    *last_id = 0;
    agency_db_lock(db);
    events = peek(db->sql, limit, last_id);
    agency_db_unlock(db);
    if (!json_array_size(events)) {
        json_decref(events);
        *last_id = 0;
        return NULL;
    }
    return events;
}

/* Runs stmt with one integer bound, under the lock. */
static int run_with_int(agency_db *db, const char *stmt, long long v)
{
    sqlite3_stmt *st;
    int rc = -1;

    agency_db_lock(db);
    if ((st = db_prepare(db->sql, stmt)) != NULL) {
        sqlite3_bind_int64(st, 1, v);
        rc = db_step_done(st);
        sqlite3_finalize(st);
    }
    agency_db_unlock(db);
    return rc;
}

int agency_db_outbox_drop(agency_db *db, long long last_id)
{
    return run_with_int(db, "DELETE FROM outbox WHERE id <= ?", last_id);
}

long long agency_db_outbox_count(agency_db *db)
{
    long long n;

    agency_db_lock(db);
    n = agency_db_single_int(db->sql, "SELECT count(*) FROM outbox");
    agency_db_unlock(db);
    return n;
}

int agency_db_outbox_purge_nonces(agency_db *db, long long now_ms)
{
    return run_with_int(db, "DELETE FROM used_nonces WHERE exp_ms < ?", now_ms - 60000);
}
