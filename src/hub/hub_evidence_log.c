/* hub_evidence_log.c -- see hub_evidence_log.h.
 *
 * Four locks, always taken in this order when nested: sign (one signer
 * at a time, so heads are stored in tree order), writer (hub_db's, which
 * serialises the writer connection: heads are stored through it),
 * reader (the second connection and its statements), state (the
 * committed frontier and the latest head, held only to copy them). The
 * appending side needs none of them but state: it runs under the writer
 * lock already. */
#include "hub_evidence_log.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
/* "log: tree size N signed" at most this often. */
#define SIGN_LOG_EVERY_MS 10000

enum { W_LEAF, W_NODE, W_HEAD, W_FILE_SIZE, W_COUNT };
enum { R_LEAF, R_NODE, R_COUNT_LEAVES, R_FILED_END, R_LATEST, R_NOTICE, R_BEGIN, R_END,
       R_COUNT };

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

struct hub_evidence_log {
    sqlite3 *writer, *reader;
    hub_leaf_file *leaves;        /* path.leaves */
    db_wal *wal;                  /* the writer's, when its commits are synced later */
    pthread_mutex_t *writer_lock; /* hub_db's, or own_writer_lock */
    pthread_mutex_t own_writer_lock;
    sqlite3_stmt *w[W_COUNT], *r[R_COUNT];
    merkle_frontier pending;   /* writer only: includes the open batch */
    uint64_t filed_end, stored_end; /* writer only: leaf file reached, and as stored */

    pthread_mutex_t state_lock, reader_lock, sign_lock;
    merkle_frontier committed; /* state_lock */
    int have_head;             /* state_lock */
    sth head;                  /* state_lock */
    uint8_t head_sig[STH_SIG_LEN];

    uint8_t *sk;               /* secure memory; NULL without a key */
    uint8_t pk[ED25519_PUBLIC_LEN];
    long long last_logged;

    pthread_t signer;
    int signer_running;
    long interval_ms;
    pthread_mutex_t stop_lock;
    pthread_cond_t stop_cond;
    int stopping;
};

/* ---- reading the tree through the reader connection ---- */

static sqlite3_stmt *rstmt(hub_evidence_log *log, int which)
{
    sqlite3_stmt *st = log->r[which];

    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return st;
}

/* Copies a 32-byte blob column; -1 if it is not one. */
static int hash_col(sqlite3_stmt *st, int col, uint8_t out[MERKLE_HASH_LEN])
{
    if (sqlite3_column_bytes(st, col) != MERKLE_HASH_LEN)
        return -1;
    memcpy(out, sqlite3_column_blob(st, col), MERKLE_HASH_LEN);
    return 0;
}

static int leaf_at(void *ctx, uint64_t index, uint8_t out[MERKLE_HASH_LEN])
{
    hub_evidence_log *log = ctx;
    sqlite3_stmt *st = rstmt(log, R_LEAF);
    int rc;

    sqlite3_bind_int64(st, 1, (sqlite3_int64)index);
    rc = sqlite3_step(st) == SQLITE_ROW ? hash_col(st, 0, out) : -1;
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
    st = rstmt(log, R_NODE);
    sqlite3_bind_int(st, 1, (int)level);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)index);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        rc = hash_col(st, 0, out) == 0 ? 1 : -1;
    else
        rc = rc == SQLITE_DONE ? 0 : -1;
    sqlite3_reset(st);
    return rc;
}

/* Takes the reader connection for a series of reads in one read
 * transaction: one snapshot, and one file lock instead of one per row
 * (per-statement locking was most of a certificate's cost). */
static void read_begin(hub_evidence_log *log)
{
    pthread_mutex_lock(&log->reader_lock);
    sqlite3_step(rstmt(log, R_BEGIN));
    sqlite3_reset(log->r[R_BEGIN]);
}

static void read_end(hub_evidence_log *log)
{
    sqlite3_step(rstmt(log, R_END));
    sqlite3_reset(log->r[R_END]);
    pthread_mutex_unlock(&log->reader_lock);
}

static merkle_source source(hub_evidence_log *log)
{
    merkle_source src = {leaf_at, node_at, log};
    return src;
}

/* The committed leaf count and the frontier over it; reader_lock held. */
static int load_frontier(hub_evidence_log *log, merkle_frontier *f)
{
    sqlite3_stmt *st = rstmt(log, R_COUNT_LEAVES);
    merkle_source src = source(log);
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
    sqlite3_stmt *st = rstmt(log, R_LATEST);
    int rc = sqlite3_step(st);

    if (rc == SQLITE_ROW) {
        head->tree_size = (uint64_t)sqlite3_column_int64(st, 0);
        head->timestamp_ms = (uint64_t)sqlite3_column_int64(st, 1);
        if (hash_col(st, 2, head->root_hash) != 0 ||
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
    sqlite3_stmt *st = rstmt(log, R_FILED_END);
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
    merkle_source src = source(log);
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
    pthread_cond_init(&log->stop_cond, NULL);
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
    read_begin(log);
    rc = load_frontier(log, &log->committed);
    if (rc != 0)
        snprintf(err, errlen, "%s: cannot read the evidence log", path);
    else
        rc = check_against_head(log, err, errlen);
    if (rc == 0)
        rc = check_leaf_file(log, err, errlen);
    read_end(log);
    if (rc != 0) {
        hub_evidence_log_close(log);
        return NULL;
    }
    log->pending = log->committed;
    log->filed_end = log->stored_end = 0;
    return log;
}

static void stop_signer(hub_evidence_log *log)
{
    if (!log->signer_running)
        return;
    pthread_mutex_lock(&log->stop_lock);
    log->stopping = 1;
    pthread_cond_broadcast(&log->stop_cond);
    pthread_mutex_unlock(&log->stop_lock);
    pthread_join(log->signer, NULL);
    log->signer_running = 0;
}

void hub_evidence_log_close(hub_evidence_log *log)
{
    if (!log)
        return;
    stop_signer(log);
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
    free(log);
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
    return append_row(log, notice, leaf, len, -1, hash);
}

int hub_evidence_log_append_filed(hub_evidence_log *log, const char *notice, uint64_t off,
                                  size_t len, const uint8_t hash[MERKLE_HASH_LEN])
{
    if (off > (uint64_t)INT64_MAX - len)
        return -1;
    return append_row(log, notice, NULL, len, (long long)off, hash);
}

int hub_evidence_log_file_leaves(hub_evidence_log *log, const void *bytes, size_t len,
                                 uint64_t *off)
{
    return hub_leaf_file_put(log->leaves, bytes, len, off);
}

int hub_evidence_log_before_commit(hub_evidence_log *log)
{
    sqlite3_stmt *st = log->w[W_FILE_SIZE];

    if (log->filed_end <= log->stored_end)
        return 0;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)log->filed_end);
    return step_write(st);
}

void hub_evidence_log_committed(hub_evidence_log *log)
{
    log->stored_end = log->filed_end;
    pthread_mutex_lock(&log->state_lock);
    log->committed = log->pending;
    pthread_mutex_unlock(&log->state_lock);
}

int hub_evidence_log_rolled_back(hub_evidence_log *log)
{
    merkle_frontier f;
    int rc;

    log->filed_end = log->stored_end;
    read_begin(log);
    rc = load_frontier(log, &f);
    read_end(log);
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

    pthread_mutex_lock(&log->state_lock);
    n = log->committed.size;
    pthread_mutex_unlock(&log->state_lock);
    return n;
}

/* ---- signing ---- */

int hub_evidence_log_set_key(hub_evidence_log *log, const uint8_t seed[ED25519_SEED_LEN])
{
    if (!log->sk && !(log->sk = secure_alloc(ED25519_SECRET_LEN)))
        return -1;
    ed25519_from_seed(log->pk, log->sk, seed);
    return 0;
}

int hub_evidence_log_has_key(const hub_evidence_log *log)
{
    return log->sk != NULL;
}

void hub_evidence_log_public_key(const hub_evidence_log *log, uint8_t pk[ED25519_PUBLIC_LEN])
{
    memcpy(pk, log->pk, ED25519_PUBLIC_LEN);
}

void hub_evidence_log_set_writer_lock(hub_evidence_log *log, pthread_mutex_t *lock)
{
    log->writer_lock = lock;
}

void hub_evidence_log_set_wal(hub_evidence_log *log, db_wal *wal)
{
    log->wal = wal;
}

/* Through the writer, between its batches, in a transaction of its own:
 * a head written by the reader would make the writer drop its whole page
 * cache at its next batch (another connection changed the file), and the
 * reader would contend for the write lock. */
static int store_head(hub_evidence_log *log, const sth *head, const uint8_t sig[STH_SIG_LEN])
{
    sqlite3_stmt *st = log->w[W_HEAD];
    int rc;

    pthread_mutex_lock(log->writer_lock);
    sqlite3_bind_int64(st, 1, (sqlite3_int64)head->tree_size);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)head->timestamp_ms);
    sqlite3_bind_blob(st, 3, head->root_hash, MERKLE_HASH_LEN, SQLITE_STATIC);
    sqlite3_bind_blob(st, 4, sig, STH_SIG_LEN, SQLITE_STATIC);
    rc = -1;
    if (sqlite3_get_autocommit(log->writer))
        rc = step_write(st);
    else
        log_error("log: a head cannot be stored inside a batch: no writer lock was set");
    sqlite3_clear_bindings(st);
    pthread_mutex_unlock(log->writer_lock);
    /* The head, and every leaf under it, on disk before anyone sees it. */
    if (rc == 0 && log->wal && db_wal_sync(log->wal) != 0)
        rc = -1;
    return rc;
}

static void log_signed(hub_evidence_log *log, const sth *head)
{
    long long now = clock_now_ms();

    if (now - log->last_logged < SIGN_LOG_EVERY_MS)
        return;
    log->last_logged = now;
    log_info("log: tree size %llu signed", (unsigned long long)head->tree_size);
}

/* sign_lock held. A head is durable before anyone can see it. */
static int sign_locked(hub_evidence_log *log)
{
    merkle_frontier f;
    sth head, prev;
    uint8_t sig[STH_SIG_LEN];
    int have;

    pthread_mutex_lock(&log->state_lock);
    f = log->committed;
    have = log->have_head;
    prev = log->head;
    pthread_mutex_unlock(&log->state_lock);
    if (have && prev.tree_size == f.size)
        return 0;
    head.tree_size = f.size;
    head.timestamp_ms = (uint64_t)clock_now_ms();
    if (have && head.timestamp_ms < prev.timestamp_ms)
        head.timestamp_ms = prev.timestamp_ms; /* the clock stepped back */
    merkle_frontier_root(&f, head.root_hash);
    sth_sign(&head, log->sk, sig);
    if (store_head(log, &head, sig) != 0)
        return -1;
    pthread_mutex_lock(&log->state_lock);
    log->head = head;
    memcpy(log->head_sig, sig, STH_SIG_LEN);
    log->have_head = 1;
    pthread_mutex_unlock(&log->state_lock);
    log_signed(log, &head);
    return 0;
}

int hub_evidence_log_sign(hub_evidence_log *log)
{
    int rc;

    if (!log->sk)
        return -1;
    pthread_mutex_lock(&log->sign_lock);
    rc = sign_locked(log);
    pthread_mutex_unlock(&log->sign_lock);
    return rc;
}

int hub_evidence_log_latest(hub_evidence_log *log, sth *head, uint8_t sig[STH_SIG_LEN])
{
    int have;

    pthread_mutex_lock(&log->state_lock);
    have = log->have_head;
    if (have) {
        *head = log->head;
        memcpy(sig, log->head_sig, STH_SIG_LEN);
    }
    pthread_mutex_unlock(&log->state_lock);
    return have ? 0 : -1;
}

/* Sleeps ms unless stopping; returns 1 when stopping. */
static int signer_sleep(hub_evidence_log *log, long ms)
{
    struct timespec until;
    int stopping, rc = 0;

    until = clock_after_ms(ms);
    pthread_mutex_lock(&log->stop_lock);
    while (!log->stopping && rc == 0)
        rc = pthread_cond_timedwait(&log->stop_cond, &log->stop_lock, &until);
    stopping = log->stopping;
    pthread_mutex_unlock(&log->stop_lock);
    return stopping;
}

/* Signs what has grown since the last head, every interval; once more on
 * the way out, so that a clean shutdown leaves every leaf under a head. */
static void *signer_main(void *arg)
{
    hub_evidence_log *log = arg;

    if (hub_evidence_log_sign(log) != 0)
        log_error("log: cannot sign a tree head");
    while (!signer_sleep(log, log->interval_ms))
        if (hub_evidence_log_sign(log) != 0)
            log_error("log: cannot sign a tree head");
    hub_evidence_log_sign(log);
    return NULL;
}

int hub_evidence_log_start_signer(hub_evidence_log *log, long interval_ms)
{
    if (!log->sk || log->signer_running)
        return -1;
    log->interval_ms = interval_ms;
    if (pthread_create(&log->signer, NULL, signer_main, log) != 0)
        return -1;
    log->signer_running = 1;
    return 0;
}

/* ---- proofs and certificates ---- */

int hub_evidence_log_consistency(hub_evidence_log *log, uint64_t m, uint64_t n,
                                 uint8_t proof[][MERKLE_HASH_LEN], size_t *len)
{
    sth head;
    uint8_t sig[STH_SIG_LEN];
    merkle_source src = source(log);
    merkle_status st;

    if (hub_evidence_log_latest(log, &head, sig) != 0 || m > n || n > head.tree_size)
        return -2;
    read_begin(log);
    st = merkle_consistency_proof(&src, m, n, proof, len);
    read_end(log);
    return st == MERKLE_OK ? 0 : -1;
}

/* A notice's leaves: bytes in one block, entries pointing into it. */
typedef struct notice_leaves {
    cert_entry e[CERT_MAX_ENTRIES];
    uint8_t (*paths)[MERKLE_MAX_PATH][MERKLE_HASH_LEN];
    buf bytes;
    size_t count;
} notice_leaves;

static void leaves_free(notice_leaves *nl)
{
    free(nl->paths);
    buf_free(&nl->bytes);
    free(nl);
}

int hub_evidence_log_row_leaf(hub_evidence_log *log, sqlite3_stmt *st, int col, buf *out)
{
    int filed = sqlite3_column_type(st, col + 2) != SQLITE_NULL;
    sqlite3_int64 off = filed ? sqlite3_column_int64(st, col + 2) : 0;
    sqlite3_int64 len = filed ? sqlite3_column_int64(st, col + 3) : sqlite3_column_bytes(st, col);
    uint8_t want[MERKLE_HASH_LEN], got[MERKLE_HASH_LEN];
    size_t at = out->len;
    char *to;

    if (len < 0 || len > CERT_MAX_LEAF || off < 0 || hash_col(st, col + 1, want) != 0 ||
        out->broken)
        return -1;
    to = buf_extend(out, (size_t)len);
    if (!to)
        return -1;
    if (!filed) {
        if (len > 0) /* an emptied leaf has no blob; it fails the hash below */
            memcpy(to, sqlite3_column_blob(st, col), (size_t)len);
    } else if (hub_leaf_file_get(log->leaves, (uint64_t)off, to, (size_t)len) != 0) {
        log_error("log: cannot read %lld bytes at %lld of the leaf file: %s", (long long)len,
                  (long long)off, strerror(errno));
        out->data[out->len = at] = '\0';
        return -1;
    }
    merkle_leaf_hash(to, (size_t)len, got);
    if (memcmp(got, want, MERKLE_HASH_LEN) != 0) {
        if (filed)
            log_error("log: %lld bytes at %lld of the leaf file do not match their stored"
                      " hash", (long long)len, (long long)off);
        else
            log_error("log: a leaf in the evidence table does not match its stored hash");
        out->data[out->len = at] = '\0';
        return -1;
    }
    return 0;
}

/* Copies one row (idx, leaf, hash, off, len), checking the stored hash. */
static int take_row(hub_evidence_log *log, notice_leaves *nl, sqlite3_stmt *st)
{
    cert_entry *e = &nl->e[nl->count];
    size_t at = nl->bytes.len;

    if (hub_evidence_log_row_leaf(log, st, 1, &nl->bytes) != 0) {
        log_error("log: leaf %lld cannot be read", (long long)sqlite3_column_int64(st, 0));
        return -1;
    }
    e->leaf_index = (uint64_t)sqlite3_column_int64(st, 0);
    e->leaf = (const uint8_t *)(uintptr_t)at; /* an offset until the block stops moving */
    e->leaf_len = nl->bytes.len - at;
    nl->count++;
    return 0;
}

/* 1 with the notice's leaves, 0 when it has none, -1 on error. */
static int read_leaves(hub_evidence_log *log, const char *notice, notice_leaves *nl)
{
    sqlite3_stmt *st;
    int rc;

    read_begin(log);
    st = rstmt(log, R_NOTICE);
    sqlite3_bind_text(st, 1, notice, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && nl->count < CERT_MAX_ENTRIES)
        if (take_row(log, nl, st) != 0) {
            rc = SQLITE_ERROR;
            break;
        }
    sqlite3_reset(st);
    read_end(log);
    if (rc == SQLITE_ROW)
        log_error("log: notice %s has more than %d leaves: no certificate", notice,
                  CERT_MAX_ENTRIES);
    if (rc != SQLITE_DONE)
        return -1;
    for (size_t i = 0; i < nl->count; i++)
        nl->e[i].leaf = (const uint8_t *)nl->bytes.data + (uintptr_t)nl->e[i].leaf;
    return nl->count > 0;
}

/* A head covering n leaves: the latest, or a new one. A leaf the reader
 * saw may belong to a batch whose commit is still being noted in memory,
 * so signing waits a little for it. */
static int head_covering(hub_evidence_log *log, uint64_t n, sth *head, uint8_t sig[STH_SIG_LEN])
{
    const struct timespec pause = {0, 2 * 1000000L};

    for (int tries = 0; tries < 500; tries++) {
        if (hub_evidence_log_latest(log, head, sig) == 0 && head->tree_size >= n)
            return 0;
        if (hub_evidence_log_size(log) >= n) {
            if (hub_evidence_log_sign(log) != 0)
                return -1;
            continue;
        }
        nanosleep(&pause, NULL);
    }
    return -1;
}

static int audit_paths(hub_evidence_log *log, notice_leaves *nl, uint64_t n)
{
    merkle_source src = source(log);
    merkle_status st = MERKLE_OK;

    nl->paths = malloc(nl->count * sizeof *nl->paths);
    if (!nl->paths)
        return -1;
    read_begin(log);
    for (size_t i = 0; i < nl->count && st == MERKLE_OK; i++) {
        st = merkle_inclusion_proof(&src, nl->e[i].leaf_index, n, nl->paths[i],
                                    &nl->e[i].path_len);
        nl->e[i].path = (const uint8_t(*)[32])nl->paths[i];
    }
    read_end(log);
    return st == MERKLE_OK ? 0 : -1;
}

char *hub_evidence_log_certificate(hub_evidence_log *log, const char *notice, int *status)
{
    notice_leaves *nl = calloc(1, sizeof *nl);
    sth head;
    uint8_t sig[STH_SIG_LEN];
    char *json = NULL;
    int found;

    *status = 500;
    if (!nl)
        return NULL;
    if (!log->sk) {
        *status = 503;
        goto done;
    }
    found = read_leaves(log, notice, nl);
    if (found <= 0) {
        *status = found == 0 ? 404 : 500;
        goto done;
    }
    if (head_covering(log, nl->e[nl->count - 1].leaf_index + 1, &head, sig) != 0 ||
        audit_paths(log, nl, head.tree_size) != 0)
        goto done;
    json = certificate_encode(notice, log->pk, &head, sig, nl->e, nl->count);
    if (json)
        *status = 200;
done:
    leaves_free(nl);
    return json;
}
