/* bench_log.c -- how fast the hub's persisted evidence log runs.
 *
 * The hub's budget (docs/design.md §5) is at least 200,000 appends a second and a
 * certificate in under a millisecond. This appends 1,000,000 leaves of
 * about 300 bytes through hub_evidence_log into a real SQLite file (WAL,
 * synchronous=FULL), in transactions of 10,000 as the hub writes them,
 * then reopens the log as a restart would, signs a head, and times the
 * certificate of a notice whose 4 leaves lie far apart in the log. Notice
 * ids repeat the way the hub's do: each notice's four events land in four
 * consecutive batches. It does so twice: with every leaf's bytes in the
 * table, and with them in the leaf file as the hub keeps the leaves it
 * makes before its lock (written and synced before the transaction:
 * "file_s" is that part with the hashing, "filed_append_s" the
 * transaction's; both runs count the hashing of every leaf). The
 * certificate is timed on the second log. Prints one JSON line; not a
 * test. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "crypto.h"
#include "db.h"
#include "hub_evidence_log.h"

#define LEAVES 1000000
#define BATCH 10000
#define PER_NOTICE 4
#define CERT_RUNS 200

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Notice k's id, UUIDv7-shaped so that ids sort as the hub's do. */
static void notice_of(uint64_t k, char id[37])
{
    snprintf(id, 37, "0193a1b2-%04x-7%03x-8000-%012llx", (unsigned)(k >> 24) & 0xffff,
             (unsigned)(k >> 12) & 0xfff, (unsigned long long)k);
}

/* Leaf i: the notice seen in block i / (BATCH * PER_NOTICE), event i / BATCH. */
static uint64_t notice_index(uint64_t i)
{
    return (i / (BATCH * PER_NOTICE)) * BATCH + i % BATCH;
}

static size_t make_leaf(char *buf, size_t cap, uint64_t i, const char *notice)
{
    static const char *const events[PER_NOTICE] = {"SubmissionAcceptance", "RelayAcceptance",
                                                   "ContentConsignment", "ContentHandover"};
    return (size_t)snprintf(buf, cap,
        "{\"v\":1,\"event\":\"%s\",\"notice\":\"%s\",\"at\":\"2026-11-27T08:%02u:%02u.%03uZ\","
        "\"agency\":\"nts\",\"actor\":\"messenger\",\"rk\":\"%064llu\",\"doc_sha256\":"
        "\"%064d\",\"reason\":null}", events[(i / BATCH) % PER_NOTICE], notice,
        (unsigned)(i / 60000) % 60, (unsigned)(i / 1000) % 60, (unsigned)(i % 1000),
        (unsigned long long)notice_index(i), 0);
}

/* Writes a batch's leaves to the leaf file, one after the other: offs[j]
 * is where leaf j lies. */
static int file_batch(hub_evidence_log *log, char leaves[][400], const size_t *lens, uint64_t *offs)
{
    static char bytes[BATCH * 400];
    size_t at = 0;
    uint64_t base;

    for (uint64_t j = 0; j < BATCH; j++) {
        memcpy(bytes + at, leaves[j], lens[j]);
        offs[j] = at;
        at += lens[j];
    }
    if (hub_evidence_log_file_leaves(log, bytes, at, &base) != 0)
        return -1;
    for (uint64_t j = 0; j < BATCH; j++)
        offs[j] += base;
    return 0;
}

/* Times only hub_evidence_log's part: each batch's leaves are made beforehand, as
 * the hub has them encoded before it appends. filed: their bytes go to
 * the leaf file first (timed apart, in *filing). */
static int append_all(sqlite3 *conn, hub_evidence_log *log, int filed, double *spent,
                      double *filing)
{
    static char leaves[BATCH][400];
    static size_t lens[BATCH];
    static uint64_t offs[BATCH];
    static uint8_t hashes[BATCH][MERKLE_HASH_LEN];
    static char ids[BATCH][37];

    *spent = *filing = 0;
    for (uint64_t i = 0; i < LEAVES; i += BATCH) {
        for (uint64_t j = 0; j < BATCH; j++) {
            notice_of(notice_index(i + j), ids[j]);
            lens[j] = make_leaf(leaves[j], sizeof leaves[j], i + j, ids[j]);
            if (lens[j] >= sizeof leaves[j])
                return -1;
        }
        /* Hashing counts in both: the hub hashes every leaf, early or not. */
        double t0 = now();
        for (uint64_t j = 0; j < BATCH; j++)
            merkle_leaf_hash(leaves[j], lens[j], hashes[j]);
        if (filed && file_batch(log, leaves, lens, offs) != 0)
            return -1;
        *filing += now() - t0;
        t0 = now();
        if (db_begin(conn) != 0)
            return -1;
        for (uint64_t j = 0; j < BATCH; j++)
            if ((filed ? hub_evidence_log_append_filed(log, ids[j], offs[j], lens[j], hashes[j])
                       : hub_evidence_log_append_hashed(log, ids[j], leaves[j], lens[j],
                                                        hashes[j])) != 0)
                return -1;
        if (hub_evidence_log_before_commit(log) != 0 || db_commit(conn) != 0)
            return -1;
        hub_evidence_log_committed(log);
        *spent += now() - t0;
    }
    return 0;
}

/* A new log at path, with leaves appended one way or the other. */
static hub_evidence_log *fill_log(const char *path, int filed, sqlite3 **conn, double *append_s,
                                  double *file_s)
{
    char err[256];
    hub_evidence_log *log;

    *conn =
        db_open_unlocked(path, NULL, HUB_EVIDENCE_LOG_PAGE_SIZE, err, sizeof err); /* as hub_db */
    log = *conn ? hub_evidence_log_open(*conn, path, err, sizeof err) : NULL;
    if (!log) {
        fprintf(stderr, "bench_log: %s\n", err);
        return NULL;
    }
    if (append_all(*conn, log, filed, append_s, file_s) != 0) {
        fprintf(stderr, "bench_log: append failed\n");
        return NULL;
    }
    return log;
}

int main(void)
{
    char dir[] = "/tmp/bench_log.XXXXXX", path[64], err[256], id[37];
    uint8_t seed[ED25519_SEED_LEN];
    double t0, append_s, filed_s, file_s, hash_s, reopen_s, first_ms, cert_s;
    sqlite3 *conn;
    hub_evidence_log *log;
    size_t cert_len = 0;
    int status;

    if (crypto_init() != 0 || !mkdtemp(dir))
        return 1;
    snprintf(path, sizeof path, "%s/table.db", dir);
    if (!(log = fill_log(path, 0, &conn, &append_s, &hash_s)))
        return 1;
    hub_evidence_log_close(log);
    db_close(conn);
    snprintf(err, sizeof err, "rm -f '%s' '%s-wal' '%s-shm' '%s.leaves'", path, path, path, path);
    if (system(err) != 0)
        return 1;
    snprintf(path, sizeof path, "%s/hub.db", dir);
    if (!(log = fill_log(path, 1, &conn, &filed_s, &file_s)))
        return 1;
    hub_evidence_log_close(log);

    t0 = now();
    log = hub_evidence_log_open(conn, path, err, sizeof err);
    reopen_s = now() - t0;
    if (!log || hub_evidence_log_size(log) != LEAVES) {
        fprintf(stderr, "bench_log: reopen: %s\n", log ? "wrong size" : err);
        return 1;
    }
    random_bytes(seed, sizeof seed);
    hub_evidence_log_set_key(log, seed);
    hub_evidence_log_sign(log);

    notice_of(notice_index(LEAVES / 2 + 123), id);
    t0 = now();
    char *json = hub_evidence_log_certificate(log, id, &status);
    first_ms = (now() - t0) * 1e3;
    if (!json) {
        fprintf(stderr, "bench_log: certificate: status %d\n", status);
        return 1;
    }
    free(json);
    t0 = now();
    for (int r = 0; r < CERT_RUNS; r++) {
        json = hub_evidence_log_certificate(log, id, &status);
        if (!json)
            return 1;
        cert_len = strlen(json);
        free(json);
    }
    cert_s = (now() - t0) / CERT_RUNS;

    printf("{\"leaves\":%d,\"batch\":%d,\"append_s\":%.3f,\"appends_per_s\":%.0f,"
           "\"table_hash_s\":%.3f,\"filed_append_s\":%.3f,\"file_s\":%.3f,"
           "\"filed_appends_per_s\":%.0f,"
           "\"reopen_ms\":%.2f,\"certificate_leaves\":%d,\"certificate_bytes\":%zu,"
           "\"certificate_first_ms\":%.3f,\"certificate_ms\":%.3f}\n",
           LEAVES, BATCH, append_s + hash_s, LEAVES / (append_s + hash_s), hash_s, filed_s,
           file_s,
           LEAVES / (filed_s + file_s), reopen_s * 1e3, PER_NOTICE, cert_len, first_ms,
           cert_s * 1e3);
    hub_evidence_log_close(log);
    db_close(conn);
    snprintf(err, sizeof err, "rm -rf '%s'", dir);
    return system(err) == 0 ? 0 : 1;
}
