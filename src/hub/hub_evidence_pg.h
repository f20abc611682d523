/* hub_evidence_pg.h -- what the evidence log's PostgreSQL files share
 * (hub_evidence_pg.c, hub_sequencer.c): the mode's state and the few
 * libpq helpers both use. Several hubs share one database: each buffers
 * its transaction's leaves and queues them in log_pending with the
 * store's commit; one of them at a time, the sequencer, integrates the
 * queue into the tree and signs heads. Only the log's files include
 * this. */
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

struct hub_evidence_pg {
    char dsn[1024];
    char node[128];
    sql_conn *writer;        /* the store's; its lock held around appends */
    sql_stmt *queue;         /* INSERT INTO log_pending ..., on writer */
    buf notices, leaves, hashes; /* the open batch, as array literals */
    size_t count;

    PGconn *reader;          /* reader_lock */

    PGconn *seq;             /* the sequencer thread's */
    int leader;              /* sequencer thread: holds the lock */
    int has_changes;         /* sequencer thread: the store's changes table exists */
    merkle_frontier tree;    /* sequencer thread, when leader */
    long long last_sign;     /* sequencer thread */
    int signer_noted;        /* sequencer thread: signer state last written */
};

/* Connects and prepares the log's statements; NULL with err. */
PGconn *hub_pg_connect(const char *dsn, char *err, size_t errlen);
/* Runs a prepared statement with text parameters (NULL for none),
 * binary results. The result when it succeeded, else NULL (logged). */
PGresult *hub_pg_run(PGconn *c, const char *name, int n, const char *const *params);
/* The same with explicit lengths and formats (1 binary). */
PGresult *hub_pg_run_bin(PGconn *c, const char *name, int n, const char *const *params,
                         const int *lens, const int *formats);
/* Runs SQL without parameters; 0, or -1 (logged). */
int hub_pg_exec(PGconn *c, const char *sql);
/* A binary integer column (int4 or int8). */
long long hub_pg_int(const PGresult *r, int row, int col);
/* A 32-byte binary column; -1 if it is not one. */
int hub_pg_hash(const PGresult *r, int row, int col, uint8_t out[MERKLE_HASH_LEN]);
/* The tree read through *conn (a pointer to the slot, which reconnects
 * refill). */
merkle_source hub_pg_source(PGconn **conn);
/* The latest stored head: 1, 0 none, -1 error. */
int hub_pg_latest(PGconn *c, sth *head, uint8_t sig[STH_SIG_LEN]);

#endif
