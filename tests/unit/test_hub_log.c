/* test_hub_log.c -- the persisted evidence log against the in-memory tree:
 * roots, the node cache, a rolled-back batch, a restart, proofs and heads.
 * Uses a real SQLite file in a temporary folder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "certificate.h"
#include "db.h"
#include "evidence.h"
#include "hub_log.h"

#define N 1000

static char dir[] = "/tmp/test_hub_log.XXXXXX", path[64];

/* Leaf i: a real evidence record of one of 7 notices, in time order. */
static void leaf_text(int i, char *out, size_t cap, size_t *len, char notice[40])
{
    static const char rk[] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    evidence_rec r = {"SubmissionAcceptance", notice, 1790000000000LL + i, "nts", "hub", rk,
                      rk, NULL};
    buf b;

    snprintf(notice, 40, "0193a1b2-c3d4-7000-8000-%012d", i % 7);
    buf_init(&b, 256);
    evidence_encode(&b, &r);
    assert_false(b.broken);
    assert_true(b.len < cap);
    memcpy(out, b.data, b.len);
    *len = b.len;
    buf_free(&b);
}

/* Appends leaves [from, to) in one transaction, committed or not. */
static void batch(sqlite3 *db, hub_log *log, int from, int to, int commit,
                  merkle_frontier *mirror)
{
    char leaf[512], notice[40];
    uint8_t h[32];
    size_t len;

    assert_int_equal(db_begin(db), 0);
    for (int i = from; i < to; i++) {
        leaf_text(i, leaf, sizeof leaf, &len, notice);
        assert_int_equal(hub_log_append(log, notice, leaf, len), 0);
        if (commit) {
            merkle_leaf_hash(leaf, len, h);
            merkle_frontier_append(mirror, h);
        }
    }
    if (commit) {
        assert_int_equal(db_commit(db), 0);
        hub_log_committed(log);
    } else {
        db_rollback(db);
        assert_int_equal(hub_log_rolled_back(log), 0);
    }
}

static void log_survives_rollback_and_restart(void **state)
{
    char err[256];
    sqlite3 *db;
    hub_log *log;
    merkle_frontier mirror;
    uint8_t seed[32] = {7}, proof[MERKLE_MAX_PATH][32], root[32], sig[64];
    sth first, second;
    size_t len;
    (void)state;

    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/hub.db", dir);
    db = db_open(path, NULL, 0, err, sizeof err);
    assert_non_null(db);
    log = hub_log_open(db, path, err, sizeof err);
    assert_non_null(log);
    assert_int_equal(hub_log_set_key(log, seed), 0);
    merkle_frontier_init(&mirror);

    batch(db, log, 0, 300, 1, &mirror);
    assert_int_equal(hub_log_sign(log), 0);
    assert_int_equal(hub_log_latest(log, &first, sig), 0);
    assert_int_equal(first.tree_size, 300);
    batch(db, log, 300, 350, 0, &mirror); /* rolled back: never in the tree */
    assert_int_equal(hub_log_size(log), 300);
    batch(db, log, 300, 700, 1, &mirror);
    hub_log_close(log);

    /* A restart rebuilds the same tree through the node cache. */
    log = hub_log_open(db, path, err, sizeof err);
    assert_non_null(log);
    assert_int_equal(hub_log_size(log), 700);
    assert_int_equal(hub_log_set_key(log, seed), 0);
    batch(db, log, 700, N, 1, &mirror);
    assert_int_equal(hub_log_sign(log), 0);
    assert_int_equal(hub_log_latest(log, &second, sig), 0);
    assert_int_equal(second.tree_size, N);
    merkle_frontier_root(&mirror, root);
    assert_memory_equal(second.root_hash, root, 32);
    uint8_t pk[32];
    hub_log_public_key(log, pk);
    assert_int_equal(sth_verify(&second, sig, pk), 1);

    assert_int_equal(hub_log_consistency(log, first.tree_size, N, proof, &len), 0);
    assert_int_equal(merkle_verify_consistency(first.tree_size, N, first.root_hash, root,
                                               (const uint8_t(*)[32])proof, len), MERKLE_OK);
    assert_int_equal(hub_log_consistency(log, 10, N + 1, proof, &len), -2);
    assert_int_equal(hub_log_consistency(log, 20, 10, proof, &len), -2);

    /* A certificate of a notice with leaves all over the log verifies. */
    int status;
    char *json = hub_log_certificate(log, "0193a1b2-c3d4-7000-8000-000000000003", &status);
    assert_non_null(json);
    assert_int_equal(status, 200);
    cert_result *res = malloc(sizeof *res);
    int ok = certificate_verify(json, strlen(json), pk, res, err, sizeof err);
    if (ok != 0)
        fprintf(stderr, "certificate: %s\n", err);
    assert_int_equal(ok, 0);
    assert_int_equal(res->count, (N - 3 + 6) / 7); /* every i % 7 == 3, once */
    free(res);
    free(json);
    assert_null(hub_log_certificate(log, "0193a1b2-c3d4-7000-8000-999999999999", &status));
    assert_int_equal(status, 404);

    hub_log_close(log);
    db_close(db);
    snprintf(err, sizeof err, "rm -rf '%s'", dir);
    assert_int_equal(system(err), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(log_survives_rollback_and_restart),
    };
    if (crypto_init() != 0)
        return 1;
    return cmocka_run_group_tests_name("hub_log", tests, NULL, NULL);
}
