/* test_hub_evidence_pg.c -- the evidence log on PostgreSQL, shared by
 * two hubs ("nodes": two logs on two connections of one database), when
 * HERALD_TEST_PG_DSN names a server (else it says it skipped):
 * transactions committed and rolled back on both nodes at once while the
 * leader's connection is killed; every committed leaf integrated exactly
 * once and no rolled-back one; the tree's root recomputed from the leaves;
 * every head signed, consistent with the next and covering the tree;
 * the feed's seq gap-free; certificates from either node verify; the
 * other node takes over when the leader stops or freezes; a certificate
 * waits for a sequencer and answers 503 without one. Prints how fast the
 * sequencer integrates. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "certificate.h"
#include "clock.h"
#include "crypto.h"
#include "evidence.h"
#include "hub_evidence_log.h"
#include "sql.h"

#define THREADS 2
#define BATCHES 60
#define PER_BATCH 50
#define NOTICES 5

static const char *dsn;
static sql_conn *admin;
static const uint8_t seed[32] = {7, 7, 7};
static long long queue_ms; /* spent queueing leaves in before_commit */
static int no_changes;     /* the store's changes table left out */

typedef struct node {
    sql_conn *w;
    sql_stmt *change;
    hub_evidence_log *log;
    char name[16];
} node;

static void notice_id(int thread, int k, char out[40])
{
    snprintf(out, 40, "0193a1b2-c3d4-7000-8%03d-%012d", thread, k);
}

/* Leaf i of thread t: a real evidence record, unique by its time. */
static void leaf_text(int t, int i, buf *b, char notice[40])
{
    static const char rk[] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    notice_id(t, i % NOTICES, notice);
    evidence_rec r = {"SubmissionAcceptance", notice, 1790000000000LL + t * 10000000LL + i,
                      "nts", "hub", rk, rk, NULL, NULL, NULL, NULL};
    b->len = 0;
    evidence_encode(b, &r);
    assert_false(b->broken);
}

static long long one(const char *sql)
{
    sql_stmt *st = sql_prepare(admin, sql);
    long long v;
    assert_non_null(st);
    assert_int_equal(sql_step(st), 1);
    v = sql_int64(st, 0);
    sql_finalize(st);
    return v;
}

static void node_open(node *n, const char *name, int sequence)
{
    char err[256];

    snprintf(n->name, sizeof n->name, "%s", name);
    n->w = sql_connect_pg(dsn, err, sizeof err);
    assert_non_null(n->w);
    n->log = hub_evidence_log_open_pg(n->w, dsn, name, err, sizeof err);
    if (!n->log)
        fprintf(stderr, "open: %s\n", err);
    assert_non_null(n->log);
    assert_int_equal(hub_evidence_log_set_key(n->log, seed), 0);
    n->change = no_changes ? NULL :
        sql_prepare(n->w, "INSERT INTO changes_queue(agency, notice, state, at, reference,"
                    " platform, event) VALUES('nts', ?1, 'x', 0, 'r', 'p', 'e')");
    assert_true(n->change || no_changes);
    assert_int_equal(hub_evidence_log_file_leaves(n->log, "x", 1, &(uint64_t){0}), -1);
    if (sequence)
        assert_int_equal(hub_evidence_log_start_signer(n->log, 200), 0);
}

static void node_close(node *n)
{
    hub_evidence_log_close(n->log);
    sql_finalize(n->change);
    sql_close(n->w);
    n->log = NULL;
}

/* Leaves [from, to) of thread t in one transaction, with a changes row
 * each, as the store writes them. */
static void txn(node *n, int t, int from, int to, int commit)
{
    char notice[40];
    buf b;

    buf_init(&b, 512);
    assert_int_equal(sql_begin(n->w), 0);
    for (int i = from; i < to; i++) {
        leaf_text(t, i, &b, notice);
        assert_int_equal(hub_evidence_log_append(n->log, notice, b.data, b.len), 0);
        if (!n->change)
            continue;
        sql_reset(n->change);
        sql_bind_text(n->change, 1, notice);
        assert_int_equal(sql_step_done(n->change), 0);
    }
    buf_free(&b);
    if (!commit) {
        sql_rollback(n->w);
        assert_int_equal(hub_evidence_log_rolled_back(n->log), 0);
        return;
    }
    long long t0 = clock_now_ms();
    assert_int_equal(hub_evidence_log_before_commit(n->log), 0);
    queue_ms += clock_now_ms() - t0;
    assert_int_equal(sql_commit(n->w), 0);
    hub_evidence_log_committed(n->log);
}

typedef struct writer {
    node *n;
    int t, committed;
} writer;

/* Every seventh batch rolls back: its leaves must never show. */
static void *writer_main(void *arg)
{
    writer *w = arg;

    for (int b = 0; b < BATCHES; b++) {
        int commit = b % 7 != 3;
        txn(w->n, w->t, b * PER_BATCH, (b + 1) * PER_BATCH, commit);
        w->committed += commit ? PER_BATCH : 0;
        usleep(10000);
    }
    return NULL;
}

static void fresh_schema(void)
{
    assert_int_equal(sql_exec(admin, "DROP VIEW IF EXISTS log_leaves;"
                              " DROP TABLE IF EXISTS log_entries, log_tree, log_blocks, log_pending, log_nodes,"
                              " log_heads, log_state, changes, changes_queue"), 0);
    assert_int_equal(sql_exec(admin, "CREATE TABLE changes("
                              " seq bigint NOT NULL, agency text, notice text, state text,"
                              " at bigint, reference text, platform text, event text);"
                              "CREATE UNIQUE INDEX changes_agency ON changes(agency, seq);"
                              "CREATE TABLE changes_queue(id bigserial NOT NULL,"
                              " agency text, notice text, state text, at bigint,"
                              " reference text, platform text, event text)"),
                     0);
}

/* Waits until the tree holds n leaves under a head; ms taken. */
static long long settle(long long n)
{
    long long t0 = clock_now_ms();

    while (clock_now_ms() - t0 < 20000) {
        if (one("SELECT size FROM log_state") == n &&
            one("SELECT COALESCE(MAX(tree_size), 0) FROM log_heads") == n)
            return clock_now_ms() - t0;
        usleep(10000);
    }
    fail_msg("the tree did not reach %lld leaves under a head", n);
    return -1;
}

/* Kills the sequencer's connection; the time it was killed. */
static long long kill_leader(void)
{
    long long pid = one("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND"
                        " objid = 4242002 AND granted");
    char sql[96];

    snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(%lld)::int", pid);
    long long t0 = clock_now_ms();
    assert_int_equal(one(sql), 1);
    return t0;
}

/* Until some node takes office after t0; ms taken. */
static long long new_office_after(long long t0)
{
    char sql[96];

    snprintf(sql, sizeof sql, "SELECT count(*) FROM log_state WHERE since > %lld", t0);
    while (clock_now_ms() - t0 < 10000) {
        if (one(sql) == 1)
            return clock_now_ms() - t0;
        usleep(5000);
    }
    fail_msg("no node took over");
    return -1;
}

/* The leaves in tree order give the head's root; each leaf once. */
static void check_tree(long long n)
{
    sql_stmt *st = sql_prepare(admin, "SELECT idx, leaf FROM log_leaves ORDER BY idx");
    merkle_frontier f;
    uint8_t h[32], root[32];
    long long i = 0;

    merkle_frontier_init(&f);
    while (sql_step(st) == 1) {
        size_t len;
        const void *leaf = sql_blob(st, 1, &len);
        assert_int_equal(sql_int64(st, 0), i++);
        merkle_leaf_hash(leaf, len, h);
        merkle_frontier_append(&f, h);
    }
    sql_finalize(st);
    assert_int_equal(i, n);
    assert_int_equal(one("SELECT count(DISTINCT leaf) FROM log_leaves"), n);
    assert_int_equal(one("SELECT count(*) FROM log_pending"), 0);
    merkle_frontier_root(&f, root);
    st = sql_prepare(admin, "SELECT root FROM log_heads WHERE tree_size = ?1");
    sql_bind_int64(st, 1, n);
    assert_int_equal(sql_step(st), 1);
    size_t len;
    assert_memory_equal(sql_blob(st, 0, &len), root, 32);
    sql_finalize(st);
}

/* Every head verifies and is consistent with the next one. */
static void check_heads(hub_evidence_log *log)
{
    sql_stmt *st = sql_prepare(admin, "SELECT tree_size, timestamp_ms, root, signature"
                               " FROM log_heads ORDER BY tree_size");
    uint8_t pk[32], proof[64][32];
    sth prev = {0}, head;
    int count = 0;
    size_t len;

    hub_evidence_log_public_key(log, pk);
    while (sql_step(st) == 1) {
        head.tree_size = (uint64_t)sql_int64(st, 0);
        head.timestamp_ms = (uint64_t)sql_int64(st, 1);
        memcpy(head.root_hash, sql_blob(st, 2, &len), 32);
        assert_int_equal(sth_verify(&head, sql_blob(st, 3, &len), pk), 1);
        if (count++) {
            assert_true(head.timestamp_ms >= prev.timestamp_ms);
            assert_int_equal(hub_evidence_log_consistency(log, prev.tree_size, head.tree_size,
                                                          proof, &len), 0);
            assert_int_equal(merkle_verify_consistency(prev.tree_size, head.tree_size,
                                                       prev.root_hash, head.root_hash,
                                                       (const uint8_t(*)[32])proof, len),
                             MERKLE_OK);
        }
        prev = head;
    }
    sql_finalize(st);
    assert_true(count >= 2);
}

/* The certificate of thread t's notice k verifies with count leaves. */
static void check_certificate(hub_evidence_log *log, int t, int k, size_t count)
{
    char notice[40], err[256];
    uint8_t pk[32];
    int status;
    cert_result *res = malloc(sizeof *res);

    notice_id(t, k, notice);
    hub_evidence_log_public_key(log, pk);
    char *json = hub_evidence_log_certificate(log, notice, &status);
    assert_int_equal(status, 200);
    assert_non_null(json);
    int ok = certificate_verify(json, strlen(json), pk, res, err, sizeof err);
    if (ok != 0)
        fprintf(stderr, "certificate: %s\n", err);
    assert_int_equal(ok, 0);
    assert_int_equal(res->count, count);
    free(res);
    free(json);
}

static void test_two_nodes(void **state)
{
    node a, b, c;
    writer w[THREADS];
    pthread_t th[THREADS];
    long long total = 0;
    int status;
    (void)state;

    fresh_schema();
    node_open(&a, "hub-a", 1);
    node_open(&b, "hub-b", 1);
    for (int t = 0; t < THREADS; t++) {
        w[t] = (writer){t ? &b : &a, t, 0};
        assert_int_equal(pthread_create(&th[t], NULL, writer_main, &w[t]), 0);
    }
    usleep(300000);
    long long failover = new_office_after(kill_leader());
    printf("# a killed sequencer's connection: a node took over in %lld ms\n", failover);
    assert_true(failover < 5000);
    for (int t = 0; t < THREADS; t++) {
        pthread_join(th[t], NULL);
        total += w[t].committed;
    }
    settle(total);
    check_tree(total);
    check_heads(b.log);
    assert_int_equal(one("SELECT count(*) FROM changes"), total);
    assert_int_equal(one("SELECT count(DISTINCT seq) FROM changes"), total);
    assert_int_equal(one("SELECT MAX(seq) FROM changes"), total);
    assert_int_equal(one("SELECT feed_seq FROM log_state"), total);
    assert_int_equal(hub_evidence_log_size(a.log), (uint64_t)total);
    /* Rolled back: batch 3 of 7 in each thread, its notices' leaves gone. */
    size_t per = (size_t)(total / THREADS / NOTICES);
    check_certificate(a.log, 1, 2, per);
    check_certificate(b.log, 0, 4, per);

    /* Every node's connections dropped at once (a restarted server): the
     * store reconnects its writer, the log its own, and the sequencer
     * takes office again. */
    long long t1 = clock_now_ms();
    assert_true(one("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE"
                    " datname = current_database() AND pid <> pg_backend_pid()") >= 6);
    assert_int_equal(hub_evidence_log_size(b.log), (uint64_t)total);
    for (node *n = &a; n; n = n == &a ? &b : NULL) {
        assert_int_equal(sql_exec(n->w, "SELECT 1"), -1);
        assert_int_equal(sql_reset_conn(n->w), 0);
    }
    printf("# every connection dropped: a node took office again in %lld ms\n",
           new_office_after(t1));
    txn(&a, 6, 0, 10, 1);
    check_certificate(b.log, 6, 0, 2);
    total += 10;

    /* The leader stops; the other node takes over from the database. */
    char leader[16];
    sql_stmt *st = sql_prepare(admin, "SELECT sequencer FROM log_state");
    assert_int_equal(sql_step(st), 1);
    sql_copy_text(leader, sizeof leader, st, 0);
    sql_finalize(st);
    node *gone = strcmp(leader, "hub-a") == 0 ? &a : &b, *left = gone == &a ? &b : &a;
    long long t0 = clock_now_ms();
    node_close(gone);
    long long took = new_office_after(t0);
    printf("# the leader stopped: %s took over in %lld ms\n", left->name, took);
    txn(left, 7, 0, 10, 1);
    long long c0 = clock_now_ms();
    check_certificate(left->log, 7, 3, 2); /* waits for the sequencer's head */
    long long first = clock_now_ms() - c0;
    c0 = clock_now_ms();
    for (int i = 0; i < 50; i++)
        check_certificate(left->log, 7, 3, 2);
    printf("# a 2-leaf certificate from PostgreSQL: %lld ms just after its commit (waiting for"
           " the sequencer), then %.2f ms (incl. verifying it)\n", first,
           (double)(clock_now_ms() - c0) / 50);
    total += 10;
    assert_int_equal(one("SELECT size FROM log_state"), total);

    /* Without a sequencer, a certificate waits about 5 s, then 503. */
    node_close(left);
    node_open(&c, "hub-c", 0);
    txn(&c, 8, 0, 3, 1);
    long long w0 = clock_now_ms();
    char notice[40];
    notice_id(8, 1, notice);
    assert_null(hub_evidence_log_certificate(c.log, notice, &status));
    assert_int_equal(status, 503);
    assert_true(clock_now_ms() - w0 >= 4000);
    assert_int_equal(hub_evidence_log_start_signer(c.log, 200), 0);
    check_certificate(c.log, 8, 1, 1);
    notice_id(9, 0, notice);
    assert_null(hub_evidence_log_certificate(c.log, notice, &status));
    assert_int_equal(status, 404);
    settle(total + 3);
    check_tree(total + 3);
    node_close(&c);
}

/* A leader that stops answering (its process frozen, as a host that
 * died would be) loses the lead when the server drops its silent
 * session; the other node takes over within 5 s. */
static void test_hung_leader(void **state)
{
    node a;
    pid_t pid;
    int status;
    (void)state;

    fresh_schema();
    node_open(&a, "hub-a", 0); /* no thread yet: fork copies only this one */
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        node h;
        node_open(&h, "hub-hung", 1);
        for (;;)
            pause();
    }
    for (int i = 0; i < 500 && one("SELECT count(*) FROM log_state WHERE"
                                   " sequencer = 'hub-hung'") == 0; i++)
        usleep(10000);
    assert_int_equal(one("SELECT count(*) FROM log_state WHERE sequencer = 'hub-hung'"), 1);
    assert_int_equal(hub_evidence_log_start_signer(a.log, 200), 0);
    long long t0 = clock_now_ms();
    assert_int_equal(kill(pid, SIGSTOP), 0);
    long long took = new_office_after(t0);
    printf("# a frozen leader: the other node took over in %lld ms\n", took);
    assert_true(took < 5000);
    assert_int_equal(one("SELECT count(*) FROM log_state WHERE sequencer = 'hub-a'"), 1);
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    txn(&a, 5, 0, 4, 1);
    check_certificate(a.log, 5, 2, 1);
    node_close(&a);
}

/* Not a test: how fast leaves are queued and integrated, with a row of
 * the store's changes table each (numbered in the same transactions) and
 * without. */
static void test_rate(void **state)
{
    enum { TXNS = 20, PER = 10000 };
    node n;
    (void)state;

    for (no_changes = 0; no_changes < 2; no_changes++) {
        fresh_schema();
        if (no_changes)
            assert_int_equal(sql_exec(admin, "DROP TABLE changes, changes_queue"), 0);
        node_open(&n, "hub-r", 0);
        queue_ms = 0;
        for (int i = 0; i < TXNS; i++)
            txn(&n, 1, i * PER, (i + 1) * PER, 1);
        assert_int_equal(hub_evidence_log_start_signer(n.log, 1000), 0);
        long long ms = settle(TXNS * PER);
        printf("# %s: queued %d leaves in %lld ms (%.0f leaves/s, before_commit's"
               " statements); integrated and signed them in %lld ms: %.0f leaves/s\n",
               no_changes ? "leaves alone" : "with a changes row each", TXNS * PER, queue_ms,
               TXNS * PER * 1000.0 / (double)(queue_ms > 0 ? queue_ms : 1), ms,
               TXNS * PER * 1000.0 / (double)(ms > 0 ? ms : 1));
        check_tree(TXNS * PER);
        node_close(&n);
    }
    no_changes = 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_nodes),
        cmocka_unit_test(test_hung_leader),
        cmocka_unit_test(test_rate),
    };
    char err[256];
    int rc;

    dsn = getenv("HERALD_TEST_PG_DSN");
    if (!dsn || !*dsn) {
        /* tests/integration/evidence_log_pg.sh runs it with a server */
        printf("1..0 # SKIP HERALD_TEST_PG_DSN is not set\n"); /* counted neither way */
        return 0;
    }
    admin = sql_connect_pg(dsn, err, sizeof err);
    if (crypto_init() != 0 || !admin) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    rc = cmocka_run_group_tests_name("evidence log on PostgreSQL", tests, NULL, NULL);
    sql_close(admin);
    return rc;
}
