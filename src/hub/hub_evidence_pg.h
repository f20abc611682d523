/* hub_evidence_pg.h -- what the evidence log's PostgreSQL files share
 * (hub_evidence_pg.c, hub_sequencer.c): the mode's state and the few
 * libpq helpers both use. Several hubs share one database: each buffers
 * its transaction's leaves and writes them into log_entries, which queues
 * them, with the store's commit; one of them at a time, the sequencer,
 * integrates the queue into the tree and signs heads. Only the log's
 * files include this. */
#ifndef HERALD_HUB_EVIDENCE_PG_H
#define HERALD_HUB_EVIDENCE_PG_H

#include <libpq-fe.h>
#include <stdint.h>

#include "buf.h"
#include "hub_evidence_log_internal.h"
#include "merkle.h"
#include "sql.h"

/* The session lock whose holder is the sequencer (the store's
 * migrations use 4242001). */
#define HUB_SEQUENCER_LOCK "4242002"
/* Perfect subtrees cached at every 4th level, as on SQLite. */
#define HUB_PG_NODE_STEP 4

/* Hashes read in aligned blocks of 16: an audit path's hashes below a
 * cached level lie in one block of the level under them, so a proof
 * costs a few round trips per cached level rather than one per hash.
 * Cleared with each read transaction (a block at the tree's right edge
 * grows). */
#define HUB_PG_BLOCK 16
#define HUB_PG_BLOCKS 64
typedef struct hub_pg_block {
    int level;               /* -1 for leaves */
    uint64_t first;
    uint64_t count;          /* hashes known from first on; 0: empty */
    uint8_t hash[HUB_PG_BLOCK][MERKLE_HASH_LEN];
} hub_pg_block;

typedef struct hub_pg_cache {
    PGconn **conn;           /* the slot, which reconnects refill */
    hub_pg_block b[HUB_PG_BLOCKS];
} hub_pg_cache;

struct hub_evidence_pg {
    char dsn[1024];
    char node[128];
    sql_conn *writer;        /* the store's; its lock held around appends */
    buf batch;               /* the open batch: a binary COPY's rows */
    size_t count;

    PGconn *reader;          /* reader_lock */
    hub_pg_cache rcache;     /* reader_lock */

    PGconn *seq;             /* the sequencer thread's */
    hub_pg_cache scache;     /* sequencer thread */
    int leader;              /* sequencer thread: holds the lock */
    int has_changes;         /* sequencer thread: the store's changes_queue exists */
    merkle_frontier tree;    /* sequencer thread, when leader */
    long long last_sign;     /* sequencer thread */
    int signer_noted;        /* sequencer thread: signer state last written */
    long long unvacuumed;    /* sequencer thread: leaves taken since log_pending's vacuum */
};

/* Connects and prepares the log's statements; NULL with err. */
PGconn *hub_pg_connect(const char *dsn, char *err, size_t errlen);
/* Runs a prepared statement with text parameters (NULL for none),
 * binary results. The result when it succeeded, else NULL (logged). */
PGresult *hub_pg_run(PGconn *c, const char *name, int n, const char *const *params);
/* The same with explicit lengths and formats (1 binary). */
PGresult *hub_pg_run_bin(PGconn *c, const char *name, int n, const char *const *params,
                         const int *lens, const int *formats);
/* libpq's last error on c, on one line, in out. */
const char *hub_pg_says(PGconn *c, char *out, size_t cap);
/* Runs SQL without parameters; 0, or -1 (logged). */
int hub_pg_exec(PGconn *c, const char *sql);
/* A binary integer column (int4 or int8). */
long long hub_pg_int(const PGresult *r, int row, int col);
/* A 32-byte binary column; -1 if it is not one. */
int hub_pg_hash(const PGresult *r, int row, int col, uint8_t out[MERKLE_HASH_LEN]);
/* The tree read through the cache's connection. */
merkle_source hub_pg_source(hub_pg_cache *cache);
void hub_pg_cache_clear(hub_pg_cache *cache);
/* The latest stored head: 1, 0 none, -1 error. */
int hub_pg_latest(PGconn *c, sth *head, uint8_t sig[STH_SIG_LEN]);

#endif
