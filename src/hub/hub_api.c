/* hub_api.c -- the hub's HTTP endpoints (protocol.md, "hub").
 *
 * Every route the hub answers is one line of the table at the end, public
 * ones and the evidence log's (hub_evidence_api.c) included; the gate and the
 * handler read it for the path, who may call, and the body's limit.
 * Authentication and the checking of every submitted field live here; each
 * batch then goes to hub_db in one call, i.e. one transaction. Batches are
 * read and answered in batch.h's shape, one result per item in the order
 * sent. A CI is turned into rk the moment it is read and its text is wiped
 * from the parsed request: it goes no further. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
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

static long elapsed_ms(const struct timespec *t0)
{
    struct timespec t1;

    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (t1.tv_sec - t0->tv_sec) * 1000L + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

/* ---- POST /v1/notices ---- */

/* What a batch of submissions may state once (batch.h). Whatever becomes
 * of the batch, batch_free wipes its CIs. */
static const char *const notice_shared[] = {"title", "deadline", NULL};
static const char *const notice_secrets[] = {"ci", NULL};
static const batch_spec notices_spec = {
    .key = "notices", .shareable = notice_shared, .secrets = notice_secrets,
};

/* rk from the item's CI, which is wiped whatever it holds: the CI goes
 * no further. 0, or -1 when it is missing or malformed. */
static int take_ci(json_t *o, hub_submission *s)
{
    size_t len = 0;
    const char *v = hub_api_str(o, "ci", &len);
    int ok = v && ci_is_well_formed(v, len);

    if (ok)
        ci_rk(v, s->rk);
    if (v)
        secure_wipe((char *)v, len);
    return ok ? 0 : -1;
}

/* 1 when link lies under documents (hub.ini's, checked at start: a URL
 * with a path ending in '/'): the same scheme and host (the host in any
 * case), the same path before, and after it no "." or ".." segment nor a
 * percent-encoded dot, slash or backslash, which a browser would resolve
 * to another path on that host (with the view token the platform adds). */
static int link_under(const char *link, const char *documents)
{
    const char *host = strstr(documents, "://") + 3;
    size_t to_path = (size_t)(strchr(host, '/') - documents), n = strlen(documents);
    const char *rest = link + n;

    if (strlen(link) < n || strncasecmp(link, documents, to_path) != 0 ||
        strncmp(link + to_path, documents + to_path, n - to_path) != 0)
        return 0;
    for (const char *slash = rest - 1; slash; slash = strchr(slash + 1, '/')) {
        size_t seg = strcspn(slash + 1, "/?#");
        if ((seg == 1 && slash[1] == '.') || (seg == 2 && slash[1] == '.' && slash[2] == '.'))
            return 0;
    }
    return !strcasestr(rest, "%2e") && !strcasestr(rest, "%2f") && !strcasestr(rest, "%5c");
}

/* Checks one submitted notice into s; returns NULL or the item's error.
 * The CI is read (and wiped) first, so that no refused item keeps one. */
static const char *check_notice(json_t *o, json_t *common, hub_submission *s, long long now,
                                const char *documents)
{
    size_t len = 0;
    const char *v;

    if (!json_is_object(o))
        return "each notice must be an object";
    if (take_ci(o, s) != 0)
        return "ci must be 88 characters of padded base64";
    s->reference = hub_api_str(o, "reference", &len);
    if (!s->reference || !field_reference_ok(s->reference, len))
        return FIELD_RULE_REFERENCE;
    s->title = batch_str(o, common, "title", &len);
    if (!s->title || !field_title_ok(s->title, len))
        return FIELD_RULE_TITLE;
    s->doc_sha256 = hub_api_str(o, "doc_sha256", &len);
    if (!s->doc_sha256 || !field_sha256_ok(s->doc_sha256, len))
        return FIELD_RULE_DOC_SHA256;
    v = batch_str(o, common, "deadline", &len);
    if (!v || field_deadline_parse(v, len, &s->deadline) != 0)
        return FIELD_RULE_DEADLINE;
    if ((v = field_deadline_refusal(s->deadline, now)) != NULL)
        return v;
    s->link = hub_api_str(o, "link", &len);
    if (!s->link || !field_link_ok(s->link, len))
        return FIELD_RULE_LINK;
    /* The platform sends the member there once signed in: an agency key
     * must not make the official channel point at another site. */
    if (documents && !link_under(s->link, documents))
        return "link is not under this agency's documents URL (hub.ini [agency NAME] documents)";
    json_t *urgent = json_object_get(o, "urgent");
    if (urgent && !json_is_boolean(urgent))
        return FIELD_RULE_URGENT;
    s->urgent = json_is_true(urgent);
    return NULL;
}

static void notices_answer(json_t *items, const char **errors, hub_submission *subs,
                           buf *out, size_t *fresh)
{
    size_t i, k = 0;
    json_t *o;

    /* A notice's result runs to 110-130 bytes. */
    batch_results_open(out, json_array_size(items), 128);
    json_array_foreach(items, i, o) {
        size_t len = 0;
        const char *ref = hub_api_str(o, "reference", &len);
        int ok = ref && field_reference_ok(ref, len);
        batch_results_next(out, i);
        if (errors[i]) {
            batch_results_error(out, "reference", ok ? ref : NULL, errors[i]);
            continue;
        }
        hub_submission *s = &subs[k++];
        *fresh += !s->duplicate;
        hub_api_echo(out, "reference", ref, ok);
        buf_puts(out, ",\"notice\":\"");
        buf_puts(out, s->id);
        buf_puts(out, "\",\"state\":\"");
        buf_puts(out, notice_state_name(s->state));
        buf_puts(out, s->duplicate ? "\",\"duplicate\":true}" : "\",\"duplicate\":false}");
    }
    batch_results_close(out);
}

typedef struct routing {
    hub *h;
    hub_submission *subs;
    int urgent_only; /* behind a bulk backlog: bulk items are not routed */
} routing;

/* Only a platform with the person's consent: a pre-notice is the relay
 * worker's last resort (hub_db_relay.c). */
static void first_known(void *ctx, size_t i, char routes[][HUB_NAME_MAX + 1], int n,
                        int consenting)
{
    routing *r = ctx;
    char *platform = r->subs[i].platform;

    (void)n;
    platform[0] = '\0';
    if (r->urgent_only && !r->subs[i].urgent)
        return;
    for (int k = 0; k < consenting && !platform[0]; k++)
        if (hub_platform_known(r->h, routes[k]))
            memcpy(platform, routes[k], HUB_NAME_MAX + 1);
}

/* Each recipient's first platform the hub knows, "" if none: looked up
 * before the writer's lock is taken (see hub_directory.c). Behind a bulk
 * backlog in the database (urgent_only), bulk items get none: the claim
 * finds them after it, and a batch of bulk items alone is not looked up
 * at all. Returns 0 or -1, and in *held how many bulk items it held. */
static int route_all(hub *h, hub_submission *subs, size_t k, int urgent_only, size_t *held)
{
    routing r = {h, subs, urgent_only};

    *held = 0;
    for (size_t i = 0; i < k && urgent_only; i++)
        *held += !subs[i].urgent;
    if (*held == k)
        return 0; /* their platforms stay "" (calloc) */
    return hub_directory_routes_many(h->dir, subs->rk, sizeof *subs, k, first_known, &r);
}

/* 1 when a new bulk item that had a platform was not routed. */
static int left_bulk(const hub_submission *subs, size_t k)
{
    for (size_t i = 0; i < k; i++)
        if (!subs[i].urgent && !subs[i].duplicate && subs[i].platform[0] && !subs[i].routed)
            return 1;
    return 0;
}

/* Stores the checked items. The ones routed in the same transaction go
 * to the relay worker in memory after the commit (hub_relay_queue.h),
 * into places taken before it. Bulk items left in the database (no room,
 * or a backlog there) are reported before the answer, so that a later
 * call's bulk items wait behind them. Returns 0, or -1 (see
 * hub_db_submit). */
static int submit_routed(hub *h, const char *agency, hub_submission *subs, size_t k)
{
    int bulk;
    size_t may = hub_relay_queue_reserve(&h->routed, k, &bulk), n_routed = 0, held = 0;
    hub_notice *routed = may ? malloc(may * sizeof *routed) : NULL;
    int rc;

    if (!routed) { /* the worker's claim finds them instead */
        hub_relay_queue_unreserve(&h->routed, may);
        may = 0;
    }
    rc = route_all(h, subs, k, !bulk, &held);
    if (rc == 0)
        rc = hub_db_submit(h->db, agency, subs, k, clock_now_ms(), may, routed, &n_routed);
    if (held || left_bulk(subs, k))
        hub_relay_queue_spilled(&h->routed);
    int urgent = 0;
    for (size_t i = 0; i < n_routed; i++) {
        hub_relay_queue_put(&h->routed, &routed[i]);
        urgent |= routed[i].urgent;
    }
    hub_relay_queue_unreserve(&h->routed, may - n_routed);
    free(routed);
    for (size_t i = 0; i < k && !urgent; i++)
        urgent = subs[i].urgent && !subs[i].duplicate;
    if (urgent)
        hub_wake_urgent(h);
    return rc;
}

/* 1 when the agency may submit n notices now (taken from its bucket and
 * quota); else answers 429 with Retry-After in whole seconds, the text
 * saying which limit it met. */
static int within_limits(hub *h, const char *agency, size_t n, long long now_ms,
                         http_response *resp)
{
    long long wait_ms;
    long rate, quota;
    char after[24];
    hub_limit_verdict v = h->limits ? hub_limits_take(h->limits, agency, (long long)n, now_ms,
                                                      &wait_ms)
                                    : HUB_LIMIT_OK;

    if (v == HUB_LIMIT_OK)
        return 1;
    hub_limits_of(h->limits, agency, &rate, &quota);
    long long secs = (wait_ms + 999) / 1000;
    snprintf(after, sizeof after, "%lld", secs);
    if (v == HUB_LIMIT_RATE)
        http_reply_error(resp, 429, "rate limit: at most %ld notices a second for %s;"
                         " retry after %lld s", rate, agency, secs);
    else
        http_reply_error(resp, 429, "daily quota: %s has submitted its %ld notices for today"
                         " (Korean time); retry after %lld s", agency, quota, secs);
    http_add_header(resp, "Retry-After", after);
    log_warn("POST /v1/notices agency=%s items=%zu: 429 (%s), retry after %lld s", agency, n,
             v == HUB_LIMIT_RATE ? "rate" : "quota", secs);
    return 0;
}

static void post_notices(void *role, const void *caller, const http_request *req,
                         http_response *resp)
{
    hub *h = role;
    const hub_caller *who = caller;
    size_t n, k = 0, fresh = 0, i;
    int stored = 0;
    long long taken_ms;
    hub_submission *subs;
    const char **errors;
    struct timespec t0;
    batch b;
    json_t *o;
    buf out;

    if (hub_api_read_batch(&b, &notices_spec, req, resp) != 0)
        return;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    n = json_array_size(b.items);
    taken_ms = clock_now_ms();
    if (!within_limits(h, who->name, n, taken_ms, resp)) {
        batch_free(&b);
        return;
    }
    subs = calloc(n + 1, sizeof *subs);
    errors = calloc(n + 1, sizeof *errors);
    if (!subs || !errors) {
        http_reply_error(resp, 500, "out of memory");
        goto done;
    }
    long long now = clock_now_ms();
    json_array_foreach(b.items, i, o) {
        errors[i] = check_notice(o, b.common, &subs[k], now, who->documents);
        if (!errors[i])
            k++;
    }
    if (submit_routed(h, who->name, subs, k) != 0) {
        hub_api_store_failed(h, resp, "the batch was not stored");
        goto done;
    }
    stored = 1;
    notices_answer(b.items, errors, subs, &out, &fresh);
    metrics_add(&h->submitted[HUB_SUBMITTED_NEW], fresh);
    metrics_add(&h->submitted[HUB_SUBMITTED_DUPLICATE], k - fresh);
    metrics_add(&h->submitted[HUB_SUBMITTED_REJECTED], n - k);
    hub_api_reply_buf(resp, &out);
    if (fresh)
        hub_wake_relay(h);
    log_info("POST /v1/notices agency=%s items=%zu new=%zu duplicate=%zu rejected=%zu %ld ms",
             who->name, n, fresh, k - fresh, n - k, elapsed_ms(&t0));
done:
    /* Sent again after its 500 or 503, the batch must not be charged twice. */
    if (!stored && h->limits)
        hub_limits_untake(h->limits, who->name, (long long)n, taken_ms);
    free(subs);
    free(errors);
    batch_free(&b);
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
    {"POST", "/v1/notices", FOR_AGENCIES, HUB_MAX_BODY, post_notices, HTTP_JSON},
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

int hub_api_gate(void *ctx, const http_request *req, size_t *max_body)
{
    hub *h = ctx;

    return http_route_gate(routes, NROUTES, &h->clients, req, max_body);
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
