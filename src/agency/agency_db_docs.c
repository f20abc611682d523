/* agency_db_docs.c -- the documents: stored by `agency send`, answered
 * with a notice id by the hub, found by the document server, counted by
 * `agency status`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agency_db_sql.h"
#include "agency_ref.h"
#include "db.h"

int agency_db_docs_known(agency_db *db, const char *const *refs, size_t n,
                         char (*notices)[AGENCY_NOTICE_MAX + 1])
{
    int rc;

    agency_db_lock(db);
    rc = agency_db_read_texts(db->sql, "SELECT notice FROM documents WHERE reference = ?", refs,
                              n, notices[0], sizeof *notices);
    agency_db_unlock(db);
    return rc;
}

typedef struct store_batch {
    const agency_doc *docs;
    sqlite3_stmt *body, *ref;
    sqlite3_stmt *restore; /* a document stored before, still without a notice */
    sqlite3_stmt *pending; /* whether a reference stored before still has no notice */
    unsigned char *outcome; /* per doc: AGENCY_DOC_* (NULL: not asked) */
    long long stored;      /* documents new to the database */
    const char *job;       /* the bulk job of the references stored so far */
    long long job_stored;  /* how many of them are new */
} store_batch;

/* The console's figure of the job counted so far, before another job's
 * rows or the commit. */
static int count_job(sqlite3 *sql, void *ctx)
{
    store_batch *b = ctx;
    int rc = b->job ? agency_db_counts_job_submitted(sql, b->job, b->job_stored) : 0;

    b->job_stored = 0;
    return rc;
}

/* Before the commit: the job's figure, and the day's new documents. */
static int count_batch(sqlite3 *sql, void *ctx)
{
    store_batch *b = ctx;

    return count_job(sql, ctx) == 0 ? agency_db_counts_stored(sql, b->stored) : -1;
}

/* The API notice's caller reference, beside its document: in the same
 * transaction, so the feed names it in callbacks however soon the hub
 * answers, and without a commit of its own. */
static int step_ref(store_batch *b, const agency_doc *d)
{
    sqlite3_stmt *ref = b->ref;

    if (!d->caller_ref)
        return 0;
    sqlite3_reset(ref);
    sqlite3_clear_bindings(ref);
    sqlite3_bind_text(ref, 1, d->reference, -1, SQLITE_STATIC);
    sqlite3_bind_text(ref, 2, d->caller_ref, -1, SQLITE_STATIC);
    db_bind_text(ref, 3, d->job);
    sqlite3_bind_text(ref, 4, d->created, -1, SQLITE_STATIC);
    if (db_step_done(ref) != 0)
        return -1;
    if (!d->job || !sqlite3_changes(sqlite3_db_handle(ref))) /* named before */
        return 0;
    if (b->job && strcmp(b->job, d->job) && count_job(sqlite3_db_handle(ref), b) != 0)
        return -1;
    b->job = d->job;
    b->job_stored++;
    return 0;
}

/* The document's columns, numbered alike in the insert and the restore. */
static void bind_doc(sqlite3_stmt *st, const agency_doc *d)
{
    sqlite3_bind_text(st, 1, d->reference, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, d->line);
    sqlite3_bind_text(st, 3, d->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, d->address, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, d->title, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, d->deadline, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, d->rk, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, d->doc_sha256, -1, SQLITE_STATIC);
    if (d->amount_krw > 0)
        sqlite3_bind_int64(st, 9, d->amount_krw);
    db_bind_text(st, 10, d->payment_code);
    db_bind_text(st, 11, d->payment_due);
    sqlite3_bind_int64(st, 12, d->stored_at);
}

/* 1 when reference is stored without a notice yet, 0 when it has one,
 * -1 on error. */
static int still_pending(store_batch *b, const char *reference)
{
    int s;

    sqlite3_reset(b->pending);
    sqlite3_bind_text(b->pending, 1, reference, -1, SQLITE_STATIC);
    s = sqlite3_step(b->pending);
    return s == SQLITE_ROW ? sqlite3_column_int(b->pending, 0) : s == SQLITE_DONE ? 0 : -1;
}

/* The row, then its body, unless the reference already has a notice
 * (then nothing changes, and neither must the body). A new row is counted
 * for the console; one stored before (by a run that stopped before the
 * hub answered) is written again and not counted twice, if it is the
 * same document for the same person: the hub may hold that one, and a
 * notice whose document is not the one the hub's evidence names cannot
 * be proved. Another is a conflict, left as it was. */
static int step_store(sqlite3_stmt *st, size_t i, void *ctx)
{
    store_batch *b = ctx;
    const agency_doc *d = b->docs + i;
    sqlite3_stmt *body = b->body;
    int stored;

    bind_doc(st, d);
    if (db_step_done(st) != 0)
        return -1;
    stored = sqlite3_changes(sqlite3_db_handle(st)) > 0;
    if (stored) {
        b->stored++;
        if (b->outcome) /* never sent before: a refusal now is the hub's only word */
            b->outcome[i] = AGENCY_DOC_NEW;
    } else {
        sqlite3_reset(b->restore);
        sqlite3_clear_bindings(b->restore);
        bind_doc(b->restore, d);
        if ((stored = db_step_changed(b->restore)) < 0)
            return -1;
        if (!stored && b->outcome) {
            int pending = still_pending(b, d->reference);
            if (pending < 0)
                return -1;
            if (pending) {
                b->outcome[i] = AGENCY_DOC_CONFLICT;
                return 0;
            }
        }
    }
    if (step_ref(b, d) != 0)
        return -1;
    if (!stored)
        return 0;
    sqlite3_reset(body);
    sqlite3_bind_text(body, 1, d->reference, -1, SQLITE_STATIC);
    sqlite3_bind_blob(body, 2, d->body, (int)d->body_len, SQLITE_STATIC);
    return db_step_done(body);
}

int agency_db_docs_store(agency_db *db, const agency_doc *docs, size_t n,
                         unsigned char *outcome)
{
    sqlite3_stmt *body;
    store_batch b = {.docs = docs, .outcome = outcome};
    int rc = -1;

    agency_db_lock(db);
    body = db_prepare(db->sql, "INSERT OR REPLACE INTO bodies(reference, body) VALUES (?,?)");
    b.restore = db_prepare(db->sql, "UPDATE documents SET line = ?2, name = ?3, address = ?4,"
                                    " title = ?5, deadline = ?6, rk = ?7, doc_sha256 = ?8,"
                                    " amount_krw = ?9, payment_code = ?10, payment_due = ?11,"
                                    " stored_at = ?12 WHERE reference = ?1 AND notice IS NULL"
                                    " AND doc_sha256 = ?8 AND rk = ?7");
    b.pending = db_prepare(db->sql, "SELECT notice IS NULL FROM documents WHERE reference = ?1");
    /* ON CONFLICT, not OR IGNORE: a reference or caller reference named
     * already keeps its row, and a row missing its time is an error, not
     * silently dropped. */
    b.ref = db_prepare(db->sql, "INSERT INTO api_refs(reference, caller_ref, job, created)"
                                " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING");
    if (body && b.ref && b.restore && b.pending) {
        b.body = body;
        rc = agency_db_batch_then(db->sql,
                             "INSERT INTO documents(reference, line, name, address, title,"
                             " deadline, rk, doc_sha256, amount_krw, payment_code, payment_due,"
                             " stored_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"
                             " ON CONFLICT(reference) DO NOTHING",
                             n, step_store, &b, count_batch);
    }
    sqlite3_finalize(b.restore);
    sqlite3_finalize(b.pending);
    sqlite3_finalize(body);
    sqlite3_finalize(b.ref);
    agency_db_unlock(db);
    return rc;
}

/* Where a state lies on a notice's way; read and postal both end it. */
#define STATE_RANK(s) "(CASE " s " WHEN 'stored' THEN 0 WHEN 'accepted' THEN 1" \
                      " WHEN 'relayed' THEN 2 WHEN 'received' THEN 3 ELSE 4 END)"

typedef struct notice_batch {
    const char *const *refs, *const *notices, *const *states;
    const agency_accepted *api;
    sqlite3_stmt *accepted;
    size_t n;
} notice_batch;

static int step_accepted(const notice_batch *b, size_t i)
{
    sqlite3_stmt *st = b->accepted;

    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, b->refs[i], -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, b->api->callers[i], -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, b->api->at, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, b->api->now_ms);
    return db_step_done(st);
}

static int step_notice(sqlite3_stmt *st, size_t i, void *ctx)
{
    const notice_batch *b = ctx;

    if (!b->notices[i])
        return 0;
    db_bind_text(st, 1, b->notices[i]);
    db_bind_text(st, 2, agency_ref_state_known(b->states[i]) ? b->states[i] : "accepted");
    db_bind_text(st, 3, b->refs[i]);
    if (db_step_done(st) != 0)
        return -1;
    return b->api ? step_accepted(b, i) : 0;
}

static int start_outcomes(sqlite3 *sql, void *ctx)
{
    const notice_batch *b = ctx;

    return agency_db_test_schedule_in(sql, b->refs, b->notices, b->api->outcomes, b->n,
                                      b->api->now_ms);
}

int agency_db_docs_answered(agency_db *db, const char *const *refs,
                            const char *const *notices, const char *const *states, size_t n,
                            const agency_accepted *api)
{
    notice_batch b = {refs, notices, states, api, NULL, n};
    int rc = -1;

    agency_db_lock(db);
    /* Written with the notice id, the entry is never lost to a crash
     * between two commits, and costs no commit of its own. Its evidence
     * is 0: only the feed writes evidence times, and had the feed told of
     * this notice already, the entry would not be written. An "interrupted"
     * entry (agency_db_interrupted.c) is no state the hub told: a notice posted
     * again after it is accepted as any other. */
    if (!api || (b.accepted = db_prepare(db->sql,
                     "INSERT INTO api_events(reference, caller_ref, state, at, queued_ms,"
                     " evidence) SELECT ?1, ?2, 'accepted', ?3, ?4, 0 WHERE NOT EXISTS"
                     " (SELECT 1 FROM api_events WHERE reference = ?1"
                     " AND state <> 'interrupted')")) != NULL)
        rc = agency_db_batch_then(db->sql,
                                  "UPDATE documents SET notice = ?1,"
                                  " state = CASE WHEN " STATE_RANK("?2") " > "
                                  STATE_RANK("state") " THEN ?2 ELSE state END"
                                  " WHERE reference = ?3",
                                  n, step_notice, &b,
                                  api && api->outcomes ? start_outcomes : NULL);
    sqlite3_finalize(b.accepted);
    agency_db_unlock(db);
    return rc;
}

static int copy_found(sqlite3_stmt *st, agency_found *out)
{
    snprintf(out->notice, sizeof out->notice, "%s", db_text(st, 0));
    snprintf(out->rk, sizeof out->rk, "%s", db_text(st, 1));
    snprintf(out->state, sizeof out->state, "%s", db_text(st, 2));
    out->cancelled = sqlite3_column_int(st, 4);
    out->purged = sqlite3_column_int(st, 5);
    out->body_len = (size_t)sqlite3_column_bytes(st, 3);
    out->body = malloc(out->body_len + 1);
    if (!out->body)
        return -1;
    if (out->body_len)
        memcpy(out->body, sqlite3_column_blob(st, 3), out->body_len);
    out->body[out->body_len] = '\0';
    return 1;
}

int agency_db_docs_find(agency_db *db, const char *reference, agency_found *out)
{
    sqlite3_stmt *st;
    int rc = -1, s;

    agency_db_lock(db);
    /* A purged document has no body left, but its link still answers. */
    st = db_prepare(db->sql, "SELECT coalesce(d.notice, ''), d.rk, d.state, b.body,"
                             " d.cancelled_at IS NOT NULL, d.purged_at IS NOT NULL"
                             " FROM documents d LEFT JOIN bodies b USING (reference)"
                             " WHERE d.reference = ? AND (b.body IS NOT NULL"
                             " OR d.purged_at IS NOT NULL)");
    if (st) {
        db_bind_text(st, 1, reference);
        s = sqlite3_step(st);
        if (s == SQLITE_ROW)
            rc = copy_found(st, out);
        else
            rc = s == SQLITE_DONE ? 0 : -1;
        sqlite3_finalize(st);
    }
    agency_db_unlock(db);
    return rc;
}

int agency_db_docs_count(agency_db *db, void (*fn)(void *ctx, const char *state, long long n),
                         void *ctx)
{
    sqlite3_stmt *st;
    int s = SQLITE_ERROR;

    agency_db_lock(db);
    st = db_prepare(db->sql, "SELECT state, count(*) FROM documents GROUP BY state"
                             " ORDER BY state");
    if (st) {
        while ((s = sqlite3_step(st)) == SQLITE_ROW)
            fn(ctx, db_text(st, 0), sqlite3_column_int64(st, 1));
        sqlite3_finalize(st);
    }
    agency_db_unlock(db);
    return s == SQLITE_DONE ? 0 : -1;
}

/* The hub refused them for good: it holds none, so their references are
 * free for a document made again (a corrected deadline, say), which the
 * conflict rule of agency_db_docs_store would otherwise refuse. */
int agency_db_docs_refused(agency_db *db, const char *const *refs, size_t n)
{
    static const char *const sql[] = {
        "DELETE FROM bodies WHERE reference = ?1 AND reference IN"
        " (SELECT reference FROM documents WHERE reference = ?1 AND notice IS NULL)",
        "DELETE FROM api_refs WHERE reference = ?1 AND reference IN"
        " (SELECT reference FROM documents WHERE reference = ?1 AND notice IS NULL)",
        "DELETE FROM documents WHERE reference = ?1 AND notice IS NULL",
    };
    sqlite3_stmt *st[3] = {0};
    int rc = 0;

    if (!n)
        return 0;
    agency_db_lock(db);
    if (db_begin(db->sql) != 0) {
        agency_db_unlock(db);
        return -1;
    }
    for (int k = 0; k < 3 && rc == 0; k++)
        if (!(st[k] = db_prepare(db->sql, sql[k])))
            rc = -1;
    for (size_t i = 0; i < n && rc == 0; i++)
        for (int k = 0; k < 3 && rc == 0; k++) {
            sqlite3_reset(st[k]);
            db_bind_text(st[k], 1, refs[i]);
            rc = db_step_done(st[k]);
        }
    for (int k = 0; k < 3; k++)
        sqlite3_finalize(st[k]);
    if (rc == 0 && db_commit(db->sql) == 0) {
        agency_db_unlock(db);
        return 0;
    }
    db_rollback(db->sql);
    agency_db_unlock(db);
    return -1;
}
