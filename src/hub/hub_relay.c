/* hub_relay.c -- the relay workers: accepted notices to platforms.
 *
 * Each worker thread ([hub] relay_workers, two by default, so that one
 * records and claims while another's round is at the platforms) takes the
 * notices routed at submission and claims a batch of other accepted ones
 * (hub_db picks each one's next platform in the recipient's preference,
 * or sends it to postal when none is left), posts them to each platform
 * as one /v1/relay call, and records the answers in the same transaction
 * that claims the next batch (one commit per round, not two). A platform
 * that is down or answers 5xx costs its notices a retry with backoff,
 * never a busy loop; when nothing is due the worker sleeps until new
 * notices arrive or relay_interval_ms passes. One keep-alive client per
 * platform, and the platforms of a round are called at the same time. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "http_client.h"
#include "hub.h"
#include "hub_relay_body.h"
#include "log.h"
#include "str_copy.h"
#include "utf8.h"

typedef struct relay_call relay_call;

typedef struct relay {
    hub *h;
    http_client **clients; /* parallel to h->platforms */
    relay_call *calls;     /* parallel to h->platforms */
    hub_relay_item *items;
    size_t answered;       /* items relayed whose answers await recording */
    /* A round that failed in the store (PostgreSQL away, a conflict
     * between nodes) keeps its answers here and tries again after
     * backoff_ms: dropping them held their notices until their leases
     * ran out, 5 minutes later. */
    hub_relay_item *kept;
    long backoff_ms;
    unsigned failures;     /* rounds failed in a row */
    unsigned long spills;  /* the relay queue's, as the claim began */
    unsigned long rounds;  /* rounds whose claim the routed queue left empty */
} relay;

/* Backoff of a worker whose store fails: 100 ms, doubling to 2 s. */
#define RELAY_BACKOFF_MIN_MS 100
#define RELAY_BACKOFF_MAX_MS 2000

static void store_failed(relay *r, const char *what)
{
    if (r->failures++ == 0)
        log_error("relay: cannot %s (the store failed); %zu answers kept, trying again every"
                  " %d ms to %d ms",
                  what, r->answered, RELAY_BACKOFF_MIN_MS, RELAY_BACKOFF_MAX_MS);
    r->backoff_ms = r->backoff_ms ? r->backoff_ms * 2 : RELAY_BACKOFF_MIN_MS;
    if (r->backoff_ms > RELAY_BACKOFF_MAX_MS)
        r->backoff_ms = RELAY_BACKOFF_MAX_MS;
}

static void store_works(relay *r)
{
    if (r->failures)
        log_info("relay: the store works again after %u failed tries", r->failures);
    r->failures = 0;
    r->backoff_ms = 0;
}

/* A platform's reason goes into a leaf of the evidence log, which keeps
 * it for good and prints it on certificates: one showing what may be a
 * resident registration number is replaced, never kept (the hub holds no
 * RRN, and /v1/events refuses such a reason for the same cause). */
#define REASON_WITHHELD "the platform's reason was withheld: it held what may be a resident" \
                        " registration number"

static void withheld(char *reason, size_t cap)
{
    log_warn("relay: a platform's reason held what may be a resident registration number;"
             " recorded without it");
    str_copy(reason, cap, REASON_WITHHELD);
}

/* Withholds reason if it shows what may be an RRN. One cut from a longer
 * text first ends before the digits and hyphens it ends with: the cut may
 * have left the first digits of a number that was whole an RRN, which no
 * check would know again. */
static void withhold_rrn(char *reason, size_t cap, int cut)
{
    size_t len = strlen(reason);

    while (cut && len > 0 && ((reason[len - 1] >= '0' && reason[len - 1] <= '9') ||
                              reason[len - 1] == '-'))
        reason[--len] = '\0';
    if (field_text_has_rrn(reason, len))
        withheld(reason, cap);
}

/* The longest answer to a relay call taken: generous for what protocol.md
 * says a platform answers, short of a JSON tree that could fill memory. */
#define RELAY_REPLY_BASE ((size_t)64 << 10)
#define RELAY_REPLY_PER_ITEM ((size_t)4 << 10)

static void fail_all(relay *r, const size_t *idx, size_t n, const char *why)
{
    for (size_t i = 0; i < n; i++) {
        hub_relay_item *it = &r->items[idx[i]];
        size_t len;
        it->outcome = RELAY_FAILED;
        it->consigned = 0;
        /* why may quote a platform's or a proxy's own text, itself cut
         * (the HTTP client keeps 255 bytes of it) */
        int cut = snprintf(it->reason, sizeof it->reason, "%s", why) >= FIELD_REASON_MAX;
        /* a cut can end inside a character: a leaf that is not UTF-8 would
         * break the notice's certificate */
        len = strlen(it->reason);
        while (len > 0 && !utf8_valid(it->reason, len))
            it->reason[--len] = '\0';
        withhold_rrn(it->reason, sizeof it->reason, cut);
    }
}

/* Copies a platform's reason, keeping only printable text. */
static void copy_reason(char *dst, size_t cap, json_t *reason)
{
    const char *s = json_is_string(reason) ? json_string_value(reason) : "rejected";
    size_t n = 0;

    /* the whole text is judged, before a cut could hide a number */
    if (field_text_has_rrn(s, strlen(s))) {
        withheld(dst, cap);
        return;
    }
    for (; *s && n + 1 < cap; s++)
        dst[n++] = (unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s;
    dst[n] = '\0';
    /* A cut may end inside a character: end before it. (jansson gave
     * UTF-8, so a reason that fitted is left whole.) */
    while (n > 0 && !utf8_valid(dst, n))
        dst[--n] = '\0';
    withhold_rrn(dst, cap, *s != '\0');
}

static void read_answer(relay *r, const size_t *idx, size_t n, json_t *reply)
{
    json_t *results = json_object_get(reply, "results");

    if (json_array_size(results) != n) {
        fail_all(r, idx, n, "the platform's answer has the wrong number of results");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        hub_relay_item *it = &r->items[idx[i]];
        json_t *res = json_array_get(results, i);
        const char *id = json_string_value(json_object_get(res, "notice"));
        const char *status = json_string_value(json_object_get(res, "status"));

        it->outcome = RELAY_FAILED;
        it->consigned = 0;
        str_copy(it->reason, sizeof it->reason, "the platform's answer is malformed");
        if (!id || strcmp(id, it->n.id) != 0 || !status)
            continue;
        if (!strcmp(status, "accepted")) {
            it->outcome = RELAY_ACCEPTED;
            it->reason[0] = '\0';
            /* "received": already in the member's inbox (ContentConsignment). */
            it->consigned = json_is_string(json_object_get(res, "received"));
        } else if (!strcmp(status, "pre_noticed") && it->pre_notice) {
            /* held for the member, who was asked to consent */
            it->outcome = RELAY_PRE_NOTICED;
            it->reason[0] = '\0';
        } else if (!strcmp(status, "rejected")) {
            it->outcome = RELAY_REJECTED;
            copy_reason(it->reason, sizeof it->reason, json_object_get(res, "reason"));
        }
    }
}

/* Posts the items at idx (all for platform p, n > 0) as one call, the
 * request built in body. */
static void relay_to(relay *r, size_t p, buf *body, const size_t *idx, size_t n)
{
    char err[256], said[256], why[FIELD_REASON_MAX + 1];
    json_t *reply = NULL;
    int status;

    body->len = 0;
    body->broken = 0;
    hub_relay_body(body, r->items, idx, n, r->h->platforms[p].common);
    if (body->broken || !r->clients[p]) {
        fail_all(r, idx, n, "out of memory");
        return;
    }
    /* an answer is some 100 bytes an item, with a reason at most 200 */
    http_client_set_reply_max(r->clients[p], RELAY_REPLY_BASE + n * RELAY_REPLY_PER_ITEM);
    status = http_client_call(r->clients[p], "POST", "/v1/relay", body->data, body->len,
                              &reply, err, sizeof err);
    hub_platform_called(r->h, p, status == 200, clock_now_ms());
    if (status == 200) {
        read_answer(r, idx, n, reply);
    } else {
        snprintf(why, sizeof why, "%s: %s", r->h->platforms[p].name,
                 status ? err : "no answer");
        fail_all(r, idx, n, why);
        /* the client's words, as the leaf's: the platform's text in them
         * may have held an RRN */
        str_copy(said, sizeof said, err);
        withhold_rrn(said, sizeof said, strlen(said) + 1 >= sizeof said);
        log_warn("relay to %s: %zu notices not delivered (%s); will retry",
                 r->h->platforms[p].name, n, said);
    }
    json_decref(reply);
}

/* One platform's share of a round, relayed on a thread of its own. */
typedef struct relay_call {
    relay *r;
    size_t p, n, *idx;
    buf body;
    pthread_t thread;
    int started;
} relay_call;

static void *relay_call_main(void *arg)
{
    relay_call *c = arg;

    relay_to(c->r, c->p, &c->body, c->idx, c->n);
    return NULL;
}

/* Groups the claimed items by platform and relays the groups at the same
 * time: each platform's call takes as long as its database commit, and
 * waiting for them one after the other left the others idle. Each call
 * writes only its own items. */
static void relay_claimed(relay *r, size_t n)
{
    size_t *idx = malloc((n ? n : 1) * sizeof *idx), k = 0;
    relay_call *calls = r->calls;

    if (!idx) {
        for (size_t i = 0; i < n; i++)
            r->items[i].outcome = RELAY_FAILED;
        return;
    }
    for (size_t p = 0; p < r->h->nplatforms; p++) {
        relay_call *c = &calls[p];
        c->idx = idx + k;
        c->n = 0;
        c->started = 0;
        for (size_t i = 0; i < n; i++)
            if (!strcmp(r->items[i].n.platform, r->h->platforms[p].name))
                c->idx[c->n++] = i;
        k += c->n;
    }
    for (size_t p = 0; p < r->h->nplatforms; p++) {
        relay_call *c = &calls[p];
        if (!c->n)
            continue;
        /* The last group runs here; so does any whose thread cannot start. */
        int last = 1;
        for (size_t q = p + 1; q < r->h->nplatforms; q++)
            last &= calls[q].n == 0;
        c->started = !last && pthread_create(&c->thread, NULL, relay_call_main, c) == 0;
        if (!c->started)
            relay_to(r, p, &c->body, c->idx, c->n);
    }
    for (size_t p = 0; p < r->h->nplatforms; p++)
        if (calls[p].started)
            pthread_join(calls[p].thread, NULL);
    free(idx);
}

static int relay_known(void *ctx, const char *platform)
{
    relay *r = ctx;

    return hub_platform_known(r->h, platform);
}

/* Read inside the claim's transaction: a batch that spilled before it
 * committed before it too, so the claim sees its notices. */
static void relay_claiming(void *ctx)
{
    relay *r = ctx;

    r->spills = hub_relay_queue_spills(&r->h->routed);
}

/* One round: records the last round's answers, claims and relays the
 * next batch. Returns the number of notices it claimed (to relay or to
 * postal). */
static size_t relay_round(relay *r)
{
    hub *h = r->h;
    size_t n = 0, postal = 0, accepted = 0, batch = (size_t)h->relay_batch;
    /* Room for what submissions routed already, up to three quarters of
     * the round: a burst bigger than the relay must not starve them until
     * their leases end, nor starve the claim's retries and fallbacks. The
     * queue only grows meanwhile, so the take below gets at least this. */
    size_t queued = hub_relay_queue_count(&h->routed), most = batch - batch / 4;
    size_t claim = batch - (queued < most ? queued : most);
    /* A batch of 3 or less leaves no quarter: the claim takes one every
     * other round, so that neither side waits for the other's backlog. */
    if (claim == 0 && r->rounds++ % 2)
        claim = 1;
    int rc;

    /* The claim fills items from the start, over the answers it records:
     * a copy lets a failed round keep them. */
    if (r->answered)
        memcpy(r->kept, r->items, r->answered * sizeof *r->items);
    rc = hub_db_relay_next(h->db, r->items, r->answered, clock_now_ms(), claim, relay_known,
                           relay_claiming, r, &n, &postal);
    if (rc != 0) {
        if (r->answered)
            memcpy(r->items, r->kept, r->answered * sizeof *r->items);
        store_failed(r, "record answers and claim notices");
        return 0;
    }
    store_works(r);
    if (n + postal < claim) /* nothing more due in the database */
        hub_relay_queue_caught_up(&h->routed, r->spills);
    n += hub_relay_queue_take(&h->routed, r->items + n, batch - n);
    r->answered = n;
    if (n) {
        relay_claimed(r, n);
        for (size_t i = 0; i < n; i++)
            accepted += r->items[i].outcome == RELAY_ACCEPTED;
    }
    if (n || postal)
        log_info("relay: %zu relayed, %zu accepted, %zu to postal", n, accepted, postal);
    return n + postal;
}

/* On the way out: the last round's answers. (The hub gives the leases of
 * routed notices still queued back when it closes: hub.c.) */
static void record_last(relay *r)
{
    if (r->answered && hub_db_relay_record(r->h->db, r->items, r->answered, clock_now_ms()) != 0)
        log_error("relay: cannot record %zu answers; they will be relayed again", r->answered);
    r->answered = 0;
}

/* The urgent worker's answers, recorded at once: tried again with
 * backoff while the store fails, until the hub stops (then the next
 * start releases this node's leases: hub_db_relay_recover). */
static void record_now(relay *r)
{
    int recorded = 0;

    while (r->answered &&
           !(recorded = hub_db_relay_record(r->h->db, r->items, r->answered, clock_now_ms()) ==
                        0)) {
        store_failed(r, "record urgent answers");
        if (hub_sleep(r->h, r->backoff_ms, 0)) {
            log_error("relay: stopping with %zu urgent answers unrecorded; they are relayed"
                      " again at the next start", r->answered);
            break;
        }
    }
    if (recorded)
        store_works(r);
    r->answered = 0;
}

/* A worker's clients and buffers; 0, or -1 when out of memory. */
static int relay_open(relay *r, hub *h, size_t items)
{
    memset(r, 0, sizeof *r);
    r->h = h;
    r->clients = calloc(h->nplatforms + 1, sizeof *r->clients);
    r->calls = calloc(h->nplatforms + 1, sizeof *r->calls);
    r->items = malloc(items * sizeof *r->items);
    r->kept = malloc(items * sizeof *r->kept);
    for (size_t p = 0; r->clients && r->calls && p < h->nplatforms; p++) {
        r->clients[p] = http_client_new(h->platforms[p].url, h->hub_key);
        r->calls[p].r = r;
        r->calls[p].p = p;
        buf_init(&r->calls[p].body, 64 * 1024);
    }
    return r->clients && r->calls && r->items && r->kept ? 0 : -1;
}

static void relay_close(relay *r)
{
    for (size_t p = 0; r->clients && p < r->h->nplatforms; p++)
        http_client_free(r->clients[p]);
    for (size_t p = 0; r->calls && p < r->h->nplatforms; p++)
        buf_free(&r->calls[p].body);
    free(r->clients);
    free(r->calls);
    free(r->items);
    free(r->kept);
}

void *hub_relay_main(void *arg)
{
    relay r;
    hub *h = arg;

    if (relay_open(&r, h, (size_t)h->relay_batch) != 0) {
        log_error("relay: out of memory; no notices will be relayed");
    } else {
        for (;;) {
            size_t done = relay_round(&r);
            /* A full batch means more is waiting: go on at once. A partial
             * one means notices are arriving: wait a moment for more, so
             * that a burst travels in fewer, larger rounds (each costs two
             * commits and a call per platform whatever its size); the
             * answers are recorded with the next round. Nothing claimed:
             * sleep until new notices or the interval. Urgent notices
             * wake the urgent worker only (hub_relay_urgent_main): a
             * bulk worker woken first would clear the wake and carry them
             * in a bulk round; one that starts a round while some wait
             * still takes them first. */
            long wait = r.backoff_ms                    ? r.backoff_ms
                        : done >= (size_t)h->relay_batch ? 0
                        : done > 0                      ? h->relay_gather_ms
                                                        : h->relay_interval_ms;
            /* New work ends a backoff too: a store that failed once
             * (SQLite busy) must not make a burst wait for it. */
            if (hub_sleep(h, wait, done == 0 ? HUB_WAKE_ON_WORK : 0))
                break;
        }
        record_last(&r);
    }
    relay_close(&r);
    return NULL;
}

/* Urgent notices in calls of their own: a bulk round carries up to
 * relay_batch notices and comes back when the platform has committed
 * them all, so an urgent notice that waited for a bulk worker would wait
 * for that. Its answers are recorded at once, not with a next round. */
#define URGENT_ROUND 256

void *hub_relay_urgent_main(void *arg)
{
    relay r;
    hub *h = arg;

    if (relay_open(&r, h, URGENT_ROUND) != 0) {
        log_error("relay: out of memory; urgent notices go with the others");
        relay_close(&r);
        return NULL;
    }
    for (;;) {
        size_t n = hub_relay_queue_take_urgent(&h->routed, r.items, URGENT_ROUND);
        if (n) {
            relay_claimed(&r, n);
            r.answered = n;
            record_now(&r);
            log_info("relay: %zu urgent relayed", n);
            continue;
        }
        if (hub_sleep(h, h->relay_interval_ms, HUB_WAKE_ON_URGENT))
            break;
    }
    relay_close(&r);
    return NULL;
}
