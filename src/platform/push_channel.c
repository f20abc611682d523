/* push_channel.c -- the messenger channel's sender thread: see
 * push_channel.h for what each kind of answer means. One batch is in
 * flight at a time, so the alerts this channel holds as submitting are
 * exactly the batch in hand, and queueing the channel's submitting
 * alerts again after an unknown outcome touches nothing else. */
#include "push_channel.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "buf.h"
#include "clock.h"
#include "crypto.h"
#include "http_client.h"
#include "log.h"
#include "platform.h"
#include "push_answer.h"
#include "push_signature.h"

#define BACKOFF_FIRST_MS 100
#define BACKOFF_MAX_MS 30000
#define RETRY_AFTER_MAX_MS (10L * 60 * 1000)
/* How often an idle channel looks for new alerts. */
#define IDLE_POLL_MS 50

struct push_channel {
    char url[512];
    char *key; /* secure memory */
    size_t keylen;
    long batch, timeout_ms;
    long batch_set; /* [push] batch: batch is halved after a 413, then back to it */
    /* While a batch the gateway refused (400, 422) is split: the size
     * batches go back to once an alert refused on its own is found, or
     * the batch's last alert (split_last, its largest id) has passed;
     * else 0. */
    long batch_whole;
    long long split_last;
    struct platform *p;

    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    int stopping, running;
    /* A gateway may post a receipt before its answer to the batch is
     * recorded here: in_flight is set while a batch is posted and its
     * answer recorded, and each settled post counts a round and wakes
     * the receipts waiting on settled (push_channel_wait_settled). */
    pthread_cond_t settled;
    int in_flight;
    long long rounds;

    /* The batch in hand: claimed, posted until the gateway answers. */
    long long *ids;
    push_result *results; /* the answer's, as read */
    int n;
    /* Its outcome is unknown, and queueing it again failed (a database
     * error): that is tried again before anything is posted. */
    int requeue_due;
    buf body;
};

typedef enum round_result {
    ROUND_IDLE,    /* nothing queued */
    ROUND_DONE,    /* a batch answered (or failed for good): look again at once */
    ROUND_RETRY,   /* the batch is held for another post after a delay */
    ROUND_UNKNOWN, /* the batch's outcome is unknown: queued again, then a delay */
} round_result;

int push_channel_configured(const config *cfg)
{
    for (size_t i = 0; i < cfg->count; i++)
        if (!strcmp(cfg->entries[i].section, "push"))
            return 1;
    return 0;
}

static int read_push_key(push_channel *c, const config *cfg, char *err, size_t errlen)
{
    const char *v = config_require(cfg, "push", "key_file", err, errlen);
    char path[PATH_MAX];

    if (!v)
        return -1;
    config_path(cfg, v, path, sizeof path);
    if (!(c->key = secure_alloc(PUSH_KEY_MAX + 2))) {
        snprintf(err, errlen, "cannot allocate secure memory");
        return -1;
    }
    /* One line of text, refused when others may read it, as API keys are. */
    if (http_client_read_key(path, c->key, PUSH_KEY_MAX + 2, err, errlen) != 0)
        return -1;
    c->keylen = strlen(c->key);
    return 0;
}

push_channel *push_channel_open(const config *cfg, char *err, size_t errlen)
{
    push_channel *c = calloc(1, sizeof *c);
    const char *url;

    if (!c) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (!(url = config_require(cfg, "push", "url", err, errlen)))
        goto fail;
    if (strlen(url) >= sizeof c->url ||
        (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)) {
        snprintf(err, errlen, "%s: [push] url must be an http:// or https:// URL of at most %zu bytes",
                 cfg->path, sizeof c->url - 1);
        goto fail;
    }
    memcpy(c->url, url, strlen(url) + 1);
    if (read_push_key(c, cfg, err, errlen) != 0 ||
        config_long(cfg, "push", "batch", 500, 1, BATCH_MAX_ITEMS, &c->batch, err, errlen) ||
        config_long(cfg, "push", "timeout_ms", 5000, 100, 120000, &c->timeout_ms, err, errlen))
        goto fail;
    c->batch_set = c->batch;
    if (!(c->ids = calloc((size_t)c->batch, sizeof *c->ids)) ||
        !(c->results = calloc((size_t)c->batch, sizeof *c->results))) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    return c;
fail:
    push_channel_free(c);
    return NULL;
}

void push_channel_free(push_channel *c)
{
    if (!c)
        return;
    if (c->key)
        secure_free(c->key);
    free(c->ids);
    free(c->results);
    buf_free(&c->body);
    free(c);
}

int push_channel_check(const push_channel *c, const char *header, const char *body,
                       size_t len, char *err, size_t errlen)
{
    return push_signature_check(header, (const uint8_t *)c->key, c->keylen, clock_now_ms(),
                                body, len, err, errlen);
}

int push_reference_ok(const char *s, size_t len)
{
    if (len == 0 || len > PUSH_REFERENCE_MAX)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (s[i] <= ' ' || s[i] > '~')
            return 0;
    return 1;
}

/* ---- claiming a batch */

static void add_alert(void *ctx, const outbox_alert *a)
{
    push_channel *c = ctx;

    buf_printf(&c->body, "%s{\"id\":\"%lld\",\"phone\":", c->n ? "," : "", a->id);
    buf_json_string(&c->body, a->phone);
    buf_puts(&c->body, ",\"text\":");
    buf_json_string(&c->body, a->text);
    buf_puts(&c->body, "}");
    c->ids[c->n++] = a->id;
}

/* Claims the next batch into c->body and c->ids: how many, 0 when none,
 * -1 on an error (then nothing is held; c->body may be broken even when
 * alerts were claimed, out of memory). */
static int claim_batch(push_channel *c)
{
    char now[25];
    int n;

    buf_free(&c->body);
    buf_init(&c->body, 4096);
    buf_puts(&c->body, "{\"alerts\":[");
    c->n = 0;
    clock_rfc3339_ms(now, clock_now_ms());
    pthread_mutex_lock(&c->p->lock);
    n = platform_db_outbox_claim(c->p->db, PUSH_CHANNEL, (int)c->batch, now, add_alert, c);
    pthread_mutex_unlock(&c->p->lock);
    buf_puts(&c->body, "]}");
    if (n < 0)
        c->n = 0;
    return n;
}

/* ---- the gateway's answer */

/* Records c->results in one transaction: how many were accepted, or -1
 * (rolled back). */
static int results_record(push_channel *c)
{
    platform *p = c->p;
    char now[25];
    int rc = 0, accepted = 0;

    clock_rfc3339_ms(now, clock_now_ms());
    pthread_mutex_lock(&p->lock);
    if (platform_db_begin(p->db) != 0) {
        pthread_mutex_unlock(&p->lock);
        return -1;
    }
    for (int i = 0; i < c->n && rc >= 0; i++) {
        const push_result *r = &c->results[i];
        if (r->accepted)
            accepted += (rc = platform_db_outbox_accepted(p->db, PUSH_CHANNEL, c->ids[i],
                                                          r->message_id, now)) == 1;
        else
            rc = platform_db_outbox_failed(p->db, c->ids[i], r->reason, now);
    }
    if (rc < 0 || platform_db_commit(p->db) != 0) {
        platform_db_rollback(p->db);
        rc = -1;
    }
    pthread_mutex_unlock(&p->lock);
    return rc < 0 ? -1 : accepted;
}

/* Queues the batch of unknown outcome again, each alert once: 0, or -1
 * on a database error, the batch then kept in hand with requeue_due set:
 * still submitting, it holds back the hub's reports until it is queued. */
static int requeue_batch(push_channel *c)
{
    char now[25];
    int queued, failed = 0;

    clock_rfc3339_ms(now, clock_now_ms());
    pthread_mutex_lock(&c->p->lock);
    queued = platform_db_outbox_requeue(c->p->db, PUSH_CHANNEL, now, &failed);
    pthread_mutex_unlock(&c->p->lock);
    if (queued < 0) {
        c->requeue_due = 1;
        log_error("push: database error queueing %d alerts of unknown outcome again; tried "
                  "again before the next post", c->n);
        return -1;
    }
    log_warn("push: %d alerts queued again as possible duplicates; %d failed, their "
             "outcome unknown twice", queued, failed);
    c->requeue_due = 0;
    c->n = 0;
    return 0;
}

/* The batch's outcome is unknown: back to the queue, each once. */
static round_result unknown_outcome(push_channel *c)
{
    requeue_batch(c);
    return ROUND_UNKNOWN;
}

/* Runs one(c, i, ctx) for each alert of the batch in one transaction:
 * how many returned 1, or -1 (nothing kept) on a database error. */
static int each_alert(push_channel *c, int (*one)(push_channel *c, int i, void *ctx), void *ctx)
{
    int n = 0, rc = 0;

    pthread_mutex_lock(&c->p->lock);
    if (platform_db_begin(c->p->db) == 0) {
        for (int i = 0; i < c->n && rc >= 0; i++)
            n += (rc = one(c, i, ctx)) == 1;
        if (rc < 0 || platform_db_commit(c->p->db) != 0) {
            platform_db_rollback(c->p->db);
            rc = -1;
        }
    } else {
        rc = -1;
    }
    pthread_mutex_unlock(&c->p->lock);
    return rc < 0 ? -1 : n;
}

static int unclaim_one(push_channel *c, int i, void *ctx)
{
    (void)ctx;
    return platform_db_outbox_unclaim(c->p->db, PUSH_CHANNEL, c->ids[i]);
}

/* The batch in hand, which the gateway did not take, back to the queue
 * as it was: not as possible duplicates, its attempt not counted. How
 * many went back, or -1 (a database error: still in hand). */
static int put_back(push_channel *c)
{
    int back = each_alert(c, unclaim_one, NULL);

    if (back >= 0)
        c->n = 0;
    return back;
}

/* The batch was claimed but never sent (out of memory building it). */
static round_result never_sent(push_channel *c)
{
    int back = put_back(c);

    if (back < 0) /* kept claimed: requeued as possible duplicates, which they may not be */
        return unknown_outcome(c);
    log_warn("push: %d alerts never sent went back to the queue", back);
    return ROUND_RETRY;
}

/* The largest id of the batch in hand (claimed urgent ones first, so
 * not always the last). */
static long long largest_id(const push_channel *c)
{
    long long max = 0;

    for (int i = 0; i < c->n; i++)
        if (c->ids[i] > max)
            max = c->ids[i];
    return max;
}

/* The batch in hand was answered. Put-back alerts are claimed again
 * oldest first, so once the last of a split batch is answered, the split
 * is over: batches go back to their size, though no alert was refused on
 * its own (the gateway refused some alerts only together). */
static void split_through(push_channel *c)
{
    if (!c->batch_whole || largest_id(c) < c->split_last)
        return;
    c->batch = c->batch_whole;
    c->batch_whole = 0;
    log_info("push: the batch the gateway refused is through; batches of up to %ld again",
             c->batch);
}

static round_result answered_2xx(push_channel *c, int status, const buf *reply)
{
    char why[320];
    int accepted;
    json_t *root = push_answer_read(reply->data ? reply->data : "", reply->len, c->ids, c->n,
                                    c->results, why, sizeof why);

    if (!root) {
        log_warn("push gateway: HTTP %d answer to %d alerts is unusable, %s; their outcome "
                 "is unknown", status, c->n, why);
        return unknown_outcome(c);
    }
    accepted = results_record(c);
    json_decref(root);
    if (accepted < 0) {
        log_error("push: database error recording %d answers", c->n);
        return unknown_outcome(c); /* resent once, recorded as a duplicate */
    }
    log_info("push: %d alerts, %d accepted, %d rejected", c->n, accepted, c->n - accepted);
    split_through(c);
    c->n = 0;
    return ROUND_DONE;
}

static int fail_one(push_channel *c, int i, void *ctx)
{
    const char *const *why = ctx; /* the reason, the time */

    return platform_db_outbox_failed(c->p->db, c->ids[i], why[0], why[1]);
}

/* Each alert of the batch fails with reason: how many, or -1 (a
 * database error: the batch stays in hand). */
static int fail_batch(push_channel *c, const char *reason)
{
    char now[25];
    const char *why[2] = {reason, now};
    int failed;

    clock_rfc3339_ms(now, clock_now_ms());
    if ((failed = each_alert(c, fail_one, why)) >= 0)
        c->n = 0;
    return failed;
}

/* The gateway refused the batch as it is: each alert fails. */
static round_result refused_batch(push_channel *c, int status)
{
    char reason[64];
    int failed;

    snprintf(reason, sizeof reason, "push gateway refused the batch: HTTP %d", status);
    if ((failed = fail_batch(c, reason)) < 0)
        return ROUND_RETRY;
    log_warn("push: %s; %d alerts failed", reason, failed);
    return ROUND_DONE;
}

/* The one alert in hand, which the gateway refuses on its own: it fails,
 * and batches go back to their size before the split. */
static round_result refused_alone(push_channel *c, int status, const char *said)
{
    char reason[64];
    long long id = c->ids[0];

    snprintf(reason, sizeof reason, "push gateway refused the alert: HTTP %d", status);
    if (fail_batch(c, reason) < 0)
        return ROUND_RETRY;
    if (!c->batch_whole) {
        log_warn("push gateway refused alert %lld (HTTP %d: %s): it failed", id, status, said);
        return ROUND_DONE;
    }
    c->batch = c->batch_whole;
    c->batch_whole = 0;
    log_warn("push gateway refused alert %lld on its own (HTTP %d: %s): it failed; batches of "
             "up to %ld again", id, status, said, c->batch);
    return ROUND_DONE;
}

/* A 400 or 422 says something in the batch is wrong, mostly one alert
 * (a phone or text the gateway will not take), and that it took none:
 * failing the batch for it would fail hundreds that would pass. So the
 * batch goes back to the queue, its attempt not counted, and batches are
 * halved, which claims it again in halves (the queue gives back what was
 * put back first) and halves again only the half refused, down to the
 * alert refused on its own, which fails. Each refusal halves the batches
 * until one alert fails or the batch's last alert passes, so a refused
 * alert costs at most about log2(batch) posts, and those are posted at
 * once: the gateway answered, and the halves are not the batch it
 * refused. */
static round_result refused_split(push_channel *c, int status, const buf *reply)
{
    char said[128];
    int n = c->n;
    long long last = largest_id(c);

    push_answer_shown(reply->data, reply->len, said, sizeof said);
    if (n == 1)
        return refused_alone(c, status, said);
    if (put_back(c) < 0)
        return unknown_outcome(c); /* kept claimed: possible duplicates, which they are not */
    if (!c->batch_whole) {
        c->batch_whole = c->batch;
        c->split_last = last;
    }
    c->batch = n / 2;
    log_warn("push gateway refused a batch of %d alerts (HTTP %d: %s), taking none: sent again "
             "in batches of at most %ld to find the alert it refuses, which alone fails",
             n, status, said, c->batch);
    return ROUND_DONE;
}

/* Too large is ours to mend: the batch goes back to the queue and is
 * claimed again in halves, down to one alert, which fails like any
 * refused batch if even it is too large. That alert was what made the
 * batches too large, as far as can be told: they go back to their
 * configured size, or one such alert would leave the channel posting one
 * alert a request until a restart. */
static round_result too_large(push_channel *c)
{
    round_result r;

    if (c->n > 1) {
        c->batch = c->n / 2;
        if (c->batch_whole > c->batch) /* a split ends no larger than what passes */
            c->batch_whole = c->batch;
        log_warn("push gateway: a batch of %d alerts is too large (HTTP 413): batches of at "
                 "most %ld until a restart or an alert too large on its own (set [push] batch "
                 "to keep it so)", c->n, c->batch);
        return never_sent(c);
    }
    r = refused_batch(c, 413);
    if (r == ROUND_DONE && c->batch != c->batch_set) {
        c->batch = c->batch_set;
        c->batch_whole = 0;
        log_info("push: an alert too large on its own failed; batches of up to %ld again "
                 "([push] batch)", c->batch);
    }
    return r;
}

static int flag_one(push_channel *c, int i, void *ctx)
{
    (void)ctx;
    return platform_db_outbox_flag_duplicate(c->p->db, c->ids[i]);
}

/* A proxy in front of the gateway (or the gateway's own front end)
 * answers 502 when it got no usable answer from the gateway, and 504 when
 * none came in time: either may follow the gateway taking the batch, but
 * mostly means the gateway could not be reached. So the batch stays in
 * hand, its alerts flagged possible duplicates, and is posted again with
 * the same ids after the growing delay, as long as the proxy says so: a
 * gateway that took it knows the ids. Counted as unknown outcomes, a
 * gateway restarting behind its proxy failed batch after batch of alerts
 * for good within a second. */
static round_result held_as_duplicates(push_channel *c, const char *err)
{
    if (each_alert(c, flag_one, NULL) < 0)
        return unknown_outcome(c);
    log_warn("push gateway: %s, which a proxy or the gateway may send after the batch was "
             "taken: %d alerts kept for retry, flagged possible duplicates", err, c->n);
    return ROUND_RETRY;
}

static round_result answered(push_channel *c, int status, const buf *reply, const char *err)
{
    if (status / 100 == 2)
        return answered_2xx(c, status, reply);
    if (status == 401 || status == 403) {
        log_error("push gateway refused our signature (HTTP %d): is [push] key_file the "
                  "gateway's key? %d alerts kept for retry", status, c->n);
        return ROUND_RETRY;
    }
    if (status == 413)
        return too_large(c);
    if (status == 400 || status == 422)
        return refused_split(c, status, reply);
    /* A proxy in front of the gateway (or the gateway's own front end)
     * answers 502 when it got no usable answer from the gateway and 504
     * when none came in time: either may follow the gateway taking the
     * batch. */
    if (status == 502 || status == 504)
        return held_as_duplicates(c, err);
    /* 429, 500, 503 and the other 5xx: took none; 404, 405: a wrong url;
     * 408: ask again; 1xx, 3xx: nothing a gateway of this contract sends,
     * so nothing to act on */
    if (status / 100 != 4 || status == 429 || status == 408 || status == 404 || status == 405) {
        log_warn("push gateway: %s; %d alerts kept for retry", err, c->n);
        return ROUND_RETRY;
    }
    return refused_batch(c, status);
}

static void flight(push_channel *c, int on)
{
    pthread_mutex_lock(&c->lock);
    c->in_flight = on;
    if (!on) {
        c->rounds++;
        pthread_cond_broadcast(&c->settled);
    }
    pthread_mutex_unlock(&c->lock);
}

long long push_channel_rounds(push_channel *c)
{
    long long n;

    pthread_mutex_lock(&c->lock);
    n = c->rounds;
    pthread_mutex_unlock(&c->lock);
    return n;
}

int push_channel_wait_settled(push_channel *c, long long since)
{
    struct timespec ts = clock_mono_after_ms(c->timeout_ms + 1000 < PUSH_SETTLE_WAIT_MS
                                                 ? c->timeout_ms + 1000
                                                 : PUSH_SETTLE_WAIT_MS);
    int settled = 0;

    pthread_mutex_lock(&c->lock);
    if (c->rounds != since) {
        settled = 1;
    } else if (c->running && c->in_flight) {
        long long round = c->rounds;
        while (c->rounds == round && !c->stopping)
            if (pthread_cond_timedwait(&c->settled, &c->lock, &ts) == ETIMEDOUT)
                break;
        settled = c->rounds != round;
    }
    pthread_mutex_unlock(&c->lock);
    return settled;
}

/* Posts the batch in hand (claiming one first if none is held). */
static round_result push_round(push_channel *c, http_client *gw)
{
    char sig[PUSH_SIGNATURE_MAX], header[sizeof PUSH_SIGNATURE_HEADER + PUSH_SIGNATURE_MAX + 4];
    char err[512] = "";
    buf reply;
    int status, unsent;
    round_result r;

    if (c->requeue_due && requeue_batch(c) != 0)
        return ROUND_UNKNOWN; /* nothing is posted before it is queued again */
    if (c->n == 0) {
        int n = claim_batch(c);
        if (n <= 0)
            return n == 0 ? ROUND_IDLE : ROUND_RETRY;
        if (c->body.broken) {
            log_error("push: out of memory building a batch of %d alerts", n);
            return never_sent(c);
        }
    }
    push_signature_make(sig, (const uint8_t *)c->key, c->keylen, clock_now_ms(), c->body.data,
                        c->body.len);
    snprintf(header, sizeof header, "%s: %s", PUSH_SIGNATURE_HEADER, sig);
    buf_init(&reply, 1024);
    flight(c, 1);
    status = http_client_post_raw(gw, "", header, c->body.data, c->body.len, c->timeout_ms,
                                  &reply, &unsent, err, sizeof err);
    if (status == 0 && unsent) {
        log_warn("push gateway: %s; %d alerts kept for retry", err, c->n);
        r = ROUND_RETRY;
    } else if (status == 0) {
        log_warn("push gateway: %s; the outcome of %d alerts is unknown", err, c->n);
        r = unknown_outcome(c);
    } else {
        snprintf(err, sizeof err, "HTTP %d", status);
        r = answered(c, status, &reply, err);
    }
    flight(c, 0);
    buf_free(&reply);
    return r;
}

/* ---- the thread */

/* At stop, the batch still in hand. One held for a retry is one the
 * gateway never took (nothing was sent, or it answered so), and goes
 * back to the queue as never sent: kept claimed, the next start would
 * flag it a possible duplicate, and one unknown outcome then would fail
 * it. One whose outcome is unknown stays claimed for the next start to
 * queue again as such. */
static void release_held(push_channel *c)
{
    int n = c->n, back;

    if (c->requeue_due) {
        log_warn("push: stopping with %d alerts of unknown outcome still claimed; the next "
                 "start queues them again as possible duplicates", n);
        return;
    }
    if ((back = each_alert(c, unclaim_one, NULL)) < 0) {
        log_error("push: stopping with %d alerts held for retry, which the gateway never "
                  "took; a database error kept them claimed: the next start sends them again, "
                  "flagged as possible duplicates", n);
        return;
    }
    log_warn("push: stopping with %d alerts held for retry: %d went back to the queue, not "
             "counted as an attempt (those a 502 or 504 left unknown keep their flag)", n, back);
    c->n = 0;
}

static void wait_ms(push_channel *c, long ms)
{
    struct timespec ts = clock_mono_after_ms(ms);

    while (!c->stopping)
        if (pthread_cond_timedwait(&c->wake, &c->lock, &ts) == ETIMEDOUT)
            break;
}

/* The wait before the batch is posted again: the backoff, or the
 * Retry-After a 429 or 503 asked for when longer (at most
 * RETRY_AFTER_MAX_MS: the alerts' news grows stale meanwhile). */
static long asked_wait(const http_client *gw, long backoff)
{
    long after_s = gw ? http_client_retry_after_s(gw) : -1;
    long after = after_s < 0 ? 0 : after_s > RETRY_AFTER_MAX_MS / 1000 ? RETRY_AFTER_MAX_MS
                                                                      : after_s * 1000;

    if (after <= backoff)
        return backoff;
    log_info("push gateway: waiting the %ld s it asked for (Retry-After)", after / 1000);
    return after;
}

static void *push_main(void *arg)
{
    push_channel *c = arg;
    http_client *gw = http_client_new(c->url, NULL);
    long backoff = 0;

    if (!gw)
        log_error("push: cannot make an HTTP client for %s", c->url);
    pthread_mutex_lock(&c->lock);
    while (!c->stopping) {
        pthread_mutex_unlock(&c->lock);
        round_result r = gw ? push_round(c, gw) : ROUND_RETRY;
        pthread_mutex_lock(&c->lock);
        if (r == ROUND_DONE) {
            backoff = 0;
            continue;
        }
        if (r == ROUND_IDLE) {
            backoff = 0;
            wait_ms(c, IDLE_POLL_MS);
            continue;
        }
        backoff = !backoff ? BACKOFF_FIRST_MS
                           : backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
        wait_ms(c, asked_wait(gw, backoff));
    }
    pthread_mutex_unlock(&c->lock);
    if (c->n)
        release_held(c);
    http_client_free(gw);
    return NULL;
}

int push_channel_start(push_channel *c, struct platform *p)
{
    c->p = p;
    c->stopping = 0;
    /* Waits on the monotonic clock: a wall clock stepped back would stall
     * the channel for as long. */
    if (clock_mono_cond_init(&c->wake) != 0)
        return -1;
    if (clock_mono_cond_init(&c->settled) != 0) {
        pthread_cond_destroy(&c->wake);
        return -1;
    }
    pthread_mutex_init(&c->lock, NULL);
    if (pthread_create(&c->thread, NULL, push_main, c) != 0) {
        pthread_cond_destroy(&c->settled);
        pthread_cond_destroy(&c->wake);
        pthread_mutex_destroy(&c->lock);
        return -1;
    }
    c->running = 1;
    log_info("push: posting alerts to %s in batches of up to %ld, timeout %ld ms", c->url,
             c->batch, c->timeout_ms);
    return 0;
}

void push_channel_stop(push_channel *c)
{
    if (!c || !c->running)
        return;
    pthread_mutex_lock(&c->lock);
    c->stopping = 1;
    pthread_cond_signal(&c->wake);
    pthread_cond_broadcast(&c->settled);
    pthread_mutex_unlock(&c->lock);
    pthread_join(c->thread, NULL);
    c->running = 0;
    pthread_cond_destroy(&c->settled);
    pthread_cond_destroy(&c->wake);
    pthread_mutex_destroy(&c->lock);
}
