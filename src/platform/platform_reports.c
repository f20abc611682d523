/* platform_reports.c -- the background thread that tells the hub what
 * happened: ConsignmentNotification events (ContentConsignment travels in
 * the relay answer), ConsignmentNotificationDelivery for alerts a receipt
 * said were delivered, ConsignmentNotificationFailure for alerts that
 * failed, each naming the alert's channel and reference, ConsentAcceptance
 * and ContentConsignment for pre-noticed notices whose member consented,
 * and directory changes (consent given or withdrawn).
 *
 * Each alert a channel accepted is a ConsignmentNotification to report.
 * Request handlers only append rows (outbox, directory queue)
 * inside their own transactions; this thread sends them in batches of up
 * to 10,000 over one kept-alive connection, and once the hub has answered
 * it moves the outbox's cursors past them or deletes the directory rows. A failed
 * call leaves everything where it was and is retried with growing delays,
 * so a hub outage loses nothing and costs no request latency. The hub
 * treats a repeated report as a duplicate, which makes "send, crash
 * before the cursor moves, send again" safe. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "batch.h"
#include "buf.h"
#include "field.h"
#include "http_client.h"
#include "log.h"
#include "platform_reports.h"

#define BACKOFF_MAX_MS 30000

typedef struct report {
    buf body;
    long long last_id;
    int n;
} report;

/* Opens one report item: {"notice":…,"event":…,"at":…, with the alert's
 * channel and reference when they are what the hub takes (a reference
 * it would refuse costs the item; the report is worth more without it).
 * The event is named in each item, not once in "common": a hub older than
 * that convention would refuse every item (protocol.md, "Common fields"). */
static void open_item(report *b, const char *event, const outbox_report *r)
{
    buf_puts(&b->body, b->n ? "," : "");
    buf_puts(&b->body, "{\"notice\":");
    buf_json_string(&b->body, r->notice);
    buf_puts(&b->body, ",\"event\":\"");
    buf_puts(&b->body, event);
    buf_puts(&b->body, "\",\"at\":");
    buf_json_string(&b->body, r->at);
    if (r->channel && field_channel_ok(r->channel, strlen(r->channel))) {
        buf_puts(&b->body, ",\"channel\":");
        buf_json_string(&b->body, r->channel);
        if (r->reference && field_channel_ref_ok(r->reference, strlen(r->reference))) {
            buf_puts(&b->body, ",\"reference\":");
            buf_json_string(&b->body, r->reference);
        }
    }
    b->last_id = r->seq;
    b->n++;
}

static void add_event(void *ctx, const outbox_report *r)
{
    report *b = ctx;

    open_item(b, "ConsignmentNotification", r);
    buf_puts(&b->body, "}");
}

static void add_delivery(void *ctx, const outbox_report *r)
{
    report *b = ctx;

    open_item(b, "ConsignmentNotificationDelivery", r);
    buf_puts(&b->body, "}");
}

static void add_failure(void *ctx, const outbox_report *r)
{
    report *b = ctx;

    open_item(b, "ConsignmentNotificationFailure", r);
    buf_puts(&b->body, ",\"reason\":");
    if (r->reason)
        buf_json_string(&b->body, r->reason);
    else
        buf_puts(&b->body, "null");
    buf_puts(&b->body, "}");
}

/* A pre-noticed member consented: ConsentAcceptance, then the
 * ContentConsignment a relay's answer would have carried. */
static void add_consent(void *ctx, long long seq, const char *notice, const char *at)
{
    static const char *const events[] = {"ConsentAcceptance", "ContentConsignment"};
    const outbox_report r = {.seq = seq, .notice = notice, .at = at};
    report *b = ctx;

    for (int i = 0; i < 2; i++) {
        open_item(b, events[i], &r);
        buf_puts(&b->body, "}");
    }
}

static void add_entry(void *ctx, long long id, const char *rk, int consent, int preference)
{
    report *b = ctx;

    buf_printf(&b->body, "%s{\"rk\":\"%s\",\"consent\":%s,\"preference\":%d}", b->n ? "," : "",
               rk, consent ? "true" : "false", preference);
    b->last_id = id;
    b->n++;
}

/* Counts per-item errors in the hub's answer, for the log. */
static size_t item_errors(json_t *reply)
{
    json_t *v;
    size_t i, bad = 0;

    json_array_foreach(json_object_get(reply, "results"), i, v)
        bad += json_object_get(v, "error") != NULL;
    return bad;
}

/* The queues, in the order a round empties them: a delivery or a failure
 * waits for its alert's notification (platform_db_deliveries_batch), and
 * a consent's ContentConsignment goes before the notification of the
 * alert it queued. */
typedef enum queue {
    QUEUE_CONSENTS, QUEUE_EVENTS, QUEUE_DELIVERIES, QUEUE_FAILURES, QUEUE_DIRECTORY, QUEUES
} queue;

static const char *const queue_name[QUEUES] = {"consent events", "events", "deliveries", "failures",
                                               "directory entries"};

static int queue_batch(platform *p, queue q, report *b)
{
    switch (q) {
    case QUEUE_CONSENTS: /* two events each */
        return platform_db_consent_batch(p->db, BATCH_MAX_ITEMS / 2, add_consent, b) < 0
                   ? -1
                   : b->n;
    case QUEUE_EVENTS:
        return platform_db_events_batch(p->db, BATCH_MAX_ITEMS, add_event, b);
    case QUEUE_DELIVERIES:
        return platform_db_deliveries_batch(p->db, BATCH_MAX_ITEMS, add_delivery, b);
    case QUEUE_FAILURES:
        return platform_db_failures_batch(p->db, BATCH_MAX_ITEMS, add_failure, b);
    default:
        return platform_db_directory_batch(p->db, BATCH_MAX_ITEMS, add_entry, b);
    }
}

static int queue_done(platform *p, queue q, long long last_id)
{
    switch (q) {
    case QUEUE_CONSENTS:
        return platform_db_consent_reported_upto(p->db, last_id);
    case QUEUE_EVENTS:
        return platform_db_events_reported_upto(p->db, last_id);
    case QUEUE_DELIVERIES:
        return platform_db_deliveries_reported_upto(p->db, last_id);
    case QUEUE_FAILURES:
        return platform_db_failures_reported_upto(p->db, last_id);
    default:
        return platform_db_directory_delete_upto(p->db, last_id);
    }
}

/* Sends one batch of one queue. Returns the number sent (0: queue empty),
 * or -1 when the hub could not take it. */
static int send_queue(platform *p, http_client *hub, queue q)
{
    int events = q != QUEUE_DIRECTORY;
    report b = {0};
    json_t *reply = NULL;
    char err[512] = ""; /* the client fills it only when the call failed */
    int status, n;

    buf_init(&b.body, 1 << 16);
    buf_puts(&b.body, events ? "{\"events\":[" : "{\"entries\":[");
    pthread_mutex_lock(&p->lock);
    n = queue_batch(p, q, &b);
    pthread_mutex_unlock(&p->lock);
    buf_puts(&b.body, "]}");
    if (n <= 0 || b.body.broken) {
        int broken = b.body.broken;
        buf_free(&b.body);
        return n < 0 || broken ? -1 : 0;
    }
    status = http_client_call(hub, "POST", events ? "/v1/events" : "/v1/directory",
                              b.body.data, b.body.len, &reply, err, sizeof err);
    buf_free(&b.body);
    if (status != 200) {
        log_warn("hub: %d %s kept for retry: %s", n, queue_name[q], status ? err : "no answer");
        json_decref(reply);
        return -1;
    }
    size_t bad = item_errors(reply);
    json_decref(reply);
    if (bad) /* an item the hub refuses will not improve by resending */
        log_warn("hub refused %zu of %d %s", bad, n, queue_name[q]);
    pthread_mutex_lock(&p->lock);
    int rc = queue_done(p, q, b.last_id);
    pthread_mutex_unlock(&p->lock);
    log_info("hub: sent %d %s", n, queue_name[q]);
    return rc == 0 ? n : -1;
}

/* Forgets expired sessions and the sign-in and sign-up limits' rows
 * that slow no one any more (each an indexed DELETE, cheap at this pace). */
static void expire_sessions(platform *p)
{
    pthread_mutex_lock(&p->lock);
    platform_db_sessions_expire(p->db, clock_now_ms());
    platform_db_guard_expire(p->db, clock_now_ms());
    pthread_mutex_unlock(&p->lock);
}

/* One round: returns 0 when every queue was emptied, -1 on a failure. */
static int report_round(platform *p, http_client *hub)
{
    int n;

    expire_sessions(p);
    for (queue q = 0; q < QUEUES; q++) {
        while ((n = send_queue(p, hub, q)) == BATCH_MAX_ITEMS)
            ;
        if (n < 0)
            return -1;
    }
    return 0;
}

static void wait_ms(platform *p, long ms, int wake_early)
{
    struct timespec ts;

    ts = clock_mono_after_ms(ms);
    while (!p->rep_stopping && !(wake_early && p->rep_pending))
        if (pthread_cond_timedwait(&p->rep_wake, &p->rep_lock, &ts) == ETIMEDOUT)
            break;
}

static void *reporter_main(void *arg)
{
    platform *p = arg;
    http_client *hub = http_client_new(p->hub_url, p->hub_key);
    long backoff = 0;

    pthread_mutex_lock(&p->rep_lock);
    while (!p->rep_stopping) {
        if (backoff)
            wait_ms(p, backoff, 0);       /* the hub is down: do not hammer it */
        else
            wait_ms(p, p->report_interval_ms, 1);
        p->rep_pending = 0;
        int stopping = p->rep_stopping;
        pthread_mutex_unlock(&p->rep_lock);
        if (!stopping || !backoff) {
            if (hub && report_round(p, hub) == 0)
                backoff = 0;
            else
                backoff = backoff ? (backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2)
                                  : 500;
        }
        pthread_mutex_lock(&p->rep_lock);
    }
    pthread_mutex_unlock(&p->rep_lock);
    http_client_free(hub);
    return NULL;
}

int platform_reports_start(platform *p)
{
    /* Waits on the monotonic clock: a wall clock stepped back would hold
     * the reports for as long. */
    if (clock_mono_cond_init(&p->rep_wake) != 0)
        return -1;
    pthread_mutex_init(&p->rep_lock, NULL);
    if (pthread_create(&p->reporter, NULL, reporter_main, p) != 0) {
        pthread_mutex_destroy(&p->rep_lock);
        pthread_cond_destroy(&p->rep_wake);
        return -1;
    }
    p->rep_running = 1;
    return 0;
}

void platform_reports_wake(platform *p)
{
    pthread_mutex_lock(&p->rep_lock);
    p->rep_pending = 1;
    pthread_cond_signal(&p->rep_wake);
    pthread_mutex_unlock(&p->rep_lock);
}

/* Stops after a last round, so reports made just before shutdown still
 * leave (unless the hub is already known to be down: they stay queued). */
void platform_reports_stop(platform *p)
{
    if (!p->rep_running)
        return;
    pthread_mutex_lock(&p->rep_lock);
    p->rep_stopping = 1;
    pthread_cond_signal(&p->rep_wake);
    pthread_mutex_unlock(&p->rep_lock);
    pthread_join(p->reporter, NULL);
    p->rep_running = 0;
    pthread_cond_destroy(&p->rep_wake);
    pthread_mutex_destroy(&p->rep_lock);
}
