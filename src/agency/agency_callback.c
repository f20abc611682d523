/* agency_callback.c -- see agency_callback.h. */
#include "agency_callback.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "crypto.h"
#include "http_client.h"
#include "log.h"
#include "push_signature.h"

/* ---- rules ---- */

static int loopback_host(const char *h, size_t n)
{
    if ((n == 9 && !strncasecmp(h, "localhost", 9)) || (n == 5 && !strncmp(h, "[::1]", 5)))
        return 1;
    if (n < 9 || strncmp(h, "127.", 4))
        return 0;
    for (size_t i = 4; i < n; i++)
        if (!((h[i] >= '0' && h[i] <= '9') || h[i] == '.'))
            return 0;
    return 1;
}

int agency_callback_url_ok(const char *url, const char **why)
{
    size_t len = strlen(url), skip, host;
    int https = !strncasecmp(url, "https://", 8);

    *why = NULL;
    if (!https && strncasecmp(url, "http://", 7)) {
        *why = "the callback URL must be https:// (or http:// to a loopback address)";
        return 0;
    }
    if (len > 1024 || !field_link_ok(url, len)) {
        *why = "the callback URL must be at most 1024 bytes, without spaces or quotes";
        return 0;
    }
    skip = https ? 8 : 7;
    if (url[skip] == '[')
        host = strcspn(url + skip, "]") + 1;
    else
        host = strcspn(url + skip, ":/?#");
    if (!host || strchr(url + skip, '@') != NULL) {
        *why = "the callback URL needs a host and no user name";
        return 0;
    }
    if (!https && !loopback_host(url + skip, host)) {
        *why = "a callback URL that is not https must be on a loopback address";
        return 0;
    }
    return 1;
}

long agency_callback_backoff_ms(int failures)
{
    long ms = 1000;

    for (int i = 1; i < failures && ms < 300000; i++)
        ms *= 2;
    return ms > 300000 ? 300000 : ms;
}

int agency_callback_retryable(int status)
{
    return status == 0 || status == 429 || status >= 500;
}

void agency_callback_key_id(const char *key, char out[CALLBACK_KEY_ID_LEN + 1])
{
    uint8_t sum[SHA256_LEN];
    char hex[2 * SHA256_LEN + 1];

    sha256(key, strlen(key), sum);
    hex_encode(hex, sum, sizeof sum);
    snprintf(out, CALLBACK_KEY_ID_LEN + 1, "k%.15s", hex);
}

/* ---- delivery ---- */

struct callback_sender {
    const agency_cfg *cfg;
    agency_db *db;
    http_client *http;
    char url[AGENCY_PATH_MAX];
    int warned; /* a bad URL or key is logged once */
    /* Events delivered since the last log line: one line per drained
     * queue (or per 10,000 events while it stays full), not per request. */
    long long delivered;
    const atomic_llong *abort_at;
    long retry_after_ms; /* the last refusal's Retry-After; 0: none */
};

/* A receiver asking for more than this is asked again after it: its
 * events' 24 hours run meanwhile. */
#define RETRY_AFTER_MAX_MS (60L * 60 * 1000)

callback_sender *callback_sender_new(const agency_cfg *cfg, agency_db *db)
{
    callback_sender *cs = calloc(1, sizeof *cs);

    if (cs) {
        cs->cfg = cfg;
        cs->db = db;
    }
    return cs;
}

void callback_sender_abort_at(callback_sender *cs, const atomic_llong *at_ms)
{
    cs->abort_at = at_ms;
}

long callback_sender_retry_after_ms(const callback_sender *cs)
{
    return cs->retry_after_ms;
}

void callback_sender_free(callback_sender *cs)
{
    if (!cs)
        return;
    http_client_free(cs->http);
    free(cs);
}

/* The client for the URL, made once (its connection is kept). */
static http_client *client_for(callback_sender *cs)
{
    const char *why;

    if (!cs->cfg->callback_url[0])
        return NULL;
    if (!agency_callback_url_ok(cs->cfg->callback_url, &why)) {
        if (!cs->warned++)
            log_error("callbacks: %s: %s", cs->cfg->callback_url, why);
        return NULL;
    }
    if (!cs->http && !(cs->http = http_client_new(cs->cfg->callback_url, NULL)))
        return NULL;
    http_client_abort_at(cs->http, cs->abort_at);
    return cs->http;
}

/* Drops a batch: 24 hours passed, or the receiver refused it for good.
 * Said, unless no receiver was ever set (events are queued all the same,
 * for when one is). */
static void give_up(callback_sender *cs, long long last, size_t n, const char *why)
{
    if (cs->cfg->callback_url[0])
        log_warn("callbacks: dropping %zu events: %s", n, why);
    agency_db_api_events_done(cs->db, last);
}

/* Drops every event 24 hours old, at once: a batch re-read at each retry
 * grows with what came during the outage, and those have their own 24
 * hours; dropping a batch's worth a round fell behind a large backlog. */
static void drop_expired(callback_sender *cs, long long now_ms)
{
    size_t old;
    long long upto = agency_db_api_events_expired(cs->db, now_ms - CALLBACK_GIVE_UP_MS, &old);

    if (upto > 0)
        give_up(cs, upto, old, "undelivered for 24 hours");
}

int callback_sender_round(callback_sender *cs, long long now_ms)
{
    char key[AGENCY_KEY_MAX], key_id[CALLBACK_KEY_ID_LEN + 1], sig[PUSH_SIGNATURE_MAX];
    char headers[200], err[512];
    long long last, first_ms;
    http_client *http = client_for(cs);
    json_t *events;
    int status, unsent;

    if (!http) {
        drop_expired(cs, now_ms); /* nothing can be sent: what is 24 hours old goes */
        return 0;
    }
    if (http_client_read_key(cs->cfg->callback_key_path, key, sizeof key, err, sizeof err)) {
        if (!cs->warned++)
            log_error("callbacks: %s", err);
        drop_expired(cs, now_ms);
        return 0;
    }
    if (!(events = agency_db_api_events_peek(cs->db, CALLBACK_BATCH, &last, &first_ms))) {
        secure_wipe(key, sizeof key);
        return 0;
    }
    size_t n = json_array_size(events);
    json_t *body = json_pack("{so}", "events", events);
    char *text = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(body);
    if (!text) {
        secure_wipe(key, sizeof key);
        return -1;
    }
    agency_callback_key_id(key, key_id);
    push_signature_make(sig, (const uint8_t *)key, strlen(key), now_ms, text, strlen(text));
    secure_wipe(key, sizeof key);
    snprintf(headers, sizeof headers, "%s: %s\nHerald-Key-Id: %s", PUSH_SIGNATURE_HEADER, sig,
             key_id);
    /* the receiver's body means nothing: a large one must not turn a
     * delivered batch into a retry */
    status = http_client_post_raw(http, "", headers, text, strlen(text), CALLBACK_TIMEOUT_MS,
                                  NULL, &unsent, err, sizeof err);
    free(text);
    long after_s = http_client_retry_after_s(http);
    cs->retry_after_ms = after_s < 0 ? 0
                         : after_s * 1000 > RETRY_AFTER_MAX_MS ? RETRY_AFTER_MAX_MS
                                                               : after_s * 1000;
    if (status >= 200 && status < 300) {
        agency_db_api_events_done(cs->db, last);
        cs->delivered += (long long)n;
        if (n < CALLBACK_BATCH || cs->delivered >= 10000) {
            log_info("callbacks: delivered %lld events", cs->delivered);
            cs->delivered = 0;
        }
        return n == CALLBACK_BATCH;
    }
    if (!agency_callback_retryable(status)) {
        char why[64];
        snprintf(why, sizeof why, "the receiver answered HTTP %d", status);
        give_up(cs, last, n, why);
        return 0;
    }
    if (now_ms - first_ms > CALLBACK_GIVE_UP_MS) {
        drop_expired(cs, now_ms);
        return -1; /* the receiver still fails: the backoff goes on */
    }
    if (status && cs->retry_after_ms)
        log_warn("callbacks: the receiver answered HTTP %d; retrying after the %ld s it asked",
                 status, cs->retry_after_ms / 1000);
    else if (status)
        log_warn("callbacks: the receiver answered HTTP %d; retrying", status);
    else
        log_warn("callbacks: %s; retrying", err);
    return -1;
}
