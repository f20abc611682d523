/* hub_evidence_log.c -- see hub_evidence_log.h.
 *
 * Four locks, always taken in this order when nested: sign (one signer
 * at a time, so heads are stored in tree order), writer (hub_db's, which
 * serialises the writer connection: heads are stored through it),
 * reader (the second connection and its statements), state (the
 * committed frontier and the latest head, held only to copy them). The
 * appending side needs none of them but state: it runs under the writer
 * lock already. Signing lives in hub_evidence_sign.c, proofs and
 * certificates in hub_evidence_proof.c; they share the struct through
 * hub_evidence_log_internal.h. */
#include "hub_evidence_log.h"
#include "hub_evidence_log_internal.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "certificate.h"
#include "db.h"
#include "hub_leaf_file.h"
#include "log.h"

/* The hub's evidence table lives here, with its log: each leaf's hash,
 * the notice it speaks of (for certificates) and its bytes, verbatim in
 * leaf or, when off is set, len bytes at off in the leaf file (leaf is
 * then empty). Databases made before the leaf file gain off and len at
 * open. */
static const char schema[] =
    "CREATE TABLE IF NOT EXISTS evidence("
    "  idx INTEGER PRIMARY KEY, notice TEXT NOT NULL, leaf BLOB NOT NULL,"
    "  hash BLOB NOT NULL, off INTEGER, len INTEGER);"
    "CREATE INDEX IF NOT EXISTS evidence_notice ON evidence(notice, idx);"
    /* How far into the leaf file committed rows reach, at most. */
    "CREATE TABLE IF NOT EXISTS leaf_file("
    "  id INTEGER PRIMARY KEY CHECK (id = 1), size INTEGER NOT NULL);"
    /* Perfect subtrees of 2^level leaves, level a multiple of NODE_STEP. */
    "CREATE TABLE IF NOT EXISTS log_nodes("
    "  level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL,"
    "  PRIMARY KEY(level, idx)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS log_heads("
    "  tree_size INTEGER PRIMARY KEY, timestamp_ms INTEGER NOT NULL,"
    "  root BLOB NOT NULL, signature BLOB NOT NULL);";

/* Caching every 4th level stores one node per 15 leaves and leaves at
 * most 2^4 reads below any cached node. */
#define NODE_STEP 4

static const char *const wsql[W_COUNT] = {
    [W_LEAF] = "INSERT INTO evidence(idx, notice, leaf, hash, off, len)"
               " VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
    [W_NODE] = "INSERT INTO log_nodes(level, idx, hash) VALUES(?1, ?2, ?3)",
    [W_HEAD] = "INSERT INTO log_heads(tree_size, timestamp_ms, root, signature)"
               " VALUES(?1, ?2, ?3, ?4)",
    [W_FILE_SIZE] = "INSERT INTO leaf_file(id, size) VALUES(1, ?1)"
                    " ON CONFLICT(id) DO UPDATE SET size = max(size, excluded.size)",
};

static const char *const rsql[R_COUNT] = {
    [R_LEAF] = "SELECT hash FROM evidence WHERE idx = ?1",
    [R_NODE] = "SELECT hash FROM log_nodes WHERE level = ?1 AND idx = ?2",
    [R_COUNT_LEAVES] = "SELECT COALESCE(MAX(idx) + 1, 0) FROM evidence",
    [R_FILED_END] = "SELECT COALESCE(MAX(size), 0) FROM leaf_file",
    [R_LATEST] = "SELECT tree_size, timestamp_ms, root, signature FROM log_heads"
                 " ORDER BY tree_size DESC LIMIT 1",
    [R_NOTICE] = "SELECT idx, leaf, hash, off, len FROM evidence WHERE notice = ?1"
                 " ORDER BY idx",
    [R_BEGIN] = "BEGIN",
    [R_END] = "COMMIT",
};


/* ---- reading the tree through the reader connection ---- */

sqlite3_stmt *hub_evidence_log_rstmt(hub_evidence_log *log, int which)
{
    sqlite3_stmt *st = log->r[which];

    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return st;
}

/* Copies a 32-byte blob column; -1 if it is not one. */
int hub_evidence_log_hash_col(sqlite3_stmt *st, int col, uint8_t out[MERKLE_HASH_LEN])
{
    if (sqlite3_column_bytes(st, col) != MERKLE_HASH_LEN)
        return -1;
    memcpy(out, sqlite3_column_blob(st, col), MERKLE_HASH_LEN);
    return 0;
}

static int leaf_at(void *ctx, uint64_t index, uint8_t out[MERKLE_HASH_LEN])
{
    hub_evidence_log *log = ctx;
    sqlite3_stmt *st = hub_evidence_log_rstmt(log, R_LEAF);
    int rc;

    sqlite3_bind_int64(st, 1, (sqlite3_int64)index);
    rc = sqlite3_step(st) == SQLITE_ROW ? hub_evidence_log_hash_col(st, 0, out) : -1;
    sqlite3_reset(st);
    if (rc != 0)
        log_error("log: leaf %llu is missing or damaged", (unsigned long long)index);
    return rc;
}

static int node_at(void *ctx, unsigned level, uint64_t index, uint8_t out[MERKLE_HASH_LEN])
{
    hub_evidence_log *log = ctx;
    sqlite3_stmt *st;
    int rc;

    if (level % NODE_STEP != 0)
        return 0;
    st = hub_evidence_log_rstmt(log, R_NODE);
    sqlite3_bind_int(st, 1, (int)level);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)index);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        rc = hub_evidence_log_hash_col(st, 0, out) == 0 ? 1 : -1;
    else
        rc = rc == SQLITE_DONE ? 0 : -1;
    sqlite3_reset(st);
    return rc;
}

/* Takes the reader connection for a series of reads in one read
 * transaction: one snapshot, and one file lock instead of one per row
 * (per-statement locking was most of a certificate's cost). */
void hub_evidence_log_read_begin(hub_evidence_log *log)
{
    if (log->pg) {
        hub_evidence_pg_read_begin(log);
        return;
    }
    pthread_mutex_lock(&log->reader_lock);
    sqlite3_step(hub_evidence_log_rstmt(log, R_BEGIN));
    sqlite3_reset(log->r[R_BEGIN]);
}

void hub_evidence_log_read_end(hub_evidence_log *log)
{
    if (log->pg) {
        hub_evidence_pg_read_end(log);
        return;
    }
    sqlite3_step(hub_evidence_log_rstmt(log, R_END));
    sqlite3_reset(log->r[R_END]);
    pthread_mutex_unlock(&log->reader_lock);
}

merkle_source hub_evidence_log_source(hub_evidence_log *log)
{
    merkle_source src = {leaf_at, node_at, log};
    return log->pg ? hub_evidence_pg_source(log) : src;
}

/* The committed leaf count and the frontier over it; reader_lock held. */
static int load_frontier(hub_evidence_log *log, merkle_frontier *f)
{
    sqlite3_stmt *st = hub_evidence_log_rstmt(log, R_COUNT_LEAVES);
    merkle_source src = hub_evidence_log_source(log);
    sqlite3_int64 n;

    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_reset(st);
        return -1;
    }
    n = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return merkle_frontier_load(f, &src, (uint64_t)n) == MERKLE_OK ? 0 : -1;
}

/* The latest stored head: 1 found, 0 none, -1 error; reader_lock held. */
static int load_latest(hub_evidence_log *log, sth *head, uint8_t sig[STH_SIG_LEN])
{
    sqlite3_stmt *st = hub_evidence_log_rstmt(log, R_LATEST);
    int rc = sqlite3_step(st);

    if (rc == SQLITE_ROW) {
        head->tree_size = (uint64_t)sqlite3_column_int64(st, 0);
        head->timestamp_ms = (uint64_t)sqlite3_column_int64(st, 1);
        if (hub_evidence_log_hash_col(st, 2, head->root_hash) != 0 ||
            sqlite3_column_bytes(st, 3) != STH_SIG_LEN)
            rc = SQLITE_ERROR;
        else
            memcpy(sig, sqlite3_column_blob(st, 3), STH_SIG_LEN);
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* ---- open and close ---- */

static int prepare_all(hub_evidence_log *log, sqlite3 *writer)
{
    for (int i = 0; i < W_COUNT; i++)
        if (!(log->w[i] = db_prepare(writer, wsql[i])))
            return -1;
    for (int i = 0; i < R_COUNT; i++)
        if (!(log->r[i] = db_prepare(log->reader, rsql[i])))
            return -1;
    return 0;
}

/* A database made before the leaf file keeps its rows as they are. */
static int add_file_column(sqlite3 *writer, const char *name)
{
    char sql[128];
    long long has;

    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM pragma_table_info('evidence')"
             " WHERE name = '%s'", name);
    if (db_one_int(writer, sql, &has) != 1)
        return -1;
    snprintf(sql, sizeof sql, "ALTER TABLE evidence ADD COLUMN %s INTEGER", name);
    return has ? 0 : db_exec(writer, sql);
}

static int add_file_columns(sqlite3 *writer)
{
    return add_file_column(writer, "off") != 0 ? -1 : add_file_column(writer, "len");
}

/* Rows must not point past the leaf file's end: a file cut short or
 * lost would otherwise show only when a certificate asks for one of its
 * leaves. (Bytes changed in place show then, against the stored hash.)
 * reader_lock held. */
static int check_leaf_file(hub_evidence_log *log, char *err, size_t errlen)
{
    sqlite3_stmt *st = hub_evidence_log_rstmt(log, R_FILED_END);
    long long want = -1;
    uint64_t have;

    if (sqlite3_step(st) == SQLITE_ROW)
        want = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    if (want < 0 || hub_leaf_file_size(log->leaves, &have) != 0) {
        snprintf(err, errlen, "cannot read the evidence log");
        return -1;
    }
    if ((uint64_t)want > have) {
        snprintf(err, errlen, "the evidence log's leaf file holds %llu bytes but its rows"
                 " point at %lld: it was cut short or replaced",
                 (unsigned long long)have, want);
        return -1;
    }
    return 0;
}

/* A restart must continue the tree its heads were signed over: the
 * stored latest head's root is recomputed from the stored leaves. */
static int check_against_head(hub_evidence_log *log, char *err, size_t errlen)
{
    merkle_source src = hub_evidence_log_source(log);
    uint8_t root[MERKLE_HASH_LEN];
    int found = load_latest(log, &log->head, log->head_sig);

    if (found < 0) {
        snprintf(err, errlen, "cannot read the signed tree heads");
        return -1;
    }
    log->have_head = found;
    if (!found)
        return 0;
    if (log->head.tree_size > log->committed.size ||
        merkle_root(&src, log->head.tree_size, root) != MERKLE_OK ||
        memcmp(root, log->head.root_hash, MERKLE_HASH_LEN) != 0) {
        snprintf(err, errlen, "the evidence log no longer matches its signed head of "
                 "size %llu: the database was altered or truncated",
                 (unsigned long long)log->head.tree_size);
        return -1;
    }
    return 0;
}

hub_evidence_log *hub_evidence_log_open(sqlite3 *writer, const char *path, char *err, size_t errlen)
{
    hub_evidence_log *log = calloc(1, sizeof *log);
    char leaves[HUB_LEAF_FILE_PATH_MAX];
    int rc;

    if (!log) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&log->own_writer_lock, NULL);
    log->writer_lock = &log->own_writer_lock;
    log->writer = writer;
    pthread_mutex_init(&log->state_lock, NULL);
    pthread_mutex_init(&log->reader_lock, NULL);
    pthread_mutex_init(&log->sign_lock, NULL);
    pthread_mutex_init(&log->stop_lock, NULL);
    clock_mono_cond_init(&log->stop_cond);
    clock_mono_cond_init(&log->head_cond);
    /* The log is the hub's biggest writer: a cache that holds a batch's
     * index pages, and checkpoints every ~40 MB (2,500 pages of
     * HUB_EVIDENCE_LOG_PAGE_SIZE) rather than every 4 MB (each checkpoint rewrites
     * the same hot pages). Both bound the hub's memory and disk however
     * long the log grows (the WAL-index it maps follows the WAL). The hub
     * moves its checkpoints to a thread of their own (hub_db.c); this
     * setting serves a writer that does not. */
    if (db_exec(writer, "PRAGMA cache_size=-65536; PRAGMA wal_autocheckpoint=2500") != 0 ||
        db_exec(writer, schema) != 0 || add_file_columns(writer) != 0) {
        snprintf(err, errlen, "%s: cannot create the evidence log's tables", path);
        hub_evidence_log_close(log);
        return NULL;
    }
    if ((size_t)snprintf(leaves, sizeof leaves, "%s.leaves", path) >= sizeof leaves) {
        snprintf(err, errlen, "%s: name too long", path);
        hub_evidence_log_close(log);
        return NULL;
    }
    log->leaves = hub_leaf_file_open(leaves, err, errlen);
    if (!log->leaves) {
        hub_evidence_log_close(log);
        return NULL;
    }
    /* Only reader_lock's holder uses it. */
    log->reader = db_open_unlocked(path, NULL, 0, err, errlen);
    if (!log->reader) {
        hub_evidence_log_close(log);
        return NULL;
    }
    if (db_exec(log->reader, "PRAGMA cache_size=-16384") != 0 || prepare_all(log, writer) != 0) {
        snprintf(err, errlen, "%s: cannot prepare the evidence log's statements", path);
        hub_evidence_log_close(log);
        return NULL;
    }
    hub_evidence_log_read_begin(log);
    rc = load_frontier(log, &log->committed);
    if (rc != 0)
        snprintf(err, errlen, "%s: cannot read the evidence log", path);
    else
        rc = check_against_head(log, err, errlen);
    if (rc == 0)
        rc = check_leaf_file(log, err, errlen);
    hub_evidence_log_read_end(log);
    if (rc != 0) {
        hub_evidence_log_close(log);
        return NULL;
    }
    log->pending = log->committed;
    log->filed_end = log->stored_end = 0;
    return log;
}

void hub_evidence_log_close(hub_evidence_log *log)
{
    if (!log)
        return;
    hub_evidence_log_stop_signer(log);
    if (log->pg)
        hub_evidence_pg_free(log);
    for (int i = 0; i < W_COUNT; i++)
        sqlite3_finalize(log->w[i]);
    for (int i = 0; i < R_COUNT; i++)
        sqlite3_finalize(log->r[i]);
    if (log->reader)
        db_close(log->reader);
    hub_leaf_file_close(log->leaves);
    if (log->sk)
        secure_free(log->sk);
    pthread_mutex_destroy(&log->own_writer_lock);
    pthread_mutex_destroy(&log->state_lock);
    pthread_mutex_destroy(&log->reader_lock);
    pthread_mutex_destroy(&log->sign_lock);
    pthread_mutex_destroy(&log->stop_lock);
    pthread_cond_destroy(&log->stop_cond);
    pthread_cond_destroy(&log->head_cond);
    free(log);
}

void hub_evidence_log_set_writer_lock(hub_evidence_log *log, pthread_mutex_t *lock)
{
    log->writer_lock = lock;
}

void hub_evidence_log_set_wal(hub_evidence_log *log, db_wal *wal)
{
    log->wal = wal;
}

/* ---- the writer ---- */

static int step_write(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);

    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        log_error("log: %s", sqlite3_errmsg(sqlite3_db_handle(st)));
        return -1;
    }
    return 0;
}

/* Stores the cached levels among the subtrees the last leaf completed. */
static int store_nodes(hub_evidence_log *log, uint8_t done[][MERKLE_HASH_LEN], unsigned ndone)
{
    for (unsigned level = NODE_STEP; level <= ndone; level += NODE_STEP) {
        sqlite3_stmt *st = log->w[W_NODE];
        sqlite3_bind_int(st, 1, (int)level);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)((log->pending.size >> level) - 1));
        sqlite3_bind_blob(st, 3, done[level - 1], MERKLE_HASH_LEN, SQLITE_STATIC);
        if (step_write(st) != 0)
            return -1;
    }
    return 0;
}

int hub_evidence_log_append(hub_evidence_log *log, const char *notice, const void *leaf, size_t len)
{
    uint8_t hash[MERKLE_HASH_LEN];

    merkle_leaf_hash(leaf, len, hash);
    return hub_evidence_log_append_hashed(log, notice, leaf, len, hash);
}

/* One leaf's row: its bytes in it (off < 0), or where they lie in the
 * leaf file. */
static int append_row(hub_evidence_log *log, const char *notice, const void *leaf, size_t len,
                      long long off, const uint8_t hash[MERKLE_HASH_LEN])
{
    uint8_t done[63][MERKLE_HASH_LEN];
    sqlite3_stmt *st = log->w[W_LEAF];
    unsigned ndone;

    sqlite3_bind_int64(st, 1, (sqlite3_int64)log->pending.size);
    sqlite3_bind_text(st, 2, notice, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 3, off < 0 ? leaf : "", off < 0 ? (int)len : 0, SQLITE_STATIC);
    sqlite3_bind_blob(st, 4, hash, MERKLE_HASH_LEN, SQLITE_STATIC);
    if (off < 0) {
        sqlite3_bind_null(st, 5);
        sqlite3_bind_null(st, 6);
    } else {
        sqlite3_bind_int64(st, 5, off);
        sqlite3_bind_int64(st, 6, (sqlite3_int64)len);
        if ((uint64_t)off + len > log->filed_end)
            log->filed_end = (uint64_t)off + len;
    }
    if (step_write(st) != 0)
        return -1;
    if (merkle_frontier_append_nodes(&log->pending, hash, done, &ndone) != MERKLE_OK)
        return -1;
    return store_nodes(log, done, ndone);
}

int hub_evidence_log_append_hashed(hub_evidence_log *log, const char *notice, const void *leaf,
                                   size_t len, const uint8_t hash[MERKLE_HASH_LEN])
{
    if (log->pg)
        return hub_evidence_pg_append(log, notice, leaf, len, hash);
    return append_row(log, notice, leaf, len, -1, hash);
}

int hub_evidence_log_append_filed(hub_evidence_log *log, const char *notice, uint64_t off,
                                  size_t len, const uint8_t hash[MERKLE_HASH_LEN])
{
    if (off > (uint64_t)INT64_MAX - len || log->pg) /* no leaf file on PostgreSQL */
        return -1;
    return append_row(log, notice, NULL, len, (long long)off, hash);
}

int hub_evidence_log_file_leaves(hub_evidence_log *log, const void *bytes, size_t len,
                                 uint64_t *off)
{
    if (log->pg) /* the leaves' bytes go in the shared database */
        return -1;
    return hub_leaf_file_put(log->leaves, bytes, len, off);
}

int hub_evidence_log_before_commit(hub_evidence_log *log)
{
    sqlite3_stmt *st = log->w[W_FILE_SIZE];

    if (log->pg)
        return hub_evidence_pg_before_commit(log);
    if (log->filed_end <= log->stored_end)
        return 0;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)log->filed_end);
    return step_write(st);
}

void hub_evidence_log_committed(hub_evidence_log *log)
{
    if (log->pg) { /* the sequencer integrates them */
        hub_evidence_pg_clear(log);
        return;
    }
    log->stored_end = log->filed_end;
    pthread_mutex_lock(&log->state_lock);
    log->committed = log->pending;
    pthread_mutex_unlock(&log->state_lock);
}

int hub_evidence_log_rolled_back(hub_evidence_log *log)
{
    merkle_frontier f;
    int rc;

    if (log->pg) {
        hub_evidence_pg_clear(log);
        return 0;
    }
    log->filed_end = log->stored_end;
    hub_evidence_log_read_begin(log);
    rc = load_frontier(log, &f);
    hub_evidence_log_read_end(log);
    if (rc != 0) {
        log_error("log: cannot reload the tree after a rollback");
        return -1;
    }
    log->pending = f;
    pthread_mutex_lock(&log->state_lock);
    log->committed = f;
    pthread_mutex_unlock(&log->state_lock);
    return 0;
}

uint64_t hub_evidence_log_size(hub_evidence_log *log)
{
    uint64_t n;

    if (log->pg)
        return hub_evidence_pg_size(log);
    pthread_mutex_lock(&log->state_lock);
    n = log->committed.size;
    pthread_mutex_unlock(&log->state_lock);
    return n;
}
