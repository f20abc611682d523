/* hub_evidence_log.h -- the hub's evidence log: an RFC 9162 Merkle tree kept in
 * the hub's SQLite database, with signed tree heads (docs/design.md §4);
 * or in PostgreSQL, shared by several hubs (hub_evidence_log_open_pg).
 *
 * Leaves are appended inside the hub's own transactions (hub_db), so a
 * state change and its evidence commit together. A leaf's bytes are kept
 * in its row, or, for leaves made before the writer's lock, in the leaf
 * file beside the database (hub_leaf_file.h), synced before the commit
 * that points at them. The tree's right edge (a
 * merkle_frontier) lives in memory and moves only when a transaction
 * commits. Perfect subtrees at levels 4, 8, 12 ... are stored as they are
 * completed, so a proof over a million leaves reads a few hundred rows.
 * Proofs and certificates use a second connection of their own: reading
 * the log never waits for a batch being written. Signed heads are stored
 * through the writer, between its batches. */
#ifndef HERALD_HUB_EVIDENCE_LOG_H
#define HERALD_HUB_EVIDENCE_LOG_H

#include <pthread.h>
#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "crypto.h"
#include "db.h"
#include "merkle.h"
#include "sql.h"
#include "sth.h"

typedef struct hub_evidence_log hub_evidence_log;

/* The page size of the file the log lives in (db_open_unlocked, when the
 * file is created). The log is an append-only stream of ~350-byte leaves:
 * 16 KiB pages halve the WAL frames and checkpoint writes per leaf, and
 * took bench_log from about 135,000 to 195,000 appends a second. */
#define HUB_EVIDENCE_LOG_PAGE_SIZE 16384

/* Creates the log's tables on writer (the connection appends will use),
 * opens a reading connection to the same file at path, rebuilds the tree
 * from the database and checks it against the latest stored head.
 * Returns NULL with a message in err. */
hub_evidence_log *hub_evidence_log_open(sqlite3 *writer, const char *path, char *err,
                                        size_t errlen);
/* The log's tables in PostgreSQL (the store's schema version 5 on),
 * each made if missing. A leaf's bytes are written once, into
 * log_entries, by the transaction of the state it records; the table's
 * trigger queues its id and hash in log_pending with it, one statement
 * for a whole COPY. The queue has no index: it stays small, and the
 * sequencer alone reads it, all of it at a time. The sequencer gives
 * queued leaves their indexes a block at a time: a log_blocks row per
 * statement (at most HUB_PG_LOG_BLOCK leaves; several to a transaction)
 * holds the block's first index, its leaves' ids in tree order and their
 * hashes end to end. No key stops a leaf's id from being in two blocks,
 * as log_tree's UNIQUE(id) did: one statement takes a leaf off the queue
 * and puts it in a block, and one sequencer at a time runs it. A row per leaf (idx, id, hash and two indexes over it) cost
 * the sequencer 4.7 us a leaf in a test of 150,000 leaves, a row per
 * block 1.8. Stored apart and uncompressed (EXTERNAL), a slice of the
 * hashes reads only the pages it needs. A leaf's index is found from its
 * id through max_id: ids grow as leaves are queued, so the first block
 * whose max_id reaches the id and that holds it is near.
 * log_leaves shows the tree's leaves with their bytes, for people and
 * scripts reading the log; the hubs read the tables.
 * log_nodes: perfect subtrees of 2^level leaves, level a multiple of
 * HUB_PG_NODE_STEP. log_state: the tree's size, the feed's last seq and
 * who sequences. */
#define HUB_PG_LOG_BLOCK 1024
#define HUB_PG_LOG_SCHEMA                                                                   \
    HUB_PG_LOG_QUEUE HUB_PG_LOG_BLOCKS HUB_PG_LOG_LEAVES_VIEW HUB_PG_LOG_HEADS

/* Its parts, apart: the store's migrations made older shapes of the tree
 * (hub_db_pg.c) around the same leaves, queue and heads. */
#define HUB_PG_LOG_QUEUE                                                                    \
    "CREATE TABLE IF NOT EXISTS log_entries(id bigserial PRIMARY KEY,"                      \
    "  notice text NOT NULL, leaf bytea NOT NULL, hash bytea NOT NULL);"                    \
    "CREATE INDEX IF NOT EXISTS log_entries_notice ON log_entries(notice);"                \
    "CREATE TABLE IF NOT EXISTS log_pending(id bigint NOT NULL, hash bytea NOT NULL);"     \
    "CREATE OR REPLACE FUNCTION log_queue() RETURNS trigger LANGUAGE plpgsql AS"            \
    "  'BEGIN INSERT INTO log_pending(id, hash) SELECT id, hash FROM queued;"               \
    "  RETURN NULL; END';"                                                                  \
    "CREATE OR REPLACE TRIGGER log_entries_queue AFTER INSERT ON log_entries"               \
    "  REFERENCING NEW TABLE AS queued FOR EACH STATEMENT EXECUTE FUNCTION log_queue();"
#define HUB_PG_LOG_HEADS                                                                    \
    "CREATE TABLE IF NOT EXISTS log_nodes("                                                 \
    "  level int NOT NULL, idx bigint NOT NULL, hash bytea NOT NULL,"                       \
    "  PRIMARY KEY(level, idx));"                                                           \
    "CREATE TABLE IF NOT EXISTS log_heads("                                                 \
    "  tree_size bigint PRIMARY KEY, timestamp_ms bigint NOT NULL,"                         \
    "  root bytea NOT NULL, signature bytea NOT NULL);"                                     \
    "CREATE TABLE IF NOT EXISTS log_state("                                                 \
    "  one int PRIMARY KEY CHECK (one = 1), size bigint NOT NULL DEFAULT 0,"                \
    "  feed_seq bigint NOT NULL DEFAULT 0, sequencer text, since bigint,"                   \
    "  signer int NOT NULL DEFAULT -1);"                                                    \
    "INSERT INTO log_state(one) VALUES (1) ON CONFLICT DO NOTHING;"

/* The blocks and the view over them: the store's migration to version 5
 * makes them from the row per leaf before. */
#define HUB_PG_LOG_BLOCKS                                                                   \
    "CREATE TABLE IF NOT EXISTS log_blocks(first_idx bigint PRIMARY KEY, n int NOT NULL,"   \
    "  min_id bigint NOT NULL, max_id bigint NOT NULL, ids bigint[] NOT NULL,"              \
    "  hashes bytea NOT NULL);"                                                             \
    "ALTER TABLE log_blocks ALTER ids SET STORAGE EXTERNAL,"                                \
    "  ALTER hashes SET STORAGE EXTERNAL;"                                                  \
    "CREATE INDEX IF NOT EXISTS log_blocks_max_id ON log_blocks(max_id);"
#define HUB_PG_LOG_LEAVES_VIEW                                                              \
    "CREATE OR REPLACE VIEW log_leaves AS SELECT b.first_idx + u.o - 1 AS idx, e.notice,"   \
    "  e.leaf, substring(b.hashes FROM (u.o - 1)::int * 32 + 1 FOR 32) AS hash"             \
    "  FROM log_blocks b CROSS JOIN LATERAL unnest(b.ids) WITH ORDINALITY AS u(id, o)"      \
    "  JOIN log_entries e ON e.id = u.id;"

/* A notice's leaves (e) with their place in the tree (t; NULL while
 * queued), for a statement that adds its columns before and its order
 * after; param is the notice's placeholder. Each leaf's block is looked
 * up by its id, LIMIT 1 keeping the lookup per leaf (as a plain join,
 * the planner read the whole tree at 200,000 notices, 5.4 ms a
 * certificate); its hash is the one the tree was built from. */
#define HUB_PG_NOTICE_LEAVES(param)                                                     \
    " FROM log_entries e LEFT JOIN LATERAL"                                              \
    " (SELECT b.first_idx + p.at - 1 AS idx,"                                            \
    "   substring(b.hashes FROM (p.at - 1) * 32 + 1 FOR 32) AS hash"                     \
    "  FROM log_blocks b CROSS JOIN LATERAL (SELECT array_position(b.ids, e.id) AS at) p" \
    "  WHERE b.max_id >= e.id AND b.min_id <= e.id AND p.at IS NOT NULL"                  \
    "  ORDER BY b.max_id LIMIT 1) t ON true"                                             \
    " WHERE e.notice = " param

/* The log in PostgreSQL, shared by the hubs of one database: creates its
 * tables on writer (the store's connection, under the store's migration
 * lock) and opens a reading connection of its own to dsn. Appends are
 * queued with the store's commits; the sequencer (started by
 * hub_evidence_log_start_signer, with or without a key) gives them their
 * place in the tree on one hub at a time, node naming this one. There is
 * no leaf file. Returns NULL with a message in err. */
hub_evidence_log *hub_evidence_log_open_pg(sql_conn *writer, const char *dsn, const char *node,
                                           char *err, size_t errlen);
/* The lock its owner holds around every use of writer (hub_db's). Heads
 * are stored through writer under it, between batches; without it the
 * log's own lock is used, which suits a single-threaded writer. */
void hub_evidence_log_set_writer_lock(hub_evidence_log *log, pthread_mutex_t *lock);
/* The writer's WAL, when its owner syncs commits after its lock (db_wal):
 * a head is synced, with every leaf under it, before it is shown. */
void hub_evidence_log_set_wal(hub_evidence_log *log, db_wal *wal);
/* Stops the signer (if started) and frees everything; NULL is allowed. */
void hub_evidence_log_close(hub_evidence_log *log);

/* ---- the writer: called with the writer's transaction open, by one
 * thread at a time (hub_db's lock) ---- */

/* Appends one leaf (stored verbatim) for notice: its row, its hash and any
 * cached subtree it completes. Returns 0 or -1. */
int hub_evidence_log_append(hub_evidence_log *log, const char *notice, const void *leaf,
                            size_t len);
/* The same for a leaf whose hash (merkle_leaf_hash) is already known. */
int hub_evidence_log_append_hashed(hub_evidence_log *log, const char *notice, const void *leaf,
                                   size_t len, const uint8_t hash[MERKLE_HASH_LEN]);
/* The same for a leaf whose len bytes lie at off in the leaf file
 * (hub_evidence_log_file_leaves): only its row goes in the table. */
int hub_evidence_log_append_filed(hub_evidence_log *log, const char *notice, uint64_t off,
                                  size_t len, const uint8_t hash[MERKLE_HASH_LEN]);
/* Before COMMIT of a transaction that appended filed leaves: notes how
 * far into the leaf file its rows reach, which a restart checks the
 * file against. Returns 0 or -1 (then roll back). */
int hub_evidence_log_before_commit(hub_evidence_log *log);
/* After COMMIT: the appended leaves join the tree that heads are signed
 * over. */
void hub_evidence_log_committed(hub_evidence_log *log);
/* After ROLLBACK (or a failed COMMIT): forgets the batch's leaves by
 * rebuilding the tree from what the database holds. Returns 0 or -1. */
int hub_evidence_log_rolled_back(hub_evidence_log *log);
/* The leaves committed so far (on PostgreSQL: placed in the tree by the
 * sequencer, read from the database). */
uint64_t hub_evidence_log_size(hub_evidence_log *log);

/* ---- the leaf file (hub_leaf_file.h): any thread, no lock ---- */

/* Writes a batch's leaf bytes to the leaf file and syncs them, before the
 * transaction that will point at them (hub_evidence_log_append_filed) begins: a
 * commit never names bytes a crash could lose. *off is where they start.
 * Returns 0, or -1 when they must go in the table instead (always on
 * PostgreSQL, which has no leaf file). */
int hub_evidence_log_file_leaves(hub_evidence_log *log, const void *bytes, size_t len,
                                 uint64_t *off);

/* Appends to out the bytes of the leaf in a row of the evidence table
 * whose columns from col on are (leaf, hash, off, len), from the row or
 * the leaf file, after checking them against the stored hash. Returns 0,
 * or -1 with out as it was (unless it ran out of memory: then broken). */
int hub_evidence_log_row_leaf(hub_evidence_log *log, sql_stmt *st, int col, buf *out);

/* ---- signing ---- */

/* Sets the log key from its 32-byte seed (kept in locked memory). */
int hub_evidence_log_set_key(hub_evidence_log *log, const uint8_t seed[ED25519_SEED_LEN]);
/* Or has `herald signer` at socket_path sign heads, checking its
 * signatures with pk: the hub never holds the key. Returns 0 or -1. */
int hub_evidence_log_set_signer(hub_evidence_log *log, const char *socket_path,
                                const uint8_t pk[ED25519_PUBLIC_LEN]);
/* 1 when heads can be signed: a key, or a signer. */
int hub_evidence_log_has_key(const hub_evidence_log *log);
int hub_evidence_log_uses_signer(const hub_evidence_log *log);
void hub_evidence_log_public_key(const hub_evidence_log *log, uint8_t pk[ED25519_PUBLIC_LEN]);
/* Starts the thread that signs a head at most every interval_ms while the
 * tree grows. Needs a key; on PostgreSQL it is the sequencer, started
 * with or without one (it also places every node's leaves in the tree).
 * Returns 0 or -1. */
int hub_evidence_log_start_signer(hub_evidence_log *log, long interval_ms);
/* Signs a head over every committed leaf unless the latest head already
 * covers them all. Returns 0 or -1. On PostgreSQL only the sequencer
 * signs: 0 when the latest head covers the tree. */
int hub_evidence_log_sign(hub_evidence_log *log);
/* Who signs heads and how it goes (the operators' console): a signer
 * not asked yet, down, signing, or refusing the heads the hub asks for;
 * or the hub itself with log_key; or nobody. */
enum { HUB_SIGNER_NOT_ASKED = -1, HUB_SIGNER_DOWN = 0, HUB_SIGNER_SIGNING = 1,
       HUB_SIGNER_REFUSING = 2, HUB_SIGNER_IN_PROCESS = 3, HUB_SIGNER_NONE = 4 };
int hub_evidence_log_signer_state(hub_evidence_log *log);
/* The latest signed head. Returns 0, or -1 when none was signed yet. */
int hub_evidence_log_latest(hub_evidence_log *log, sth *head, uint8_t sig[STH_SIG_LEN]);

/* ---- reading (any thread) ---- */

/* Consistency proof between the trees of m and n leaves, n no larger than
 * the latest signed head. Returns 0, -1 on a database error, -2 for sizes
 * out of range, -3 when no head can be read (none signed yet). */
int hub_evidence_log_consistency(hub_evidence_log *log, uint64_t m, uint64_t n,
                                 uint8_t proof[][MERKLE_HASH_LEN], size_t *len);

/* The distribution certificate (docs/design.md §4 JSON, caller frees) of
 * notice: every leaf of the notice with its audit path, against a signed
 * head that covers them (signed now if the latest does not; on PostgreSQL,
 * asked of the sequencer and waited for up to about 5 s). Returns NULL
 * with *status 404 (no leaves), 503 (no key, or no head covers the notice
 * yet and the signer, or the sequencer, does not answer) or 500. The
 * caller has checked that the notice may be shown to whoever asks. */
char *hub_evidence_log_certificate(hub_evidence_log *log, const char *notice, int *status);

#endif
