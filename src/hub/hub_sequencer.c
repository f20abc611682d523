/* hub_sequencer.c -- the one hub at a time that grows the shared
 * evidence log on PostgreSQL (hub_evidence_pg.h).
 *
 * Every hub runs this thread; the one holding a session advisory lock
 * on its own connection leads. The lock dies with the connection, so a
 * hub that crashes or loses the database hands over without anyone
 * deciding it: the others retry every LOCK_RETRY_MS. The leader takes the
 * queued leaves in id order and, in one transaction, gives them their
 * indexes, stores the subtrees they complete, deletes them from the
 * queue, numbers the store's queued changes rows (the feed's gap-free seq)
 * and notes the tree's size: a leaf is integrated exactly once, whoever
 * leads. It then signs heads as the SQLite hub's signer thread does. */
#include "hub_evidence_pg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"

/* Failover takes at most about this plus the server's noticing the old
 * leader's connection is gone (at once when its process ends, within
 * about 4 s when its host does: session_sql). */
#define LOCK_RETRY_MS 100
/* How often the leader looks at the queue when it was empty. */
#define POLL_MS 20
/* After a failed integration on a live connection, or a failed start
 * as leader. */
#define ERROR_PAUSE_MS 1000
/* An integrating transaction takes blocks of HUB_PG_LOG_BLOCK leaves
 * (hub_evidence_log.h) until the queue is empty or this many are taken:
 * it starts no block after that. */
#define BATCH 20000
/* Leaves taken between two vacuums of log_pending (see vacuum()). */
#define VACUUM_EVERY 20000

/* The feed's numbers: rows the store queued get the next ones in id
 * order, in the same transaction as the leaves they came with, and move
 * from the queue into changes. log_state.feed_seq is the last number
 * given. Cheap when there are none, every round: the queue is small, and
 * log_state is written only when rows were numbered. */
static const char seq_sql[] =
    "WITH todo AS (DELETE FROM changes_queue WHERE ctid = ANY(ARRAY("
    "                SELECT ctid FROM changes_queue ORDER BY id LIMIT 100000))"
    "              RETURNING *),"
    " base AS (SELECT feed_seq AS b FROM log_state WHERE one = 1),"
    " ins AS (INSERT INTO changes(seq, agency, notice, state, at, reference, platform, event)"
    "         SELECT base.b + row_number() OVER (ORDER BY todo.id), todo.agency, todo.notice,"
    "         todo.state, todo.at, todo.reference, todo.platform, todo.event FROM todo, base"
    "         RETURNING seq)"
    " UPDATE log_state SET feed_seq = (SELECT MAX(seq) FROM ins)"
    " WHERE one = 1 AND EXISTS (SELECT 1 FROM ins)";

/* Gives up the lead: closing the connection releases the lock. */
static void step_down(hub_evidence_log *log)
{
    hub_evidence_pg *pg = log->pg;

    if (pg->leader)
        log_warn("log: this hub (%s) no longer sequences the log", pg->node);
    PQfinish(pg->seq);
    pg->seq = NULL;
    __atomic_store_n(&pg->leader, 0, __ATOMIC_RELAXED);
}

/* A leader whose host dies, or that hangs, holds the lock until the
 * server drops its session: the server is told to do so after 4 s of
 * silence (the leader speaks every POLL_MS; one waiting for a signer
 * that does not answer loses the lead, which is safe), to probe a TCP
 * peer every second, and to look for a client gone mid-statement every
 * second.
 *
 * Each statement is planned when it runs, not once for the session: the
 * queues' statistics mislead, as they are nearly empty when the
 * sequencer's statements are first prepared. The queues have no index,
 * so taking their oldest rows is a scan and a sort whatever the plan:
 * what keeps the scan short is vacuum() every VACUUM_EVERY leaves (a
 * scan over the rows taken since autovacuum's last pass read 41 MB fifty
 * times a second at 20,000 notices, most of the sequencer's time). */
static const char session_sql[] =
    "SET idle_session_timeout = '4s'; SET idle_in_transaction_session_timeout = '4s';"
    "SET tcp_keepalives_idle = 1; SET tcp_keepalives_interval = 1;"
    "SET tcp_keepalives_count = 3; SET plan_cache_mode = force_custom_plan;"
    "SET client_connection_check_interval = '1s'";

/* 1 the lock is ours, 0 another hub's, -1 no database. */
static int try_lock(hub_evidence_log *log)
{
    hub_evidence_pg *pg = log->pg;
    char err[256];
    PGresult *r;
    int rc;

    if (!pg->seq) {
        pg->seq = hub_pg_connect(pg->dsn, err, sizeof err);
        if (!pg->seq || hub_pg_exec(pg->seq, session_sql) != 0)
            return -1;
    }
    r = hub_pg_run(pg->seq, "lock", 0, NULL);
    rc = r && PQntuples(r) == 1 ? (int)hub_pg_int(r, 0, 0) : -1;
    PQclear(r);
    return rc;
}

/* The tree as the database holds it, checked against the latest head. */
static int load_tree(hub_evidence_log *log, sth *head, uint8_t sig[STH_SIG_LEN], int *have)
{
    hub_evidence_pg *pg = log->pg;
    merkle_source src = hub_pg_source(&pg->scache);
    uint8_t root[MERKLE_HASH_LEN];
    PGresult *r = hub_pg_run(pg->seq, "state", 0, NULL);
    long long size = r && PQntuples(r) == 1 ? hub_pg_int(r, 0, 0) : -1;

    PQclear(r);
    r = hub_pg_run(pg->seq, "has_changes", 0, NULL);
    pg->has_changes = r && PQntuples(r) == 1 && hub_pg_int(r, 0, 0) == 1;
    PQclear(r);
    if (size < 0 || merkle_frontier_load(&pg->tree, &src, (uint64_t)size) != MERKLE_OK)
        return -1;
    *have = hub_pg_latest(pg->seq, head, sig);
    if (*have < 0)
        return -1;
    if (*have && (head->tree_size > (uint64_t)size ||
                  merkle_root(&src, head->tree_size, root) != MERKLE_OK ||
                  memcmp(root, head->root_hash, MERKLE_HASH_LEN) != 0)) {
        log_error("log: the evidence log no longer matches its signed head of size %llu: "
                  "not sequencing", (unsigned long long)head->tree_size);
        return -1;
    }
    return 0;
}

/* Becomes the leader: loads the tree, names this hub in log_state,
 * listens for hubs that want a head now. */
static int take_office(hub_evidence_log *log)
{
    hub_evidence_pg *pg = log->pg;
    char since[24];
    const char *p[2] = {pg->node, since};
    uint8_t sig[STH_SIG_LEN];
    sth head;
    int have = 0, rc;
    PGresult *r;

    hub_pg_cache_clear(&pg->scache);
    rc = hub_pg_exec(pg->seq, "BEGIN ISOLATION LEVEL REPEATABLE READ");
    if (rc == 0)
        rc = load_tree(log, &head, sig, &have);
    if (rc == 0)
        rc = hub_pg_exec(pg->seq, "COMMIT");
    if (rc == 0 && pg->has_changes) {
        r = PQprepare(pg->seq, "seq", seq_sql, 0, NULL);
        char why[256];
        rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : -1;
        if (rc != 0)
            log_error("log: cannot prepare the feed's numbering: %s",
                      hub_pg_says(pg->seq, why, sizeof why));
        PQclear(r);
    }
    snprintf(since, sizeof since, "%lld", clock_now_ms());
    if (rc == 0) {
        r = hub_pg_run(pg->seq, "office", 2, p);
        rc = r ? 0 : -1;
        PQclear(r); /* also when the LISTEN below fails: the lead was lost */
    }
    if (rc == 0 && hub_pg_exec(pg->seq, "LISTEN herald_log_head") != 0)
        rc = -1;
    if (rc != 0)
        return -1;
    pthread_mutex_lock(&log->state_lock);
    log->committed = pg->tree;
    log->have_head = have;
    if (have) {
        log->head = head;
        memcpy(log->head_sig, sig, STH_SIG_LEN);
    }
    pthread_mutex_unlock(&log->state_lock);
    __atomic_store_n(&pg->leader, 1, __ATOMIC_RELAXED);
    log_info("log: this hub (%s) sequences the log from tree size %llu", pg->node,
             (unsigned long long)pg->tree.size);
    return 0;
}

/* Appends one level/index/hash triple to the nodes' array literals. */
static void add_node(buf *lv, buf *ix, buf *h, unsigned level, uint64_t idx,
                     const uint8_t hash[MERKLE_HASH_LEN])
{
    const char *sep = lv->len > 1 ? "," : "";

    buf_printf(lv, "%s%u", sep, level);
    buf_printf(ix, "%s%llu", sep, (unsigned long long)idx);
    buf_printf(h, "%s\"\\\\x", sep);
    for (int i = 0; i < MERKLE_HASH_LEN; i++)
        buf_printf(h, "%02x", hash[i]);
    buf_puts(h, "\"");
}

/* Appends a block's integrated leaves (idx, hash in tree order) to f,
 * adding the cached subtrees they complete to array literals still open
 * ("{" and what follows). 0 or -1. */
static int grow(PGresult *put, merkle_frontier *f, buf *lv, buf *ix, buf *h)
{
    uint8_t leaf[MERKLE_HASH_LEN], done[63][MERKLE_HASH_LEN];
    unsigned ndone;

    for (int i = 0; i < PQntuples(put); i++) {
        if (hub_pg_int(put, i, 0) != (long long)f->size || hub_pg_hash(put, i, 1, leaf) != 0 ||
            merkle_frontier_append_nodes(f, leaf, done, &ndone) != MERKLE_OK) {
            log_error("log: leaf %lld was not integrated as it should be: no valid hash,"
                      " or not in order", hub_pg_int(put, i, 0));
            return -1;
        }
        for (unsigned level = HUB_PG_NODE_STEP; level <= ndone; level += HUB_PG_NODE_STEP)
            add_node(lv, ix, h, level, (f->size >> level) - 1, done[level - 1]);
    }
    return lv->broken || ix->broken || h->broken ? -1 : 0;
}

/* Runs a statement that must touch exactly want rows (-1: any). */
static int run_rows(PGconn *c, const char *name, int n, const char *const *p, long long want)
{
    PGresult *r = hub_pg_run(c, name, n, p);
    int rc = r && (want < 0 || atoll(PQcmdTuples(r)) == want) ? 0 : -1;

    if (r && rc != 0)
        log_error("log: %s touched %s rows, not %lld", name, PQcmdTuples(r), want);
    PQclear(r);
    return rc;
}

/* The integrating transaction's writes after the leaves: the subtrees
 * they complete (the open literals, closed here), the feed's numbers,
 * the tree's size. */
static int store_rest(hub_evidence_log *log, int taken, const merkle_frontier *f, buf *lv,
                      buf *ix, buf *h)
{
    hub_evidence_pg *pg = log->pg;
    char size[24];
    const char *size_p[1] = {size};
    int rc = 0;

    snprintf(size, sizeof size, "%llu", (unsigned long long)f->size);
    buf_puts(lv, "}");
    buf_puts(ix, "}");
    buf_puts(h, "}");
    if (lv->broken || ix->broken || h->broken)
        rc = -1;
    else if (lv->len > 2) {
        const char *nodes_p[3] = {lv->data, ix->data, h->data};
        rc = run_rows(pg->seq, "nodes", 3, nodes_p, -1);
    }
    if (rc == 0 && pg->has_changes)
        rc = run_rows(pg->seq, "seq", 0, NULL, -1);
    if (rc == 0 && taken > 0)
        rc = run_rows(pg->seq, "size", 1, size_p, 1);
    return rc;
}

/* One block of queued leaves into the tree, taken and deleted from the
 * queue by one statement. The number taken, or -1. */
static int integrate_block(hub_evidence_log *log, merkle_frontier *f, buf *lv, buf *ix, buf *h)
{
    char base[24], limit[16];
    const char *p[2] = {base, limit};
    PGresult *put;
    int n;

    snprintf(base, sizeof base, "%llu", (unsigned long long)f->size);
    snprintf(limit, sizeof limit, "%d", HUB_PG_LOG_BLOCK);
    put = hub_pg_run(log->pg->seq, "integrate", 2, p);
    n = put ? PQntuples(put) : -1;
    if (put && grow(put, f, lv, ix, h) != 0)
        n = -1;
    PQclear(put);
    return n;
}

/* One transaction: queued leaves into the tree, a block at a time, until
 * the queue is empty or BATCH are taken. Its one snapshot (repeatable
 * read) has the feed number the changes rows whose transactions' leaves
 * it integrates, no more (unless BATCH cut it short). The number
 * integrated, or -1. */
static int integrate(hub_evidence_log *log)
{
    hub_evidence_pg *pg = log->pg;
    merkle_frontier f = pg->tree;
    buf lv, ix, h;
    int n, taken = 0, rc;

    if (hub_pg_exec(pg->seq, "BEGIN ISOLATION LEVEL REPEATABLE READ") != 0)
        return -1;
    buf_init(&lv, 64);
    buf_init(&ix, 64);
    buf_init(&h, 256);
    buf_puts(&lv, "{");
    buf_puts(&ix, "{");
    buf_puts(&h, "{");
    do {
        n = integrate_block(log, &f, &lv, &ix, &h);
        taken += n > 0 ? n : 0;
    } while (n == HUB_PG_LOG_BLOCK && taken < BATCH);
    rc = n < 0 ? -1 : store_rest(log, taken, &f, &lv, &ix, &h);
    buf_free(&lv);
    buf_free(&ix);
    buf_free(&h);
    if (rc == 0)
        rc = hub_pg_exec(pg->seq, "COMMIT");
    if (rc != 0) {
        hub_pg_exec(pg->seq, "ROLLBACK");
        return -1;
    }
    pg->tree = f;
    pthread_mutex_lock(&log->state_lock);
    log->committed = f;
    pthread_mutex_unlock(&log->state_lock);
    return taken;
}

/* 1 when another hub asked for a head since the last look. */
static int head_wanted(PGconn *c)
{
    PGnotify *n;
    int wanted = 0;

    PQconsumeInput(c);
    while ((n = PQnotifies(c))) {
        wanted = 1;
        PQfreemem(n);
    }
    return wanted;
}

/* Other hubs show the signer's state from log_state. */
static void note_signer(hub_evidence_log *log)
{
    hub_evidence_pg *pg = log->pg;
    int state = hub_evidence_log_signer_state(log);
    char v[12];
    const char *p[1] = {v};

    if (state == pg->signer_noted)
        return;
    snprintf(v, sizeof v, "%d", state);
    if (run_rows(pg->seq, "signer", 1, p, 1) == 0)
        pg->signer_noted = state;
}

/* Signs when the tree grew, every interval, or at once when a hub waits
 * for a certificate. */
static void maybe_sign(hub_evidence_log *log, int wanted)
{
    hub_evidence_pg *pg = log->pg;
    long long now = clock_now_ms();

    if (!hub_evidence_log_has_key(log) || (!wanted && now - pg->last_sign < log->interval_ms))
        return;
    pg->last_sign = now;
    if (hub_evidence_log_sign_tree(log) != 0 && !log->signer_path[0])
        log_error("log: cannot sign a tree head");
    note_signer(log);
}

/* The rows taken from log_pending (and changes_queue) stay in its pages
 * until a vacuum, which autovacuum runs about once a minute: some 50 MB
 * of them at 3,000 notices a second, scanned by every round (the queues
 * have no index). The leader vacuums them itself every VACUUM_EVERY
 * leaves: a MB or two, whose pages the next leaves reuse, so the file
 * is not truncated (that would wait for an exclusive lock on the busiest
 * table). A vacuum or analyze already on the table is not waited for
 * (SKIP_LOCKED): the log would stop meanwhile, and the leader keep its
 * lock. A user that does not own the table gets a warning from the
 * server and leaves it to autovacuum. */
static void vacuum(hub_evidence_log *log, int taken)
{
    hub_evidence_pg *pg = log->pg;

    pg->unvacuumed += taken;
    if (pg->unvacuumed < VACUUM_EVERY)
        return;
    pg->unvacuumed = 0;
    hub_pg_exec(pg->seq, pg->has_changes
                             ? "VACUUM (SKIP_LOCKED, TRUNCATE false) log_pending, changes_queue"
                             : "VACUUM (SKIP_LOCKED, TRUNCATE false) log_pending");
}

/* One round of the leader: integrate what is queued, sign. The pause
 * before the next round, or -1 when the lead is lost. */
static long lead(hub_evidence_log *log)
{
    int n;

    do {
        n = integrate(log);
        if (n > 0)
            vacuum(log, n);
    } while (n >= BATCH);
    if (n < 0) /* a statement failed (logged): try again a little later */
        return PQstatus(log->pg->seq) == CONNECTION_OK ? ERROR_PAUSE_MS : -1;
    maybe_sign(log, head_wanted(log->pg->seq));
    return POLL_MS;
}

void *hub_sequencer_main(void *arg)
{
    hub_evidence_log *log = arg;
    hub_evidence_pg *pg = log->pg;
    long pause = 0;

    while (!hub_evidence_log_pause(log, pause)) {
        if (!pg->leader) {
            int got = try_lock(log);
            if (got < 0)
                step_down(log);
            pause = LOCK_RETRY_MS;
            if (got == 1 && take_office(log) != 0) {
                step_down(log);
                pause = ERROR_PAUSE_MS; /* said why (logged); not every 100 ms */
            }
            if (pg->leader)
                pause = 0;
            continue;
        }
        pause = lead(log);
        if (pause < 0) {
            step_down(log);
            pause = LOCK_RETRY_MS;
        }
    }
    /* A clean shutdown leaves every leaf it took under a head. */
    if (pg->leader && lead(log) >= 0)
        maybe_sign(log, 1);
    step_down(log);
    return NULL;
}
