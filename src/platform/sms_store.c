/* sms_store.c -- see sms_store.h. One loop under the store's mutex: a
 * loss to recover, or outcomes due, are recorded first (each in one
 * transaction, the platform's lock held only for it); otherwise, while
 * the channel is bound and holds fewer than a batch, a claim. */
#include "sms_store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "str_copy.h"

/* An fsync takes ~5 ms here: the outcomes of 20 ms share one, and a
 * receipt waits no longer than that for its answer. */
#define FLUSH_AFTER_MS 20
#define FLUSH_MAX 4096
#define CLAIM_LOOK_MS 1000 /* without a wake-up, look for queued alerts this often */
/* Outcomes a failed round could not record (the disk full, the file
 * locked past the busy timeout) are kept and tried again, 1 s later, then
 * twice as long each time up to 30 s: dropped, an accepted alert would
 * stay submitting with no message id, so its receipt would match nothing.
 * At most RETRY_KEEP_MAX are kept (about 14 MiB); past that they go,
 * logged. */
#define RETRY_FIRST_MS 1000
#define RETRY_MAX_MS 30000
#define RETRY_KEEP_MAX 16384
/* After this many failed rounds in a row, each outcome is recorded in a
 * savepoint of its own, and one that fails while others go in is given
 * up (logged): an outcome no statement can take would otherwise hold up
 * every other. */
#define RETRY_EACH_AFTER 4

struct sms_store {
    platform_db *db;
    pthread_mutex_t *lock; /* the platform's, around every database call */
    long batch;
    int wake_fd;
    pthread_t thread;
    uint8_t concat_ref;

    /* Under mx: what the two threads hand each other. */
    pthread_mutex_t mx;
    pthread_cond_t cond;
    int stopping, bound, claim_due, recovering, lost;
    int gave_up; /* outcomes given up since the channel last asked */
    long long next_claim_ms, first_result_ms, retry_at_ms, db_ms;
    long retry_ms; /* the wait before the next try; 0 after a round recorded */
    int failed_rounds; /* in a row */
    long held; /* claimed, not yet let go of */
    sms_alert *incoming, *incoming_tail;
    sms_result *results;
    size_t nresults, results_cap;
    sms_answer *answers;
    size_t nanswers, answers_cap;
    long long *unsent;
    size_t nunsent, unsent_cap;
    char why[160];

    /* The store thread's own, without mx: an alert's acceptance or failure
     * was given up this round. */
    int stuck;
};

/* Grows *v (of *cap elements of size each) to hold need; 0 or -1. */
static int grow(void **v, size_t *cap, size_t need, size_t each)
{
    size_t n = *cap ? *cap : 256;
    void *p;

    if (need <= *cap)
        return 0;
    while (n < need)
        n *= 2;
    if (!(p = realloc(*v, n * each)))
        return -1;
    *v = p;
    *cap = n;
    return 0;
}

static void wake_channel(sms_store *s)
{
    uint64_t one = 1;

    if (write(s->wake_fd, &one, sizeof one) < 0 && errno != EAGAIN)
        log_warn("sms: cannot wake the channel: %s", strerror(errno));
}

/* ---- recording */

/* 0, or -1 on a database error: then the whole round is rolled back and
 * kept for another try, rather than committed with this one missing. */
static int record_one(sms_store *s, sms_result *r, const char *at)
{
    outbox_receipt_result rc;
    int n;

    switch (r->kind) {
    case SMS_ACCEPTED:
        n = platform_db_outbox_accepted(s->db, SMS_CHANNEL_NAME, r->id,
                                        r->ref[0][0] ? r->ref[0] : NULL, at);
        for (int i = 1; n == 1 && i < r->nref; i++)
            if (r->ref[i][0] &&
                platform_db_outbox_reference(s->db, SMS_CHANNEL_NAME, r->id, r->ref[i]) < 0)
                n = -1;
        return n < 0 ? -1 : 0;
    case SMS_FAILED:
        return platform_db_outbox_failed(s->db, r->id, r->reason, at) < 0 ? -1 : 0;
    case SMS_RECEIPT:
        rc = platform_db_outbox_receipt(s->db, SMS_CHANNEL_NAME, r->ref[0], r->delivered,
                                        r->delivered ? NULL : r->reason, at);
        r->unknown = rc == OUTBOX_RECEIPT_UNKNOWN;
        if (r->unknown)
            log_warn("sms: a receipt for message id \"%s\", which no alert of ours has: "
                     "not recorded", r->ref[0]);
        return rc == OUTBOX_RECEIPT_ERROR ? -1 : 0;
    }
    return 0;
}

/* A round's receipts are recorded after its alerts' outcomes (pass 1):
 * an SMSC may send a receipt before its submit_sm_resp, and the
 * acceptance that gives the alert its message id may then come in the
 * same round, after the receipt that names it. */
static int in_pass(const sms_result *r, int pass)
{
    return (r->kind == SMS_RECEIPT) == pass;
}

/* One outcome in a savepoint of its own: 0 recorded, 1 not (its
 * statement failed), -1 the savepoint itself failed. */
static int record_alone(sms_store *s, sms_result *r, const char *at)
{
    if (platform_db_savepoint_open(s->db) != 0)
        return -1;
    if (record_one(s, r, at) == 0)
        return platform_db_savepoint(s->db, 1) == 0 ? 0 : -1;
    return platform_db_savepoint(s->db, 0) == 0 ? 1 : -1;
}

/* Each of r[0..n) in a savepoint of its own, in the open transaction:
 * 0 when some went in (those that did not are given up, logged), -1 when
 * none did: then the fault is the database's, not theirs (a full disk),
 * and the round is kept whole. */
static int record_each(sms_store *s, sms_result *r, size_t n, const char *at)
{
    unsigned char *refused = calloc(n ? n : 1, 1);
    size_t recorded = 0, given_up = 0;
    int rc = refused ? 0 : -1;

    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; rc == 0 && i < n; i++) {
            if (!in_pass(&r[i], pass))
                continue;
            int one = record_alone(s, &r[i], at);
            if (one < 0)
                rc = -1;
            else if (one == 1)
                refused[i] = 1, given_up++;
            else
                recorded++;
        }
    if (rc == 0 && given_up && !recorded)
        rc = -1;
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (refused[i] && r[i].kind != SMS_RECEIPT)
            s->stuck = 1; /* its alert stays submitting */
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (refused[i])
            log_error("sms: an outcome for alert %lld (%s) cannot be recorded while others"
                      " can; given up", r[i].id,
                      r[i].kind == SMS_RECEIPT    ? "receipt"
                      : r[i].kind == SMS_ACCEPTED ? "accepted"
                                                  : "failed");
    free(refused);
    return rc;
}

/* Records r[0..n) in one transaction: 0, or -1 (then none is; the
 * caller keeps them for another try). each: record_each's way. */
static int record(sms_store *s, sms_result *r, size_t n, int each)
{
    char at[25];
    int ok;

    clock_rfc3339_ms(at, clock_now_ms());
    pthread_mutex_lock(s->lock);
    ok = platform_db_begin(s->db) == 0;
    if (ok && each)
        ok = record_each(s, r, n, at) == 0;
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; ok && !each && i < n; i++)
            if (in_pass(&r[i], pass))
                ok = record_one(s, &r[i], at) == 0;
    if (!ok || platform_db_commit(s->db) != 0) {
        platform_db_rollback(s->db);
        ok = 0;
    }
    pthread_mutex_unlock(s->lock);
    if (!ok)
        log_error("sms: cannot record %zu outcomes (see above)", n);
    return ok ? 0 : -1;
}

/* After a loss: alerts never sent go back as they were, the channel's
 * other submitting ones are queued again as possible duplicates. */
static int recover(sms_store *s, const long long *unsent, size_t n, sms_alert *incoming,
                   const char *why)
{
    int back = 0, failed = 0, requeued = -1;
    char at[25];

    clock_rfc3339_ms(at, clock_now_ms());
    pthread_mutex_lock(s->lock);
    if (platform_db_begin(s->db) == 0) {
        for (size_t i = 0; i < n; i++)
            back += platform_db_outbox_unclaim(s->db, SMS_CHANNEL_NAME, unsent[i]) == 1;
        for (sms_alert *a = incoming; a; a = a->qnext)
            back += platform_db_outbox_unclaim(s->db, SMS_CHANNEL_NAME, a->id) == 1;
        requeued = platform_db_outbox_requeue(s->db, SMS_CHANNEL_NAME, at, &failed);
        if (requeued < 0 || platform_db_commit(s->db) != 0) {
            platform_db_rollback(s->db);
            requeued = -1;
        }
    }
    pthread_mutex_unlock(s->lock);
    if (requeued < 0)
        log_error("sms: cannot queue the unanswered alerts again; the link will be started"
                  " again to try once more");
    else if (requeued || failed || back)
        log_warn("sms: %s: %d alerts sent without an answer queued again as possible"
                 " duplicates, %d failed (outcome unknown twice), %d never sent back in the"
                 " queue", why, requeued, failed, back);
    return requeued < 0 ? -1 : 0;
}

/* ---- claiming */

typedef struct claim_ctx {
    sms_store *s;
    sms_alert *head, *tail;
    long n;
    sms_result *failed; /* texts that cannot go as SMS */
    size_t nfailed, failed_cap;
    long long ms; /* spent in the database */
} claim_ctx;

static void fail_claimed(claim_ctx *k, long long id, const char *why)
{
    if (grow((void **)&k->failed, &k->failed_cap, k->nfailed + 1, sizeof *k->failed) != 0)
        return; /* left submitting: queued again at the next loss or start */
    sms_result *r = &k->failed[k->nfailed++];
    memset(r, 0, sizeof *r);
    r->kind = SMS_FAILED;
    r->id = id;
    snprintf(r->reason, sizeof r->reason, "text cannot go as SMS: %s", why);
}

static void take_claimed(void *ctx, const outbox_alert *o)
{
    claim_ctx *k = ctx;
    sms_alert *a = calloc(1, sizeof *a);
    const char *why = NULL;
    size_t n = 0;

    if (!a) { /* left submitting: queued again at the next loss or start */
        log_error("sms: out of memory for alert %lld", o->id);
        return;
    }
    if (sms_text_segments(o->text, strlen(o->text), k->s->concat_ref++, a->seg,
                          SMS_TEXT_MAX_SEGMENTS, &n, &why) != 0) {
        fail_claimed(k, o->id, why);
        free(a);
        return;
    }
    a->id = o->id;
    a->duplicate = o->duplicate;
    a->nseg = (int)n;
    str_copy(a->phone, sizeof a->phone, o->phone);
    if (k->tail)
        k->tail->qnext = a;
    else
        k->head = a;
    k->tail = a;
    k->n++;
}

static void free_list(sms_alert *a)
{
    while (a) {
        sms_alert *next = a->qnext;
        free(a);
        a = next;
    }
}

/* Claims up to limit (the store's mutex not held); *k gets them. */
static int claim(sms_store *s, long limit, claim_ctx *k)
{
    long long t0 = clock_mono_ms();
    char at[25];
    int n;

    clock_rfc3339_ms(at, clock_now_ms());
    pthread_mutex_lock(s->lock);
    n = platform_db_outbox_claim(s->db, SMS_CHANNEL_NAME, (int)limit, at, take_claimed, k);
    pthread_mutex_unlock(s->lock);
    if (n < 0) { /* nothing was claimed: the copies go */
        log_error("sms: cannot claim queued alerts; trying again in %d ms", CLAIM_LOOK_MS);
        free_list(k->head);
        k->head = k->tail = NULL;
        k->n = 0;
        k->nfailed = 0;
    }
    if (k->nfailed && record(s, k->failed, k->nfailed, 0) == 0)
        log_warn("sms: %zu alerts failed: their text cannot go as SMS", k->nfailed);
    else if (k->nfailed)
        s->stuck = 1; /* claimed, never to be sent, and not marked failed */
    k->ms = clock_mono_ms() - t0;
    return n;
}

/* ---- the thread */

/* Puts r[0..n), which a failed commit did not record, back before the
 * outcomes given since, for the next try: 0, or -1 when they cannot be
 * kept (the caller frees r). On 0, r belongs to the store. */
static int keep_for_retry(sms_store *s, sms_result *r, size_t n)
{
    size_t total = n + s->nresults;
    sms_result *all;

    if (s->stopping || total > RETRY_KEEP_MAX || !(all = realloc(r, total * sizeof *all)))
        return -1;
    if (s->nresults)
        memcpy(all + n, s->results, s->nresults * sizeof *all);
    free(s->results);
    s->results = all;
    s->nresults = s->results_cap = total;
    s->retry_ms = !s->retry_ms ? RETRY_FIRST_MS
                  : s->retry_ms < RETRY_MAX_MS / 2 ? 2 * s->retry_ms
                                                   : RETRY_MAX_MS;
    s->first_result_ms = clock_mono_ms();
    s->retry_at_ms = s->first_result_ms + s->retry_ms;
    log_warn("sms: %zu outcomes not recorded; trying again in %ld ms", total, s->retry_ms);
    return 0;
}

/* A recovery that failed is tried again at the next loss (the link is
 * started again for it): the alerts it was to put back as never sent
 * stay listed for it, or they would be queued again as possible
 * duplicates though no phone got them. Called with mx held. */
static void keep_unsent(sms_store *s, const long long *unsent, size_t n, const sms_alert *incoming)
{
    size_t k = n;

    for (const sms_alert *a = incoming; a; a = a->qnext)
        k++;
    if (!k)
        return;
    if (grow((void **)&s->unsent, &s->unsent_cap, s->nunsent + k, sizeof *s->unsent) != 0) {
        log_error("sms: out of memory: %zu alerts never sent will be queued again as possible"
                  " duplicates", k);
        return;
    }
    if (n)
        memcpy(s->unsent + s->nunsent, unsent, n * sizeof *unsent);
    s->nunsent += n;
    for (const sms_alert *a = incoming; a; a = a->qnext)
        s->unsent[s->nunsent++] = a->id;
}

/* A loss, or outcomes due: taken out under mx, recorded without it. */
static void record_round(sms_store *s)
{
    sms_result *r = s->results;
    size_t n = s->nresults, nunsent = s->nunsent;
    long long *unsent = s->unsent;
    sms_alert *incoming = NULL;
    int lost = s->lost;
    char why[sizeof s->why];
    long back = 0;

    s->results = NULL;
    s->nresults = s->results_cap = 0;
    if (lost) {
        incoming = s->incoming;
        s->incoming = s->incoming_tail = NULL;
        s->unsent = NULL;
        s->nunsent = s->unsent_cap = 0;
        s->lost = 0;
        memcpy(why, s->why, sizeof why);
    }
    pthread_mutex_unlock(&s->mx);

    long long t0 = clock_mono_ms();
    int ok = n == 0 || record(s, r, n, s->failed_rounds >= RETRY_EACH_AFTER) == 0;
    /* Outcomes not recorded name alerts the SMSC has answered: recovered
     * now, those would be queued again as possible duplicates and their
     * outcomes, tried again later, land on the new attempt. So the loss
     * waits for them (store_main), its alerts kept as a failed recovery's;
     * but not past a round in which each outcome went alone and none was
     * taken, since one no statement can take would hold it for good. */
    int defer = lost && !ok && s->failed_rounds < RETRY_EACH_AFTER;
    int unrecovered = lost && !defer && recover(s, unsent, nunsent, incoming, why) != 0;
    for (sms_alert *a = incoming; a; a = a->qnext)
        back++;

    pthread_mutex_lock(&s->mx);
    if (unrecovered || defer)
        keep_unsent(s, unsent, nunsent, incoming);
    if (defer) {
        if (!s->lost)
            memcpy(s->why, why, sizeof why);
        s->lost = 1;
    }
    free_list(incoming);
    free(unsent);
    s->db_ms += clock_mono_ms() - t0;
    size_t answers = 0;
    for (size_t i = 0; ok && i < n; i++) {
        if (!r[i].deliver_seq ||
            grow((void **)&s->answers, &s->answers_cap, s->nanswers + 1, sizeof *s->answers))
            continue;
        sms_answer *an = &s->answers[s->nanswers++];
        *an = (sms_answer){.seq = r[i].deliver_seq, .gen = r[i].gen, .unknown = r[i].unknown};
        if (an->unknown)
            memcpy(an->ref, r[i].ref[0], sizeof an->ref);
        answers++;
    }
    if (ok) {
        s->retry_ms = 0;
        s->failed_rounds = 0;
    } else if (n) {
        s->failed_rounds++;
        if (keep_for_retry(s, r, n) == 0) {
            r = NULL;
        } else {
            s->failed_rounds = 0; /* dropped whole: the next round starts afresh */
            for (size_t i = 0; i < n; i++)
                s->stuck |= r[i].kind != SMS_RECEIPT; /* a receipt's alert is accepted */
            if (s->stopping)
                log_error("sms: %zu outcomes given up at stop: their alerts stay submitting"
                          " until the next start queues them again", n);
            else
                log_error("sms: %zu outcomes given up: their alerts stay submitting, which"
                          " holds back every later report to the hub, until a loss queues"
                          " them again (the link is started again for it)",
                          n);
        }
    }
    /* A loss recovered in this round has queued them again already, and
     * any given up before it. */
    if (lost && !unrecovered && !defer)
        s->gave_up = 0;
    if (unrecovered || (s->stuck && !lost))
        s->gave_up = 1;
    s->stuck = 0;
    free(r);
    if (lost) {
        s->held -= back;
        s->recovering = s->lost; /* a second loss meanwhile keeps it */
        s->claim_due = 1;
    }
    if (answers || lost || s->gave_up)
        wake_channel(s);
}

static void claim_round(sms_store *s)
{
    long limit = 2 * s->batch - s->held;
    claim_ctx k = {.s = s};

    pthread_mutex_unlock(&s->mx);
    int n = claim(s, limit, &k);
    free(k.failed);
    pthread_mutex_lock(&s->mx);
    s->db_ms += k.ms;
    if (k.head) {
        if (s->incoming_tail)
            s->incoming_tail->qnext = k.head;
        else
            s->incoming = k.head;
        s->incoming_tail = k.tail;
        s->held += k.n;
        wake_channel(s);
    }
    s->claim_due = n == limit; /* a full batch: more may wait */
    if (s->stuck) {
        s->gave_up = 1;
        s->stuck = 0;
        wake_channel(s);
    }
    s->next_claim_ms = clock_mono_ms() + CLAIM_LOOK_MS;
}

static void *store_main(void *arg)
{
    sms_store *s = arg;

    pthread_mutex_lock(&s->mx);
    for (;;) {
        long long now = clock_mono_ms();
        int due = s->nresults && (s->stopping || now >= s->retry_at_ms) &&
                  (s->nresults >= FLUSH_MAX || now - s->first_result_ms >= FLUSH_AFTER_MS ||
                   s->stopping);
        int claim_now = s->bound && !s->stopping && !s->recovering && s->held < s->batch &&
                        (s->claim_due || now >= s->next_claim_ms);
        /* a loss waits for outcomes kept for another try (record_round) */
        if ((s->lost && (!s->nresults || s->stopping)) || due)
            record_round(s);
        else if (claim_now)
            claim_round(s);
        else if (s->stopping)
            break;
        else {
            long long until = !s->nresults ? now + CLAIM_LOOK_MS
                              : s->retry_at_ms > s->first_result_ms + FLUSH_AFTER_MS
                                  ? s->retry_at_ms
                                  : s->first_result_ms + FLUSH_AFTER_MS;
            if (s->bound && !s->recovering && s->held < s->batch && s->next_claim_ms < until)
                until = s->next_claim_ms;
            struct timespec ts = clock_mono_after_ms(until > now ? (long)(until - now) : 1);
            pthread_cond_timedwait(&s->cond, &s->mx, &ts);
        }
    }
    pthread_mutex_unlock(&s->mx);
    return NULL;
}

sms_store *sms_store_start(platform_db *db, pthread_mutex_t *lock, long batch, int wake_fd)
{
    sms_store *s = calloc(1, sizeof *s);

    if (!s)
        return NULL;
    s->db = db;
    s->lock = lock;
    s->batch = batch;
    s->wake_fd = wake_fd;
    pthread_mutex_init(&s->mx, NULL);
    if (clock_mono_cond_init(&s->cond) != 0) {
        pthread_mutex_destroy(&s->mx);
        free(s);
        return NULL;
    }
    if (pthread_create(&s->thread, NULL, store_main, s) != 0) {
        pthread_cond_destroy(&s->cond);
        pthread_mutex_destroy(&s->mx);
        free(s);
        return NULL;
    }
    return s;
}

void sms_store_stop(sms_store *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->mx);
    s->stopping = 1;
    pthread_cond_signal(&s->cond);
    pthread_mutex_unlock(&s->mx);
    pthread_join(s->thread, NULL);
    free_list(s->incoming); /* none after a last loss; claimed ones stay submitting */
    free(s->results);
    free(s->answers);
    free(s->unsent);
    pthread_cond_destroy(&s->cond);
    pthread_mutex_destroy(&s->mx);
    free(s);
}

void sms_store_wake(sms_store *s)
{
    pthread_mutex_lock(&s->mx);
    s->claim_due = 1;
    pthread_cond_signal(&s->cond);
    pthread_mutex_unlock(&s->mx);
}

void sms_store_bound(sms_store *s, int bound)
{
    pthread_mutex_lock(&s->mx);
    s->bound = bound;
    if (bound)
        s->claim_due = 1;
    pthread_cond_signal(&s->cond);
    pthread_mutex_unlock(&s->mx);
}

sms_alert *sms_store_take(sms_store *s)
{
    sms_alert *a = NULL;

    pthread_mutex_lock(&s->mx);
    if (!s->recovering) {
        a = s->incoming;
        s->incoming = s->incoming_tail = NULL;
    }
    pthread_mutex_unlock(&s->mx);
    return a;
}

void sms_store_give(sms_store *s, const sms_result *r, size_t n, long freed)
{
    pthread_mutex_lock(&s->mx);
    s->held -= freed;
    if (n && grow((void **)&s->results, &s->results_cap, s->nresults + n, sizeof *r) == 0) {
        if (s->nresults == 0) { /* the store sleeps till then, not longer */
            s->first_result_ms = clock_mono_ms();
            pthread_cond_signal(&s->cond);
        }
        memcpy(s->results + s->nresults, r, n * sizeof *r);
        s->nresults += n;
    } else if (n) {
        log_error("sms: out of memory for %zu outcomes; their alerts stay submitting until"
                  " a loss queues them again (the link is started again for it)", n);
        s->gave_up = 1; /* (receipts among them come again: they are not answered) */
        wake_channel(s);
    }
    if (freed && s->held < s->batch)
        pthread_cond_signal(&s->cond);
    if (s->nresults >= FLUSH_MAX)
        pthread_cond_signal(&s->cond);
    pthread_mutex_unlock(&s->mx);
}

size_t sms_store_answers(sms_store *s, sms_answer *out, size_t max)
{
    size_t n;

    pthread_mutex_lock(&s->mx);
    n = s->nanswers < max ? s->nanswers : max;
    /* Before the first answer s->answers is NULL: memcpy and memmove
     * may not be given NULL even for 0 bytes (UBSan stops on it). */
    if (n > 0)
        memcpy(out, s->answers, n * sizeof *out);
    if (s->nanswers > n)
        memmove(s->answers, s->answers + n, (s->nanswers - n) * sizeof *out);
    s->nanswers -= n;
    pthread_mutex_unlock(&s->mx);
    return n;
}

void sms_store_lost(sms_store *s, const long long *unsent, size_t n, long freed,
                    const char *why)
{
    pthread_mutex_lock(&s->mx);
    s->held -= freed;
    if (n && grow((void **)&s->unsent, &s->unsent_cap, s->nunsent + n, sizeof *unsent) == 0) {
        memcpy(s->unsent + s->nunsent, unsent, n * sizeof *unsent);
        s->nunsent += n;
    }
    /* (out of memory: those few are queued again as possible duplicates) */
    s->lost = s->recovering = 1;
    /* outcomes waiting for another try get one now: the loss waits for them */
    if (s->nresults && s->retry_at_ms > clock_mono_ms())
        s->retry_at_ms = clock_mono_ms();
    str_copy(s->why, sizeof s->why, why);
    pthread_cond_signal(&s->cond);
    pthread_mutex_unlock(&s->mx);
}

int sms_store_take_gave_up(sms_store *s)
{
    pthread_mutex_lock(&s->mx);
    int r = s->gave_up;
    s->gave_up = 0;
    pthread_mutex_unlock(&s->mx);
    return r;
}

int sms_store_recovering(sms_store *s)
{
    pthread_mutex_lock(&s->mx);
    int r = s->recovering;
    pthread_mutex_unlock(&s->mx);
    return r;
}

long long sms_store_db_ms(sms_store *s)
{
    pthread_mutex_lock(&s->mx);
    long long ms = s->db_ms;
    pthread_mutex_unlock(&s->mx);
    return ms;
}
