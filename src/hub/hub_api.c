/* hub_api.c -- the hub's HTTP endpoints (protocol.md, "hub").
 *
 * Every route the hub answers is one line of the table at the end, public
 * ones and the evidence log's (hub_evidence_api.c) included; the gate and the
 * handler read it for the path, who may call, and the body's limit.
 * Authentication and the checking of every submitted field live here and in
 * hub_api_notices.c (submissions) and hub_api_agency.c; each batch then goes
 * to hub_db in one call, i.e. one transaction. Batches are
 * read and answered in batch.h's shape, one result per item in the order
 * sent. A CI is turned into rk the moment it is read and its text is wiped
 * from the parsed request: it goes no further. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "batch.h"
#include "buf.h"
#include "ci.h"
#include "crypto.h"
#include "field.h"
#include "http_route.h"
#include "hub_console.h"
#include "hub.h"
#include "hub_api.h"
#include "hub_api_internal.h"
#include "hub_evidence_api.h"
#include "log.h"

#define FOR_PLATFORMS (1u << ROLE_PLATFORM)

/* ---- shared helpers (hub_api_internal.h) ---- */

void hub_api_store_failed(const hub *h, http_response *resp, const char *what)
{
    const char *sep = what ? ": " : "";

    if (!h->store_pg) {
        http_reply_error(resp, 500, "database error%s%s", sep, what ? what : "");
        return;
    }
    http_add_header(resp, "Retry-After", "1");
    http_reply_error(resp, 503, "the database did not answer%s%s; retry in a second", sep,
                     what ? what : "");
}

void hub_api_reply_buf(http_response *resp, buf *out)
{
    size_t len;
    char *text = buf_take(out, &len);

    if (!text)
        http_reply_error(resp, 500, "out of memory");
    else
        http_reply_body(resp, 200, "application/json", text, len);
}

/* Reads req's body as a batch by spec; answers 400 or 413 when it is
 * not one. Returns 0 when b holds the batch (batch_free it). */
int hub_api_read_batch(batch *b, const batch_spec *spec, const http_request *req,
                      http_response *resp)
{
    char err[256];
    int status = batch_read(b, spec, req->body, req->body_len, err, sizeof err);

    if (status)
        http_reply_error(resp, status, "%s", err);
    return status;
}

/* The string member key of o, with its length; NULL if absent or not a
 * string. */
const char *hub_api_str(json_t *o, const char *key, size_t *len)
{
    return batch_str(o, NULL, key, len);
}

/* Echoes a string member when it is a well-formed value of that field,
 * null otherwise: error answers never reflect arbitrary input. */
void hub_api_echo(buf *out, const char *key, const char *value, int ok)
{
    buf_puts(out, "{\"");
    buf_puts(out, key);
    buf_puts(out, "\":");
    if (value && ok)
        buf_json_string(out, value);
    else
        buf_puts(out, "null");
}

/* ---- GET /v1/notices/{id} and GET /v1/changes ---- */

static void get_notice(void *role, const void *caller, const http_request *req,
                       http_response *resp)
{
    hub *h = role;
    const hub_caller *who = caller;
    const char *id = req->path + strlen("/v1/notices/");
    buf out;
    int status;

    if (!notice_id_is_well_formed(id, strlen(id))) {
        http_reply_error(resp, 404, "unknown notice");
        return;
    }
    buf_init(&out, 2048);
    status = hub_db_notice_json(h->db, id, who->name, &out);
    if (status == 200) {
        hub_api_reply_buf(resp, &out);
        return;
    }
    buf_free(&out);
    /* Another agency's notice answers as one that does not exist: ids
     * are not to be probed. */
    if (status == 403 || status == 404)
        http_reply_error(resp, 404, "unknown notice");
    else
        hub_api_store_failed(h, resp, NULL);
}

/* A query number in [min, max], def when absent; -1 when bad. */
static int query_number(const http_request *req, const char *name, long long def,
                        long long min, long long max, long long *out)
{
    const char *v = http_query(req, name);
    char *end;

    if (!v) {
        *out = def;
        return 0;
    }
    errno = 0;
    *out = strtoll(v, &end, 10);
    return errno || end == v || *end || *out < min || *out > max ? -1 : 0;
}

static void get_changes(void *role, const void *caller, const http_request *req,
                        http_response *resp)
{
    hub *h = role;
    const hub_caller *who = caller;
    long long after, limit;
    buf out;

    if (query_number(req, "after", 0, 0, INT64_MAX, &after) != 0 ||
        query_number(req, "limit", 1000, 1, BATCH_MAX_ITEMS, &limit) != 0) {
        http_reply_error(resp, 400, "after must be a sequence number >= 0 and limit 1 to %d",
                         BATCH_MAX_ITEMS);
        return;
    }
    buf_init(&out, 4096);
    if (hub_db_changes_json(h->db, who->name, after, (long)limit, &out) != 0) {
        buf_free(&out);
        hub_api_store_failed(h, resp, NULL);
        return;
    }
    hub_api_reply_buf(resp, &out);
}

/* ---- POST /v1/directory ---- */

static const char *check_entry(json_t *o, hub_dir_entry *e)
{
    size_t len = 0;
    const char *rk = json_is_object(o) ? hub_api_str(o, "rk", &len) : NULL;
    json_t *consent = json_object_get(o, "consent");
    json_t *pref = json_object_get(o, "preference");

    if (!rk || !ci_rk_ok(rk, len))
        return FIELD_RULE_RK;
    if (!json_is_boolean(consent))
        return "consent must be true or false";
    if (pref && !(json_is_integer(pref) && json_integer_value(pref) >= 1 &&
                  json_integer_value(pref) <= 1000))
        return "preference must be a whole number from 1 to 1000";
    memcpy(e->rk, rk, 65);
    e->consent = json_is_true(consent);
    e->preference = pref ? (int)json_integer_value(pref) : 1;
    return NULL;
}

static const batch_spec entries_spec = {.key = "entries"};

static void post_directory(void *role, const void *caller, const http_request *req,
                           http_response *resp)
{
    hub *h = role;
    const hub_caller *who = caller;
    size_t n, k = 0, i;
    hub_dir_entry *entries;
    const char **errors;
    batch b;
    json_t *o;
    buf out;

    if (hub_api_read_batch(&b, &entries_spec, req, resp) != 0)
        return;
    n = json_array_size(b.items);
    entries = calloc(n + 1, sizeof *entries);
    errors = calloc(n + 1, sizeof *errors);
    if (!entries || !errors) {
        http_reply_error(resp, 500, "out of memory");
        goto done;
    }
    json_array_foreach(b.items, i, o) {
        errors[i] = check_entry(o, &entries[k]);
        if (!errors[i])
            k++;
    }
    if (hub_directory_put(h->dir, who->name, entries, k, clock_now_ms()) != 0) {
        hub_api_store_failed(h, resp, "the batch was not stored");
        goto done;
    }
    batch_results_open(&out, n, 96);
    for (i = 0, k = 0; i < n; i++) {
        batch_results_next(&out, i);
        if (errors[i]) {
            batch_results_error(&out, "rk", NULL, errors[i]);
            continue;
        }
        hub_api_echo(&out, "rk", entries[k++].rk, 1);
        buf_puts(&out, ",\"status\":\"ok\"}");
    }
    batch_results_close(&out);
    hub_api_reply_buf(resp, &out);
    log_info("POST /v1/directory platform=%s entries=%zu rejected=%zu", who->name, n, n - k);
done:
    free(entries);
    free(errors);
    batch_free(&b);
}

/* ---- POST /v1/events ---- */

/* What a batch of reports may state once. */
static const char *const event_shared[] = {"event", NULL};
static const batch_spec events_spec = {.key = "events", .shareable = event_shared};

/* An optional string member of o that must pass ok: 0 (absent or null:
 * *out stays NULL, or set), -1 when present and not such a string. */
static int optional_str(json_t *o, const char *key, int (*ok)(const char *s, size_t len),
                        const char **out)
{
    json_t *v = json_object_get(o, key);

    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v) || !ok(json_string_value(v), json_string_length(v)))
        return -1;
    *out = json_string_value(v);
    return 0;
}

/* An alert's channel and the channel's reference: only on the events about
 * an alert, each checked. NULL, or the item's error. */
static const char *check_channel(json_t *o, hub_report *r)
{
    json_t *channel = json_object_get(o, "channel"), *ref = json_object_get(o, "reference");
    int given = (channel && !json_is_null(channel)) || (ref && !json_is_null(ref));

    if (given && !notice_event_names_channel(r->event))
        return "channel and reference are only for ConsignmentNotification,"
               " ConsignmentNotificationDelivery and ConsignmentNotificationFailure";
    if (optional_str(o, "channel", field_channel_ok, &r->channel) != 0)
        return FIELD_RULE_CHANNEL;
    if (optional_str(o, "reference", field_channel_ref_ok, &r->reference) != 0)
        return FIELD_RULE_CHANNEL_REF;
    if (r->reference && !r->channel)
        return "reference needs the channel it belongs to";
    return NULL;
}

static void check_event(json_t *o, json_t *common, const hub_caller *who, hub_report *r)
{
    size_t len = 0;
    const char *id = json_is_object(o) ? hub_api_str(o, "notice", &len) : NULL;
    const char *name = json_is_object(o) ? batch_str(o, common, "event", &len) : NULL;
    json_t *at = json_object_get(o, "at"), *reason = json_object_get(o, "reason");
    long long ms;
    int ev;

    if (!id || !notice_id_is_well_formed(id, strlen(id))) {
        r->error = FIELD_RULE_NOTICE;
        return;
    }
    memcpy(r->notice, id, NOTICE_ID_LEN + 1);
    ev = name ? notice_event_parse(name) : -1;
    if (ev < 0) {
        r->error = "unknown event";
        return;
    }
    r->event = (notice_event)ev;
    if (!notice_event_allowed(who->role, r->event)) {
        r->error = "event not allowed for this caller";
        return;
    }
    if (r->event == EV_PRINT_HANDOVER) {
        r->error = "PrintHandover is reported with POST /v1/postal/handover";
        return;
    }
    /* The evidence carries the hub's own time; a caller's is only checked. */
    if (at && !json_is_null(at) &&
        !(json_is_string(at) &&
          field_time_parse(json_string_value(at), json_string_length(at), &ms) == 0)) {
        r->error = "at must be an RFC 3339 time";
        return;
    }
    if (reason && !json_is_null(reason)) {
        if (!json_is_string(reason) ||
            !field_reason_ok(json_string_value(reason), json_string_length(reason))) {
            r->error = FIELD_RULE_REASON;
            return;
        }
        r->reason = json_string_value(reason);
    }
    r->error = check_channel(o, r);
}

static void post_events(void *role, const void *caller, const http_request *req,
                        http_response *resp)
{
    hub *h = role;
    const hub_caller *who = caller;
    size_t n, i, failed = 0, moved_on = 0;
    hub_report *reports;
    batch b;
    json_t *o;
    buf out;

    if (hub_api_read_batch(&b, &events_spec, req, resp) != 0)
        return;
    n = json_array_size(b.items);
    reports = calloc(n + 1, sizeof *reports);
    if (!reports) {
        http_reply_error(resp, 500, "out of memory");
        goto done;
    }
    json_array_foreach(b.items, i, o)
        check_event(o, b.common, who, &reports[i]);
    if (hub_db_report(h->db, who->role, who->name, reports, n, clock_now_ms()) != 0) {
        hub_api_store_failed(h, resp, "the batch was not stored");
        goto done;
    }
    batch_results_open(&out, n, 80);
    for (i = 0; i < n; i++) {
        hub_report *r = &reports[i];
        const char *id = r->notice[0] ? r->notice : NULL;
        batch_results_next(&out, i);
        if (r->error) {
            batch_results_error(&out, "notice", id, r->error);
            failed++;
            continue;
        }
        moved_on += r->moved_on;
        hub_api_echo(&out, "notice", id, 1);
        buf_puts(&out, ",\"status\":\"");
        buf_puts(&out, r->status);
        buf_puts(&out, "\"}");
    }
    batch_results_close(&out);
    hub_api_reply_buf(resp, &out);
    if (moved_on) /* failed alerts: their notices wait for their next platform */
        hub_wake_relay(h);
    log_info("POST /v1/events %s=%s events=%zu failed=%zu moved_on=%zu",
             who->role == ROLE_AGENCY ? "agency" : "platform", who->name, n, failed, moved_on);
done:
    free(reports);
    batch_free(&b);
}

/* ---- GET /v1/health ---- */

static void get_health(void *role, const void *caller, const http_request *req,
                       http_response *resp)
{
    (void)role;
    (void)caller;
    http_answer_health(req, resp);
}

/* Who may read it is hub.ini's [hub] metrics; the gate lets anyone
 * through (HTTP_ANYONE) so that the key asked for is the metrics key. */
static void get_metrics(void *role, const void *caller, const http_request *req,
                        http_response *resp)
{
    hub *h = role;
    buf b;
    (void)caller;

    if (!metrics_access_allow(&h->metrics, req, resp))
        return;
    buf_init(&b, 32768);
    hub_metrics_render(h, &b);
    http_metrics_render(h->requests, &b);
    metrics_reply(resp, &b);
}

/* ---- the routes ---- */

/* All of them, as protocol.md lists them. A path with a {id} segment
 * matches one non-empty segment there; the handler checks the id. */
static const http_route routes[] = {
    {"POST", "/v1/notices", FOR_AGENCIES, HUB_MAX_BODY, hub_api_post_notices, HTTP_JSON},
    {"GET", "/v1/notices/{id}", FOR_AGENCIES, HTTP_ROUTE_READ_BODY, get_notice, NULL},
    {"GET", "/v1/notices/{id}/certificate", FOR_AGENCIES | FOR_PLATFORMS, HTTP_ROUTE_READ_BODY,
     hub_evidence_api_certificate, NULL},
    {"GET", "/v1/notices/{id}/certificate.pdf", FOR_AGENCIES | FOR_PLATFORMS, HTTP_ROUTE_READ_BODY,
     hub_evidence_api_certificate_pdf, NULL},
    {"GET", "/v1/changes", FOR_AGENCIES, HTTP_ROUTE_READ_BODY, get_changes, NULL},
    {"POST", "/v1/cancellations", FOR_AGENCIES, HUB_MAX_BODY, hub_api_post_cancellations, HTTP_JSON},
    {"POST", "/v1/directory", FOR_PLATFORMS, HUB_MAX_BODY, post_directory, HTTP_JSON},
    {"POST", "/v1/events", FOR_AGENCIES | FOR_PLATFORMS, HUB_MAX_BODY, post_events, HTTP_JSON},
    {"POST", "/v1/payments", FOR_AGENCIES, PAYMENT_MAX_BODY, hub_api_post_payments, HTTP_JSON},
    {"POST", "/v1/postal/handover", FOR_AGENCIES, HUB_MAX_BODY, hub_api_post_postal_handover, HTTP_JSON},
    {"GET", "/v1/log/sth", HTTP_ANYONE, HTTP_ROUTE_READ_BODY, hub_evidence_api_sth, NULL},
    {"GET", "/v1/log/consistency", HTTP_ANYONE, HTTP_ROUTE_READ_BODY,
     hub_evidence_api_consistency, NULL},
    {"GET", "/v1/log/key", HTTP_ANYONE, HTTP_ROUTE_READ_BODY, hub_evidence_api_key, NULL},
    {"GET", "/verify", HTTP_ANYONE, HUB_EVIDENCE_API_VERIFY_MAX_BODY,
     hub_evidence_api_verify, NULL},
    {"POST", "/verify", HTTP_ANYONE, HUB_EVIDENCE_API_VERIFY_MAX_BODY,
     hub_evidence_api_verify, HTTP_JSON_OR_FORM},
    {"GET", "/v1/health", HTTP_ANYONE, HTTP_ROUTE_READ_BODY, get_health, NULL},
    {"GET", "/metrics", HTTP_ANYONE, HTTP_ROUTE_READ_BODY, get_metrics, NULL},
    /* The operators' console (hub_console.h): its own sign-in, no key. */
    {"GET", "/console", HTTP_ANYONE, HTTP_ROUTE_READ_BODY, hub_console_home, NULL},
    {"GET", "/console/volumes", HTTP_ANYONE, HTTP_ROUTE_READ_BODY, hub_console_volumes, NULL},
    {"GET", "/console/latency", HTTP_ANYONE, HTTP_ROUTE_READ_BODY, hub_console_latency, NULL},
    {"GET", "/console/signin", HTTP_ANYONE, HTTP_ROUTE_READ_BODY, hub_console_signin_page, NULL},
    {"POST", "/console/signin", HTTP_ANYONE, HUB_CONSOLE_FORM_MAX, hub_console_signin, HTTP_FORM},
    {"POST", "/console/signout", HTTP_ANYONE, HUB_CONSOLE_FORM_MAX, hub_console_signout,
     HTTP_FORM},
};
#define NROUTES (sizeof routes / sizeof routes[0])

http_metrics *hub_api_metrics_new(void)
{
    return http_metrics_new(routes, NROUTES);
}

/* A known key of the wrong role (a platform's on an agency's route) is
 * refused here too, before its body is read: answered only in the
 * handler, it could have the hub buffer a body of the route's limit. */
int hub_api_gate(void *ctx, const http_request *req, size_t *max_body)
{
    hub *h = ctx;
    int exact, status = http_route_gate(routes, NROUTES, &h->clients, req, max_body);
    const http_route *r;
    const apikey_entry *key;

    /* who before how: the wrong role's 403 before a wrong type's 415 */
    if ((status && status != 415) || !(r = http_route_gated(routes, NROUTES, req, &exact)) ||
        r->callers == HTTP_ANYONE ||
        !(key = apikeys_check(&h->clients, http_header(req, "Authorization"))))
        return status;
    return r->callers & (1u << h->roles[key - h->clients.entries]) ? status : 403;
}

/* The client of the hub behind req's key, if r lets it call; else
 * answers 401 or 403. Returns 1 when who is set. */
static int identify(hub *h, const http_route *r, const http_request *req,
                    http_response *resp, hub_caller *who)
{
    const apikey_entry *key = apikeys_authorize(&h->clients, req, resp);

    if (!key)
        return 0;
    who->name = key->name;
    who->role = h->roles[key - h->clients.entries];
    who->documents = h->documents[key - h->clients.entries];
    if (r->callers & (1u << who->role))
        return 1;
    http_reply_error(resp, 403, "%s is not for %s", r->path,
                     who->role == ROLE_AGENCY ? "agencies" : "platforms");
    return 0;
}

void hub_api_handle(void *ctx, const http_request *req, http_response *resp)
{
    hub *h = ctx;
    int exact;
    const http_route *r = http_route_gated(routes, NROUTES, req, &exact);
    hub_caller who;

    if (!r) {
        http_reply_not_found(resp);
        return;
    }
    /* Who before how: a wrong method on a keyed path is 401 or 403 to
     * a stranger, 405 only to a caller it is for. */
    if (r->callers != HTTP_ANYONE && !identify(h, r, req, resp, &who))
        return;
    if (!exact) {
        http_route_answer(routes, NROUTES, req, resp);
        return;
    }
    r->handler(h, r->callers == HTTP_ANYONE ? NULL : &who, req, resp);
}
