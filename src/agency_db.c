/* agency_db.c -- see agency_db.h. */
#include "agency_db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agency_ref.h"
#include "db.h"
#include "log.h"

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS documents("
    " reference TEXT PRIMARY KEY,"
    " line INTEGER NOT NULL,"
    " name TEXT NOT NULL,"
    " address TEXT NOT NULL,"
    " title TEXT NOT NULL,"
    " deadline TEXT NOT NULL,"
    " rk TEXT NOT NULL,"
    " doc_sha256 TEXT NOT NULL,"
    " body BLOB NOT NULL,"
    " notice TEXT UNIQUE,"
    " state TEXT NOT NULL DEFAULT 'stored'"
    ") WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS documents_state ON documents(state);"
    "CREATE TABLE IF NOT EXISTS used_nonces("
    " nonce TEXT PRIMARY KEY,"
    " exp_ms INTEGER NOT NULL"
    ") WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS outbox("
    " id INTEGER PRIMARY KEY,"
    " notice TEXT NOT NULL,"
    " event TEXT NOT NULL,"
    " at TEXT NOT NULL,"
    " reason TEXT"
    ");"
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL);";

sqlite3 *agency_db_open(const char *path, char *err, size_t errlen)
{
    return db_open(path, schema, err, errlen);
}

/* Runs a batch of one statement inside one transaction: the shape every
 * batched write here has. step is called for each item with the
 * statement already reset. */
typedef int (*batch_step)(sqlite3_stmt *st, size_t i, void *ctx);

static int run_batch(sqlite3 *db, const char *sql, size_t n, batch_step step, void *ctx)
{
    sqlite3_stmt *st;
    int rc = 0;

    if (!n)
        return 0;
    if (!(st = db_prepare(db, sql)))
        return -1;
    if (db_begin(db) != 0) {
        sqlite3_finalize(st);
        return -1;
    }
    for (size_t i = 0; i < n && rc == 0; i++) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        rc = step(st, i, ctx);
    }
    sqlite3_finalize(st);
    if (rc != 0 || db_commit(db) != 0) {
        log_error("database: %s", sqlite3_errmsg(db));
        db_rollback(db);
        return -1;
    }
    return 0;
}

static int step_done(sqlite3_stmt *st)
{
    return sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
}

int agency_db_known_notices(sqlite3 *db, const char *const *refs, size_t n,
                            char (*notices)[AGENCY_NOTICE_MAX + 1])
{
    sqlite3_stmt *st = db_prepare(db, "SELECT notice FROM documents WHERE reference = ?");
    int rc = 0;

    if (!st)
        return -1;
    for (size_t i = 0; i < n; i++) {
        sqlite3_reset(st);
        db_bind_text(st, 1, refs[i]);
        notices[i][0] = '\0';
        int s = sqlite3_step(st);
        if (s == SQLITE_ROW)
            snprintf(notices[i], AGENCY_NOTICE_MAX + 1, "%s", db_text(st, 0));
        else if (s != SQLITE_DONE)
            rc = -1;
    }
    sqlite3_finalize(st);
    return rc;
}

static int step_store(sqlite3_stmt *st, size_t i, void *ctx)
{
    const agency_doc *d = (const agency_doc *)ctx + i;

    db_bind_text(st, 1, d->reference);
    sqlite3_bind_int64(st, 2, d->line);
    db_bind_text(st, 3, d->name);
    db_bind_text(st, 4, d->address);
    db_bind_text(st, 5, d->title);
    db_bind_text(st, 6, d->deadline);
    db_bind_text(st, 7, d->rk);
    db_bind_text(st, 8, d->doc_sha256);
    sqlite3_bind_blob(st, 9, d->body, (int)d->body_len, SQLITE_STATIC);
    return step_done(st);
}

int agency_db_store_docs(sqlite3 *db, const agency_doc *docs, size_t n)
{
    return run_batch(db,
                     "INSERT INTO documents(reference, line, name, address, title, deadline,"
                     " rk, doc_sha256, body) VALUES (?,?,?,?,?,?,?,?,?)"
                     " ON CONFLICT(reference) DO UPDATE SET line = excluded.line,"
                     " name = excluded.name, address = excluded.address,"
                     " title = excluded.title, deadline = excluded.deadline,"
                     " rk = excluded.rk, doc_sha256 = excluded.doc_sha256,"
                     " body = excluded.body WHERE documents.notice IS NULL",
                     n, step_store, (void *)docs);
}

typedef struct notice_batch {
    const char *const *refs, *const *notices, *const *states;
} notice_batch;

static int step_notice(sqlite3_stmt *st, size_t i, void *ctx)
{
    const notice_batch *b = ctx;

    if (!b->notices[i])
        return 0;
    db_bind_text(st, 1, b->notices[i]);
    db_bind_text(st, 2, agency_state_known(b->states[i]) ? b->states[i] : "accepted");
    db_bind_text(st, 3, b->refs[i]);
    return step_done(st);
}

int agency_db_set_notices(sqlite3 *db, const char *const *refs,
                          const char *const *notices, const char *const *states, size_t n)
{
    notice_batch b = {refs, notices, states};

    return run_batch(db,
                     "UPDATE documents SET notice = ?1,"
                     " state = CASE WHEN state IN ('read','postal') THEN state ELSE ?2 END"
                     " WHERE reference = ?3",
                     n, step_notice, &b);
}

int agency_db_find_doc(sqlite3 *db, const char *reference, agency_found *out)
{
    sqlite3_stmt *st = db_prepare(db, "SELECT coalesce(notice, ''), rk, state, body"
                                      " FROM documents WHERE reference = ?");
    int rc, s;

    if (!st)
        return -1;
    db_bind_text(st, 1, reference);
    s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        snprintf(out->notice, sizeof out->notice, "%s", db_text(st, 0));
        snprintf(out->rk, sizeof out->rk, "%s", db_text(st, 1));
        snprintf(out->state, sizeof out->state, "%s", db_text(st, 2));
        out->body_len = (size_t)sqlite3_column_bytes(st, 3);
        out->body = malloc(out->body_len + 1);
        if (out->body) {
            if (out->body_len)
                memcpy(out->body, sqlite3_column_blob(st, 3), out->body_len);
            out->body[out->body_len] = '\0';
        }
        rc = out->body ? 1 : -1;
    } else {
        rc = s == SQLITE_DONE ? 0 : -1;
    }
    sqlite3_finalize(st);
    return rc;
}

static int insert_event(sqlite3 *db, const char *notice, const char *event,
                        const char *at, const char *reason)
{
    sqlite3_stmt *st = db_prepare(db, "INSERT INTO outbox(notice, event, at, reason)"
                                      " VALUES (?,?,?,?)");
    int rc;

    if (!st)
        return -1;
    db_bind_text(st, 1, notice);
    db_bind_text(st, 2, event);
    db_bind_text(st, 3, at);
    db_bind_text(st, 4, reason);
    rc = step_done(st);
    sqlite3_finalize(st);
    return rc;
}

/* 0 when the nonce was new, 1 when already used, -1 on error. */
static int burn_nonce(sqlite3 *db, const char *nonce, long long exp_ms)
{
    sqlite3_stmt *st = db_prepare(db, "INSERT OR IGNORE INTO used_nonces(nonce, exp_ms)"
                                      " VALUES (?,?)");
    int rc;

    if (!st)
        return -1;
    db_bind_text(st, 1, nonce);
    sqlite3_bind_int64(st, 2, exp_ms);
    rc = step_done(st);
    if (rc == 0 && sqlite3_changes(db) == 0)
        rc = 1;
    sqlite3_finalize(st);
    return rc;
}

static int mark_read(sqlite3 *db, const char *notice)
{
    sqlite3_stmt *st = db_prepare(db, "UPDATE documents SET state = 'read'"
                                      " WHERE notice = ? AND state <> 'postal'");
    int rc;

    if (!st)
        return -1;
    db_bind_text(st, 1, notice);
    rc = step_done(st);
    sqlite3_finalize(st);
    return rc;
}

int agency_db_handover(sqlite3 *db, const char *nonce, long long exp_ms,
                       const char *notice, const char *at)
{
    int rc;

    if (db_begin(db) != 0)
        return -1;
    rc = burn_nonce(db, nonce, exp_ms);
    if (rc == 0)
        rc = insert_event(db, notice, "ContentHandover", at, NULL);
    if (rc == 0)
        rc = mark_read(db, notice);
    if (rc != 0) {
        db_rollback(db);
        return rc;
    }
    return db_commit(db);
}

int agency_db_queue_event(sqlite3 *db, const char *notice, const char *event,
                          const char *at, const char *reason)
{
    return insert_event(db, notice, event, at, reason);
}

json_t *agency_db_outbox_peek(sqlite3 *db, size_t limit, long long *last_id)
{
    sqlite3_stmt *st = db_prepare(db, "SELECT id, notice, event, at, reason FROM outbox"
                                      " ORDER BY id LIMIT ?");
    json_t *events = json_array();

    *last_id = 0;
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
    if (!json_array_size(events)) {
        json_decref(events);
        *last_id = 0;
        return NULL;
    }
    return events;
}

int agency_db_outbox_drop(sqlite3 *db, long long last_id)
{
    sqlite3_stmt *st = db_prepare(db, "DELETE FROM outbox WHERE id <= ?");
    int rc;

    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, last_id);
    rc = step_done(st);
    sqlite3_finalize(st);
    return rc;
}

static long long single_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = db_prepare(db, sql);
    long long v = 0;

    if (st && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

long long agency_db_outbox_count(sqlite3 *db)
{
    return single_int(db, "SELECT count(*) FROM outbox");
}

long long agency_db_cursor(sqlite3 *db)
{
    return single_int(db, "SELECT coalesce(max(value), 0) FROM meta WHERE key = 'changes_after'");
}

/* Applies one change; 1 when a notice changed, 0 when not, -1 on error. */
static int apply_change(sqlite3_stmt *st, json_t *c)
{
    const char *notice = json_string_value(json_object_get(c, "notice"));
    const char *state = json_string_value(json_object_get(c, "state"));

    if (!notice || !state || !agency_state_known(state) || !strcmp(state, "stored")) {
        log_warn("changes feed: skipping a change without a known notice state");
        return 0;
    }
    sqlite3_reset(st);
    db_bind_text(st, 1, state);
    db_bind_text(st, 2, notice);
    if (sqlite3_step(st) != SQLITE_DONE)
        return -1;
    return sqlite3_changes(sqlite3_db_handle(st)) > 0;
}

static int save_cursor(sqlite3 *db, long long next)
{
    sqlite3_stmt *st = db_prepare(db, "INSERT INTO meta(key, value) VALUES ('changes_after', ?)"
                                      " ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    int rc;

    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, next);
    rc = step_done(st);
    sqlite3_finalize(st);
    return rc;
}

int agency_db_apply_changes(sqlite3 *db, json_t *changes, long long next, size_t *applied)
{
    sqlite3_stmt *st = db_prepare(db, "UPDATE documents SET state = ?1 WHERE notice = ?2"
                                      " AND state NOT IN ('read','postal') AND state <> ?1");
    size_t i;
    json_t *c;
    int rc = 0;

    *applied = 0;
    if (!st)
        return -1;
    if (db_begin(db) != 0) {
        sqlite3_finalize(st);
        return -1;
    }
    json_array_foreach(changes, i, c) {
        int r = apply_change(st, c);
        if (r < 0) {
            rc = -1;
            break;
        }
        *applied += (size_t)r;
    }
    sqlite3_finalize(st);
    if (rc == 0)
        rc = save_cursor(db, next);
    if (rc != 0 || db_commit(db) != 0) {
        db_rollback(db);
        return -1;
    }
    return 0;
}

int agency_db_purge_nonces(sqlite3 *db, long long now_ms)
{
    sqlite3_stmt *st = db_prepare(db, "DELETE FROM used_nonces WHERE exp_ms < ?");
    int rc;

    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, now_ms - 60000);
    rc = step_done(st);
    sqlite3_finalize(st);
    return rc;
}

int agency_db_each_postal(sqlite3 *db, agency_postal_fn fn, void *ctx)
{
    sqlite3_stmt *st = db_prepare(db, "SELECT reference, name, address, title FROM documents"
                                      " WHERE state = 'postal' ORDER BY reference");
    int rc = 0, s;

    if (!st)
        return -1;
    while (rc == 0 && (s = sqlite3_step(st)) == SQLITE_ROW)
        rc = fn(ctx, db_text(st, 0), db_text(st, 1), db_text(st, 2), db_text(st, 3));
    if (rc == 0 && s != SQLITE_DONE)
        rc = -1;
    sqlite3_finalize(st);
    return rc;
}

int agency_db_state_counts(sqlite3 *db, void (*fn)(void *ctx, const char *state, long long n),
                           void *ctx)
{
    sqlite3_stmt *st = db_prepare(db, "SELECT state, count(*) FROM documents GROUP BY state"
                                      " ORDER BY state");
    int s;

    if (!st)
        return -1;
    while ((s = sqlite3_step(st)) == SQLITE_ROW)
        fn(ctx, db_text(st, 0), sqlite3_column_int64(st, 1));
    sqlite3_finalize(st);
    return s == SQLITE_DONE ? 0 : -1;
}
