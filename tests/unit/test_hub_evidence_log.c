/* test_hub_evidence_log.c -- the persisted evidence log against the in-memory tree:
 * roots, the node cache, a rolled-back batch, a restart, proofs and heads,
 * leaves whose bytes lie in the leaf file beside those in the table, a
 * leaf file cut short or damaged, and a database from before the leaf
 * file. Uses real SQLite files in a temporary folder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "certificate.h"
#include "db.h"
#include "evidence.h"
#include "hub_evidence_log.h"

#define N 1000

static char dir[] = "/tmp/test_hub_evidence_log.XXXXXX", path[64];

/* Leaf i: a real evidence record of one of 7 notices, in time order. */
static void leaf_text(int i, char *out, size_t cap, size_t *len, char notice[40])
{
    static const char rk[] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    evidence_rec r = {"SubmissionAcceptance", notice, 1790000000000LL + i, "nts", "hub", rk,
                      rk, NULL, NULL, NULL, NULL};
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

/* Appends leaves [from, to) (from even) in one transaction, committed or
 * not: the even ones' bytes go to the leaf file first, as hub_db's early
 * leaves do, and the odd ones' into the table. */
static void batch(sqlite3 *db, hub_evidence_log *log, int from, int to, int commit,
                  merkle_frontier *mirror)
{
    char leaf[512], notice[40];
    uint8_t h[32];
    size_t len, at = 0;
    uint64_t base;
    buf filed;

    buf_init(&filed, 0);
    for (int i = from; i < to; i += 2) {
        leaf_text(i, leaf, sizeof leaf, &len, notice);
        buf_append(&filed, leaf, len);
    }
    assert_int_equal(hub_evidence_log_file_leaves(log, filed.data, filed.len, &base), 0);
    buf_free(&filed);
    assert_int_equal(db_begin(db), 0);
    for (int i = from; i < to; i++) {
        leaf_text(i, leaf, sizeof leaf, &len, notice);
        merkle_leaf_hash(leaf, len, h);
        if (i % 2 == 0) {
            assert_int_equal(hub_evidence_log_append_filed(log, notice, base + at, len, h), 0);
            at += len;
        } else {
            assert_int_equal(hub_evidence_log_append(log, notice, leaf, len), 0);
        }
        if (commit)
            merkle_frontier_append(mirror, h);
    }
    if (commit) {
        assert_int_equal(hub_evidence_log_before_commit(log), 0);
        assert_int_equal(db_commit(db), 0);
        hub_evidence_log_committed(log);
    } else {
        db_rollback(db);
        assert_int_equal(hub_evidence_log_rolled_back(log), 0);
    }
}

static void log_survives_rollback_and_restart(void **state)
{
    char err[256];
    sqlite3 *db;
    hub_evidence_log *log;
    merkle_frontier mirror;
    uint8_t seed[32] = {7}, proof[MERKLE_MAX_PATH][32], root[32], sig[64];
    sth first, second;
    size_t len;
    (void)state;

    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/hub.db", dir);
    db = db_open(path, NULL, 0, err, sizeof err);
    assert_non_null(db);
    log = hub_evidence_log_open(db, path, err, sizeof err);
    assert_non_null(log);
    assert_int_equal(hub_evidence_log_set_key(log, seed), 0);
    merkle_frontier_init(&mirror);

    batch(db, log, 0, 300, 1, &mirror);
    assert_int_equal(hub_evidence_log_sign(log), 0);
    assert_int_equal(hub_evidence_log_latest(log, &first, sig), 0);
    assert_int_equal(first.tree_size, 300);
    batch(db, log, 300, 350, 0, &mirror); /* rolled back: never in the tree */
    assert_int_equal(hub_evidence_log_size(log), 300);
    batch(db, log, 300, 700, 1, &mirror);
    hub_evidence_log_close(log);

    /* A restart rebuilds the same tree through the node cache. */
    log = hub_evidence_log_open(db, path, err, sizeof err);
    assert_non_null(log);
    assert_int_equal(hub_evidence_log_size(log), 700);
    assert_int_equal(hub_evidence_log_set_key(log, seed), 0);
    batch(db, log, 700, N, 1, &mirror);
    assert_int_equal(hub_evidence_log_sign(log), 0);
    assert_int_equal(hub_evidence_log_latest(log, &second, sig), 0);
    assert_int_equal(second.tree_size, N);
    merkle_frontier_root(&mirror, root);
    assert_memory_equal(second.root_hash, root, 32);
    uint8_t pk[32];
    hub_evidence_log_public_key(log, pk);
    assert_int_equal(sth_verify(&second, sig, pk), 1);

    assert_int_equal(hub_evidence_log_consistency(log, first.tree_size, N, proof, &len), 0);
    assert_int_equal(merkle_verify_consistency(first.tree_size, N, first.root_hash, root,
                                               (const uint8_t(*)[32])proof, len),
                     MERKLE_OK);
    assert_int_equal(hub_evidence_log_consistency(log, 10, N + 1, proof, &len), -2);
    assert_int_equal(hub_evidence_log_consistency(log, 20, 10, proof, &len), -2);

    /* A certificate of a notice with leaves all over the log verifies. */
    int status;
    char *json = hub_evidence_log_certificate(log, "0193a1b2-c3d4-7000-8000-000000000003", &status);
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
    assert_null(hub_evidence_log_certificate(log, "0193a1b2-c3d4-7000-8000-999999999999", &status));
    assert_int_equal(status, 404);
    /* Half of them are in the leaf file, half in the table. */
    long long filed, in_table;
    assert_int_equal(db_one_int(db, "SELECT COUNT(*) FROM evidence WHERE off IS NOT NULL"
                                    " AND length(leaf) = 0", &filed), 1);
    assert_int_equal(db_one_int(db, "SELECT COUNT(*) FROM evidence WHERE off IS NULL"
                                    " AND length(leaf) > 0", &in_table), 1);
    assert_int_equal(filed, N / 2);
    assert_int_equal(in_table, N / 2);

    /* A damaged byte in the file: no certificate with it (500), and
     * none of its bytes shipped. */
    long long off;
    char leaves[80];
    FILE *f;
    assert_int_equal(db_one_int(db, "SELECT off FROM evidence WHERE idx = 10", &off), 1);
    snprintf(leaves, sizeof leaves, "%s.leaves", path);
    f = fopen(leaves, "r+b");
    assert_non_null(f);
    assert_int_equal(fseek(f, off + 5, SEEK_SET), 0);
    assert_int_equal(fputc('X', f), 'X');
    assert_int_equal(fclose(f), 0);
    assert_null(hub_evidence_log_certificate(log, "0193a1b2-c3d4-7000-8000-000000000003", &status));
    assert_int_equal(status, 500);

    /* A leaf in the table emptied: the same (and no read from a NULL blob). */
    char notice[64];
    sqlite3_stmt *q = db_prepare(db, "SELECT notice FROM evidence WHERE off IS NULL"
                                     " AND notice <> '0193a1b2-c3d4-7000-8000-000000000003'"
                                     " ORDER BY idx LIMIT 1");
    assert_non_null(q);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    snprintf(notice, sizeof notice, "%s", (const char *)sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
    free(hub_evidence_log_certificate(log, notice, &status));
    assert_int_equal(status, 200);
    char empty[256];
    snprintf(empty, sizeof empty,
             "UPDATE evidence SET leaf = X'' WHERE idx = (SELECT MIN(idx)"
             " FROM evidence WHERE off IS NULL AND notice = '%s')",
             notice);
    assert_int_equal(db_exec(db, empty), 0);
    assert_null(hub_evidence_log_certificate(log, notice, &status));
    assert_int_equal(status, 500);
    hub_evidence_log_close(log);

    /* A leaf file cut short, or lost, stops the log from opening, saying
     * so, though the latest rows hold no filed leaf. */
    long long end;
    assert_int_equal(db_one_int(db, "SELECT MAX(off + len) FROM evidence", &end), 1);
    assert_int_equal(db_exec(db, "UPDATE evidence SET off = NULL, len = NULL"
                                 " WHERE idx >= 900"), 0);
    assert_int_equal(truncate(leaves, end - 1), 0);
    assert_null(hub_evidence_log_open(db, path, err, sizeof err));
    assert_non_null(strstr(err, "leaf file"));
    assert_non_null(strstr(err, "cut short"));
    assert_int_equal(unlink(leaves), 0);
    assert_null(hub_evidence_log_open(db, path, err, sizeof err));
    assert_non_null(strstr(err, "holds 0 bytes"));

    db_close(db);
    snprintf(err, sizeof err, "rm -rf '%s'", dir);
    assert_int_equal(system(err), 0);
}

/* A hub.db from before the leaf file: its table gains off and len, its
 * leaves stay where they are, and new ones may go to the file. */
static void log_opens_a_database_from_before_the_leaf_file(void **state)
{
    char old_dir[] = "/tmp/test_hub_evidence_log.XXXXXX", old[64], err[256], leaf[512], notice[40];
    uint8_t seed[32] = {9}, h[32], pk[32];
    sqlite3 *db;
    hub_evidence_log *log;
    size_t len;
    uint64_t off;
    int status;
    (void)state;

    assert_non_null(mkdtemp(old_dir));
    snprintf(old, sizeof old, "%s/hub.db", old_dir);
    db = db_open(old, "CREATE TABLE evidence(idx INTEGER PRIMARY KEY, notice TEXT NOT NULL,"
                      " leaf BLOB NOT NULL, hash BLOB NOT NULL);", 0, err, sizeof err);
    assert_non_null(db);
    for (int i = 0; i < 3; i++) {
        sqlite3_stmt *st = db_prepare(db, "INSERT INTO evidence VALUES(?1, ?2, ?3, ?4)");
        leaf_text(i * 7, leaf, sizeof leaf, &len, notice); /* all of notice ...000 */
        merkle_leaf_hash(leaf, len, h);
        sqlite3_bind_int(st, 1, i);
        sqlite3_bind_text(st, 2, notice, -1, SQLITE_TRANSIENT);
        sqlite3_bind_blob(st, 3, leaf, (int)len, SQLITE_TRANSIENT);
        sqlite3_bind_blob(st, 4, h, 32, SQLITE_TRANSIENT);
        assert_int_equal(sqlite3_step(st), SQLITE_DONE);
        sqlite3_finalize(st);
    }
    log = hub_evidence_log_open(db, old, err, sizeof err);
    if (!log)
        fprintf(stderr, "open: %s\n", err);
    assert_non_null(log);
    assert_int_equal(hub_evidence_log_size(log), 3);
    leaf_text(21, leaf, sizeof leaf, &len, notice);
    merkle_leaf_hash(leaf, len, h);
    assert_int_equal(hub_evidence_log_file_leaves(log, leaf, len, &off), 0);
    assert_int_equal(db_begin(db), 0);
    assert_int_equal(hub_evidence_log_append_filed(log, notice, off, len, h), 0);
    assert_int_equal(hub_evidence_log_before_commit(log), 0);
    assert_int_equal(db_commit(db), 0);
    hub_evidence_log_committed(log);

    assert_int_equal(hub_evidence_log_set_key(log, seed), 0);
    hub_evidence_log_public_key(log, pk);
    char *json = hub_evidence_log_certificate(log, notice, &status);
    assert_non_null(json);
    cert_result *res = malloc(sizeof *res);
    assert_int_equal(certificate_verify(json, strlen(json), pk, res, err, sizeof err), 0);
    assert_int_equal(res->count, 4);
    free(res);
    free(json);

    /* A rolled-back filed batch does not count towards how far rows
     * reach into the file; the next batch with leaves in the table
     * leaves that as it was. */
    long long size, reach;
    assert_int_equal(hub_evidence_log_file_leaves(log, leaf, len, &off), 0);
    assert_int_equal(db_begin(db), 0);
    assert_int_equal(hub_evidence_log_append_filed(log, notice, off, len, h), 0);
    db_rollback(db);
    assert_int_equal(hub_evidence_log_rolled_back(log), 0);
    assert_int_equal(db_begin(db), 0);
    assert_int_equal(hub_evidence_log_append(log, notice, leaf, len), 0);
    assert_int_equal(hub_evidence_log_before_commit(log), 0);
    assert_int_equal(db_commit(db), 0);
    hub_evidence_log_committed(log);
    assert_int_equal(db_one_int(db, "SELECT size FROM leaf_file", &size), 1);
    assert_int_equal(db_one_int(db, "SELECT MAX(off + len) FROM evidence", &reach), 1);
    assert_int_equal(size, reach);
    hub_evidence_log_close(log);
    db_close(db);

    /* A table an interrupted upgrade left with off but not len. */
    snprintf(old, sizeof old, "%s/half.db", old_dir);
    db = db_open(old, "CREATE TABLE evidence(idx INTEGER PRIMARY KEY, notice TEXT NOT NULL,"
                      " leaf BLOB NOT NULL, hash BLOB NOT NULL, off INTEGER);", 0, err,
                 sizeof err);
    assert_non_null(db);
    log = hub_evidence_log_open(db, old, err, sizeof err);
    assert_non_null(log);
    long long cols;
    assert_int_equal(db_one_int(db,
                                "SELECT COUNT(*) FROM pragma_table_info('evidence')"
                                " WHERE name IN ('off', 'len')",
                                &cols),
                     1);
    assert_int_equal(cols, 2);
    hub_evidence_log_close(log);
    db_close(db);
    snprintf(err, sizeof err, "rm -rf '%s'", old_dir);
    assert_int_equal(system(err), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(log_survives_rollback_and_restart),
        cmocka_unit_test(log_opens_a_database_from_before_the_leaf_file),
    };
    if (crypto_init() != 0)
        return 1;
    return cmocka_run_group_tests_name("hub_evidence_log", tests, NULL, NULL);
}
