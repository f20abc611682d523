/* hub_remind.c -- reminders (asked by hub_tell.c): the platform holding
 * an unread notice is asked to remind its member (POST /v1/remind) at
 * hub.ini's points before the read deadline, and each reminder it queues
 * becomes ReminderNotification evidence (hub_db_remind.c).
 *
 * A round takes the due reminders in one transaction, asks each
 * platform for its share in one call, and records the answers in a
 * second. An unanswered call leaves its reminders leased: they are asked
 * again a minute later, and the platform queues each (notice, n) once. */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "clock.h"
#include "http_client.h"
#include "hub.h"
#include "log.h"


struct hub_remind {
    hub *h;
    http_client **clients; /* parallel to h->platforms */
    hub_remind_item *items;
    size_t *idx;
    buf body;
    size_t failed; /* calls that failed in the round */
    long long unasked_warned_ms; /* when reminders nobody can be asked were last logged */
};

/* Reminders no platform of hub.ini can be asked for are said at most
 * this often: they come back every minute until their deadline. */
#define UNASKED_WARN_MS (60LL * 60 * 1000)

hub_remind *hub_remind_new(hub *h)
{
    hub_remind *r = calloc(1, sizeof *r);

    if (!r)
        return NULL;
    r->h = h;
    r->clients = calloc(h->nplatforms + 1, sizeof *r->clients);
    r->items = malloc(HUB_REMIND_BATCH * sizeof *r->items);
    r->idx = malloc(HUB_REMIND_BATCH * sizeof *r->idx);
    buf_init(&r->body, 16 * 1024);
    if (!r->clients || !r->items || !r->idx) {
        hub_remind_free(r);
        return NULL;
    }
    for (size_t p = 0; p < h->nplatforms; p++)
        if ((r->clients[p] = http_client_new(h->platforms[p].url, h->hub_key)))
            http_client_set_timeout_ms(r->clients[p], HUB_TELL_TIMEOUT_MS);
    return r;
}

void hub_remind_free(hub_remind *r)
{
    if (!r)
        return;
    for (size_t p = 0; r->clients && p < r->h->nplatforms; p++)
        http_client_free(r->clients[p]);
    free(r->clients);
    free(r->items);
    free(r->idx);
    buf_free(&r->body);
    free(r);
}

static remind_answer answer_of(const char *status)
{
    if (!status)
        return REMIND_FAILED;
    if (!strcmp(status, "queued"))
        return REMIND_QUEUED;
    if (!strcmp(status, "read"))
        return REMIND_READ;
    if (!strcmp(status, "unknown"))
        return REMIND_UNKNOWN;
    return REMIND_FAILED;
}

/* The answers, in the order asked; an item that does not name its
 * notice counts as unanswered. */
static void read_answers(hub_remind *r, size_t n, json_t *reply)
{
    json_t *results = json_object_get(reply, "results");

    if (json_array_size(results) != n) {
        log_warn("reminders: the platform's answer has %zu results for %zu reminders",
                 json_array_size(results), n);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        hub_remind_item *it = &r->items[r->idx[i]];
        json_t *res = json_array_get(results, i);
        const char *id = json_string_value(json_object_get(res, "notice"));
        if (id && !strcmp(id, it->notice))
            it->answer = answer_of(json_string_value(json_object_get(res, "status")));
    }
}

/* Asks platform p for the reminders at r->idx[0..n): how many were
 * asked (0 when no call could be made). */
static size_t ask(hub_remind *r, size_t p, size_t n)
{
    char err[256];
    json_t *reply = NULL;
    int status;

    r->body.len = 0;
    r->body.broken = 0;
    buf_puts(&r->body, "{\"reminders\":[");
    for (size_t i = 0; i < n; i++) {
        const hub_remind_item *it = &r->items[r->idx[i]];
        buf_printf(&r->body, "%s{\"notice\":\"%s\",\"n\":%d}", i ? "," : "", it->notice, it->n);
    }
    buf_puts(&r->body, "]}");
    if (r->body.broken || !r->clients[p]) {
        r->failed++;
        log_warn("reminders to %s: %zu not asked (%s); will retry", r->h->platforms[p].name, n,
                 r->body.broken ? "out of memory" : "no HTTP client: out of memory at start");
        return 0;
    }
    status = http_client_call(r->clients[p], "POST", "/v1/remind", r->body.data, r->body.len,
                              &reply, err, sizeof err);
    if (status == 200) {
        read_answers(r, n, reply);
    } else {
        r->failed++;
        log_warn("reminders to %s: %zu not asked (%s); will retry", r->h->platforms[p].name, n,
                 status ? err : "no answer");
    }
    json_decref(reply);
    return n;
}

/* Reminders due on a platform hub.ini no longer names: nobody to ask. */
static void warn_unasked(hub_remind *r, size_t n, const char *platform)
{
    long long now = clock_mono_ms();

    if (r->unasked_warned_ms && now - r->unasked_warned_ms < UNASKED_WARN_MS)
        return;
    r->unasked_warned_ms = now;
    log_warn("reminders: %zu due for platforms not in hub.ini (%s among them): not asked; they "
             "come back each minute until their deadline (said at most once an hour)", n,
             platform);
}

size_t hub_remind_round(hub_remind *r, long long now)
{
    hub *h = r->h;
    size_t n = 0, seen = 0, queued = 0, asked = 0, matched = 0;
    const char *unknown = NULL;

    if (hub_db_remind_due(h->db, now, HUB_REMIND_BATCH, r->items, &n, &seen) != 0) {
        log_error("reminders: database error; retrying");
        return 0;
    }
    if (!n)
        return seen;
    r->failed = 0;
    for (size_t p = 0; p < h->nplatforms && !hub_sleep(h, 0, 0); p++) {
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            if (!strcmp(r->items[i].platform, h->platforms[p].name))
                r->idx[k++] = i;
        matched += k;
        if (k)
            asked += ask(r, p, k);
    }
    for (size_t i = 0; matched < n && i < n && !unknown; i++) {
        size_t p = 0;
        while (p < h->nplatforms && strcmp(r->items[i].platform, h->platforms[p].name))
            p++;
        if (p == h->nplatforms)
            unknown = r->items[i].platform;
    }
    if (unknown)
        warn_unasked(r, n - matched, unknown);
    for (size_t i = 0; i < n; i++)
        queued += r->items[i].answer == REMIND_QUEUED;
    /* at the time of the answers, not of the round's start: the calls
     * took up to 30 s each, and a leaf's time must not go back */
    if (hub_db_remind_record(h->db, r->items, n, clock_now_ms()) != 0)
        log_error("reminders: cannot record %zu answers; they will be asked again", n);
    log_info("reminders: %zu due, %zu asked, %zu queued", n, asked, queued);
    /* a platform that failed will fail the next round too: the tick ends */
    return r->failed ? 0 : seen;
}
