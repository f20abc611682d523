/* bench_log.c -- how fast the hub's persisted evidence log runs.
 *
 * DESIGN.md §4 asks for at least 200,000 appends a second and a
 * certificate in under a millisecond. This appends 1,000,000 leaves of
 * about 300 bytes through hub_log into a real SQLite file (WAL,
 * synchronous=FULL), in transactions of 10,000 as the hub writes them,
 * then reopens the log as a restart would, signs a head, and times the
 * certificate of a notice whose 4 leaves lie far apart in the log. Notice
 * ids repeat the way the hub's do: each notice's four events land in four
 * consecutive batches. Prints one JSON line; not a test. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "crypto.h"
#include "db.h"
#include "hub_log.h"

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

/* Times only hub_log's part: each batch's leaves are made beforehand, as
 * the hub has them encoded before it appends. */
static int append_all(sqlite3 *conn, hub_log *log, double *spent)
{
    static char leaves[BATCH][400];
    static size_t lens[BATCH];
    static char ids[BATCH][37];

    *spent = 0;
    for (uint64_t i = 0; i < LEAVES; i += BATCH) {
        for (uint64_t j = 0; j < BATCH; j++) {
            notice_of(notice_index(i + j), ids[j]);
            lens[j] = make_leaf(leaves[j], sizeof leaves[j], i + j, ids[j]);
        }
        double t0 = now();
        if (db_begin(conn) != 0)
            return -1;
        for (uint64_t j = 0; j < BATCH; j++)
            if (hub_log_append(log, ids[j], leaves[j], lens[j]) != 0)
                return -1;
        if (db_commit(conn) != 0)
            return -1;
        hub_log_committed(log);
        *spent += now() - t0;
    }
    return 0;
}

int main(void)
{
    char dir[] = "/tmp/bench_log.XXXXXX", path[64], err[256], id[37];
    uint8_t seed[ED25519_SEED_LEN];
    double t0, append_s, reopen_s, first_ms, cert_s;
    sqlite3 *conn;
    hub_log *log;
    size_t cert_len = 0;
    int status;

    if (crypto_init() != 0 || !mkdtemp(dir))
        return 1;
    snprintf(path, sizeof path, "%s/hub.db", dir);
    conn = db_open_unlocked(path, NULL, HUB_LOG_PAGE_SIZE, err, sizeof err); /* as hub_db */
    log = conn ? hub_log_open(conn, path, err, sizeof err) : NULL;
    if (!log) {
        fprintf(stderr, "bench_log: %s\n", err);
        return 1;
    }
    if (append_all(conn, log, &append_s) != 0) {
        fprintf(stderr, "bench_log: append failed\n");
        return 1;
    }
    hub_log_close(log);

    t0 = now();
    log = hub_log_open(conn, path, err, sizeof err);
    reopen_s = now() - t0;
    if (!log || hub_log_size(log) != LEAVES) {
        fprintf(stderr, "bench_log: reopen: %s\n", log ? "wrong size" : err);
        return 1;
    }
    random_bytes(seed, sizeof seed);
    hub_log_set_key(log, seed);
    hub_log_sign(log);

    notice_of(notice_index(LEAVES / 2 + 123), id);
    t0 = now();
    char *json = hub_log_certificate(log, id, &status);
    first_ms = (now() - t0) * 1e3;
    if (!json) {
        fprintf(stderr, "bench_log: certificate: status %d\n", status);
        return 1;
    }
    free(json);
    t0 = now();
    for (int r = 0; r < CERT_RUNS; r++) {
        json = hub_log_certificate(log, id, &status);
        if (!json)
            return 1;
        cert_len = strlen(json);
        free(json);
    }
    cert_s = (now() - t0) / CERT_RUNS;

    printf("{\"leaves\":%d,\"batch\":%d,\"append_s\":%.3f,\"appends_per_s\":%.0f,"
           "\"reopen_ms\":%.2f,\"certificate_leaves\":%d,\"certificate_bytes\":%zu,"
           "\"certificate_first_ms\":%.3f,\"certificate_ms\":%.3f}\n",
           LEAVES, BATCH, append_s, LEAVES / append_s, reopen_s * 1e3, PER_NOTICE, cert_len,
           first_ms, cert_s * 1e3);
    hub_log_close(log);
    db_close(conn);
    snprintf(err, sizeof err, "rm -rf '%s'", dir);
    return system(err) == 0 ? 0 : 1;
}
