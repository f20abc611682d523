/* hub_evidence_proof.c -- what the evidence log proves to others:
 * consistency proofs between two tree heads, and a notice's certificate
 * (every leaf of the notice with its audit path to a signed head). */
#include "hub_evidence_log.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "certificate.h"
#include "db.h"
#include "hub_evidence_log_internal.h"
#include "log.h"

int hub_evidence_log_consistency(hub_evidence_log *log, uint64_t m, uint64_t n,
                                 uint8_t proof[][MERKLE_HASH_LEN], size_t *len)
{
    sth head;
    uint8_t sig[STH_SIG_LEN];
    merkle_source src = hub_evidence_log_source(log);
    merkle_status st;

    if (hub_evidence_log_latest(log, &head, sig) != 0)
        return -3; /* none signed yet (or none to be read): not the caller's fault */
    if (m > n || n > head.tree_size)
        return -2;
    hub_evidence_log_read_begin(log);
    st = merkle_consistency_proof(&src, m, n, proof, len);
    hub_evidence_log_read_end(log);
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

/* Appends a leaf's len bytes, from blob or (filed) at off in the leaf
 * file, to out once they match want, their stored hash. */
static int checked_leaf(hub_evidence_log *log, const void *blob, long long len, int filed,
                        long long off, const uint8_t want[MERKLE_HASH_LEN], buf *out)
{
    uint8_t got[MERKLE_HASH_LEN];
    size_t at = out->len;
    char *to;

    if (len < 0 || len > CERT_MAX_LEAF || off < 0 || out->broken)
        return -1;
    to = buf_extend(out, (size_t)len);
    if (!to)
        return -1;
    if (!filed) {
        if (len > 0) /* an emptied leaf has no blob; it fails the hash below */
            memcpy(to, blob, (size_t)len);
    } else if (hub_leaf_file_get(log->leaves, (uint64_t)off, to, (size_t)len) != 0) {
        log_error("log: cannot read %lld bytes at %lld of the leaf file: %s", len, off,
                  strerror(errno));
        out->data[out->len = at] = '\0';
        return -1;
    }
    merkle_leaf_hash(to, (size_t)len, got);
    if (memcmp(got, want, MERKLE_HASH_LEN) != 0) {
        if (filed)
            log_error("log: %lld bytes at %lld of the leaf file do not match their stored"
                      " hash", len, off);
        else
            log_error("log: a leaf in the evidence table does not match its stored hash");
        out->data[out->len = at] = '\0';
        return -1;
    }
    return 0;
}

static int row_leaf_lite(hub_evidence_log *log, sqlite3_stmt *st, int col, buf *out)
{
    int filed = sqlite3_column_type(st, col + 2) != SQLITE_NULL;
    sqlite3_int64 off = filed ? sqlite3_column_int64(st, col + 2) : 0;
    sqlite3_int64 len = filed ? sqlite3_column_int64(st, col + 3) : sqlite3_column_bytes(st, col);
    uint8_t want[MERKLE_HASH_LEN];

    if (hub_evidence_log_hash_col(st, col + 1, want) != 0)
        return -1;
    return checked_leaf(log, filed ? NULL : sqlite3_column_blob(st, col), len, filed, off, want,
                        out);
}

int hub_evidence_log_row_leaf(hub_evidence_log *log, sql_stmt *st, int col, buf *out)
{
    int filed = !sql_is_null(st, col + 2);
    uint8_t want[MERKLE_HASH_LEN];
    const void *blob = NULL;
    size_t hash_len, blob_len = 0;
    const void *hash = sql_blob(st, col + 1, &hash_len);

    if (!hash || hash_len != MERKLE_HASH_LEN)
        return -1;
    /* Copied before the leaf is read: a statement holds one blob at a time. */
    memcpy(want, hash, sizeof want);
    if (!filed)
        blob = sql_blob(st, col, &blob_len);
    return checked_leaf(log, blob, filed ? sql_int64(st, col + 3) : (long long)blob_len, filed,
                        filed ? sql_int64(st, col + 2) : 0, want, out);
}

/* Copies one row (idx, leaf, hash, off, len), checking the stored hash. */
static int take_row(hub_evidence_log *log, notice_leaves *nl, sqlite3_stmt *st)
{
    cert_entry *e = &nl->e[nl->count];
    size_t at = nl->bytes.len;

    if (row_leaf_lite(log, st, 1, &nl->bytes) != 0) {
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

    hub_evidence_log_read_begin(log);
    st = hub_evidence_log_rstmt(log, R_NOTICE);
    sqlite3_bind_text(st, 1, notice, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && nl->count < CERT_MAX_ENTRIES)
        if (take_row(log, nl, st) != 0) {
            rc = SQLITE_ERROR;
            break;
        }
    sqlite3_reset(st);
    hub_evidence_log_read_end(log);
    if (rc == SQLITE_ROW)
        log_error("log: notice %s has more than %d leaves: no certificate", notice,
                  CERT_MAX_ENTRIES);
    if (rc != SQLITE_DONE)
        return -1;
    for (size_t i = 0; i < nl->count; i++)
        nl->e[i].leaf = (const uint8_t *)nl->bytes.data + (uintptr_t)nl->e[i].leaf;
    return nl->count > 0;
}

/* One leaf read from PostgreSQL (hub_evidence_pg_notice_leaves). */
static int take_pg_leaf(void *ctx, uint64_t idx, const void *leaf, size_t len)
{
    notice_leaves *nl = ctx;
    cert_entry *e = &nl->e[nl->count];
    size_t at = nl->bytes.len;

    if (nl->count >= CERT_MAX_ENTRIES || len > CERT_MAX_LEAF)
        return -1;
    buf_append(&nl->bytes, leaf, len);
    if (nl->bytes.broken)
        return -1;
    e->leaf_index = idx;
    e->leaf = (const uint8_t *)(uintptr_t)at; /* an offset until the block stops moving */
    e->leaf_len = len;
    nl->count++;
    return 0;
}

/* On PostgreSQL, the notice's leaves once none waits for the sequencer
 * and a head covers them all, with that head: 1, 0 no leaves (404), -2
 * not settled within about 5 s (503), -1 error. Asks the sequencer for a
 * head, rather than waiting for its interval. */
static int settled_leaves(hub_evidence_log *log, const char *notice, notice_leaves *nl,
                          sth *head, uint8_t sig[STH_SIG_LEN])
{
    const struct timespec pause = {0, 20 * 1000000L};

    for (int tries = 0; tries < 250; tries++) {
        int pending = 0, have, rc;
        nl->count = 0;
        nl->bytes.len = 0;
        hub_evidence_log_read_begin(log);
        rc = hub_evidence_pg_notice_leaves(log, notice, take_pg_leaf, nl, &pending);
        have = rc == 0 ? hub_evidence_pg_latest_held(log, head, sig) : -1;
        hub_evidence_log_read_end(log);
        if (rc != 0 || have < 0)
            return -1;
        if (nl->count == 0 && !pending)
            return 0;
        if (!pending && have && head->tree_size > nl->e[nl->count - 1].leaf_index) {
            for (size_t i = 0; i < nl->count; i++)
                nl->e[i].leaf = (const uint8_t *)nl->bytes.data + (uintptr_t)nl->e[i].leaf;
            return 1;
        }
        if (tries % 10 == 0) { /* again now and then: it may have signed before these came */
            int state = hub_evidence_log_signer_state(log);
            if (tries && (state == HUB_SIGNER_DOWN || state == HUB_SIGNER_REFUSING))
                return -2; /* not waited for: the caller is told to come back */
            hub_evidence_pg_want_head(log);
        }
        nanosleep(&pause, NULL);
    }
    return -2;
}

/* How long a certificate waits for `herald signer` to sign a head over
 * its leaves: one signature takes milliseconds, so a signer that takes
 * longer is in trouble, and the caller is told to come back. */
#define SIGNER_HEAD_WAIT_MS 1000

/* A head covering n leaves: the latest, or a new one. A leaf the reader
 * saw may belong to a batch whose commit is still being noted in memory,
 * so signing waits a little for it. */
static int head_covering(hub_evidence_log *log, uint64_t n, sth *head, uint8_t sig[STH_SIG_LEN])
{
    const struct timespec pause = {0, 2 * 1000000L};

    if (hub_evidence_log_uses_signer(log) && log->signer_running)
        return hub_evidence_log_head_from_thread(log, n, SIGNER_HEAD_WAIT_MS, head, sig);
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
    merkle_source src = hub_evidence_log_source(log);
    merkle_status st = MERKLE_OK;

    nl->paths = malloc(nl->count * sizeof *nl->paths);
    if (!nl->paths)
        return -1;
    hub_evidence_log_read_begin(log);
    for (size_t i = 0; i < nl->count && st == MERKLE_OK; i++) {
        st = merkle_inclusion_proof(&src, nl->e[i].leaf_index, n, nl->paths[i],
                                    &nl->e[i].path_len);
        nl->e[i].path = (const uint8_t(*)[32])nl->paths[i];
    }
    hub_evidence_log_read_end(log);
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
    if (!hub_evidence_log_has_key(log)) {
        *status = 503;
        goto done;
    }
    if (log->pg) {
        found = settled_leaves(log, notice, nl, &head, sig);
        if (found != 1) {
            *status = found == 0 ? 404 : found == -2 ? 503 : 500;
            goto done;
        }
    } else if ((found = read_leaves(log, notice, nl)) <= 0) {
        *status = found == 0 ? 404 : 500;
        goto done;
    } else if (head_covering(log, nl->e[nl->count - 1].leaf_index + 1, &head, sig) != 0) {
        /* The signer is down or refusing: the certificate waits for it. */
        *status = hub_evidence_log_uses_signer(log) ? 503 : 500;
        goto done;
    }
    if (audit_paths(log, nl, head.tree_size) != 0)
        goto done;
    json = certificate_encode(notice, log->pk, &head, sig, nl->e, nl->count);
    if (json)
        *status = 200;
done:
    leaves_free(nl);
    return json;
}
