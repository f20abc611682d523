/* hub_relay.c -- the relay worker: accepted notices to platforms.
 *
 * One thread claims a batch of accepted notices (hub_db picks each one's
 * next platform in the recipient's preference, or sends it to postal when
 * none is left), posts them to each platform as one /v1/relay call, and
 * records the answers in the same transaction that claims the next batch
 * (one commit per round, not two). A platform that is down or
 * answers 5xx costs its notices a retry with backoff, never a busy loop;
 * when nothing is due the worker sleeps until new notices arrive or
 * relay_interval_ms passes. One keep-alive client per platform. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "http_client.h"
#include "hub.h"
#include "log.h"

typedef struct relay {
    hub *h;
    http_client **clients; /* parallel to h->platforms */
    hub_relay_item *items;
    size_t answered;       /* items relayed whose answers await recording */
    buf body;
} relay;

static int platform_known(void *ctx, const char *name)
{
    return hub_platform_find(ctx, name) != NULL;
}

static void notice_json(buf *b, const hub_notice *n)
{
    char deadline[25];

    time_rfc3339_ms(deadline, n->deadline);
    buf_printf(b, "{\"notice\":\"%s\",\"rk\":\"%s\",\"agency\":", n->id, n->rk);
    buf_json_string(b, n->agency);
    buf_puts(b, ",\"title\":");
    buf_json_string(b, n->title);
    buf_printf(b, ",\"doc_sha256\":\"%s\",\"deadline\":\"%s\",\"link\":", n->doc_sha256,
               deadline);
    buf_json_string(b, n->link);
    buf_puts(b, "}");
}

static void fail_all(relay *r, const size_t *idx, size_t n, const char *why)
{
    for (size_t i = 0; i < n; i++) {
        hub_relay_item *it = &r->items[idx[i]];
        it->outcome = RELAY_FAILED;
        snprintf(it->reason, sizeof it->reason, "%s", why);
    }
}

/* Copies a platform's reason, keeping only printable text. */
static void copy_reason(char *dst, size_t cap, json_t *reason)
{
    const char *s = json_is_string(reason) ? json_string_value(reason) : "rejected";
    size_t n = 0;

    for (; *s && n + 1 < cap; s++)
        dst[n++] = (unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s;
    dst[n] = '\0';
    /* do not end inside a UTF-8 sequence */
    while (n > 0 && ((unsigned char)dst[n - 1] & 0xc0) == 0x80)
        dst[--n] = '\0';
    if (n > 0 && (unsigned char)dst[n - 1] >= 0xc0)
        dst[--n] = '\0';
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
        snprintf(it->reason, sizeof it->reason, "the platform's answer is malformed");
        if (!id || strcmp(id, it->n.id) != 0 || !status)
            continue;
        if (!strcmp(status, "accepted")) {
            it->outcome = RELAY_ACCEPTED;
            it->reason[0] = '\0';
        } else if (!strcmp(status, "rejected")) {
            it->outcome = RELAY_REJECTED;
            copy_reason(it->reason, sizeof it->reason, json_object_get(res, "reason"));
        }
    }
}

/* Posts the items at idx (all for platform p) as one call. */
static void relay_to(relay *r, size_t p, const size_t *idx, size_t n)
{
    char err[256], why[HUB_REASON_MAX + 1];
    json_t *reply = NULL;
    int status;

    r->body.len = 0;
    buf_puts(&r->body, "{\"notices\":[");
    for (size_t i = 0; i < n; i++) {
        if (i)
            buf_puts(&r->body, ",");
        notice_json(&r->body, &r->items[idx[i]].n);
    }
    buf_puts(&r->body, "]}");
    if (r->body.broken || !r->clients[p]) {
        fail_all(r, idx, n, "out of memory");
        return;
    }
    status = http_client_call(r->clients[p], "POST", "/v1/relay", r->body.data, r->body.len,
                              &reply, err, sizeof err);
    if (status == 200) {
        read_answer(r, idx, n, reply);
    } else {
        snprintf(why, sizeof why, "%s: %s", r->h->platforms[p].name,
                 status ? err : "no answer");
        fail_all(r, idx, n, why);
        log_warn("relay to %s: %zu notices not delivered (%s); will retry",
                 r->h->platforms[p].name, n, err);
    }
    json_decref(reply);
}

/* Groups the claimed items by platform and relays each group. */
static void relay_claimed(relay *r, size_t n)
{
    size_t *idx = malloc((n ? n : 1) * sizeof *idx);

    if (!idx) {
        for (size_t i = 0; i < n; i++)
            r->items[i].outcome = RELAY_FAILED;
        return;
    }
    for (size_t p = 0; p < r->h->nplatforms; p++) {
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            if (!strcmp(r->items[i].n.platform, r->h->platforms[p].name))
                idx[k++] = i;
        if (k)
            relay_to(r, p, idx, k);
    }
    free(idx);
}

/* One round: records the last round's answers, claims and relays the
 * next batch. Returns the number of notices it claimed (to relay or to
 * postal). */
static size_t relay_round(relay *r)
{
    hub *h = r->h;
    size_t n = 0, postal = 0, accepted = 0;
    int rc = hub_db_relay_next(h->db, r->items, r->answered, time_now_ms(),
                               (size_t)h->relay_batch, platform_known, h, &n, &postal);

    if (rc != 0) {
        if (r->answered)
            log_error("relay: cannot record %zu answers; they will be relayed again",
                      r->answered);
        log_error("relay: cannot claim notices; retrying");
        r->answered = 0;
        return 0;
    }
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

/* On the way out: the last round's answers. */
static void record_last(relay *r)
{
    if (r->answered && hub_db_relay_record(r->h->db, r->items, r->answered, time_now_ms()) != 0)
        log_error("relay: cannot record %zu answers; they will be relayed again", r->answered);
    r->answered = 0;
}

void *hub_relay_main(void *arg)
{
    relay r = {.h = arg};
    hub *h = r.h;

    r.clients = calloc(h->nplatforms + 1, sizeof *r.clients);
    r.items = malloc((size_t)h->relay_batch * sizeof *r.items);
    buf_init(&r.body, 64 * 1024);
    for (size_t p = 0; r.clients && p < h->nplatforms; p++)
        r.clients[p] = http_client_new(h->platforms[p].url, h->hub_key);
    if (!r.clients || !r.items) {
        log_error("relay: out of memory; no notices will be relayed");
    } else {
        for (;;) {
            size_t done = relay_round(&r);
            /* A full batch means more may be waiting, and answers must be
             * recorded: go on at once. */
            int more = done >= (size_t)h->relay_batch || r.answered > 0;
            if (hub_sleep(h, more ? 0 : h->relay_interval_ms, !more))
                break;
        }
        record_last(&r);
    }
    for (size_t p = 0; r.clients && p < h->nplatforms; p++)
        http_client_free(r.clients[p]);
    free(r.clients);
    free(r.items);
    buf_free(&r.body);
    return NULL;
}
