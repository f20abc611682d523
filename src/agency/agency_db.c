/* agency_db.c -- see agency_db.h. */
#include "agency_db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agency_ref.h"
#include "db.h"
#include "log.h"

/* Pages of 16 KiB for a new database: documents and bodies are appended
 * in batches, and each commit wrote a quarter as many WAL frames (one
 * system call apiece, and a header) as with 4 KiB pages; `agency send`
 * went from 25-26 to 20-24 µs of CPU per notice at 300,000. */
#define AGENCY_PAGE_SIZE 16384
#define AGENCY_CHECKPOINT_BYTES (40LL << 20)

/* The body lives in its own rowid table: as a column of the WITHOUT ROWID
 * documents table a ~1 KB body overflowed the index-style pages (about
 * 5 KB of pages per document) and every state change rewrote it. Apart, a
 * body is appended once to densely packed pages and a state change
 * rewrites a ~300-byte row. */
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
    " notice TEXT,"
    " state TEXT NOT NULL DEFAULT 'stored'"
    ") WITHOUT ROWID;"
    /* Only the postal list looks documents up by state. An index over
     * every state cost each state change two more B-tree writes (one in
     * `agency send`, one per change the feed brings) to save `agency
     * status` a scan it does once in a while. */
    "DROP INDEX IF EXISTS documents_state;"
    "CREATE INDEX IF NOT EXISTS documents_postal ON documents(reference) WHERE state = 'postal';"
    "CREATE TABLE IF NOT EXISTS bodies("
    " reference TEXT PRIMARY KEY,"
    " body BLOB NOT NULL"
    ");"
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
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL);"
    /* Postal notices already handed to the print shop (postal --new). */
    "CREATE TABLE IF NOT EXISTS printed("
    " reference TEXT PRIMARY KEY,"
    " at TEXT NOT NULL"
    ") WITHOUT ROWID;";

/* Nothing looks a document up by its notice id: the feed carries each
 * change's reference, and a handover knows the reference it served. An
 * index on notice cost `agency send` a B-tree write for every answered
 * document; databases that have one lose it at open (once: 0.22 s under
 * the write lock for a million documents, which a concurrent open waits
 * out). Its UNIQUE also refused a notice id the hub gave twice;
 * the hub's ids are UUIDv7 with random bits, and no agency check rested
 * on it. Databases older still keep their UNIQUE notice column. Upgrade
 * every agency process at once: an older one would build the index
 * again at its open. */
static const char drop_notice_index[] = "DROP INDEX IF EXISTS documents_notice;";

/* A database made before bodies moved out keeps them in documents.body:
 * move them over once, in one transaction, before the schema above runs. */
static const char migrate_bodies[] =
    "BEGIN IMMEDIATE;"
    "ALTER TABLE documents RENAME TO documents_v1;"
    "DROP INDEX IF EXISTS documents_state;"
    "CREATE TABLE documents("
    " reference TEXT PRIMARY KEY, line INTEGER NOT NULL, name TEXT NOT NULL,"
    " address TEXT NOT NULL, title TEXT NOT NULL, deadline TEXT NOT NULL,"
    " rk TEXT NOT NULL, doc_sha256 TEXT NOT NULL, notice TEXT,"
    " state TEXT NOT NULL DEFAULT 'stored') WITHOUT ROWID;"
    "CREATE TABLE bodies(reference TEXT PRIMARY KEY, body BLOB NOT NULL);"
    "INSERT INTO documents SELECT reference, line, name, address, title, deadline, rk,"
    " doc_sha256, notice, state FROM documents_v1;"
    "INSERT INTO bodies(reference, body) SELECT reference, body FROM documents_v1;"
    "DROP TABLE documents_v1;"
    "COMMIT;";

static int has_inline_bodies(sqlite3 *db)
{
    sqlite3_stmt *st = db_prepare(db, "SELECT 1 FROM pragma_table_info('documents')"
                                      " WHERE name = 'body'");
    int yes = st && sqlite3_step(st) == SQLITE_ROW;

    sqlite3_finalize(st);
    return yes;
}

sqlite3 *agency_db_open(const char *path, char *err, size_t errlen)
{
    sqlite3 *db = db_open(path, NULL, AGENCY_PAGE_SIZE, err, errlen);

    if (!db)
        return NULL;
    if (has_inline_bodies(db) && db_exec(db, migrate_bodies) != 0) {
        db_rollback(db);
        snprintf(err, errlen, "%s: cannot move document bodies to their own table", path);
        db_close(db);
        return NULL;
    }
    /* A send and the feed look documents up by reference in batches
     * spread over the whole table: at a million documents SQLite's
     * default 2 MB cache missed on most of them. A checkpoint per 40 MB
     * of WAL, not per 4: each one copied pages the next batch changed
     * again, a fifth of `agency send`'s time. */
    char pragma[64];
    snprintf(pragma, sizeof pragma, "PRAGMA wal_autocheckpoint=%d",
             db_pages_for(db, AGENCY_CHECKPOINT_BYTES));
    if (db_exec(db, schema) != 0 ||
        db_exec(db, drop_notice_index) != 0 ||
        db_exec(db, "PRAGMA cache_size=-32768") != 0 || db_exec(db, pragma) != 0) {
        snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(db));
        db_close(db);
        return NULL;
    }
    return db;
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

    /* One read transaction for the batch, not one (and its locks) per row. */
    if (!st || db_exec(db, "BEGIN") != 0) {
        sqlite3_finalize(st);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, refs[i], -1, SQLITE_STATIC);
        notices[i][0] = '\0';
        int s = sqlite3_step(st);
        if (s == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
            snprintf(notices[i], AGENCY_NOTICE_MAX + 1, "%s", db_text(st, 0));
        else if (s != SQLITE_ROW && s != SQLITE_DONE)
            rc = -1;
    }
    sqlite3_finalize(st);
    if (db_commit(db) != 0)
        rc = -1;
    return rc;
}

typedef struct store_batch {
    const agency_doc *docs;
    sqlite3_stmt *body;
} store_batch;

/* The row, then its body, unless the reference already has a notice (the
 * upsert then changes nothing, and neither must the body). */
static int step_store(sqlite3_stmt *st, size_t i, void *ctx)
{
    const store_batch *b = ctx;
    const agency_doc *d = b->docs + i;
    sqlite3_stmt *body = b->body;

    sqlite3_bind_text(st, 1, d->reference, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, d->line);
    sqlite3_bind_text(st, 3, d->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, d->address, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, d->title, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, d->deadline, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, d->rk, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, d->doc_sha256, -1, SQLITE_STATIC);
    if (step_done(st) != 0)
        return -1;
    if (sqlite3_changes(sqlite3_db_handle(st)) == 0)
        return 0;
    sqlite3_reset(body);
    sqlite3_bind_text(body, 1, d->reference, -1, SQLITE_STATIC);
    sqlite3_bind_blob(body, 2, d->body, (int)d->body_len, SQLITE_STATIC);
    return step_done(body);
}

int agency_db_store_docs(sqlite3 *db, const agency_doc *docs, size_t n)
{
    sqlite3_stmt *body = db_prepare(db, "INSERT OR REPLACE INTO bodies(reference, body)"
                                        " VALUES (?,?)");
    store_batch b = {docs, body};
    int rc;

    if (!body)
        return -1;
    rc = run_batch(db,
                   "INSERT INTO documents(reference, line, name, address, title, deadline,"
                   " rk, doc_sha256) VALUES (?,?,?,?,?,?,?,?)"
                   " ON CONFLICT(reference) DO UPDATE SET line = excluded.line,"
                   " name = excluded.name, address = excluded.address,"
                   " title = excluded.title, deadline = excluded.deadline,"
                   " rk = excluded.rk, doc_sha256 = excluded.doc_sha256"
                   " WHERE documents.notice IS NULL",
                   n, step_store, &b);
    sqlite3_finalize(body);
    return rc;
}

/* Where a state lies on a notice's way; read and postal both end it. */
#define STATE_RANK(s) "(CASE " s " WHEN 'stored' THEN 0 WHEN 'accepted' THEN 1" \
                      " WHEN 'relayed' THEN 2 WHEN 'received' THEN 3 ELSE 4 END)"

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

    /* The answer only moves a document forward: the feed may already have
     * taken it further (see apply_change). */
    return run_batch(db,
                     "UPDATE documents SET notice = ?1,"
                     " state = CASE WHEN " STATE_RANK("?2") " > " STATE_RANK("state")
                     " THEN ?2 ELSE state END"
                     " WHERE reference = ?3",
                     n, step_notice, &b);
}

int agency_db_find_doc(sqlite3 *db, const char *reference, agency_found *out)
{
    sqlite3_stmt *st = db_prepare(db, "SELECT coalesce(d.notice, ''), d.rk, d.state, b.body"
                                      " FROM documents d JOIN bodies b USING (reference)"
                                      " WHERE d.reference = ?");
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

static int mark_read(sqlite3 *db, const char *reference)
{
    sqlite3_stmt *st = db_prepare(db, "UPDATE documents SET state = 'read'"
                                      " WHERE reference = ? AND state <> 'postal'");
    int rc;

    if (!st)
        return -1;
    db_bind_text(st, 1, reference);
    rc = step_done(st);
    sqlite3_finalize(st);
    return rc;
}

int agency_db_handover(sqlite3 *db, const char *nonce, long long exp_ms,
                       const char *reference, const char *notice, const char *at)
{
    int rc;

    if (db_begin(db) != 0)
        return -1;
    rc = burn_nonce(db, nonce, exp_ms);
    if (rc == 0)
        rc = insert_event(db, notice, "ContentHandover", at, NULL);
    if (rc == 0)
        rc = mark_read(db, reference);
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
    long long v = 0;

    db_one_int(db, sql, &v);
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

/* One usable change of a page, with its place in the page. */
typedef struct change {
    const char *notice, *reference, *state;
    size_t order;
} change;

static int by_notice_then_order(const void *a, const void *b)
{
    const change *x = a, *y = b;
    int c = strcmp(x->notice, y->notice);

    return c ? c : (x->order > y->order) - (x->order < y->order);
}

static int state_is_final(const char *state)
{
    return !strcmp(state, "read") || !strcmp(state, "postal");
}

/* The page's usable changes, grouped by notice in feed order; NULL on
 * error (an empty page gives a non-NULL array with *n 0). */
static change *page_changes(json_t *changes, size_t *n)
{
    change *v = malloc((json_array_size(changes) + 1) * sizeof *v);
    size_t i;
    json_t *c;

    *n = 0;
    if (!v)
        return NULL;
    json_array_foreach(changes, i, c) {
        const char *notice = json_string_value(json_object_get(c, "notice"));
        const char *ref = json_string_value(json_object_get(c, "reference"));
        const char *state = json_string_value(json_object_get(c, "state"));
        if (!notice || !ref || !agency_reference_ok(ref) || !state ||
            !agency_state_known(state) || !strcmp(state, "stored")) {
            log_warn("changes feed: skipping a change without a notice, a reference and a"
                     " known state");
            continue;
        }
        v[(*n)++] = (change){notice, ref, state, i};
    }
    qsort(v, *n, sizeof *v, by_notice_then_order);
    return v;
}

/* The feed's two statements: the state of a document that has its notice
 * id, and (only when that matched nothing) of one that has none yet,
 * because the feed overtook `agency send`. Setting notice in every UPDATE
 * rewrote its index entry each time, where there is one (databases with
 * a UNIQUE notice column). */
typedef struct feed_stmts {
    sqlite3_stmt *known, *first;
} feed_stmts;

static int apply_with(sqlite3_stmt *st, const change *c, const char *state)
{
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, c->notice, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, c->reference, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE)
        return -1;
    return sqlite3_changes(sqlite3_db_handle(st)) > 0;
}

/* Sets one notice's state; 1 when it changed, 0 when not, -1 on error.
 * The document is found by the change's reference, and learns its notice
 * id here if the answer to its submission has not been recorded yet: a
 * fast hub's feed can get ahead of that answer, and a change matched by
 * notice id would then be lost. */
static int apply_change(const feed_stmts *fs, const change *c, const char *state)
{
    int r = apply_with(fs->known, c, state);

    return r != 0 ? r : apply_with(fs->first, c, state);
}

/* Applies the changes one notice at a time. A notice's run of changes
 * within the page ends where applying them in order would: at the first
 * final state (read, postal), else at the last one. So a notice that went
 * accepted, relayed, received within one page costs one UPDATE. */
static int apply_runs(const feed_stmts *fs, const change *v, size_t n, size_t *applied)
{
    for (size_t i = 0; i < n;) {
        const char *state = v[i].state;
        size_t j = i + 1;
        for (; j < n && !strcmp(v[j].notice, v[i].notice); j++)
            if (!state_is_final(state))
                state = v[j].state;
        int r = apply_change(fs, &v[i], state);
        if (r < 0)
            return -1;
        *applied += (size_t)r;
        i = j;
    }
    return 0;
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
    feed_stmts fs = {
        /* +notice: found by reference, never through an older database's
         * UNIQUE notice column */
        db_prepare(db, "UPDATE documents SET state = ?1 WHERE reference = ?3 AND +notice = ?2"
                       " AND state NOT IN ('read','postal') AND state <> ?1"),
        db_prepare(db, "UPDATE documents SET state = ?1, notice = ?2 WHERE reference = ?3"
                       " AND notice IS NULL AND state NOT IN ('read','postal')"),
    };
    size_t n;
    change *v = page_changes(changes, &n);
    int rc;

    *applied = 0;
    if (!fs.known || !fs.first || !v || db_begin(db) != 0) {
        sqlite3_finalize(fs.known);
        sqlite3_finalize(fs.first);
        free(v);
        return -1;
    }
    rc = apply_runs(&fs, v, n, applied);
    sqlite3_finalize(fs.known);
    sqlite3_finalize(fs.first);
    free(v);
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

#define UNPRINTED " AND reference NOT IN (SELECT reference FROM printed)"

int agency_db_each_postal(sqlite3 *db, int only_new, agency_postal_fn fn, void *ctx)
{
    sqlite3_stmt *st = db_prepare(db, only_new
        ? "SELECT reference, name, address, title FROM documents"
          " WHERE state = 'postal'" UNPRINTED " ORDER BY reference"
        : "SELECT reference, name, address, title FROM documents"
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

int agency_db_mark_printed(sqlite3 *db, const char *at)
{
    sqlite3_stmt *st = db_prepare(db, "INSERT INTO printed(reference, at) SELECT reference, ?1"
                                      " FROM documents WHERE state = 'postal'" UNPRINTED);
    int rc;

    if (!st)
        return -1;
    db_bind_text(st, 1, at);
    rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
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
