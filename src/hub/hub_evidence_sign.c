/* hub_evidence_sign.c -- signed tree heads of the evidence log: the log
 * key (or `herald signer`, hub_evidence_sign_remote.c), heads signed over
 * the committed tree and stored in tree order, and
 * the thread that signs one every interval (never one per leaf: a
 * signature costs ~21 us, a leaf ~2). */
#include "hub_evidence_log.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "certificate.h"
#include "db.h"
#include "hub_evidence_log_internal.h"
#include "log.h"

/* "log: tree size N signed" at most this often. */
#define SIGN_LOG_EVERY_MS 10000

int hub_evidence_log_set_key(hub_evidence_log *log, const uint8_t seed[ED25519_SEED_LEN])
{
    if (!log->sk && !(log->sk = secure_alloc(ED25519_SECRET_LEN)))
        return -1;
    ed25519_from_seed(log->pk, log->sk, seed);
    return 0;
}

int hub_evidence_log_set_signer(hub_evidence_log *log, const char *socket_path,
                                const uint8_t pk[ED25519_PUBLIC_LEN])
{
    if (log->sk || strlen(socket_path) >= sizeof log->signer_path)
        return -1;
    snprintf(log->signer_path, sizeof log->signer_path, "%s", socket_path);
    memcpy(log->pk, pk, ED25519_PUBLIC_LEN);
    log->signer_up = -1;
    return 0;
}

int hub_evidence_log_has_key(const hub_evidence_log *log)
{
    return log->sk != NULL || log->signer_path[0];
}

int hub_evidence_log_uses_signer(const hub_evidence_log *log)
{
    return log->signer_path[0] != 0;
}

void hub_evidence_log_public_key(const hub_evidence_log *log, uint8_t pk[ED25519_PUBLIC_LEN])
{
    memcpy(pk, log->pk, ED25519_PUBLIC_LEN);
}

/* Through the writer, between its batches, in a transaction of its own:
 * a head written by the reader would make the writer drop its whole page
 * cache at its next batch (another connection changed the file), and the
 * reader would contend for the write lock. */
static int store_head(hub_evidence_log *log, const sth *head, const uint8_t sig[STH_SIG_LEN])
{
    sqlite3_stmt *st = log->w[W_HEAD];
    int rc;

    if (log->pg) /* the sequencer's connection, which holds the lead */
        return hub_evidence_pg_store_head(log, head, sig);
    pthread_mutex_lock(log->writer_lock);
    sqlite3_bind_int64(st, 1, (sqlite3_int64)head->tree_size);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)head->timestamp_ms);
    sqlite3_bind_blob(st, 3, head->root_hash, MERKLE_HASH_LEN, SQLITE_STATIC);
    sqlite3_bind_blob(st, 4, sig, STH_SIG_LEN, SQLITE_STATIC);
    rc = -1;
    if (sqlite3_get_autocommit(log->writer))
        rc = db_run(st);
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
    /* The signer keeps the last head it signed and refuses any that is
     * not consistent with it: every leaf under this one must be on disk
     * before it hears of it, or a power cut would leave the log behind
     * the signer's head, refused for good. (One sync covers every commit
     * before it; the key in this process tells no one before store_head.) */
    if (!log->sk && log->wal && db_wal_sync(log->wal) != 0)
        return -1;
    if (log->sk)
        sth_sign(&head, log->sk, sig);
    else if (hub_evidence_log_sign_remote(log, &head, have ? prev.tree_size : 0, sig) != 0)
        return -1;
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

int hub_evidence_log_sign_tree(hub_evidence_log *log)
{
    int rc;

    if (!hub_evidence_log_has_key(log))
        return -1;
    pthread_mutex_lock(&log->sign_lock);
    rc = sign_locked(log);
    pthread_mutex_unlock(&log->sign_lock);
    pthread_mutex_lock(&log->state_lock);
    log->sign_rounds++;
    pthread_cond_broadcast(&log->head_cond);
    pthread_mutex_unlock(&log->state_lock);
    return rc;
}

/* How long a certificate gives a signer known to be down or refusing to
 * show it is back. */
#define SIGNER_BACK_WAIT_MS 200

/* Wakes the signing thread for a head now, rather than at its interval. */
static void want_head(hub_evidence_log *log)
{
    pthread_mutex_lock(&log->stop_lock);
    log->sign_wanted = 1;
    pthread_cond_signal(&log->stop_cond);
    pthread_mutex_unlock(&log->stop_lock);
}

/* state_lock held: the latest head into head and sig if it covers n. */
static int covers(hub_evidence_log *log, uint64_t n, sth *head, uint8_t sig[STH_SIG_LEN])
{
    if (!log->have_head || log->head.tree_size < n)
        return 0;
    *head = log->head;
    memcpy(sig, log->head_sig, STH_SIG_LEN);
    return 1;
}

int hub_evidence_log_head_from_thread(hub_evidence_log *log, uint64_t n, long wait_ms, sth *head,
                                      uint8_t sig[STH_SIG_LEN])
{
    long long until = clock_mono_ms() + wait_ms, left;
    unsigned long asked_at = 0;
    int asked = 0, found = 0;

    pthread_mutex_lock(&log->state_lock);
    while (!(found = covers(log, n, head, sig))) {
        /* an attempt begun since the asking ended short of n: failed */
        if (asked && log->sign_rounds >= asked_at + 2)
            break;
        if (!asked && log->committed.size >= n) {
            int state = __atomic_load_n(&log->signer_up, __ATOMIC_RELAXED);
            asked = 1;
            asked_at = log->sign_rounds;
            pthread_mutex_unlock(&log->state_lock);
            want_head(log);
            pthread_mutex_lock(&log->state_lock);
            /* A signer down or refusing may be back: one that is signs in
             * milliseconds, so it gets a short try, not the whole wait. */
            if ((state == HUB_SIGNER_DOWN || state == HUB_SIGNER_REFUSING) &&
                until - clock_mono_ms() > SIGNER_BACK_WAIT_MS)
                until = clock_mono_ms() + SIGNER_BACK_WAIT_MS;
            continue;
        }
        if ((left = until - clock_mono_ms()) <= 0)
            break;
        /* a leaf not yet noted as committed is milliseconds away */
        struct timespec ts = clock_mono_after_ms(asked || left < 2 ? left : 2);
        pthread_cond_timedwait(&log->head_cond, &log->state_lock, &ts);
    }
    pthread_mutex_unlock(&log->state_lock);
    return found ? 0 : -1;
}

/* On PostgreSQL only the sequencer signs: 0 when the latest head covers
 * the tree already. */
int hub_evidence_log_sign(hub_evidence_log *log)
{
    sth head;
    uint8_t sig[STH_SIG_LEN];

    if (!hub_evidence_log_has_key(log))
        return -1;
    if (!log->pg)
        return hub_evidence_log_sign_tree(log);
    return hub_evidence_log_latest(log, &head, sig) == 0 &&
           head.tree_size >= hub_evidence_log_size(log) ? 0 : -1;
}

int hub_evidence_log_latest(hub_evidence_log *log, sth *head, uint8_t sig[STH_SIG_LEN])
{
    int have;

    if (log->pg)
        return hub_evidence_pg_latest(log, head, sig);
    pthread_mutex_lock(&log->state_lock);
    have = log->have_head;
    if (have) {
        *head = log->head;
        memcpy(sig, log->head_sig, STH_SIG_LEN);
    }
    pthread_mutex_unlock(&log->state_lock);
    return have ? 0 : -1;
}

int hub_evidence_log_pause(hub_evidence_log *log, long ms)
{
    struct timespec until;
    int stopping, rc = 0;

    until = clock_mono_after_ms(ms);
    pthread_mutex_lock(&log->stop_lock);
    while (!log->stopping && !log->sign_wanted && rc == 0)
        rc = pthread_cond_timedwait(&log->stop_cond, &log->stop_lock, &until);
    log->sign_wanted = 0;
    stopping = log->stopping;
    pthread_mutex_unlock(&log->stop_lock);
    return stopping;
}

/* A signer that is down says so itself, once (hub_evidence_sign_remote.c). */
static void sign_or_say(hub_evidence_log *log)
{
    if (hub_evidence_log_sign_tree(log) != 0 && !log->signer_path[0])
        log_error("log: cannot sign a tree head");
}

/* Signs what has grown since the last head, every interval; once more on
 * the way out, so that a clean shutdown leaves every leaf under a head. */
static void *signer_main(void *arg)
{
    hub_evidence_log *log = arg;

    sign_or_say(log);
    while (!hub_evidence_log_pause(log, log->interval_ms))
        sign_or_say(log);
    sign_or_say(log);
    return NULL;
}

/* On PostgreSQL the thread is the sequencer, which integrates leaves
 * with or without a key. */
int hub_evidence_log_start_signer(hub_evidence_log *log, long interval_ms)
{
    if ((!hub_evidence_log_has_key(log) && !log->pg) || log->signer_running)
        return -1;
    log->interval_ms = interval_ms;
    if (pthread_create(&log->signer, NULL, log->pg ? hub_sequencer_main : signer_main,
                       log) != 0)
        return -1;
    log->signer_running = 1;
    return 0;
}

void hub_evidence_log_stop_signer(hub_evidence_log *log)
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
