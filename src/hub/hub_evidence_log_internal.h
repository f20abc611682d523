/* hub_evidence_log_internal.h -- what the evidence log's files share:
 * the open log (its connections, statements, frontiers, latest head and
 * signer) and the reader's helpers. hub_evidence_log.c opens, appends
 * and reads the tree; hub_evidence_sign.c signs tree heads;
 * hub_evidence_proof.c answers proofs and certificates; on PostgreSQL,
 * hub_evidence_pg.c keeps the tree in the shared database and
 * hub_sequencer.c integrates it. Only they include this. */
#ifndef HERALD_HUB_EVIDENCE_LOG_INTERNAL_H
#define HERALD_HUB_EVIDENCE_LOG_INTERNAL_H

#include <pthread.h>
#include <sqlite3.h>

#include "hub_evidence_log.h"
#include "hub_leaf_file.h"

enum { W_LEAF, W_NODE, W_HEAD, W_FILE_SIZE, W_COUNT };
enum { R_LEAF, R_NODE, R_COUNT_LEAVES, R_FILED_END, R_LATEST, R_NOTICE, R_BEGIN, R_END,
       R_COUNT };

/* The PostgreSQL mode's state (hub_evidence_pg.h); NULL on SQLite. */
typedef struct hub_evidence_pg hub_evidence_pg;

struct hub_evidence_log {
    hub_evidence_pg *pg;
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
    char signer_path[108];     /* `herald signer`'s socket; "" when sk signs */
    int signer_up;             /* sign_lock: -1 not asked yet, 0 down, 1 signing, 2 refusing */
    int signer_known;          /* sign_lock: signer_last is the signer's last head */
    sth signer_last;
    long long last_logged;

    pthread_t signer;
    int signer_running;
    long interval_ms;
    pthread_mutex_t stop_lock;
    pthread_cond_t stop_cond;
    int stopping;
    int sign_wanted;           /* stop_lock: a certificate waits for a head */
    pthread_cond_t head_cond;  /* with state_lock: a signing attempt ended */
    unsigned long sign_rounds; /* state_lock: how many have */
};

/* A reader statement, reset and unbound; reader_lock held. */
sqlite3_stmt *hub_evidence_log_rstmt(hub_evidence_log *log, int which);
/* Copies a 32-byte blob column; -1 if it is not one. */
int hub_evidence_log_hash_col(sqlite3_stmt *st, int col, uint8_t out[MERKLE_HASH_LEN]);
/* Takes the reader connection for a series of reads in one read
 * transaction, and gives it back. */
void hub_evidence_log_read_begin(hub_evidence_log *log);
void hub_evidence_log_read_end(hub_evidence_log *log);
/* The tree's leaves and cached nodes as merkle.h reads them; reader held. */
merkle_source hub_evidence_log_source(hub_evidence_log *log);
/* Has `herald signer` sign head (its time may be moved forward to the
 * signer's last head's), proving it extends the one the signer signed
 * last; hub_size is the latest head the log holds. sign_lock held.
 * Returns 0 with sig checked against the log's public key, or -1. */
int hub_evidence_log_sign_remote(hub_evidence_log *log, sth *head, uint64_t hub_size,
                                 uint8_t sig[STH_SIG_LEN]);
/* A head covering n leaves, from the signing thread: asked for at once
 * and waited for at most wait_ms (a fifth of a second when the signer is
 * known to be down or refusing). 0 with head and sig, or -1. Only that thread talks to
 * `herald signer`: a certificate request that did so itself held
 * sign_lock through the signer's timeout, and the server's threads queued
 * behind it, the notices' posts with them. */
int hub_evidence_log_head_from_thread(hub_evidence_log *log, uint64_t n, long wait_ms, sth *head,
                                      uint8_t sig[STH_SIG_LEN]);
/* Stops the signer thread, if one runs, and waits for it. */
void hub_evidence_log_stop_signer(hub_evidence_log *log);
/* Sleeps ms unless the log is closing; 1 when it is. */
int hub_evidence_log_pause(hub_evidence_log *log, long ms);
/* Signs a head over log->committed unless the latest covers it (the
 * signer thread's, or the sequencer's on PostgreSQL). 0 or -1. */
int hub_evidence_log_sign_tree(hub_evidence_log *log);

/* ---- PostgreSQL mode (hub_evidence_pg.c, hub_sequencer.c) ---- */

int hub_evidence_pg_append(hub_evidence_log *log, const char *notice, const void *leaf,
                           size_t len, const uint8_t hash[MERKLE_HASH_LEN]);
int hub_evidence_pg_before_commit(hub_evidence_log *log);
/* Forgets the open batch (committed or rolled back). */
void hub_evidence_pg_clear(hub_evidence_log *log);
uint64_t hub_evidence_pg_size(hub_evidence_log *log);
int hub_evidence_pg_latest(hub_evidence_log *log, sth *head, uint8_t sig[STH_SIG_LEN]);
/* The latest head in the reader's open snapshot: 1, 0 none, -1 error. */
int hub_evidence_pg_latest_held(hub_evidence_log *log, sth *head, uint8_t sig[STH_SIG_LEN]);
int hub_evidence_pg_signer_state(hub_evidence_log *log);
void hub_evidence_pg_read_begin(hub_evidence_log *log);
void hub_evidence_pg_read_end(hub_evidence_log *log);
merkle_source hub_evidence_pg_source(hub_evidence_log *log);
/* Calls take for each integrated leaf of notice in tree order, its bytes
 * checked against their hash; *pending is set when some of its leaves
 * still wait for the sequencer. Reader held. 0, or -1. */
int hub_evidence_pg_notice_leaves(hub_evidence_log *log, const char *notice,
                                  int (*take)(void *ctx, uint64_t idx, const void *leaf,
                                              size_t len),
                                  void *ctx, int *pending);
/* Asks the sequencer to sign a head now rather than at its next interval. */
void hub_evidence_pg_want_head(hub_evidence_log *log);
int hub_evidence_pg_store_head(hub_evidence_log *log, const sth *head,
                               const uint8_t sig[STH_SIG_LEN]);
void hub_evidence_pg_free(hub_evidence_log *log);
/* The sequencer thread (hub_sequencer.c). */
void *hub_sequencer_main(void *arg);

#endif
