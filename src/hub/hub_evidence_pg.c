/* hub_evidence_pg.c -- the evidence log kept in PostgreSQL, shared by
 * several hubs (docs/design.md §4; hub_evidence_pg.h).
 *
 * A hub's transaction cannot append to the tree itself: the leaf's index
 * would have to be known before another hub's concurrent transaction
 * commits. So leaves are queued: buffered while the store's transaction
 * runs, written into log_entries with it (one statement, whose trigger
 * queues them in log_pending), and given their place in the tree by the
 * sequencer (hub_sequencer.c). Everything
 * a reader asks (size, heads, proofs, certificates) is read from the
 * database, so any hub answers for the whole log. */
#include "hub_evidence_pg.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "certificate.h"
#include "log.h"

/* The log's tables (HUB_PG_LOG_SCHEMA, hub_evidence_log.h); the store's
 * open runs this under its migration lock. */
static const char schema[] = HUB_PG_LOG_SCHEMA;

/* Prepared on every connection of the log: few, and cheap. */
static const char *const statements[][2] = {
    /* The hashes of leaves $1 to $2 - 1, as runs: each block's first
     * index in the range and its hashes there, end to end. */
    {"leaf_block", "SELECT greatest(first_idx, $1), substring(hashes FROM"
                   "  (greatest(first_idx, $1) - first_idx)::int * 32 + 1"
                   "  FOR greatest(least(first_idx + n, $2) - greatest(first_idx, $1), 0)::int * 32)"
                   " FROM log_blocks WHERE first_idx < $2 AND first_idx >= coalesce("
                   "  (SELECT max(first_idx) FROM log_blocks WHERE first_idx <= $1), 0)"
                   " ORDER BY first_idx"},
    {"node_block", "SELECT idx, hash FROM log_nodes WHERE level = $1 AND idx >= $2 AND idx < $3"
              " ORDER BY idx"},
    {"state", "SELECT size, signer FROM log_state WHERE one = 1"},
    {"latest", "SELECT tree_size, timestamp_ms, root, signature FROM log_heads"
               " ORDER BY tree_size DESC LIMIT 1"},
    /* A notice's leaves, integrated ones in tree order first, then those
     * still queued (no idx, NULLs last), in one snapshot; a leaf is
     * checked against the hash the tree was built from. */
    {"notice", "SELECT t.idx, e.leaf, t.hash" HUB_PG_NOTICE_LEAVES("$1") " ORDER BY t.idx"},
    {"want", "SELECT pg_notify('herald_log_head', '')"},
    {"lock", "SELECT pg_try_advisory_lock(" HUB_SEQUENCER_LOCK ")"},
    /* Gives up to $2 queued leaves, in id order, the indexes from $1, as
     * one block; their indexes and hashes in tree order. The rows are
     * found first, as an array of their places (the queue has no
     * index): as "IN (SELECT ... LIMIT $2)", a queue its statistics call
     * empty was planned as a semi join that ran the LIMIT again for each
     * queued row (seconds a round at 20,000 notices). The block is
     * written whether or not the last SELECT reads it (a WITH that
     * writes runs to its end); an empty queue writes none. */
    {"integrate", "WITH taken AS (DELETE FROM log_pending WHERE ctid = ANY(ARRAY("
                  "   SELECT ctid FROM log_pending ORDER BY id LIMIT $2))"
                  "   RETURNING id, hash),"
                  " put AS (INSERT INTO log_blocks(first_idx, n, min_id, max_id, ids, hashes)"
                  "   SELECT $1::bigint, count(*), min(id), max(id), array_agg(id ORDER BY id),"
                  "   string_agg(hash, ''::bytea ORDER BY id) FROM taken HAVING count(*) > 0)"
                  " SELECT $1::bigint + row_number() OVER (ORDER BY id) - 1, hash"
                  " FROM taken ORDER BY id"},
    {"nodes", "INSERT INTO log_nodes(level, idx, hash)"
              " SELECT * FROM unnest($1::int[], $2::bigint[], $3::bytea[])"},
    {"size", "UPDATE log_state SET size = $1 WHERE one = 1"},
    {"office", "UPDATE log_state SET sequencer = $1, since = $2 WHERE one = 1"},
    {"head", "INSERT INTO log_heads(tree_size, timestamp_ms, root, signature)"
             " VALUES($1, $2, $3, $4)"},
    {"signer", "UPDATE log_state SET signer = $1 WHERE one = 1"},
    {"has_changes", "SELECT to_regclass('changes_queue') IS NOT NULL"},
};

/* ---- libpq ---- */

/* libpq's last error on one line (hub_evidence_pg.h). */
const char *hub_pg_says(PGconn *c, char *out, size_t cap)
{
    size_t n = 0;

    for (const char *p = PQerrorMessage(c); *p && n + 1 < cap; p++)
        if (*p != '\n' && *p != '\t')
            out[n++] = *p;
        else if (n > 0 && out[n - 1] != ' ')
            out[n++] = ' ';
    while (n > 0 && out[n - 1] == ' ')
        n--;
    out[n] = '\0';
    return out;
}

/* A server that does not answer at all (a host gone) costs a reader or
 * the sequencer seconds, not minutes (sql_pg_connectdb). */
PGconn *hub_pg_connect(const char *dsn, char *err, size_t errlen)
{
    PGconn *c = sql_pg_connectdb(dsn);

    if (PQstatus(c) != CONNECTION_OK) {
        char why[256];
        snprintf(err, errlen, "cannot connect to PostgreSQL: %s", hub_pg_says(c, why, sizeof why));
        PQfinish(c);
        return NULL;
    }
    for (size_t i = 0; i < sizeof statements / sizeof statements[0]; i++) {
        PGresult *r = PQprepare(c, statements[i][0], statements[i][1], 0, NULL);
        int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
        char why[256];
        if (!ok)
            snprintf(err, errlen, "cannot prepare the evidence log's statement %s: %s",
                     statements[i][0], hub_pg_says(c, why, sizeof why));
        PQclear(r);
        if (!ok) {
            PQfinish(c);
            return NULL;
        }
    }
    return c;
}

PGresult *hub_pg_run_bin(PGconn *c, const char *name, int n, const char *const *params,
                         const int *lens, const int *formats)
{
    PGresult *r;
    ExecStatusType st;

    if (!c)
        return NULL;
    r = PQexecPrepared(c, name, n, params, lens, formats, 1);
    st = PQresultStatus(r);
    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
        return r;
    char why[256];
    log_error("log: %s: %s", name, hub_pg_says(c, why, sizeof why));
    PQclear(r);
    return NULL;
}

PGresult *hub_pg_run(PGconn *c, const char *name, int n, const char *const *params)
{
    return hub_pg_run_bin(c, name, n, params, NULL, NULL);
}

int hub_pg_exec(PGconn *c, const char *sql)
{
    PGresult *r;
    int rc;

    if (!c)
        return -1;
    r = PQexec(c, sql);
    rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : -1;
    char why[256];
    if (rc != 0)
        log_error("log: %s: %s", sql, hub_pg_says(c, why, sizeof why));
    PQclear(r);
    return rc;
}

long long hub_pg_int(const PGresult *r, int row, int col)
{
    const unsigned char *p = (const unsigned char *)PQgetvalue(r, row, col);
    int len = PQgetlength(r, row, col);
    unsigned long long v = 0;

    if (PQgetisnull(r, row, col) || (len != 1 && len != 2 && len != 4 && len != 8))
        return 0;
    for (int i = 0; i < len; i++)
        v = v << 8 | p[i];
    if (len == 4)
        return (long long)(int32_t)v;
    return (long long)v; /* big-endian two's complement: int8 as is */
}

int hub_pg_hash(const PGresult *r, int row, int col, uint8_t out[MERKLE_HASH_LEN])
{
    if (PQgetisnull(r, row, col) || PQgetlength(r, row, col) != MERKLE_HASH_LEN)
        return -1;
    memcpy(out, PQgetvalue(r, row, col), MERKLE_HASH_LEN);
    return 0;
}

/* ---- the tree as merkle.h reads it ---- */

/* Fills b with runs of hashes (first index, hashes end to end: a block
 * of leaves, or one node), as far as they follow on from b->first
 * without a gap: what a reader may rely on. */
static void take_runs(hub_pg_block *b, const PGresult *r)
{
    for (int i = 0; i < PQntuples(r); i++) {
        int len = PQgetlength(r, i, 1);
        if (hub_pg_int(r, i, 0) != (long long)(b->first + b->count) || len % MERKLE_HASH_LEN ||
            b->count + (unsigned)len / MERKLE_HASH_LEN > HUB_PG_BLOCK)
            return;
        memcpy(b->hash[b->count], PQgetvalue(r, i, 1), (size_t)len);
        b->count += (unsigned)len / MERKLE_HASH_LEN;
    }
}

/* Loads the block of hashes holding index at level (-1: leaves) into
 * its slot; the slot, or NULL on error. */
static hub_pg_block *load_block(hub_pg_cache *cache, int level, uint64_t index)
{
    uint64_t first = index & ~(uint64_t)(HUB_PG_BLOCK - 1);
    hub_pg_block *b = &cache->b[(first / HUB_PG_BLOCK * 31 + (unsigned)(level + 1)) %
                                HUB_PG_BLOCKS];
    char lv[12], from[24], to[24];
    const char *leaves_p[2] = {from, to}, *nodes_p[3] = {lv, from, to};
    PGresult *r;

    if (b->count > 0 && b->level == level && b->first == first && index - first < b->count)
        return b;
    snprintf(lv, sizeof lv, "%d", level);
    snprintf(from, sizeof from, "%llu", (unsigned long long)first);
    snprintf(to, sizeof to, "%llu", (unsigned long long)(first + HUB_PG_BLOCK));
    r = level < 0 ? hub_pg_run(*cache->conn, "leaf_block", 2, leaves_p)
                  : hub_pg_run(*cache->conn, "node_block", 3, nodes_p);
    if (!r)
        return NULL;
    b->level = level;
    b->first = first;
    b->count = 0;
    take_runs(b, r);
    PQclear(r);
    return b;
}

static int leaf_at(void *ctx, uint64_t index, uint8_t out[MERKLE_HASH_LEN])
{
    hub_pg_block *b = load_block(ctx, -1, index);

    if (!b || index - b->first >= b->count) {
        log_error("log: leaf %llu is missing or damaged", (unsigned long long)index);
        return -1;
    }
    memcpy(out, b->hash[index - b->first], MERKLE_HASH_LEN);
    return 0;
}

static int node_at(void *ctx, unsigned level, uint64_t index, uint8_t out[MERKLE_HASH_LEN])
{
    hub_pg_block *b;

    if (level % HUB_PG_NODE_STEP != 0)
        return 0;
    b = load_block(ctx, (int)level, index);
    if (!b)
        return -1;
    if (index - b->first >= b->count)
        return 0;
    memcpy(out, b->hash[index - b->first], MERKLE_HASH_LEN);
    return 1;
}

merkle_source hub_pg_source(hub_pg_cache *cache)
{
    merkle_source src = {leaf_at, node_at, cache};
    return src;
}

void hub_pg_cache_clear(hub_pg_cache *cache)
{
    for (int i = 0; i < HUB_PG_BLOCKS; i++)
        cache->b[i].count = 0;
}

int hub_pg_latest(PGconn *c, sth *head, uint8_t sig[STH_SIG_LEN])
{
    PGresult *r = hub_pg_run(c, "latest", 0, NULL);
    int rc = -1;

    if (r && PQntuples(r) == 0)
        rc = 0;
    else if (r && hub_pg_hash(r, 0, 2, head->root_hash) == 0 &&
             PQgetlength(r, 0, 3) == STH_SIG_LEN) {
        head->tree_size = (uint64_t)hub_pg_int(r, 0, 0);
        head->timestamp_ms = (uint64_t)hub_pg_int(r, 0, 1);
        memcpy(sig, PQgetvalue(r, 0, 3), STH_SIG_LEN);
        rc = 1;
    }
    PQclear(r);
    return rc;
}

/* ---- the reader connection ---- */

/* Reconnects a reader the server dropped; reader_lock held. */
static PGconn *reader(hub_evidence_log *log)
{
    hub_evidence_pg *pg = log->pg;
    char err[256];

    if (pg->reader && PQstatus(pg->reader) == CONNECTION_OK)
        return pg->reader;
    PQfinish(pg->reader);
    pg->reader = hub_pg_connect(pg->dsn, err, sizeof err);
    if (!pg->reader)
        log_error("log: %s", err);
    return pg->reader;
}

/* 1 when a statement failed because the server dropped the reader:
 * worth once more on a new connection. */
static int reader_dropped(hub_evidence_log *log)
{
    return log->pg->reader && PQstatus(log->pg->reader) != CONNECTION_OK;
}

/* A reader statement, run again once on a new connection when the old
 * one was dropped (a restarted server, an idle timeout); reader_lock held. */
static PGresult *run_reader(hub_evidence_log *log, const char *name, int n,
                            const char *const *p)
{
    PGresult *r = hub_pg_run(reader(log), name, n, p);

    if (!r && reader_dropped(log))
        r = hub_pg_run(reader(log), name, n, p);
    return r;
}

/* One snapshot for a proof's many reads. */
void hub_evidence_pg_read_begin(hub_evidence_log *log)
{
    static const char begin[] = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";

    pthread_mutex_lock(&log->reader_lock);
    hub_pg_cache_clear(&log->pg->rcache);
    if (hub_pg_exec(reader(log), begin) != 0 && reader_dropped(log))
        hub_pg_exec(reader(log), begin);
}

void hub_evidence_pg_read_end(hub_evidence_log *log)
{
    if (log->pg->reader && PQtransactionStatus(log->pg->reader) != PQTRANS_IDLE)
        hub_pg_exec(log->pg->reader, "ROLLBACK");
    pthread_mutex_unlock(&log->reader_lock);
}

merkle_source hub_evidence_pg_source(hub_evidence_log *log)
{
    return hub_pg_source(&log->pg->rcache);
}

/* log_state's size and signer columns; -1 when unreadable. */
static long long read_state(hub_evidence_log *log, int col)
{
    PGresult *r;
    long long v = -1;

    pthread_mutex_lock(&log->reader_lock);
    r = run_reader(log, "state", 0, NULL);
    if (r && PQntuples(r) == 1)
        v = hub_pg_int(r, 0, col);
    PQclear(r);
    pthread_mutex_unlock(&log->reader_lock);
    return v;
}

uint64_t hub_evidence_pg_size(hub_evidence_log *log)
{
    long long n = read_state(log, 0);
    return n < 0 ? 0 : (uint64_t)n;
}

int hub_evidence_pg_signer_state(hub_evidence_log *log)
{
    if (!log->signer_path[0])
        return log->sk ? HUB_SIGNER_IN_PROCESS : HUB_SIGNER_NONE;
    if (__atomic_load_n(&log->pg->leader, __ATOMIC_RELAXED)) /* it asks the signer itself */
        return __atomic_load_n(&log->signer_up, __ATOMIC_RELAXED);
    long long v = read_state(log, 1);
    return v < HUB_SIGNER_NOT_ASKED || v > HUB_SIGNER_REFUSING ? HUB_SIGNER_DOWN : (int)v;
}

int hub_evidence_pg_latest(hub_evidence_log *log, sth *head, uint8_t sig[STH_SIG_LEN])
{
    int found;

    pthread_mutex_lock(&log->reader_lock);
    found = hub_pg_latest(reader(log), head, sig);
    if (found < 0 && reader_dropped(log))
        found = hub_pg_latest(reader(log), head, sig);
    pthread_mutex_unlock(&log->reader_lock);
    return found == 1 ? 0 : -1;
}

int hub_evidence_pg_latest_held(hub_evidence_log *log, sth *head, uint8_t sig[STH_SIG_LEN])
{
    return hub_pg_latest(log->pg->reader, head, sig);
}

void hub_evidence_pg_want_head(hub_evidence_log *log)
{
    pthread_mutex_lock(&log->reader_lock);
    PQclear(run_reader(log, "want", 0, NULL));
    pthread_mutex_unlock(&log->reader_lock);
}

int hub_evidence_pg_notice_leaves(hub_evidence_log *log, const char *notice,
                                  int (*take)(void *ctx, uint64_t idx, const void *leaf,
                                              size_t len),
                                  void *ctx, int *pending)
{
    const char *p[1] = {notice};
    PGresult *r = hub_pg_run(log->pg->reader, "notice", 1, p);
    int rc = r ? 0 : -1, waiting = 0;

    for (int i = 0; rc == 0 && i < PQntuples(r); i++) {
        uint8_t want[MERKLE_HASH_LEN], got[MERKLE_HASH_LEN];
        int len = PQgetlength(r, i, 1);
        if (PQgetisnull(r, i, 0)) { /* queued: every later row is too */
            waiting = 1;
            break;
        }
        merkle_leaf_hash(PQgetvalue(r, i, 1), (size_t)len, got);
        if (hub_pg_hash(r, i, 2, want) != 0 || memcmp(want, got, MERKLE_HASH_LEN) != 0) {
            log_error("log: leaf %lld does not match its stored hash", hub_pg_int(r, i, 0));
            rc = -1;
        } else {
            rc = take(ctx, (uint64_t)hub_pg_int(r, i, 0), PQgetvalue(r, i, 1), (size_t)len);
        }
    }
    if (rc == 0)
        *pending = waiting;
    PQclear(r);
    return rc;
}

/* ---- the writer: the open batch ---- */

/* The batch is kept as the body of a binary COPY into log_entries: no
 * encoding on the way in, no parsing on the server's side (hex in array
 * literals queued about half as fast). Rows take ids in this order, and
 * the table's trigger queues them. */
static const char copy_sql[] =
    "COPY log_entries(notice, leaf, hash) FROM STDIN WITH (FORMAT binary)";
static const char copy_header[19] = "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0";

static void put_be(buf *b, uint32_t v, int bytes)
{
    unsigned char x[4];

    for (int i = 0; i < bytes; i++)
        x[i] = (unsigned char)(v >> (8 * (bytes - 1 - i)));
    buf_append(b, x, (size_t)bytes);
}

static void put_field(buf *b, const void *p, size_t len)
{
    put_be(b, (uint32_t)len, 4);
    buf_append(b, p, len);
}

int hub_evidence_pg_append(hub_evidence_log *log, const char *notice, const void *leaf,
                           size_t len, const uint8_t hash[MERKLE_HASH_LEN])
{
    buf *b = &log->pg->batch;

    if (len > CERT_MAX_LEAF)
        return -1;
    if (b->len == 0)
        buf_append(b, copy_header, sizeof copy_header);
    put_be(b, 3, 2);
    put_field(b, notice, strlen(notice));
    put_field(b, leaf, len);
    put_field(b, hash, MERKLE_HASH_LEN);
    log->pg->count++;
    return b->broken ? -1 : 0;
}

/* Sends the batch as one COPY on the store's connection, inside its
 * transaction. */
int hub_evidence_pg_before_commit(hub_evidence_log *log)
{
    hub_evidence_pg *pg = log->pg;

    if (pg->count == 0)
        return 0;
    put_be(&pg->batch, 0xffff, 2); /* the end of the rows */
    if (pg->batch.broken ||
        sql_copy_in(pg->writer, copy_sql, pg->batch.data, pg->batch.len, (long long)pg->count) != 0) {
        log_error("log: cannot queue %zu leaves", pg->count);
        return -1;
    }
    return 0;
}

void hub_evidence_pg_clear(hub_evidence_log *log)
{
    log->pg->batch.len = 0;
    log->pg->count = 0;
}

/* ---- heads ---- */

int hub_evidence_pg_store_head(hub_evidence_log *log, const sth *head,
                               const uint8_t sig[STH_SIG_LEN])
{
    char size[24], ts[24];
    const char *p[4] = {size, ts, (const char *)head->root_hash, (const char *)sig};
    const int lens[4] = {0, 0, MERKLE_HASH_LEN, STH_SIG_LEN}, formats[4] = {0, 0, 1, 1};
    PGresult *r;

    snprintf(size, sizeof size, "%llu", (unsigned long long)head->tree_size);
    snprintf(ts, sizeof ts, "%llu", (unsigned long long)head->timestamp_ms);
    r = hub_pg_run_bin(log->pg->seq, "head", 4, p, lens, formats);
    PQclear(r);
    return r ? 0 : -1;
}

/* ---- open and close ---- */

/* A restart, or another hub, must continue the tree its heads were
 * signed over: the latest head's root is recomputed from the leaves. */
static int check_against_head(hub_evidence_log *log, char *err, size_t errlen)
{
    merkle_source src = hub_evidence_pg_source(log);
    uint8_t root[MERKLE_HASH_LEN], sig[STH_SIG_LEN];
    long long size = -1;
    sth head;
    int found;
    PGresult *r;

    /* The size and the head from one snapshot: the sequencer may be
     * growing the tree and signing meanwhile. */
    hub_evidence_pg_read_begin(log);
    r = hub_pg_run(log->pg->reader, "state", 0, NULL);
    if (r && PQntuples(r) == 1)
        size = hub_pg_int(r, 0, 0);
    PQclear(r);
    found = hub_pg_latest(log->pg->reader, &head, sig);
    if (found == 1 && ((long long)head.tree_size > size ||
                       merkle_root(&src, head.tree_size, root) != MERKLE_OK ||
                       memcmp(root, head.root_hash, MERKLE_HASH_LEN) != 0))
        found = -2;
    hub_evidence_pg_read_end(log);
    if (size < 0 || found == -1)
        snprintf(err, errlen, "cannot read the evidence log");
    else if (found == -2)
        snprintf(err, errlen, "the evidence log no longer matches its signed head of "
                 "size %llu: the database was altered or truncated",
                 (unsigned long long)head.tree_size);
    return size < 0 || found < 0 ? -1 : 0;
}

/* The tables, when the log has none (a store's migration makes them):
 * remade under running hubs, the trigger and the view would wait for
 * every open transaction on log_entries and hold back the next. */
static int make_tables(sql_conn *c)
{
    sql_stmt *st = sql_prepare(c, "SELECT (to_regclass('log_blocks') IS NOT NULL"
                                  " AND to_regclass('log_leaves') IS NOT NULL)::int");
    int have = st && sql_step(st) == 1 ? sql_int(st, 0) : -1;

    sql_finalize(st);
    if (have < 0)
        return -1;
    return have ? 0 : sql_exec(c, schema);
}

static hub_evidence_log *log_new(void)
{
    hub_evidence_log *log = calloc(1, sizeof *log);

    if (!log)
        return NULL;
    log->pg = calloc(1, sizeof *log->pg);
    if (!log->pg) {
        free(log);
        return NULL;
    }
    pthread_mutex_init(&log->own_writer_lock, NULL);
    log->writer_lock = &log->own_writer_lock;
    pthread_mutex_init(&log->state_lock, NULL);
    pthread_mutex_init(&log->reader_lock, NULL);
    pthread_mutex_init(&log->sign_lock, NULL);
    pthread_mutex_init(&log->stop_lock, NULL);
    clock_mono_cond_init(&log->stop_cond);
    clock_mono_cond_init(&log->head_cond);
    buf_init(&log->pg->batch, 0);
    log->pg->rcache.conn = &log->pg->reader;
    log->pg->scache.conn = &log->pg->seq;
    log->pg->signer_noted = HUB_SIGNER_NOT_ASKED - 1;
    return log;
}

hub_evidence_log *hub_evidence_log_open_pg(sql_conn *writer, const char *dsn, const char *node,
                                           char *err, size_t errlen)
{
    hub_evidence_log *log = log_new();
    hub_evidence_pg *pg;

    if (!log) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    pg = log->pg;
    pg->writer = writer;
    if (strlen(dsn) >= sizeof pg->dsn || strlen(node) >= sizeof pg->node) {
        snprintf(err, errlen, "the store's dsn or node name is too long");
        hub_evidence_log_close(log);
        return NULL;
    }
    snprintf(pg->dsn, sizeof pg->dsn, "%s", dsn);
    snprintf(pg->node, sizeof pg->node, "%s", node);
    if (make_tables(writer) != 0) {
        snprintf(err, errlen, "cannot create the evidence log's tables");
        hub_evidence_log_close(log);
        return NULL;
    }
    pg->reader = hub_pg_connect(dsn, err, errlen);
    if (!pg->reader || check_against_head(log, err, errlen) != 0) {
        hub_evidence_log_close(log);
        return NULL;
    }
    return log;
}

void hub_evidence_pg_free(hub_evidence_log *log)
{
    hub_evidence_pg *pg = log->pg;

    PQfinish(pg->reader);
    PQfinish(pg->seq);
    buf_free(&pg->batch);
    free(pg);
    log->pg = NULL;
}
