/* hub_withdraw.c -- hub_tell.c's worker tells platforms of cancelled
 * notices they hold (POST /v1/withdraw), so that the member's inbox shows
 * the notice withdrawn by its agency and no longer opens it.
 *
 * The withdrawals owed are rows of the hub's store, written in the
 * cancellation's own transaction (hub_db_cancel.c): a platform that is
 * down hears of them at a later round, and one asked twice withdraws
 * once. */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "http_client.h"
#include "hub.h"
#include "log.h"

/* Withdrawals per round: one call per platform carries its share. */
#define HUB_WITHDRAW_BATCH 1000

/* "withdrawn", or "unknown" (not in an inbox there: nothing to do). Any
 * other word is no answer protocol.md gives: the withdrawal stays owed and
 * is asked again. */
static int told_status(json_t *status)
{
    const char *s = json_string_value(status);

    return s && (!strcmp(s, "withdrawn") || !strcmp(s, "unknown"));
}

/* Marks told the items [from, to) that the answer names with such a
 * status. */
static void read_answers(hub_withdrawal *w, size_t from, size_t to, json_t *reply)
{
    json_t *results = json_object_get(reply, "results");

    if (json_array_size(results) != to - from)
        return;
    for (size_t i = from; i < to; i++) {
        json_t *res = json_array_get(results, i - from);
        const char *id = json_string_value(json_object_get(res, "notice"));
        if (id && !strcmp(id, w[i].notice) && told_status(json_object_get(res, "status")))
            w[i].told = 1;
    }
}

static void tell(hub *h, const hub_platform *p, hub_withdrawal *w, size_t from, size_t to)
{
    http_client *c = http_client_new(p->url, h->hub_key);
    json_t *reply = NULL;
    char err[256];
    int status;
    buf body;

    buf_init(&body, 128 * (to - from) + 32);
    buf_puts(&body, "{\"withdrawals\":[");
    for (size_t i = from; i < to; i++) {
        buf_printf(&body, "%s{\"notice\":\"%s\",\"reason\":", i > from ? "," : "", w[i].notice);
        buf_json_string(&body, w[i].reason);
        buf_puts(&body, "}");
    }
    buf_puts(&body, "]}");
    if (!c || body.broken) {
        log_error("withdrawals: out of memory");
    } else {
        http_client_set_timeout_ms(c, HUB_TELL_TIMEOUT_MS);
        status = http_client_call(c, "POST", "/v1/withdraw", body.data, body.len, &reply, err,
                                  sizeof err);
        if (status == 200)
            read_answers(w, from, to, reply);
        else
            log_warn("withdrawals to %s: %zu not told (%s); will retry", p->name, to - from,
                     status ? err : "no answer");
    }
    json_decref(reply);
    buf_free(&body);
    http_client_free(c);
}

size_t hub_withdraw_round(hub *h)
{
    hub_withdrawal *w = malloc(HUB_WITHDRAW_BATCH * sizeof *w);
    int n = w ? hub_db_withdrawals_due(h->db, w, HUB_WITHDRAW_BATCH) : -1;
    size_t told = 0;

    if (n < 0) {
        log_error("withdrawals: cannot read the queue; retrying");
        free(w);
        return 0;
    }
    /* The rows come by platform: one call for each run. */
    for (size_t i = 0, j; i < (size_t)n; i = j) {
        const hub_platform *p = hub_platform_find(h, w[i].platform);
        for (j = i + 1; j < (size_t)n && !strcmp(w[j].platform, w[i].platform); j++)
            ;
        if (p && !hub_sleep(h, 0, 0)) /* stopping: the rest wait for the next start */
            tell(h, p, w, i, j);
        else if (!p) /* no longer configured: nobody to tell */
            for (size_t k = i; k < j; k++)
                w[k].told = 1;
    }
    for (int i = 0; i < n; i++)
        told += (size_t)w[i].told;
    if (told && hub_db_withdrawals_done(h->db, w, (size_t)n) != 0)
        log_error("withdrawals: cannot record %zu answers; they will be told again", told);
    if (n)
        log_info("withdrawals: %d owed, %zu told", n, told);
    free(w);
    return n == HUB_WITHDRAW_BATCH && told == (size_t)n ? (size_t)n : 0;
}
